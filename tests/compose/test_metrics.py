"""Metrics: each against numpy on the same predictions, and refused where the loss cannot
give them."""

from pathlib import Path

import jax
import numpy as np
import pytest

import compose
from compose.checker.metrics import per_example

RNG = np.random.default_rng(0)


def batch_mean(name, pred, target, classifies):
    return float(np.mean(jax.vmap(lambda p, t: per_example(name, p, t, classifies))(pred, target)))


def test_accuracy_and_top_k_match_numpy():
    pred = RNG.normal(size=(50, 6)).astype(np.float32)
    label = RNG.integers(0, 6, 50)
    target = np.eye(6, dtype=np.float32)[label]
    rank = (pred > pred[np.arange(50), label][:, None]).sum(axis=1)  # classes scoring higher
    assert batch_mean("accuracy", pred, target, "logits") == pytest.approx(np.mean(rank == 0))
    for k in (1, 2, 5):
        expected = np.mean(rank < k)
        assert batch_mean(f"top{k}_accuracy", pred, target, "logits") == pytest.approx(expected)


def test_binary_accuracy_reads_probabilities_and_logits():
    pred = np.array([[0.2], [0.7], [0.6], [0.4]], np.float32)
    target = np.array([[0.0], [1.0], [0.0], [0.0]], np.float32)
    assert batch_mean("accuracy", pred, target, "probability") == 0.75
    assert batch_mean("accuracy", pred - 0.5, target, "logits") == 0.75


def test_mse_and_mae_match_numpy():
    pred = RNG.normal(size=(20, 3)).astype(np.float32)
    target = RNG.normal(size=(20, 3)).astype(np.float32)
    mse, mae = np.mean((pred - target) ** 2), np.mean(np.abs(pred - target))
    assert batch_mean("mse", pred, target, None) == pytest.approx(mse, rel=1e-6)
    assert batch_mean("mae", pred, target, None) == pytest.approx(mae, rel=1e-6)


REGRESSION = """\
inputs: {x: [1], y: [1]}
nodes:
  h: {block: linear, in: x, out: 1}
  loss: {block: mse, in: {pred: h, target: y}}
outputs: [h]
loss: loss
train:
  data: {dataset: sine, n: 64}
  batch: 16
  steps: 300
  optimizer: {adam: {learning_rate: 0.05}}
  metrics: [mse, mae]
"""


def test_a_regression_run_logs_mse_and_mae():
    result = compose.train(compose.loads(REGRESSION))
    assert set(result.metrics) == {"loss", "mse", "mae"}
    assert result.metrics["mse"] == pytest.approx(result.metrics["loss"], rel=1e-5)


def test_metrics_the_loss_cannot_give_are_problems():
    bad = REGRESSION.replace("[mse, mae]", "[accuracy, msee]")
    assert [str(p) for p in compose.check(compose.loads(bad)).problems] == [
        "<recipe>:12:12: train.metrics: metric 'accuracy': expected a classification loss "
        "(cross_entropy), got mse",
        "<recipe>:12:12: train.metrics: unknown metric 'msee' (did you mean 'mse'?)",
    ]
    xor = compose.load(
        Path(__file__).parents[2] / "recipes" / "xor.yaml",
        overrides=["train.metrics=[mae, top2_accuracy, top1_accuracy]"],
    )
    assert [p.message for p in compose.check(xor).problems] == [
        "metric 'mae': expected a regression loss (mse), got cross_entropy, whose prediction "
        "is a probability",
        "metric 'top2_accuracy': expected more than 2 classes, got a prediction of shape (1,)",
        "metric 'top1_accuracy': expected more than 1 class, got a prediction of shape (1,)",
    ]
