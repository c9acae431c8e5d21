"""Training: XOR learns, a line cannot, and the run folder holds what it should."""

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import jax.numpy as jnp
import numpy as np
import pytest

import compose
from compose.cli.main import main
from compose.cli.run_command import report
from compose.runs.training import train
from compose.runtime.shown import duration

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
        "transforms.json",
    ]
    # generated data, nothing standardised: nothing for a prediction to redo
    transforms = json.loads((folder / "transforms.json").read_text())
    assert (transforms["columns"], transforms["standardize"]) == ({}, {})
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
    model = compose.load_run(folder).model
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
    model = compose.load_run(tmp_path / "run").model
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
    model = compose.load_run(tmp_path / "run").model
    assert jnp.array_equal(model.weights["h1"]["weight"], result.model.weights["h1"]["weight"])


def seconds_of(text: str) -> float:
    """A duration as the run summary writes it (`4 ms`, `3.1 s`, `2 min 5 s`), in seconds."""
    if text == "under 1 ms":
        return 0.0
    number, unit = text.split()[:2]
    return float(number) * {"ms": 1e-3, "s": 1.0, "min": 60.0}[unit]


def test_the_summary_gives_the_training_time_and_the_whole_time(tmp_path, capsys):
    began = time.perf_counter()
    code = main(["run", str(RECIPES / "xor.yaml"), "--out", str(tmp_path / "run"), "--quiet"])
    whole = time.perf_counter() - began
    assert code == 0
    first, second = capsys.readouterr().out.splitlines()[:2]
    found = re.fullmatch(
        r"xor: trained 2000 steps \(2000 epochs\) in (.+) of training "
        r"\((.+) in all, compiling included\)",
        first,
    )
    assert found, first
    assert re.fullmatch(r"train: loss \S+  accuracy 1", second), second
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert found[1] == duration(summary["seconds"])  # the compiled calls' time
    training, in_all = seconds_of(found[1]), seconds_of(found[2])
    assert training < in_all <= whole + 0.05  # compiling is in the whole time only


def test_the_run_summary_never_shows_a_negative_zero(capsys):
    result = compose.Result(None, 10, 0.0, {"loss": -0.0, "val_loss": -0.0, "test_mse": -0.0})
    session = SimpleNamespace(total=10, taken_from=(None, [], []))
    report("x", session, result, "out", in_all=-0.0)
    out = capsys.readouterr().out
    assert out.splitlines()[:4] == [
        "x: trained 10 steps in under 1 ms of training (under 1 ms in all, compiling included)",
        "train: loss 0",
        "val: val_loss 0",
        "test: test_mse 0",
    ]


STOPS_AT_40 = "train.early_stop={metric: loss, patience: 1, min_delta: 10}"


def test_the_summary_says_when_early_stopping_ended_the_run(tmp_path, capsys):
    folder = tmp_path / "run"
    assert main(["run", str(RECIPES / "xor.yaml"), "--out", str(folder), "--quiet",
                 "--set", STOPS_AT_40]) == 0  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    first = json.loads((folder / "metrics.jsonl").read_text().splitlines()[0])
    reason = (
        f"early stop: loss did not improve for 1 evaluations; best {first['loss']:.4g} at step 20"
    )
    assert out[0].startswith("xor: stopped early after 40 of 2000 steps (epoch 40.0/2000) in ")
    said = next(i for i, x in enumerate(out) if x.startswith("early stop: "))  # after the metrics
    assert out[said - 1].startswith("train: loss ") and all(len(x) <= 100 for x in out)
    assert " ".join(x.strip() for x in out[said : said + 2]) == (
        f"{reason}; the weights kept are from step 20"
    )
    summary = json.loads((folder / "summary.json").read_text())
    assert (summary["status"], summary["stopped"], summary["best_step"]) == (
        "early_stopped", reason, 20
    )  # fmt: skip


def test_the_summary_says_when_ctrl_c_ended_the_run(tmp_path):
    folder = tmp_path / "run"
    long = ["train.steps=60000", "train.log_every=500", "train.checkpoint={every: 2000}"]
    sets = [a for s in long for a in ("--set", s)]
    command = [sys.executable, "-m", "compose.cli.main", "run", str(RECIPES / "xor.yaml"),
               "--out", str(folder), "--quiet", *sets]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not (folder / "metrics.jsonl").exists() or not (folder / "metrics.jsonl").read_text():
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    summary = json.loads((folder / "summary.json").read_text())
    assert (summary["status"], summary["stopped"]) == (
        "interrupted",
        "interrupted by Ctrl-C (SIGINT)",
    )
    lines = out.splitlines()
    steps = summary["steps"]
    assert lines[0].startswith(
        f"xor: interrupted by Ctrl-C (SIGINT) after {steps} of 60000 steps (epoch "
        f"{steps}.0/60000) in "
    )
    assert lines[-1] == f"resume: compose run --resume {folder}"


def test_overfit_turns_early_stopping_off_and_says_so(tmp_path, capsys):
    folder = tmp_path / "run"
    code = main(["run", str(RECIPES / "spirals.yaml"), "--overfit", "8", "--out", str(folder),
                 "--quiet", "--set", "train.steps=60",
                 "--set", "train.early_stop={metric: val_loss, patience: 1}"])  # fmt: skip
    err = capsys.readouterr().err.splitlines()
    assert code == 0, err
    said = (
        "overfit: early stopping on val_loss is off: the run trains all its steps on the first "
        "8 examples, with no validation set, to see how far the loss falls"
    )
    assert f"warning: {said}" in err
    summary = json.loads((folder / "summary.json").read_text())
    assert (summary["status"], summary["steps"]) == ("finished", 60)
    assert said in summary["warnings"]
