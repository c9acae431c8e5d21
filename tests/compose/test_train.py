"""Training: XOR learns, a line cannot, and the run folder holds what it should."""

import json
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

import compose
from compose.runs.training import train

RECIPES = Path(__file__).parents[2] / "recipes"
XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
XOR_Y = np.array([0, 1, 1, 0], np.float32)


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run") / "xor"
    logged = []
    result = train(compose.load(RECIPES / "xor.yaml"), folder=folder, on_log=logged.append)
    return result, folder, logged


def test_xor_reaches_full_accuracy(xor_run):
    result, _, _ = xor_run
    assert result.steps == 2000
    assert result.metrics["accuracy"] == 1.0
    xs = jnp.array([[0.0, 0], [0, 1], [1, 0], [1, 1]])
    probs = [float(result.model({"x": x})["prob"][0]) for x in xs]
    assert [p > 0.5 for p in probs] == [False, True, True, False]


def test_run_folder_holds_recipe_metrics_summary_and_weights(xor_run):
    result, folder, logged = xor_run
    assert sorted(p.name for p in folder.iterdir()) == [
        "checkpoint.ckpt",
        "metrics.jsonl",
        "model.eqx",
        "norms.jsonl",
        "recipe.yaml",
        "summary.json",
    ]
    lines = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
    assert lines == logged
    assert [r["step"] for r in lines] == list(range(20, 2001, 20))
    assert all({"step", "loss", "accuracy", "seconds"} == set(r) for r in lines)
    assert lines[-1]["loss"] < lines[0]["loss"]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["steps"] == summary["of"] == 2000
    assert summary["seconds"] > 0
    assert summary["metrics"] == result.metrics
    # The final loss is measured on the four points, independently of the trainer.
    probs = np.array([float(result.model({"x": x})["prob"][0]) for x in XOR_X])
    bce = -np.mean(XOR_Y * np.log(probs) + (1 - XOR_Y) * np.log(1 - probs))
    assert summary["metrics"]["loss"] == pytest.approx(bce, rel=1e-4)
    assert compose.load(folder / "recipe.yaml").name == "xor"


def test_saved_weights_load_back_without_pickle(xor_run):
    result, folder, _ = xor_run
    assert not (folder / "model.eqx").read_bytes().startswith(b"\x80")  # no pickle header
    recipe, model = compose.load_run(folder)
    for node, slots in result.model.weights.items():
        for slot, array in slots.items():
            assert jnp.array_equal(model.weights[node][slot], array)


def test_a_line_cannot_learn_xor():
    result = train(compose.load(RECIPES / "linear_xor.yaml"))
    assert result.metrics["accuracy"] <= 0.75


def test_validation_split_and_epochs(tmp_path):
    recipe = compose.load(
        RECIPES / "spirals.yaml",
        overrides=[
            "train.epochs=2",
            "train.steps=null",
            "train.data.n=200",
            "train.validate.every=5",
        ],
    )
    result = train(recipe, folder=tmp_path / "run")
    # 200 points, 20% held out: 160 to train on, 2 full batches of 64 per epoch.
    assert result.steps == 4
    lines = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    assert {"val_loss", "val_accuracy"} <= set(json.loads(lines[-1]))


def test_schedule_clip_and_penalty_train(tmp_path):
    recipe = compose.load(
        RECIPES / "xor.yaml",
        overrides=[
            "train.schedule={cosine_decay_schedule: {decay_steps: 200}}",
            "train.clip=1.0",
            "train.penalty={l2: 1.0e-4}",
            "train.steps=200",
        ],
    )
    result = train(recipe)
    assert result.steps == 200 and np.isfinite(result.metrics["loss"])


def test_an_unknown_schedule_argument_is_a_problem():
    recipe = compose.load(
        RECIPES / "xor.yaml",
        overrides=[
            "train.schedule={cosine_decay_schedule: {decay_stpes: 200}}",
        ],
    )
    assert [str(p) for p in compose.check(recipe).problems] == [
        "--set train.schedule={cosine_decay_schedule: {decay_stpes: 200}}: "
        "train.schedule.cosine_decay_schedule.decay_stpes: schedule 'cosine_decay_schedule' "
        "takes no argument 'decay_stpes' (did you mean 'decay_steps'?)",
        "--set train.schedule={cosine_decay_schedule: {decay_stpes: 200}}: "
        "train.schedule.cosine_decay_schedule: schedule 'cosine_decay_schedule': expected "
        "'decay_steps', got nothing",
    ]


def test_an_interrupted_run_keeps_its_weights_and_says_so(tmp_path):
    def stop(record):
        if record["step"] >= 40:
            raise KeyboardInterrupt

    result = train(compose.load(RECIPES / "xor.yaml"), folder=tmp_path / "run", on_log=stop)
    # It stops where the compiled call that passed step 40 ended.
    assert result.stopped == "interrupted by Ctrl-C" and result.steps >= 40
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["stopped"] == "interrupted by Ctrl-C" and summary["steps"] == result.steps
    assert summary["status"] == "interrupted"
    _, model = compose.load_run(tmp_path / "run")
    assert jnp.array_equal(
        model.weights["hidden"]["weight"], result.model.weights["hidden"]["weight"]
    )


def test_default_run_folder_stays_inside_runs(tmp_path):
    path = compose.default_dir("../../escaped", root=tmp_path / "runs")  # what `compose run` uses
    assert path.parent == tmp_path / "runs"
    assert path.name.startswith("escaped-")


def test_an_interrupt_during_evaluation_leaves_a_consistent_folder(tmp_path, monkeypatch):
    import compose.trainer.session as session_module

    calls = {"n": 0}
    real = session_module.Session.evaluate

    def interrupting(self, model, part=""):
        calls["n"] += 1
        # The first call measures the loss before training; the fourth is the third
        # validation: its chunk has run, nothing is logged yet.
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(self, model, part)

    monkeypatch.setattr(session_module.Session, "evaluate", interrupting)
    recipe = compose.load(RECIPES / "spirals.yaml", overrides=["train.steps=200"])
    result = train(recipe, folder=tmp_path / "run")
    lines = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert [r["step"] for r in lines] == [2, 4]
    assert summary["steps"] == result.steps == 4
    assert summary["stopped"] == "interrupted by Ctrl-C"
    _, model = compose.load_run(tmp_path / "run")
    assert jnp.array_equal(model.weights["h1"]["weight"], result.model.weights["h1"]["weight"])
