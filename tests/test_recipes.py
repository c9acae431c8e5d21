"""Every recipe in recipes/ loads, checks clean, builds, and trains for a few steps."""

from pathlib import Path

import jax
import pytest

import compose
from compose.runs.training import train

# recipes/lecture/ (docs/lecture.md's recipes) is left to tests/lecture/, which runs each of
# them for its claim; tests/lecture/test_every_recipe_is_run.py makes sure none is missed
ROOT = Path(__file__).parents[1] / "recipes"
RECIPES = sorted(p for p in ROOT.rglob("*.yaml") if "lecture" not in p.relative_to(ROOT).parts)


def test_there_are_recipes():
    assert {p.name for p in RECIPES} >= {"xor.yaml", "linear_xor.yaml", "spirals.yaml"}


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.stem)
def test_recipe_checks_builds_and_trains(path):
    recipe = compose.load(path, overrides=["train.steps=5", "train.epochs=null"])
    checked = compose.check(recipe)
    assert checked.problems == ()
    assert recipe.about, "every recipe says what it shows"
    model = compose.build(checked, key=jax.random.key(0))
    assert set(model.plan.inputs) and model.weights
    result = train(checked)
    assert result.steps == 5


def test_spirals_learns_the_two_arms():
    result = train(compose.load(RECIPES[[p.stem for p in RECIPES].index("spirals")]))
    assert result.metrics["val_accuracy"] >= 0.95
