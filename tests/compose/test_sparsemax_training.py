"""sparsemax -> cross_entropy trains: the exact zeros sparsemax gives where the target is
zero used to make 0 * log 0 = NaN at the second step."""

import math

import numpy as np

import compose
from compose.runs.training import train

RECIPE = """\
inputs: {x: [2], y: [3]}
nodes:
  logits: {block: linear, in: x, out: 3, weight: {init: zeros}}
  probs: {block: sparsemax, in: logits}
  loss: {block: cross_entropy, in: {pred: probs, target: y}}
outputs: [probs]
loss: loss
train:
  data: {dataset: spiral, n: 64, classes: 3}
  batch: 16
  steps: 20
  log_every: 1
  optimizer: {sgd: {learning_rate: 0.5}}
  seed: 0
"""


def test_twenty_steps_of_sparsemax_cross_entropy_have_finite_losses():
    # Three clusters a line apart each: every target stays in sparsemax's support, while
    # the other classes reach exact zeros within a few steps.
    rng = np.random.default_rng(0)
    label = rng.integers(0, 3, 64)
    angle = 2 * np.pi * label / 3
    x = np.stack([np.cos(angle), np.sin(angle)], 1) + 0.1 * rng.standard_normal((64, 2))
    y = np.eye(3)[label]
    logged = []
    data = {"x": x.astype(np.float32), "y": y.astype(np.float32)}
    result = train(compose.loads(RECIPE), data=data, on_log=logged.append)
    losses = [record["loss"] for record in logged if "loss" in record]
    assert result.steps == 20 and len(losses) >= 20
    assert all(math.isfinite(v) for v in losses)
    assert losses[-1] < 0.1 < losses[0]
