"""Claim 4: the textbook softmax -> cross-entropy, sigmoid -> binary cross-entropy and log of
a softmax, built as written (train.rewrite=false), stop at their first step on large logits
with a message naming the log of 0; as rewritten they train (docs/lecture.md)."""

import json
import math

import pytest

from tests.lecture.conftest import LECTURE, compose

LOG_OF_ZERO = {
    "04_softmax_cross_entropy": "node 'loss' (cross_entropy) gave inf at step 1: its prediction "
    "reached exactly 0 where the target is not, and the log of 0 is -inf",
    "04_sigmoid_cross_entropy": "node 'loss' (cross_entropy) gave inf at step 1: its prediction "
    "reached exactly 1 where the target is not, so log(1 - p) is the log of 0, -inf",
    "04_log_softmax": "node 'logp' (log) gave -inf at step 1: its input reached 0, and the log "
    "of 0 is -inf",
}


def run(tmp_path, name: str, rewrite: str):
    folder = tmp_path / f"{name}-{rewrite}"
    settings = ["--set", f"train.rewrite={rewrite}", "--set", "train.steps=150", "--quiet"]
    code, out, err = compose("run", LECTURE / f"{name}.yaml", "--out", folder, *settings)
    summary = json.loads((folder / "summary.json").read_text())
    if code == 0:
        lines = (folder / "metrics.jsonl").read_text().splitlines()
        summary["losses"] = [json.loads(line)["loss"] for line in lines]
    return code, out + err, summary


@pytest.mark.parametrize("name", LOG_OF_ZERO)
def test_the_textbook_form_stops_on_the_log_of_zero_and_the_rewritten_one_trains(tmp_path, name):
    code, out, summary = run(tmp_path, name, "false")
    assert code == 1
    assert (summary["status"], summary["steps"], summary["failure"]["step"]) == ("failed", 0, 1)
    assert summary["stopped"].startswith(LOG_OF_ZERO[name])
    assert "stopped: " + LOG_OF_ZERO[name] in out
    code, out, summary = run(tmp_path, name, "true")
    assert code == 0, out
    assert (summary["status"], summary["steps"]) == ("finished", 150)
    losses = summary["losses"]
    assert all(math.isfinite(loss) for loss in losses)
    assert losses[-1] < losses[0] / 10  # a sure wrong class starts it in the hundreds
