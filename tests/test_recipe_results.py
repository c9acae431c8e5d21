"""The example recipes learn what their `about` says, and are wired the way they claim.

Bounds are the measured results with margin (measured: see each test).
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import compose
from compose.checker.plan import Value
from compose.data import loading as data
from compose.runs.training import train

RECIPES = Path(__file__).parents[1] / "recipes"


def spiral_points(n=200):
    arrays = data.DATASETS["spiral"].make(n=n, noise=0.05, classes=2, turns=1.0, seed=1)
    return jnp.asarray(arrays["x"])


def step_of(model, name):
    return next(s for s in model.plan.steps if s.name == name)


def test_hypernetwork_classifies_with_a_weight_generated_per_example():
    result = train(compose.load(RECIPES / "hypernetwork.yaml"))
    assert result.metrics["val_accuracy"] >= 0.97  # measured 1.0
    model = result.model
    wired = dict(step_of(model, "logits").weights)["weight"]
    assert (wired.kind, wired.name, wired.reshape) == ("node", "gen", (2, 16))
    assert "weight" not in model.weights.get("logits", {}), "the generated weight is not stored"
    # The generated weight differs between two examples, and the layer uses it.
    a, b = spiral_points()[:2]
    wanted = (wired, Value("node", "a1"))
    va, vb = model.values({"x": a}, wanted), model.values({"x": b}, wanted)
    assert not jnp.allclose(va["gen"], vb["gen"], atol=1e-3)
    logits = model.values({"x": a}, (Value("node", "logits"),))["logits"]
    by_hand = va["gen"].reshape(2, 16) @ va["a1"] + model.weights["logits"]["bias"]
    np.testing.assert_allclose(logits, by_hand, rtol=1e-5, atol=1e-6)


def test_mixture_of_experts_gate_shares_the_plane():
    result = train(compose.load(RECIPES / "mixture_of_experts.yaml"))
    assert result.metrics["val_accuracy"] >= 0.97  # measured 1.0
    model = result.model
    wanted = tuple(Value("node", n) for n in ("gate", "e0", "e1", "e2", "logits"))
    values = jax.vmap(lambda x: model.values({"x": x}, wanted))(spiral_points(1000))
    gate = jax.nn.softmax(values["gate"])
    experts = jnp.stack([values[f"e{k}"] for k in range(3)], axis=1)  # (n, 3, 2)
    np.testing.assert_allclose(
        values["logits"], jnp.einsum("nk,nkc->nc", gate, experts), rtol=1e-4, atol=1e-5
    )
    # Every expert leads somewhere (measured: 11%, 12%, 77% of the points).
    share = np.bincount(np.argmax(gate, axis=1), minlength=3) / len(gate)
    assert share.min() >= 0.03, share


def test_multiplicative_unit_learns_the_product():
    recipe = compose.load(RECIPES / "multiplicative.yaml")
    first = train(compose.load(RECIPES / "multiplicative.yaml", overrides=["train.steps=1"]))
    result = train(recipe)
    assert first.metrics["val_loss"] > 0.1  # measured 0.83 after one step
    assert result.metrics["val_loss"] < 1e-6  # measured 8e-13
    w = result.model.weights["pred"]
    np.testing.assert_allclose(w["weight"].ravel(), [1.0], atol=1e-3)  # z^T W x = x1 * x2
    for slot in ("u", "v", "bias"):
        np.testing.assert_allclose(w[slot].ravel(), [0.0], atol=1e-3)


@pytest.mark.trains_long
def test_deep_residual_stacks_32_blocks_and_learns():
    result = train(compose.load(RECIPES / "deep_residual.yaml"))
    assert result.metrics["val_accuracy"] >= 0.97  # measured 1.0
    body = result.model.weights["body"]
    assert body["a"]["weight"].shape == (32, 16, 16) and body["a"]["bias"].shape == (32, 16)
    assert body["c"]["weight"].shape == (32, 16, 16)
    assert not jnp.allclose(body["a"]["weight"][0], body["a"]["weight"][31])
    assert step_of(result.model, "body").repeat == 32


def test_tied_encoders_store_one_weight():
    result = train(compose.load(RECIPES / "tied.yaml"))
    assert result.metrics["val_accuracy"] >= 0.97  # measured 1.0
    model = result.model
    assert "enc_b" not in model.weights
    assert set(model.weights["enc_a"]) == {"weight", "bias"}
    leaves = jax.tree_util.tree_leaves(model.weights)
    assert sum(leaf.shape == (16, 1) for leaf in leaves) == 1, "one encoder weight for both"
    x = spiral_points()[0]
    wanted = (Value("node", "f_b"),)
    out = model.values({"x": x}, wanted)
    enc = model.weights["enc_a"]
    np.testing.assert_allclose(out["f_b"], jnp.tanh(enc["weight"] @ x[1:] + enc["bias"]), 1e-5)


@pytest.mark.trains_long
def test_digits_cnn_reads_handwritten_digits():
    result = train(compose.load(RECIPES / "digits_cnn.yaml"))
    assert result.metrics["val_accuracy"] >= 0.95  # measured 0.992 (chance: 0.1)
    assert result.model.weights["conv"]["weight"].shape == (8, 1, 3, 3)
    probs = result.model({"x": jnp.zeros(64)})["probs"]
    assert probs.shape == (10,) and jnp.isclose(probs.sum(), 1.0)


def test_digits_mlp_reads_handwritten_digits():
    result = train(compose.load(RECIPES / "digits_mlp.yaml"))
    assert result.metrics["val_accuracy"] >= 0.95  # measured 0.989 (chance: 0.1)
    assert result.model.weights["hidden"]["weight"].shape == (128, 64)


@pytest.mark.parametrize(
    "name",
    [
        "hypernetwork",
        "mixture_of_experts",
        "multiplicative",
        "deep_residual",
        "tied",
        "digits_cnn",
        "digits_mlp",
    ],
)
def test_recipe_says_what_it_shows(name):
    recipe = compose.load(RECIPES / f"{name}.yaml")
    assert recipe.name == name and recipe.about
