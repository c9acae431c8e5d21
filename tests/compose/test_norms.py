"""The per-node norms log: one line every few log points, numbers as numpy computes them."""

import json
from pathlib import Path

import numpy as np
import pytest

import compose
from compose.norms import FILE, NormLog

RECIPES = Path(__file__).parents[2] / "recipes"


def test_norms_are_logged_beside_the_metrics(tmp_path):
    result = compose.train(compose.load(RECIPES / "xor.yaml"), folder=tmp_path / "run")
    lines = [json.loads(x) for x in (tmp_path / "run" / FILE).read_text().splitlines()]
    assert [r["step"] for r in lines] == list(range(100, 2001, 100))  # five log intervals
    last = lines[-1]
    assert list(last["nodes"]) == ["hidden", "bend", "logit", "prob", "loss"]
    assert set(last["weights"]) == {"hidden.weight", "hidden.bias", "logit.weight", "logit.bias"}
    weight = np.asarray(result.model.weights["hidden"]["weight"])
    assert last["weights"]["hidden.weight"]["norm"] == pytest.approx(np.linalg.norm(weight))
    # d(mean of 4 losses)/d(each) = 1/4, so the gradient at the loss node has norm 1/2.
    assert all(r["nodes"]["loss"]["grad"] == pytest.approx(0.5) for r in lines)


def test_update_ratio_is_the_weights_movement_per_step(tmp_path):
    recipe = compose.load(RECIPES / "xor.yaml", overrides=["train.steps=40", "train.log_every=10"])
    log = NormLog(tmp_path, every=20)
    session = compose.Session(recipe, listeners=[log]).prepare()
    session.advance()  # one call to step 20, where the log wants the model
    assert session.step == 20
    before = np.asarray(session.model.weights["logit"]["weight"])
    session.advance()
    assert session.step == 40
    after = np.asarray(session.model.weights["logit"]["weight"])
    lines = [json.loads(x) for x in (tmp_path / FILE).read_text().splitlines()]
    assert [r["step"] for r in lines] == [20, 40]
    expected = np.linalg.norm(after - before) / 20 / np.linalg.norm(after)
    assert lines[1]["weights"]["logit.weight"]["update"] == pytest.approx(expected, rel=1e-5)
    # The gradient at a sigmoid's input is the gradient at its output times p (1 - p).
    batch = session.batch(39)
    seen = compose.inspect(session.model, batch)
    p = np.asarray(seen.activations["bend"])
    g_out = np.asarray(seen.gradients["bend"])
    g_in = np.linalg.norm(g_out * p * (1 - p))
    assert lines[1]["nodes"]["hidden"]["grad"] == pytest.approx(g_in, rel=1e-4)
