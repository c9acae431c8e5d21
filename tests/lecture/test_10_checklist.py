"""Claim 10, the debugging checklist: the initialisation check catches an all-zero
initialisation before training; training on a small sample (--overfit 8) drives a sound
recipe's loss to near zero and fails on a broken one, even one the initialisation check
cannot see (docs/lecture.md)."""

import json
import math

import pytest

from tests.lecture.conftest import LECTURE, compose

RECIPES = ("10_checklist", "10_zero_init", "10_squashed_logits")


@pytest.fixture(scope="module")
def overfit(tmp_path_factory):
    """Recipe -> the summary of `compose run R.yaml --overfit 8` (300 steps; the full runs
    take 500)."""
    out = {}
    for name in RECIPES:
        folder = tmp_path_factory.mktemp(name) / "run"
        code, _, err = compose("run", LECTURE / f"{name}.yaml", "--overfit", "8",
                               "--out", folder, "--set", "train.steps=300", "--quiet")  # fmt: skip
        assert code == 0, err
        out[name] = json.loads((folder / "summary.json").read_text())
    return out


def test_the_initialisation_check_names_the_zero_weights_and_nothing_else(overfit):
    warnings = overfit["10_zero_init"]["warnings"]
    for node, rows in (("h1", 16), ("h2", 16), ("logits", 2)):
        assert any(f"weight '{node}.weight': symmetric: its {rows} rows are equal" in w
                   for w in warnings)  # fmt: skip
    # a summary keeps warnings when there are some
    for name in ("10_checklist", "10_squashed_logits"):
        assert "warnings" not in overfit[name]


def test_the_sound_recipe_fits_eight_examples(overfit):
    [note] = [n for n in overfit["10_checklist"]["notes"] if n.startswith("overfit:")]
    assert "the model can fit them" in note
    assert overfit["10_checklist"]["metrics"]["loss"] < 0.01


@pytest.mark.parametrize("name", ["10_zero_init", "10_squashed_logits"])
def test_a_broken_recipe_cannot_fit_even_eight_examples(overfit, name):
    [note] = [n for n in overfit[name]["notes"] if n.startswith("overfit:")]
    assert "the model cannot fit even these" in note


def test_squashed_logits_stop_at_the_floor_the_tanh_sets(overfit):
    # Logits in [-1, 1]: the right class's probability is at most e / (e + 1/e), so each
    # example's cross-entropy is at least log(1 + e^-2)
    floor = math.log1p(math.exp(-2.0))
    assert floor - 1e-4 <= overfit["10_squashed_logits"]["metrics"]["loss"] < 1.5 * floor
