"""Batch norm: batch statistics while training, running averages otherwise, state kept."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import compose
from blocks import BLOCKS
from compose.runs.training import train

BN = BLOCKS["batch_norm"]
HYPERS = BN.with_defaults({"momentum": 0.9})


def training_call(x, w, state):
    """The block as the trainer calls it: vmapped over a named batch axis."""
    return jax.vmap(lambda xi: BN.run([xi], w, HYPERS, state=state, batch_axis="b"), axis_name="b")(
        x
    )


def test_vectors_use_batch_statistics_and_update_the_running_ones():
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=(64, 4)).astype(np.float32)
    w = {"scale": jnp.array([1.0, 2.0, 0.5, 1.0]), "bias": jnp.array([0.0, 1.0, 0.0, -1.0])}
    state = {"mean": jnp.zeros(4), "var": jnp.ones(4)}
    out, new = training_call(x, w, state)
    mean, var = x.mean(axis=0), x.var(axis=0)
    expected = (x - mean) / np.sqrt(var + 1e-5) * np.asarray(w["scale"]) + np.asarray(w["bias"])
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(new["mean"][0], 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(new["var"][0], 0.9 + 0.1 * var, rtol=1e-5)
    # Outside training: the running statistics, and the state unchanged.
    running = new_state(new)
    single, same = BN.run([x[0]], w, HYPERS, state=running)
    np.testing.assert_allclose(
        single,
        (x[0] - running["mean"]) / np.sqrt(running["var"] + 1e-5) * w["scale"] + w["bias"],
        rtol=1e-5,
    )
    assert same is running


def new_state(batched):
    return {k: v[0] for k, v in batched.items()}


def test_images_are_normalised_per_channel():
    x = np.random.default_rng(1).normal(size=(8, 2, 3, 3)).astype(np.float32)
    w = {"scale": jnp.ones(2), "bias": jnp.zeros(2)}
    out, new = training_call(x, w, {"mean": jnp.zeros(2), "var": jnp.ones(2)})
    mean = x.mean(axis=(0, 2, 3), keepdims=True)[0]
    var = x.var(axis=(0, 2, 3), keepdims=True)[0]
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-4, atol=1e-5)
    assert new["mean"].shape == (8, 2)


RECIPE = """\
networks:
  block:
    inputs: {h: [16]}
    nodes:
      a: {block: linear, in: h, out: 16}
      n: {block: batch_norm, in: a}
      r: {block: tanh, in: n}
    outputs: [r]
inputs: {x: [2], y: [2]}
nodes:
  up: {block: linear, in: x, out: 16}
  norm: {block: batch_norm, in: up}
  body: {network: block, in: norm, repeat: 3}
  logits: {block: linear, in: body, out: 2}
  probs: {block: softmax, in: logits}
  loss: {block: cross_entropy, in: {pred: probs, target: y}}
outputs: [probs]
loss: loss
train:
  data: {dataset: spiral, n: 400, noise: 0.05, val: 0.25}
  batch: 32
  steps: 300
  optimizer: {adam: {learning_rate: 0.01}}
  metrics: [accuracy]
"""


def test_training_keeps_running_statistics_in_the_model_state(tmp_path):
    checked = compose.check(compose.loads(RECIPE))
    assert checked.problems == ()
    fresh = compose.build(checked, key=jax.random.key(0))
    assert fresh.state["norm"]["mean"].shape == (16,)
    assert fresh.state["body"]["n"]["var"].shape == (3, 16)  # one per repeated copy
    assert set(fresh.weights["norm"]) == {"scale", "bias"}  # the state is not trained
    result = train(checked, folder=tmp_path / "run")
    state = result.model.state
    assert not jnp.allclose(state["norm"]["mean"], 0)
    assert not jnp.allclose(state["body"]["n"]["var"][0], state["body"]["n"]["var"][1])
    assert result.metrics["val_accuracy"] >= 0.8
    loaded = compose.load_run(tmp_path / "run").model
    np.testing.assert_array_equal(loaded.state["norm"]["mean"], state["norm"]["mean"])


def test_summary_marks_state_as_not_trained():
    node = next(n for n in compose.check(compose.loads(RECIPE)).nodes if n.name == "norm")
    assert [(w.slot, w.source, w.params) for w in node.weights] == [
        ("scale", "learned, ones", 16),
        ("bias", "learned, zeros", 16),
        ("mean", "running state, not trained", 0),
        ("var", "running state, not trained", 0),
    ]


@pytest.mark.parametrize("momentum", [1.0, -0.1])
def test_momentum_must_be_a_fraction(momentum):
    recipe = compose.loads(
        f"inputs: {{x: [2]}}\nnodes: {{n: {{block: batch_norm, in: x, momentum: {momentum}}}}}\n"
        "outputs: [n]\n"
    )
    assert [p.message for p in compose.check(recipe).problems] == [
        f"node 'n' (batch_norm): expected a value in [0, 1), got {momentum}"
    ]
