"""Nothing lost: checkpoints written whole, damage detected, a killed run resumed to the
same weights bit for bit, and Ctrl-C or SIGTERM at any moment ending cleanly."""

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import jax
import numpy as np
import pytest

import compose
from compose.cli.main import main
from compose.runs import checkpoint
from compose.runs.checkpoint import Checkpoints
from compose.runs.training import train
from compose.trainer.listener import Listener

RECIPES = Path(__file__).parents[2] / "recipes"
LONG = ["train.steps=60000", "train.log_every=500", "train.checkpoint={every: 2000, seconds: 0}"]


def xor(*overrides):
    return compose.load(RECIPES / "xor.yaml", overrides=list(overrides))


def weights_equal(a, b) -> bool:
    leaves_a, leaves_b = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    return len(leaves_a) == len(leaves_b) and all(
        np.array_equal(np.asarray(x), np.asarray(y))
        for x, y in zip(leaves_a, leaves_b, strict=True)
    )


def metric_lines(folder: Path) -> list[dict]:
    lines = [json.loads(x) for x in (folder / "metrics.jsonl").read_text().splitlines()]
    return [{k: v for k, v in r.items() if k != "seconds"} for r in lines]


def compose_run(*args, **kwargs):
    command = [sys.executable, "-m", "compose.cli.main", "run", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def checkpoint_step(folder: Path) -> int:
    """The step of the folder's checkpoint, -1 while there is none (read without jax)."""
    try:
        raw = (folder / checkpoint.FILE).read_bytes()
        return json.loads(raw.split(b"\n", 2)[1])["step"]
    except (OSError, IndexError, ValueError):
        return -1


@pytest.mark.as_shipped
def test_an_interrupted_run_resumes_to_the_same_weights(tmp_path):
    straight = train(xor("train.steps=400", "train.checkpoint={every: 100}"))

    class Interrupt(Listener):
        every = 180  # a compiled call ends there, so Ctrl-C can land at that step

        def logged(self, session, record):
            if record["step"] == 180:
                raise KeyboardInterrupt

    first = train(
        xor("train.steps=400", "train.checkpoint={every: 100}"),
        folder=tmp_path / "run",
        listeners=[Interrupt()],
    )
    assert first.stopped == "interrupted by Ctrl-C" and first.steps == 180
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["steps"] == 180
    resumed = train(
        compose.load(tmp_path / "run" / "recipe.yaml"), folder=tmp_path / "run", resume=True
    )
    assert resumed.steps == 400 and not resumed.stopped
    assert weights_equal(resumed.model.weights, straight.model.weights)
    assert [r["step"] for r in metric_lines(tmp_path / "run")] == list(range(4, 401, 4))


@pytest.mark.as_shipped
def test_a_run_killed_with_sigkill_resumes_bit_for_bit(tmp_path):
    recipe = str(RECIPES / "xor.yaml")
    sets = [a for item in LONG for a in ("--set", item)]
    killed = tmp_path / "killed"
    process = compose_run(recipe, "--out", str(killed), "--quiet", *sets)
    deadline = time.monotonic() + 300
    while checkpoint_step(killed) < 2000 and process.poll() is None:
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.005)
    process.kill()
    process.wait()
    summary = json.loads((killed / "summary.json").read_text())
    assert summary["status"] == "running", "the run ended before it could be killed"
    at = checkpoint_step(killed)
    assert 2000 <= at < 60000
    done = subprocess.run(
        [sys.executable, "-m", "compose.cli.main", "run", "--resume", str(killed), "--quiet"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    straight = train(xor(*LONG), folder=tmp_path / "straight")
    model = compose.load_run(killed).model
    assert weights_equal(model.weights, straight.model.weights)
    assert metric_lines(killed) == metric_lines(tmp_path / "straight")
    assert json.loads((killed / "summary.json").read_text())["status"] == "finished"


@pytest.mark.parametrize("attempt", range(6))
def test_a_signal_at_any_moment_ends_cleanly(tmp_path, attempt):
    rng = random.Random(attempt)
    number = rng.choice([signal.SIGINT, signal.SIGTERM])
    folder = tmp_path / "run"
    process = compose_run(str(RECIPES / "xor.yaml"), "--out", str(folder), "--quiet", *[
        a for item in LONG for a in ("--set", item)
    ])  # fmt: skip
    time.sleep(rng.uniform(0.1, 4.0))  # before ~0.05 s Python has not run our code yet
    process.send_signal(number)
    out, err = (text.decode() for text in process.communicate(timeout=120))
    # Killed by the signal's default action: it came while Python itself started or ended,
    # before our code ran or after the command returned (a loaded machine is slow at both).
    killed = process.returncode == -number
    assert killed or process.returncode in (0, 128 + number), (process.returncode, err)
    assert "Traceback" not in err and "Segmentation" not in err
    if not (folder / "summary.json").exists():  # stopped before the run folder was begun
        assert (killed or "interrupted" in err) and not folder.exists()
        return
    summary = json.loads((folder / "summary.json").read_text())
    assert (
        summary["status"] == "finished"
        if killed
        else summary["status"] in ("interrupted", "finished")
    )
    assert all(r["step"] <= summary["steps"] for r in metric_lines(folder))
    assert compose.load_run(folder).model.weights  # the weights load back
    if summary["status"] == "interrupted":
        said = "Ctrl-C (SIGINT)" if number == signal.SIGINT else "SIGTERM"
        assert summary["stopped"] == f"interrupted by {said}"
        assert f"resume: compose run --resume {folder}" in out
        assert checkpoint_step(folder) == summary["steps"]


def test_a_damaged_checkpoint_is_detected_and_the_previous_one_used(tmp_path):
    every_100 = "train.checkpoint={every: 100, seconds: 0}"  # not one a second: each
    train(xor("train.steps=200", every_100), folder=tmp_path / "run")
    path = tmp_path / "run" / checkpoint.FILE
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0xFF
    path.write_bytes(bytes(raw))
    session = compose.Session(xor("train.steps=200")).prepare()
    with pytest.raises(checkpoint.CheckpointError, match="damaged"):
        checkpoint.read(path, session.state_tree())
    tree, header, warnings = checkpoint.latest(tmp_path / "run", session.state_tree())
    assert header["step"] == 100  # the newest is damaged; the one before it is whole
    assert len(warnings) == 1 and "damaged" in warnings[0]


class Ends(Listener):
    """The step each compiled call ended at."""

    def __init__(self):
        self.steps = []

    def logged(self, session, record):
        if not self.steps or self.steps[-1] != session.step:
            self.steps.append(session.step)


def test_checkpoints_come_at_most_once_a_second_of_training_unless_seconds_is_0(tmp_path):
    recipe = xor("train.steps=400", "train.checkpoint={every: 100}")
    assert recipe.train.checkpoint_seconds == 1
    ends = Ends()
    paced = [Checkpoints(tmp_path / "paced", 100, pause=recipe.train.checkpoint_seconds), ends]
    result = compose.Session(recipe, listeners=paced).run()
    assert result.seconds < 1  # 400 XOR steps: far less than a second of training
    assert ends.steps == [400]  # so no call ended at a multiple of 100 for a checkpoint
    assert checkpoint_step(tmp_path / "paced") == 400  # the one at the end, only
    assert not (tmp_path / "paced" / checkpoint.PREVIOUS).exists()
    recipe = xor("train.steps=400", "train.checkpoint={every: 100, seconds: 0}")
    assert recipe.train.checkpoint_seconds == 0
    ends = Ends()
    each = [Checkpoints(tmp_path / "each", 100, pause=recipe.train.checkpoint_seconds), ends]
    compose.Session(recipe, listeners=each).run()
    assert ends.steps == [100, 200, 300, 400]
    previous = tmp_path / "each" / checkpoint.PREVIOUS
    assert json.loads(previous.read_bytes().split(b"\n", 2)[1])["step"] == 300


def test_checkpoint_seconds_must_not_be_negative():
    problems = compose.check(xor("train.checkpoint={every: 100, seconds: -1}")).problems
    assert [p.message for p in problems] == ["expected at least 0, got -1"]


def test_a_checkpoint_holds_the_state_and_no_pickle(tmp_path):
    train(xor("train.steps=100"), folder=tmp_path / "run")
    raw = (tmp_path / "run" / checkpoint.FILE).read_bytes()
    assert raw.startswith(checkpoint.MAGIC) and b"\x80\x04" not in raw[:200]
    header = json.loads(raw.split(b"\n", 2)[1])
    assert header["step"] == 100 and header["seed"] == 0
    # Sealed: its last line names the SHA-256 of everything before it, header included.
    body, last = raw.rsplit(b"\n", 2)[0], raw.rsplit(b"\n", 2)[1]
    assert last == b"blockcompose sha256 " + hashlib.sha256(body).hexdigest().encode()


def test_out_refuses_a_folder_that_is_not_new(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "recipe.yaml").write_text("# my own recipe\n")
    (tmp_path / "file").write_text("x")
    recipe = str(RECIPES / "xor.yaml")
    assert main(["run", recipe, "--out", "mine", "--quiet"]) == 2
    assert main(["run", recipe, "--out", "file", "--quiet"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "mine: expected a new or empty folder for the run, got one holding recipe.yaml",
        "file: expected a folder for the run, got a file",
    ]
    assert (tmp_path / "mine" / "recipe.yaml").read_text() == "# my own recipe\n"


def test_resume_needs_a_run_folder(tmp_path, capsys):
    assert main(["run", "--resume", str(tmp_path), "--quiet"]) == 2
    assert capsys.readouterr().err == (
        f"compose run: --resume {tmp_path}: expected a run folder (with recipe.yaml and "
        "summary.json), got none there\n"
    )


def test_the_run_folder_is_self_contained(tmp_path):
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "enc.yaml").write_text(
        "inputs: {x: [2]}\nnodes:\n  h: {block: linear, in: x, out: 2}\n"
        "  a: {block: sigmoid, in: h}\noutputs: [a]\n"
    )
    text = (
        (RECIPES / "xor.yaml")
        .read_text()
        .replace("{block: linear, in: x, out: 2}", "{network: parts/enc.yaml, in: x}")
        .replace("{block: sigmoid, in: hidden}", "{block: scale, in: hidden, by: 1.0}")
    )
    (tmp_path / "main.yaml").write_text(text)
    result = train(compose.load(tmp_path / "main.yaml", overrides=["train.steps=50"]),
                   folder=tmp_path / "run")  # fmt: skip
    moved = tmp_path / "elsewhere" / "run"
    moved.parent.mkdir()
    os.rename(tmp_path / "run", moved)
    (tmp_path / "parts" / "enc.yaml").unlink()
    run = compose.load_run(moved)
    recipe, model = run.recipe, run.model
    assert recipe.train.steps == 50  # the override is part of the saved recipe
    assert weights_equal(model.weights, result.model.weights)


def test_resume_without_a_whole_checkpoint_is_refused(tmp_path, capsys):
    train(xor("train.steps=20"), folder=tmp_path / "run")
    (tmp_path / "run" / checkpoint.FILE).write_bytes(checkpoint.MAGIC + b"{}\n")
    assert main(["run", "--resume", str(tmp_path / "run"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"compose run: --resume: {tmp_path / 'run'}: expected a checkpoint ")
    assert "checkpoint.ckpt: damaged (cut short: its checksum is missing)" in err


@pytest.mark.as_shipped
def test_metrics_lines_are_the_same_wherever_calls_end_and_after_a_resume(tmp_path, capsys):
    """Calls end where checkpoints, listeners or a stop fall, which depends on timing; the
    log lines (all but their `seconds`, the training time so far) must not."""

    class Every(Listener):
        def __init__(self, every, stop_at=None):
            self.every, self.stop_at = every, stop_at

        def advanced(self, session):
            if session.step == self.stop_at:
                raise KeyboardInterrupt  # Ctrl-C at a step between two log points

    base = ["train.steps=300", "train.log_every=20"]
    paced = xor(*base, "train.checkpoint={every: 70}")  # 300 XOR steps: no call ends at 70
    each = xor(*base, "train.checkpoint={every: 70, seconds: 0}")  # calls end at 70, 140...
    train(paced, folder=tmp_path / "paced")
    train(each, folder=tmp_path / "each", listeners=[Every(7)])
    stopped = train(each, folder=tmp_path / "resumed", listeners=[Every(210, stop_at=210)])
    assert stopped.steps == 210 and checkpoint_step(tmp_path / "resumed") == 210
    assert [r["step"] for r in metric_lines(tmp_path / "resumed")] == list(range(20, 201, 20))
    assert main(["run", "--resume", str(tmp_path / "resumed"), "--quiet"]) == 0
    capsys.readouterr()
    expected = metric_lines(tmp_path / "paced")
    assert [r["step"] for r in expected] == list(range(20, 301, 20))
    assert metric_lines(tmp_path / "each") == expected
    assert metric_lines(tmp_path / "resumed") == expected


def test_a_run_given_arrays_keeps_them_for_inspect_and_resume(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2)).astype(np.float32)
    y = (x[:, :1] * x[:, 1:] > 0).astype(np.float32)  # not the recipe's own XOR points
    val = {"x": x[:16], "y": y[:16]}
    folder = tmp_path / "run"
    recipe = xor("train.steps=100", "train.checkpoint={every: 50, seconds: 0}")

    class Stop(Listener):
        def advanced(self, session):
            if session.step == 50:
                raise KeyboardInterrupt

    train(recipe, data={"x": x, "y": y}, val=val, folder=folder, listeners=[Stop()])
    kept = compose.load(folder / "recipe.yaml")
    assert kept.train.data.source == "data.npz" and kept.train.data.val.source == "val.npz"
    with np.load(folder / "data.npz") as saved:
        np.testing.assert_array_equal(saved["x"], x)
        np.testing.assert_array_equal(saved["y"], y)
    # The folder moves: its recipe names the arrays relative to itself.
    moved = tmp_path / "elsewhere"
    os.rename(folder, moved)
    assert main(["run", "--resume", str(moved), "--quiet"]) == 0
    straight = train(recipe, data={"x": x, "y": y}, val=val)
    model = compose.load_run(moved).model
    assert weights_equal(model.weights, straight.model.weights)
    summary = json.loads((moved / "summary.json").read_text())
    assert summary["metrics"]["val_loss"] == straight.metrics["val_loss"]
    capsys.readouterr()
    assert main(["inspect", str(moved), "--json", "--batch", "64"]) == 0
    looked = json.loads(capsys.readouterr().out)
    # What inspect measured is the given arrays' loss, computed here with plain numpy.
    weights = {k: {s: np.asarray(a) for s, a in v.items()} for k, v in model.weights.items()}
    hidden = 1 / (1 + np.exp(-(x @ weights["hidden"]["weight"].T + weights["hidden"]["bias"])))
    logit = hidden @ weights["logit"]["weight"].T + weights["logit"]["bias"]
    prob = 1 / (1 + np.exp(-logit))
    bce = -np.mean(y * np.log(prob) + (1 - y) * np.log(1 - prob))
    assert looked_loss(looked) == pytest.approx(bce, rel=1e-4)


def looked_loss(found) -> float:
    """The batch loss `compose inspect --json` reports."""
    found = found[0] if isinstance(found, list) else found
    return float(found["loss"])


def test_resuming_may_change_steps_and_early_stopping_and_nothing_that_shaped_the_weights(
    tmp_path, capsys
):
    folder = tmp_path / "run"
    stops = "train.early_stop={metric: loss, patience: 1, min_delta: 10}"  # stops at step 40
    assert main(["run", str(RECIPES / "xor.yaml"), "--out", str(folder), "--quiet",
                 "--set", stops]) == 0  # fmt: skip
    assert json.loads((folder / "summary.json").read_text())["steps"] == 40
    capsys.readouterr()
    for setting in (
        "train.seed=1",
        "nodes.hidden.out=3",
        "train.optimizer={sgd: {learning_rate: 0.1}}",
    ):
        assert main(["run", "--resume", str(folder), "--quiet", "--set", setting]) == 2
    err = capsys.readouterr().err.splitlines()
    may = (
        "a resumed run keeps its model, optimizer, data and seed, and may change only "
        "train.steps, train.epochs, train.early_stop, train.log_every, train.validate, "
        f"train.checkpoint, train.devices (to train with it, start a new run from these "
        f"weights: --init-from {folder})"
    )
    assert err[0] == (
        f"--set train.seed=1: train.seed: expected 0, as the run in {folder} was trained, "
        f"got 1: {may}"
    )
    assert err[1].startswith(f"{folder / 'recipe.yaml'}:")
    assert err[1].endswith(
        f": nodes.hidden.out: expected 2, as the run in {folder} was trained, got 3: {may}"
    )
    assert (
        len(err) == 3
        and (
            ': train.optimizer: expected {"adam": {"learning_rate": 0.05}}, as the run in '
            f'{folder} was trained, got {{"sgd": {{"learning_rate": 0.1}}}}: '
        )
        in err[2]
    )
    # Early stopping turned off: it goes on to the end, as a run that never stopped.
    assert main(["run", "--resume", str(folder), "--quiet", "--set", "train.early_stop=null"]) == 0
    summary = json.loads((folder / "summary.json").read_text())
    assert (summary["status"], summary["steps"]) == ("finished", 2000)
    straight = train(xor(), folder=tmp_path / "straight")
    assert weights_equal(compose.load_run(folder).model.weights, straight.model.weights)
    assert metric_lines(folder) == metric_lines(tmp_path / "straight")
    # And turned on again, on a run that ran without it.
    assert main(["run", "--resume", str(folder), "--quiet", "--set", "train.steps=2100",
                 "--set", "train.log_every=20", "--set", stops]) == 0  # fmt: skip
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "early_stopped" and summary["steps"] == 2040
    assert any("early stopping on loss (min) starts afresh at step 2000" in w
               for w in summary["warnings"])  # fmt: skip
    with pytest.raises(compose.RecipeError, match="train.batch: expected 4"):
        train(xor("train.batch=2"), folder=folder, resume=True)
