"""The plane's numbers without matplotlib: which input is the plane, the values over a grid."""

import doctest
import importlib
import logging
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import compose

RECIPES = Path(__file__).parents[2] / "recipes"


def xor_model():
    checked = compose.check(compose.load(RECIPES / "xor.yaml"))
    return compose.build(checked, jax.random.key(0))


def test_the_grid_holds_the_models_own_values_row_by_row():
    model = xor_model()
    found = compose.plane(model.plan)
    assert (found.input, found.label, found.hidden) == ("x", "y", ("hidden", "bend"))
    grid = compose.grid_values(model, found, (0.0, 1.0, -1.0, 1.0), n=5)
    assert grid.extent == (0.0, 1.0, -1.0, 1.0)
    i, j = 3, 1  # row i at ys[i], column j at xs[j]
    point = jnp.array([grid.xs[j], grid.ys[i]])
    direct = model.values({"x": point}, (found.prediction,))[str(found.prediction)]
    np.testing.assert_allclose(grid.values[str(found.prediction)][i, j], direct, rtol=1e-5)
    assert grid.values["bend"].shape == (5, 5, 2)


def test_a_second_grid_of_the_same_model_compiles_nothing(caplog):
    model = xor_model()
    found = compose.plane(model.plan)
    compose.grid_values(model, found, (0.0, 1.0, 0.0, 1.0), n=7)
    moved = jax.tree_util.tree_map(lambda a: a + 1, model)  # new weights, same structure
    with jax.log_compiles(), caplog.at_level(logging.WARNING):
        compose.grid_values(moved, found, (-1.0, 2.0, -1.0, 2.0), n=7)
    assert not [r for r in caplog.records if "Compiling" in r.getMessage()]


def test_classes_from_predictions_and_targets():
    probabilities = compose.class_probabilities(np.array([[0.9], [0.2]]), "probability")
    np.testing.assert_allclose(probabilities, [[0.1, 0.9], [0.8, 0.2]])
    assert compose.class_labels(np.array([[0, 1], [1, 0]])).tolist() == [1, 0]


def test_docstring_examples_run():
    assert doctest.testmod(importlib.import_module("compose.model.plane")).failed == 0
