"""Claim 11: sparsemax gives exact zeros where softmax cannot (docs/lecture.md)."""

import numpy as np
import pytest

from tests.lecture.conftest import LECTURE, compose, compose_json

BLOCKS = ("softmax", "sparsemax")


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    """The group of the two output blocks, trained 500 steps (the full run takes 2000)."""
    folder = tmp_path_factory.mktemp("sparse") / "group"
    code, _, err = compose("run", LECTURE / "11_sparse_outputs.yaml", "--vary",
                           "nodes.probs.block=softmax,sparsemax", "--out", folder,
                           "--set", "train.steps=500", "--quiet")  # fmt: skip
    assert code == 0, err
    return folder


def values(group, block, node, example=0):
    return compose_json("inspect", group / f"probs.block={block}", "--values", node,
                        "--example", str(example), "--batch", "32")  # fmt: skip


def sparsemax(z):
    """Martins & Astudillo's projection onto the simplex, by sorting."""
    s = np.sort(z)[::-1]
    k = np.arange(1, len(z) + 1)
    support = 1 + k * s > np.cumsum(s)
    tau = (np.cumsum(s)[support][-1] - 1) / k[support][-1]
    return np.maximum(z - tau, 0)


def test_softmax_has_no_zero_and_sparsemax_many(group):
    zeros = {}
    for block in BLOCKS:
        rows = {row["path"]: row for row in values(group, block, "probs")["zeros"]}
        zeros[block] = rows["probs"]["outputs"]
        assert rows["probs"]["size"] == 96  # 32 examples of 3 classes
    assert zeros["softmax"] == 0
    assert zeros["sparsemax"] >= 32  # at least one exact zero per example


@pytest.mark.parametrize("example", [0, 5])
def test_each_output_is_its_block_of_the_logits(group, example):
    for block in BLOCKS:
        logits = np.array(values(group, block, "logits", example)["activation"])
        probs = np.array(values(group, block, "probs", example)["activation"])
        expected = (
            np.exp(logits) / np.exp(logits).sum() if block == "softmax" else sparsemax(logits)
        )
        np.testing.assert_allclose(probs, expected, atol=1e-6)
        assert (probs == 0).any() == (block == "sparsemax")
