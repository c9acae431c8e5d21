"""The built model against hand-written jax.numpy with the same weights."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import compose
from tests.conftest import XOR


def xor_by_hand(w, x, y):
    h = jax.nn.sigmoid(w["hidden"]["weight"] @ x + w["hidden"]["bias"])
    p = jax.nn.sigmoid(w["logit"]["weight"] @ h + w["logit"]["bias"])
    return p, -jnp.sum(y * jnp.log(p) + (1 - y) * jnp.log(1 - p))


@pytest.fixture
def model():
    return compose.build(compose.loads(XOR), key=jax.random.key(3))


def test_is_an_ordinary_equinox_module(model):
    assert isinstance(model, eqx.Module)
    shapes = jax.tree_util.tree_map(jnp.shape, model.weights)
    assert shapes == {
        "hidden": {"weight": (2, 2), "bias": (2,)},
        "logit": {"weight": (1, 2), "bias": (1,)},
    }


def test_forward_and_gradients_equal_hand_written(model):
    x, y = jnp.array([0.3, -1.2]), jnp.array([1.0])
    p, loss = xor_by_hand(model.weights, x, y)
    out = model({"x": x})
    assert set(out) == {"prob"}
    np.testing.assert_allclose(out["prob"], p, rtol=1e-6)
    np.testing.assert_allclose(model.loss({"x": x, "y": y}), loss, rtol=1e-5)

    grads = jax.grad(lambda m: m.loss({"x": x, "y": y}))(model).weights
    expected = jax.grad(lambda w: xor_by_hand(w, x, y)[1])(model.weights)
    for node in expected:
        for slot in expected[node]:
            np.testing.assert_allclose(
                grads[node][slot], expected[node][slot], rtol=1e-4, atol=1e-7
            )


def test_vmap_and_jit(model):
    xs = jnp.array([[0.0, 0], [0, 1], [1, 0], [1, 1]])
    batched = jax.jit(jax.vmap(model))({"x": xs})["prob"]
    assert batched.shape == (4, 1)
    for i in range(4):
        np.testing.assert_allclose(batched[i], xor_by_hand(model.weights, xs[i], 0)[0], rtol=1e-6)


def test_prediction_needs_only_the_inputs_it_uses(model):
    model({"x": jnp.zeros(2)})  # no target needed for the outputs
    with pytest.raises(KeyError, match="expected the example to hold input 'y', got x"):
        model.loss({"x": jnp.zeros(2)})


def test_initial_weights_depend_on_the_node_name_not_its_neighbours():
    base = compose.build(compose.loads(XOR), key=jax.random.key(0))
    extra = XOR.replace("  loss:", "  extra: {block: linear, in: x, out: 7}\n  loss:")
    other = compose.build(compose.loads(extra), key=jax.random.key(0))
    for node in ("hidden", "logit"):
        assert jnp.array_equal(base.weights[node]["weight"], other.weights[node]["weight"])
    changed = compose.build(compose.loads(XOR), key=jax.random.key(1))
    assert not jnp.array_equal(
        base.weights["hidden"]["weight"], changed.weights["hidden"]["weight"]
    )


def test_models_whose_weights_are_drawn_alike_share_the_program_that_draws_them():
    traced: list[str] = []

    def listener(event: str, duration: float, fun_name: str = "", **kwargs) -> None:
        if event == "/jax/core/compile/jaxpr_trace_duration" and "drawn" in fun_name:
            traced.append(fun_name)

    jax.monitoring.register_event_duration_secs_listener(listener)
    first = XOR.replace("in: x, out: 2", "in: x, out: 31")  # a width of this test alone
    base = compose.build(compose.loads(first), key=jax.random.key(0))
    traced.clear()
    renamed = first.replace("sigmoid, in: hidden", "tanh, in: hidden").replace("hidden", "h")
    other = compose.build(compose.loads(renamed), key=jax.random.key(0))
    assert traced == []  # another activation and other names: the same drawings
    # each weight's key is still folded with its own name
    assert other.weights["h"]["weight"].shape == base.weights["hidden"]["weight"].shape
    assert not jnp.array_equal(other.weights["h"]["weight"], base.weights["hidden"]["weight"])
    assert jnp.array_equal(other.weights["logit"]["weight"], base.weights["logit"]["weight"])
    compose.build(compose.loads(first.replace("out: 31", "out: 30")), key=jax.random.key(0))
    assert traced == ["_drawn_compiled"]  # another width: weights of other shapes


WIRED = """\
inputs: {x: [3], task: [2]}
nodes:
  gen: {block: linear, in: task, out: 6}
  layer: {block: linear, in: x, out: 2, weight: gen, use_bias: false}
  twin: {block: linear, in: x, out: 2, weight: layer.weight, bias: hidden.bias}
  hidden: {block: linear, in: x, out: 2, weight: {init: normal, stddev: 0.5}}
  both: {block: add, in: [layer, twin]}
