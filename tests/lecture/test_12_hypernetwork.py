"""Claim 12: a hypernetwork (a layer's weight made from the task by a small network) solves
a family of tasks, rotations by an angle given as (cos, sin), that one shared layer reading
the point and the task cannot (docs/lecture.md)."""

import numpy as np
import pytest

from tests.lecture.conftest import LECTURE, compose, compose_json


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """compare's validation losses of both recipes over two seeds (800 steps; the full runs
    take 2000 over four)."""
    base = tmp_path_factory.mktemp("tasks")
    for name, recipe in (("shared", "12_shared.yaml"), ("hypernetwork", "12_hypernetwork.yaml")):
        code, _, err = compose("run", LECTURE / recipe, "--vary", "seed=0:2",
                               "--out", base / name, "--set", "train.steps=800",
                               "--quiet")  # fmt: skip
        assert code == 0, err
    rows = compose_json("compare", base / "shared", base / "hypernetwork",
                        "--metric", "val_loss", "--out", base / "c.png")  # fmt: skip
    return {row["setting"].split(":")[0]: row for row in rows}


def best_linear_loss():
    """The mean squared error of the best linear function of (x, t) on the data, by least
    squares: what any shared layer can do at most."""
    with np.load(LECTURE / "data" / "12_rotations.npz") as data:
        x, t, y = data["x"], data["t"], data["y"]
    inputs = np.concatenate([x, t, np.ones((len(x), 1))], axis=1).astype(np.float64)
    fit = np.linalg.lstsq(inputs, y, rcond=None)[0]
    return float(np.mean((inputs @ fit - y) ** 2))


def test_no_shared_layer_does_better_than_predicting_nothing():
    # Every term of x rotated by theta is a product of a coordinate and cos or sin, which is
    # uncorrelated with x, t and 1: the best linear fit is about 0, its error E[x1^2] = 1/3
    assert best_linear_loss() == pytest.approx(1 / 3, abs=0.02)


def test_the_shared_layer_stays_at_the_best_linear_loss(table):
    shared = table["shared"]
    assert shared["seeds"] == 2
    assert shared["lowest"] > 0.9 * best_linear_loss()


def test_the_hypernetwork_solves_every_task(table):
    hyper = table["hypernetwork"]
    assert hyper["seeds"] == 2
    assert hyper["highest"] < 1e-3
