"""Claim 9: on 100 noisy points a big network learns the noise (training loss near zero,
validation loss far above); input noise, dropout, an L2 penalty and early stopping each
narrow the gap, in one command's table (docs/lecture.md)."""

import pytest

from tests.lecture.conftest import LECTURE, compose, compose_json

# 16 networks trained 800 steps: their training programs are compiled to run fast
# (tests/conftest.py; the figures: docs/performance.md, "The test suite").
pytestmark = pytest.mark.trains_long

VARY = [
    *("--vary", "early_stop.patience=null,20"),  # null: no early stopping
    *("--vary", "nodes.jitter.stddev=0,0.3"),
    *("--vary", "nodes.drop1.rate,nodes.drop2.rate=0,0.5"),  # one rate for both
    *("--vary", "penalty.l2=0,0.003"),
]
NONE = "jitter.stddev=0,drop1.rate=drop2.rate=0,l2=0"
EACH = {
    "input noise": "patience=null,jitter.stddev=0.3,drop1.rate=drop2.rate=0,l2=0",
    "dropout": "patience=null,jitter.stddev=0,drop1.rate=drop2.rate=0.5,l2=0",
    "L2 penalty": "patience=null,jitter.stddev=0,drop1.rate=drop2.rate=0,l2=0.003",
    "early stopping": f"patience=20,{NONE}",
}


@pytest.fixture(scope="module")
def gaps(tmp_path_factory):
    """Setting -> validation loss minus training loss, from compare's tables of the group
    (800 steps: the full run takes 3000)."""
    folder = tmp_path_factory.mktemp("regularise") / "group"
    code, _, err = compose("run", LECTURE / "09_regularise.yaml", *VARY, "--out", folder,
                           "--set", "train.steps=800", "--quiet")  # fmt: skip
    assert code == 0, err
    table = {}
    for metric in ("loss", "val_loss"):
        for row in compose_json("compare", folder, "--metric", metric, "--out", folder / "c.png"):
            assert row["seeds"] == 1
            table.setdefault(row["setting"], {})[metric] = row["median"]
    assert len(table) == 16  # two members of eight variants each
    return {setting: m["val_loss"] - m["loss"] for setting, m in table.items()}


def test_the_big_network_learns_the_noise(gaps):
    assert gaps[f"patience=null,{NONE}"] > 0.3  # 1.7 on the full run: see the doc


@pytest.mark.parametrize("regulariser", list(EACH))
def test_each_regulariser_alone_narrows_the_gap_by_half_or_more(gaps, regulariser):
    assert gaps[EACH[regulariser]] < gaps[f"patience=null,{NONE}"] / 2
