"""Claim 7: a hard gate (where) routes each example's gradient through the branch it took
and none to its condition; a softmax gate (mixture) learns which branch to take
(docs/lecture.md)."""

import json

import numpy as np
import pytest

from compose import load_run
from compose.runs.initialised import initialised
from tests.lecture.conftest import LECTURE, compose, compose_json

HARD = LECTURE / "07_hard_gate.yaml"
SOFT = LECTURE / "07_soft_gate.yaml"
BATCH = "8"


def values(target, node, example):
    return compose_json("inspect", target, "--values", node, "--example", str(example),
                        "--batch", BATCH)  # fmt: skip


@pytest.mark.parametrize("example", range(4))
def test_the_gradient_reaches_only_the_branch_the_example_took(example):
    cond = values(HARD, "cond", example)
    a, b = values(HARD, "a", example), values(HARD, "b", example)
    took_a = cond["activation"][0] > 0
    taken, other = (a, b) if took_a else (b, a)
    assert taken["gradient"][0] != 0 and other["gradient"] == [0.0]
    assert cond["gradient"] == [0.0]  # a step has no slope: the condition learns nothing


def test_over_the_batch_the_branches_zeros_add_up_to_one_per_example():
    zeros = {row["path"]: row for row in values(HARD, "a", 0)["zeros"]}
    n = int(BATCH)
    assert zeros["cond"]["gradients"] == n
    assert zeros["a"]["gradients"] + zeros["b"]["gradients"] == n
    assert 0 < zeros["a"]["gradients"] < n  # both branches are taken somewhere


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Both gates after 600 steps (the full runs take 2000)."""
    out = {}
    for name, path in (("hard", HARD), ("soft", SOFT)):
        folder = tmp_path_factory.mktemp(name) / "run"
        code, _, err = compose("run", path, "--out", folder, "--set", "train.steps=600", "--quiet")
        assert code == 0, err
        out[name] = (path, folder, json.loads((folder / "summary.json").read_text()))
    return out


def test_a_hard_gates_condition_never_moves_while_its_branches_learn(trained):
    path, folder, _ = trained["hard"]
    start = initialised(path)[1].weights
    end = load_run(folder).model.weights
    for slot in ("weight", "bias"):
        np.testing.assert_array_equal(end["cond"][slot], start["cond"][slot])
    assert not np.array_equal(end["a"]["weight"], start["a"]["weight"])
    assert not np.array_equal(end["b"]["weight"], start["b"]["weight"])


def test_a_softmax_gate_learns_where_each_branch_goes_and_solves_the_task(trained):
    path, folder, summary = trained["soft"]
    start = initialised(path)[1].weights
    end = load_run(folder).model.weights
    assert not np.array_equal(end["gate"]["weight"], start["gate"]["weight"])
    assert summary["metrics"]["val_accuracy"] >= 0.97
    assert summary["metrics"]["val_accuracy"] > trained["hard"][2]["metrics"]["val_accuracy"]
