"""Looking inside: activations and gradients at every node and weight, checked independently."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import compose
from compose.model.composed import Extras, run
from compose.model.inspection import inspect

MLP = """\
inputs: {x: [3], y: [2]}
nodes:
  h: {block: linear, in: x, out: 4}
  a: {block: tanh, in: h}
  out: {block: linear, in: a, out: 2}
  loss: {block: mse, in: {pred: out, target: y}}
outputs: [out]
loss: loss
"""

NESTED = """\
networks:
  residual:
    inputs: {h: [3]}
    nodes:
      a: {block: linear, in: h, out: 3}
      b: {block: tanh, in: a}
      s: {block: add, in: [h, b]}
    outputs: [s]
  gen:
    inputs: {z: [2]}
    nodes: {w: {block: linear, in: z, out: 6}}
    outputs: [w]
inputs: {x: [3], y: [2]}
nodes:
  body: {network: residual, in: x, repeat: 4}
  code: {block: split, in: x, parts: 3, index: 0}
  pad: {block: concat, in: [code, code]}
  g: {network: gen, in: pad}
  out: {block: linear, in: body, out: 2, weight: g}
  loss: {block: mse, in: {pred: out, target: y}}
outputs: [out]
loss: loss
"""


def batch(n=5):
    return {
        "x": jax.random.normal(jax.random.key(1), (n, 3)),
        "y": jax.random.normal(jax.random.key(2), (n, 2)),
    }


def test_node_gradients_equal_backprop_by_hand():
    model = compose.build(compose.loads(MLP), key=jax.random.key(0))
    b = batch()
    seen = inspect(model, b)
    w = model.weights
    h = b["x"] @ w["h"]["weight"].T + w["h"]["bias"]
    a = jnp.tanh(h)
    out = a @ w["out"]["weight"].T + w["out"]["bias"]
    n = len(h)
    # loss = mean over batch of mean over 2 outputs of (out - y)^2
    d_out = 2 * (out - b["y"]) / 2 / n
    d_a = d_out @ w["out"]["weight"]
    d_h = d_a * (1 - a**2)
    assert list(seen.activations) == ["h", "a", "out", "loss"]
    np.testing.assert_allclose(seen.activations["a"], a, rtol=1e-5)
    np.testing.assert_allclose(seen.gradients["out"], d_out, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(seen.gradients["a"], d_a, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(seen.gradients["h"], d_h, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(seen.gradients["loss"], np.full(n, 1 / n), rtol=1e-6)
    np.testing.assert_allclose(seen.weight_gradients["h.weight"], d_h.T @ b["x"], rtol=1e-4)
    assert seen.loss == pytest.approx(float(jnp.mean((out - b["y"]) ** 2)), rel=1e-5)


def test_paths_cover_networks_and_repeats():
    model = compose.build(compose.loads(NESTED), key=jax.random.key(0))
    seen = inspect(model, batch())
    assert list(seen.activations) == [
        "body", "body/a", "body/b", "body/s", "code", "pad", "g", "g/w", "out", "loss",
    ]  # fmt: skip
    assert seen.activations["body/a"].shape == (5, 4, 3)  # batch, repeat index, shape
    assert seen.gradients["body/s"].shape == (5, 4, 3)
    # The last copy's output is the instance's output.
    np.testing.assert_allclose(seen.activations["body/s"][:, -1], seen.activations["body"])
    assert seen.weight_gradients["body/a.weight"].shape == (4, 3, 3)
    assert set(seen.weight_gradients) == {
        "body/a.weight", "body/a.bias", "g/w.weight", "g/w.bias", "out.bias",
    }  # fmt: skip


def nudge(array, index, delta):
    """A copy of `array` with `delta` added at `index`, on the host: the same float64 sum,
    with no program compiled for each index and shape."""
    out = np.array(array)
    out[index] += delta
    return out


def test_gradients_match_finite_differences_through_repeats_and_generated_weights():
    with jax.enable_x64(True):
        model = compose.build(compose.loads(NESTED), key=jax.random.key(0))
        model = jax.tree_util.tree_map(lambda a: a.astype(jnp.float64), model)
        b = {k: v.astype(jnp.float64) for k, v in batch().items()}
        seen = inspect(model, b)

        @jax.jit  # one program for every nudge, not each operation compiled on its own
        def batch_loss(weights, taps):
            def one(example, tap):
                values = run(model.plan, weights, example, (model.plan.loss,), Extras(taps=tap))
                return values[str(model.plan.loss)]

            return jnp.mean(jax.vmap(one)(b, taps))

        def mean_loss(weights, taps=None):
            return float(batch_loss(weights, taps))

        def nudged(key, index, delta):
            """The loss with weight `key` ("net/node.slot") moved by delta at `index`."""
            weights = jax.tree_util.tree_map(lambda a: a, model.weights)  # a fresh tree
            path, slot = key.rsplit(".", 1)
            owner = weights
            for part in path.split("/"):
                owner = owner[part]
            owner[slot] = nudge(owner[slot], index, delta)
            return mean_loss(weights)

        eps = 1e-6
        for key, index in [
            ("body/a.weight", (2, 1, 0)),
            ("g/w.weight", (4, 1)),
            ("out.bias", (1,)),
        ]:
            numeric = (nudged(key, index, eps) - nudged(key, index, -eps)) / (2 * eps)
            assert float(seen.weight_gradients[key][index]) == pytest.approx(numeric, rel=1e-5)

        # A node's gradient: nudge that node's output (through the additive tap) for one
        # example and copy of the repeat, and compare.
        from compose.model.inspection import zero_taps

        base = jax.tree_util.tree_map(
            lambda z: np.zeros((5, *z.shape), np.float64), zero_taps(model.plan)
        )
        for path, index in [("body/b", (3, 2, 1)), ("pad", (0, 1)), ("g", (2, 5))]:

            def with_tap(delta, path=path, index=index):
                taps = jax.tree_util.tree_map(lambda a: a, base)
                outer, _, inner = path.partition("/")
                where = taps[f"{outer}/"] if inner else taps
                name = inner or outer
                where[name] = nudge(where[name], index, delta)
                return mean_loss(model.weights, taps)

            numeric = (with_tap(eps) - with_tap(-eps)) / (2 * eps)
            assert float(seen.gradients[path][index]) == pytest.approx(numeric, rel=1e-5, abs=1e-10)
