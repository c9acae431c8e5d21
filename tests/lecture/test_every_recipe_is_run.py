"""Every recipe in recipes/lecture/ is run by the tests: tests/test_recipes.py leaves the
folder to tests/lecture/, so each recipe must be named by a lecture test module (which runs
it for its claim), and those whose claim is checked without training (counted regions,
inspected gradients) train a few steps here."""

from pathlib import Path

import jax
import pytest

import compose
from compose.runs.training import train
from tests.lecture.conftest import LECTURE

RECIPES = sorted(LECTURE.glob("*.yaml"))
MODULES = sorted(p for p in Path(__file__).parent.glob("test_*.py") if p != Path(__file__))
# Their lecture tests count regions or inspect gradients of the model as initialised
NOT_TRAINED_THERE = (
    "03_one_layer",
    "03_sawtooth",
    "05_dead_relu",
    "05_saturation",
    "06_max",
)


def test_every_lecture_recipe_is_named_by_a_lecture_test():
    assert len(RECIPES) >= 22 and MODULES
    texts = [module.read_text() for module in MODULES]
    missing = [p.name for p in RECIPES if not any(p.stem in text for text in texts)]
    assert missing == [], f"no test in tests/lecture/ runs {missing}"
    assert set(NOT_TRAINED_THERE) <= {p.stem for p in RECIPES}


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.stem)
def test_each_recipe_checks_clean_and_says_what_it_shows(path):
    recipe = compose.load(path)
    assert compose.check(recipe).problems == ()
    assert recipe.about, "every recipe says what it shows"


@pytest.mark.parametrize("name", NOT_TRAINED_THERE)
def test_the_recipes_checked_untrained_also_build_and_train(name):
    short = ["train.steps=5", "train.epochs=null"]
    recipe = compose.load(LECTURE / f"{name}.yaml", overrides=short)
    checked = compose.check(recipe)
    model = compose.build(checked, key=jax.random.key(0))
    assert set(model.plan.inputs) and model.weights
    assert train(checked).steps == 5