outputs: [both]
"""


def test_weight_wired_to_a_node_output_and_tied_to_a_weight():
    recipe = compose.loads(WIRED)
    checked = compose.check(recipe)
    assert checked.problems == ()
    sources = {(n.name, w.slot): w.source for n in checked.nodes for w in n.weights}
    assert sources[("layer", "weight")] == "from gen (6,) reshaped"
    assert sources[("twin", "weight")] == "tied to layer.weight"
    assert sources[("twin", "bias")] == "tied to hidden.bias"
    assert sources[("hidden", "weight")] == "learned, normal(stddev=0.5)"
    # Only owners store arrays: layer and twin have none of their own.
    model = compose.build(checked, key=jax.random.key(0))
    assert set(model.weights) == {"gen", "hidden"}

    def by_hand(w, x, task):
        generated = (w["gen"]["weight"] @ task + w["gen"]["bias"]).reshape(2, 3)
        return generated @ x + (generated @ x + w["hidden"]["bias"])

    x, task = jnp.array([1.0, 2, 3]), jnp.array([0.5, -1])
    np.testing.assert_allclose(
        model({"x": x, "task": task})["both"], by_hand(model.weights, x, task), rtol=1e-5
    )
    # The generated weight differs per example: a hypernetwork under vmap.
    tasks = jnp.array([[1.0, 0], [0, 1]])
    out = jax.vmap(model, in_axes=({"x": None, "task": 0},))({"x": x, "task": tasks})["both"]
    assert not jnp.allclose(out[0], out[1])
    # Gradients reach the generator through the wired weight, and sum over the tie.
    loss = lambda m: jnp.sum(m({"x": x, "task": task})["both"] ** 2)
    grads = jax.grad(loss)(model).weights
    expected = jax.grad(lambda w: jnp.sum(by_hand(w, x, task) ** 2))(model.weights)
    np.testing.assert_allclose(grads["gen"]["weight"], expected["gen"]["weight"], rtol=1e-4)


def test_init_draws_match_the_declared_initialiser():
    text = WIRED.replace("stddev: 0.5", "stddev: 2.0").replace(
        "out: 2, weight: {", "out: 4000, weight: {"
    )
    text = text.replace("both: {block: add, in: [layer, twin]}", "both: {block: tanh, in: hidden}")
    text = text.replace("bias: hidden.bias", "use_bias: false")
    model = compose.build(compose.loads(text), key=jax.random.key(0))
    assert float(jnp.std(model.weights["hidden"]["weight"])) == pytest.approx(2.0, rel=0.05)
    assert jnp.all(model.weights["hidden"]["bias"] == 0)


def test_a_model_without_running_state_compiles_no_program_for_it():
    compiled: list[str] = []
    listening = {"on": True}

    def listener(event: str, duration: float, fun_name: str = "", **kwargs) -> None:
        if listening["on"] and event == "/jax/core/compile/backend_compile_duration":
            compiled.append(fun_name)

    jax.monitoring.register_event_duration_secs_listener(listener)
    key = jax.random.key(0)
    # a hidden width of this test alone: no earlier build (in this process, or in the
    # compiled-program cache) drew weights of these shapes
    recipe = compose.loads(XOR.replace("in: x, out: 2", "in: x, out: 29"))
    try:
        model = compose.build(recipe, key=key)
    finally:
        listening["on"] = False
    assert model.state == {}
    assert [name for name in compiled if "drawn" in name] == ["jit(_drawn_compiled)"]  # weights
