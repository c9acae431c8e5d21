"""The sequence recipes learn the `sorted` task, and are wired the way they claim.

Bounds are the measured results with margin (measured: see each test); chance is 0.5.
"""

from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

import compose
from compose.checker.plan import Value
from compose.data import loading as data
from compose.runs.training import train

RECIPES = Path(__file__).parents[1] / "recipes"


def sequences(n=4):
    return jnp.asarray(data.DATASETS["sorted"].make(n=n, length=8, values=10, seed=3)["x"])


@pytest.mark.trains_long
def test_transformer_tells_sorted_sequences_apart():
    result = train(compose.load(RECIPES / "sorted_transformer.yaml"))
    assert result.metrics["val_accuracy"] >= 0.93  # measured 0.981
    model = result.model
    weights = model.weights
    assert weights["pos"]["weight"].shape == (8, 16)
    assert weights["att"]["query"].shape == (16, 16) and weights["att"]["output"].shape == (16, 16)
    # The MLP's linear maps each of the 8 positions with one (32, 16) weight.
    assert weights["up"]["weight"].shape == (32, 16)
    x = sequences()[0]
    seen = model.values({"x": x}, (Value("node", "n1"), Value("node", "up")))
    by_hand = seen["n1"] @ weights["up"]["weight"].T + weights["up"]["bias"]
    np.testing.assert_allclose(seen["up"], by_hand, rtol=1e-5, atol=1e-5)
    assert seen["up"].shape == (8, 32)


@pytest.mark.trains_long
def test_gru_tells_sorted_sequences_apart():
    result = train(compose.load(RECIPES / "sorted_gru.yaml"))
    assert result.metrics["val_accuracy"] >= 0.97  # measured 1.0
    w = result.model.weights["state"]
    assert w["weight_ih"].shape == (96, 8) and w["weight_hh"].shape == (96, 32)
    assert result.model({"x": sequences()[0]})["prob"].shape == (1,)


def test_sequence_recipes_say_what_they_show():
    for name in ("sorted_transformer", "sorted_gru"):
        recipe = compose.load(RECIPES / f"{name}.yaml")
        assert recipe.name == name and recipe.about
