"""Dropout and Gaussian noise: active with a key (training), the identity without."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import compose
from blocks import BLOCKS
from compose.runs.training import train

X = jnp.ones(20_000)


@pytest.mark.parametrize("name", ["dropout", "noise"])
def test_identity_without_a_key(name):
    block = BLOCKS[name]
    assert block.random
    assert jnp.array_equal(block([X], {}, block.with_defaults({})), X)


def test_dropout_drops_at_its_rate_and_keeps_the_mean():
    block = BLOCKS["dropout"]
    out = block([X], {}, block.with_defaults({"rate": 0.3}), key=jax.random.key(0))
    dropped = float(jnp.mean(out == 0))
    assert dropped == pytest.approx(0.3, abs=0.01)
    np.testing.assert_allclose(out[out != 0], 1 / 0.7, rtol=1e-6)
    assert float(jnp.mean(out)) == pytest.approx(1.0, abs=0.02)
    # Gradient flows only through the kept elements, scaled like them.
    grad = jax.grad(lambda x: jnp.sum(block([x], {}, {"rate": 0.3}, key=jax.random.key(0))))(X)
    np.testing.assert_allclose(grad, np.where(out != 0, 1 / 0.7, 0.0), rtol=1e-6)


def test_noise_has_its_standard_deviation():
    block = BLOCKS["noise"]
    out = block([X], {}, {"stddev": 0.2}, key=jax.random.key(0))
    assert float(jnp.std(out - X)) == pytest.approx(0.2, rel=0.03)
    assert float(jnp.mean(out - X)) == pytest.approx(0.0, abs=0.01)


DROPPY = """\
inputs: {x: [2], y: [2]}
nodes:
  noisy: {block: noise, in: x, stddev: 0.05}
  h: {block: linear, in: noisy, out: 32}
  a: {block: tanh, in: h}
  d: {block: dropout, in: a, rate: 0.2}
  logits: {block: linear, in: d, out: 2}
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


def test_the_trainer_drives_random_blocks_and_evaluation_is_deterministic():
    model = compose.build(compose.loads(DROPPY), key=jax.random.key(0))
    example = {"x": jnp.array([0.3, -0.2])}
    assert jnp.array_equal(model(example)["probs"], model(example)["probs"])
    a, b = model(example, key=jax.random.key(1)), model(example, key=jax.random.key(2))
    assert not jnp.allclose(a["probs"], b["probs"])
    first = train(compose.loads(DROPPY))
    again = train(compose.loads(DROPPY))
    assert first.metrics == again.metrics  # same seed, same keys, same run
    assert first.metrics["accuracy"] > 0.6
