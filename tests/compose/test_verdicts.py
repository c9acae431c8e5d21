"""A run is told in plain words when it did no better than chance, when its loss ended far
above its start, and (with --overfit) whether it could fit a few examples."""

import json
from pathlib import Path

import numpy as np
import pytest

from compose.trainer.verdicts import chance_accuracy, notes

RECIPES = Path(__file__).parents[2] / "recipes"


def test_chance_is_the_most_common_class():
    assert chance_accuracy(np.array([[1.0], [0.0], [1.0], [1.0]])) == 0.75
    labels = np.array([0, 2, 2, 1, 2])
    assert chance_accuracy(np.eye(3)[labels]) == pytest.approx(3 / 5)


def test_notes_on_a_healthy_run_are_empty():
    assert notes({"loss": 0.01, "accuracy": 1.0}, 0.7, chance=0.5) == []


def test_a_learning_rate_of_a_million_is_called_out(cli, tmp_path):
    text = (RECIPES / "xor.yaml").read_text()
    code, out, err = cli(text, "run", "r.yaml", "--out", "out", "--quiet", "--set",
                         "train.optimizer.adam.learning_rate=1.0e+6")  # fmt: skip
    assert code == 0
    said = [line for line in out.splitlines() if line.startswith("note: ")]
    assert said[0].startswith(
        "note: accuracy 0.5 is no better than chance (0.5: always guessing the most common "
        "class): weights grew to "
    )
    assert said[1].startswith("note: the loss ended at ")
    assert "far above where it started (0.8022)" in said[1]
    assert "so the learning rate is likely too high" in said[1]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["notes"] == [line.removeprefix("note: ") for line in said]


def test_overfit_says_whether_a_few_examples_can_be_fitted(cli):
    spirals = (RECIPES / "spirals.yaml").read_text()
    code, out, err = cli(spirals, "run", "r.yaml", "--out", "a", "--quiet", "--overfit", "8",
                         "--set", "train.steps=300")  # fmt: skip
    assert code == 0
    (said,) = [line for line in out.splitlines() if line.startswith("note: ")]
    assert said.startswith("note: overfit: the loss on the first 8 examples fell from ")
    assert said.endswith(": the model can fit them, so it can learn; now train on all")
    line = (RECIPES / "linear_xor.yaml").read_text()
    code, out, err = cli(line, "run", "r.yaml", "--out", "b", "--quiet", "--overfit", "4")
    (said,) = [x for x in out.splitlines() if x.startswith("note: overfit")]
    assert said.startswith("note: overfit: the loss on the first 4 examples only fell from ")
    assert "the model cannot fit even these" in said
