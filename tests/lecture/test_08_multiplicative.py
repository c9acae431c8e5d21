"""Claim 8: a multiplicative unit represents x * z exactly with four weights; a tanh
network approximates it inside the training square and misses it outside, the more the
further out (docs/lecture.md)."""

import json

import numpy as np
import pytest

from compose import load_run
from tests.lecture.conftest import LECTURE, compose, compose_json

DATA = LECTURE / "data"
RINGS = ("08_products_1_2.npz", "08_products_2_3.npz")  # max(|x|, |z|) in [1, 2), [2, 3)


@pytest.fixture(scope="module")
def errors(tmp_path_factory):
    """recipe -> (run folder, [validation loss in [-1, 1]^2, loss on each ring])."""
    out = {}
    for name in ("08_multiplicative", "08_mlp"):
        folder = tmp_path_factory.mktemp(name) / "run"
        code, _, err = compose("run", LECTURE / f"{name}.yaml", "--out", folder,
                               "--set", "train.steps=800", "--quiet")  # fmt: skip
        assert code == 0, err
        losses = [json.loads((folder / "summary.json").read_text())["metrics"]["val_loss"]]
        for ring in RINGS:
            found = compose_json("evaluate", folder, "--data", DATA / ring)
            losses.append(found["metrics"]["loss"])
        out[name] = (folder, losses)
    return out


def test_the_data_is_the_product_inside_and_outside_the_training_square():
    for name, low, high in (("08_products.npz", 0, 1), *zip(RINGS, (1, 2), (2, 3), strict=True)):
        with np.load(DATA / name) as data:
            x, y = data["x"], data["y"]
        np.testing.assert_allclose(y[:, 0], x[:, 0] * x[:, 1], rtol=1e-6)
        size = np.abs(x).max(axis=1)
        assert low <= size.min() and size.max() <= high


@pytest.mark.parametrize("name, count", [("08_multiplicative", 4), ("08_mlp", 129)])
def test_the_weight_counts(name, count):
    code, out, err = compose("check", LECTURE / f"{name}.yaml")
    assert code == 0, err
    assert f"total parameters: {count}\n" in out


def test_the_multiplicative_unit_is_exact_everywhere(errors):
    folder, losses = errors["08_multiplicative"]
    assert max(losses) < 1e-6
    # It learned x^T W z with W = 1 and the rest 0: the product itself
    weights = load_run(folder).model.weights["pred"]
    np.testing.assert_allclose(np.ravel(weights["weight"]), [1.0], atol=1e-3)
    for slot in ("u", "v", "bias"):
        np.testing.assert_allclose(np.ravel(weights[slot]), [0.0], atol=1e-3)


def test_the_mlp_fits_inside_and_misses_more_the_further_outside(errors):
    inside, near, far = errors["08_mlp"][1]
    assert inside < 0.01
    assert near > 10 * inside and far > 5 * near
