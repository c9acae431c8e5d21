"""Training from the editor: the session runs in a process of its own, the screen keeps up; each
node's health colours its box and fills the table; a 2-D model's decision is drawn; a value
that stops being finite is found on its node."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jax.numpy as jnp
from textual.widgets import Static

import compose
from tests.tui.conftest import RECIPES, drive, screen_text, wait_for
from tests.tui.test_editing import answer
from tui.curves import Curve
from tui.graph import GraphView
from tui.training import TrainPanel


def cell_style(text, row: int, column: int):
    """The style of one character cell of a rich Text picture."""
    line = text.split("\n")[row]
    return next(s.style for s in line.spans if s.start <= column < s.end)


def test_train_xor_read_accuracy_health_and_the_decision_from_the_screen(trained_xor):
    seen = trained_xor  # t pressed, the run finished, then escape, down, i (conftest.py)
    screen = seen["screen"]
    assert "finished 2000 steps" in screen
    assert re.search(r"^\s*accuracy 1\.0000\b", screen.replace("│", "\n"), re.M), screen
    assert len(seen["losses"]) > 10 and seen["losses"][-1] < seen["losses"][0]
    # The loss curve's axes: its highest and lowest value beside it, the steps below it
    high, low = (compose.number(v)[:7] for v in (max(seen["losses"]), min(seen["losses"])))
    assert re.search(rf"│ *{re.escape(high)}┤", screen) and re.search(rf"{re.escape(low)}┤", screen)
    first, last = seen["steps"][0], seen["steps"][-1]
    assert last == 2000 and re.search(rf"│ +{first} +2000 step", screen), screen
    # Trained XOR pushes its hidden sigmoids into their flat ends: saturated, so yellow;
    # prob is fused into the loss (no gradient of its own), so grey.
    assert seen["colours"] == {
        "hidden": "green",
        "bend": "yellow",
        "prob": "grey50",
        "loss": "green",
    }
    hidden, bend, prob = (seen["rows"][p] for p in ("hidden", "bend", "prob"))
    assert bend[0] == "bend" and bend[2:] == ["-", "-", "-", "100%"]
    assert prob[1] == "fused"
    assert float(hidden[2]) > 1 and 0 < float(hidden[3]) < 0.01  # weight norm, update/step
    # The decision: 32 x 32 pixels in 16 rows; beside (0, 0) class 0 (orange), beside
    # (1, 0) class 1 (blue); row 13 holds the pixels just above the bottom points.
    plane = seen["plane"]
    assert [len(line) for line in plane.plain.split("\n")] == [32] * 16
    assert screen.count("▀" * 32) == 16  # drawn on the screen, row by row
    near_0 = cell_style(plane, 13, 4).color.triplet
    near_1 = cell_style(plane, 13, 27).color.triplet
    assert near_0.red > near_0.blue and near_1.blue > near_1.red
    assert "hidden: each unit" in seen["units"] and "bend: each unit" in seen["units"]
    inspector = seen["inspector"]
    for words in (
        "health at step 2000: saturated",
        "saturated 100% of its values",
        "gradient norm over training (log10)",
        "activations",
        "gradients",
    ):
        assert words in inspector, words
    # one value a look: at the start, every third log point while looking takes little of
    # the time (a budget in seconds, so how many depends on the machine's speed), the end
    assert len(seen["history"]) >= 3
    # The run folder `compose run` writes by default, where the editor was started
    folder = seen["folder"]
    assert folder.parent == Path("runs") and folder.name.startswith("xor-")
    assert f"run folder {folder}" in screen
    run = compose.load_run(seen["cwd"] / folder)
    recipe, model = run.recipe, run.model
    points = jnp.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    predicted = [float(model({"x": p})["prob"][0]) for p in points]
    assert recipe.name == "xor" and [round(p) for p in predicted] == [0, 1, 1, 0]


def test_training_writes_the_run_folder_typed_with_validation_curves():
    async def script(app, pilot):
        await pilot.press("c", "e", *["tab"] * 6)  # past the train settings to the folder
        await pilot.press(*"mine", "enter", "escape", "t")
        await wait_for(pilot, lambda: not app.training)
        await pilot.pause()
        panel = app.query_one(TrainPanel)
        val = app.query_one("#val-loss-curve", Curve)
        label = str(app.query_one("#loss-label").content)
        return panel.val, val.display, label, screen_text(app)

    val, shown, label, screen = drive(
        RECIPES / "spirals.yaml", script, size=(120, 40), overrides=("train.steps=100",)
    )
    assert len(val["loss"]) > 3 and len(val["metric"]) > 3 and shown
    assert re.fullmatch(r"loss \S+  val \S+ \(lower curve\)", label), label
    assert "run folder mine" in screen
    summary = (Path("mine") / "summary.json").read_text()
    assert '"steps": 100' in summary
    recipe = compose.load_run("mine").recipe
    assert recipe.train.steps == 100


def test_a_value_that_stops_being_finite_pauses_on_its_node_until_stopped(tmp_path):
    path = tmp_path / "xor.yaml"
    xor = (RECIPES / "xor.yaml").read_text()
    path.write_text(xor.replace("{block: sigmoid, in: hidden}", "{block: log, in: hidden}"))

    def train_status(app) -> str:
        return str(app.query_one("#train-status", Static).content)

    async def script(app, pilot):
        seen = {}
        await pilot.press("c", "e", "tab", "tab", "tab", "tab")  # to the learning rate
        await answer(pilot, "1e6")  # the most a learning rate may be
        await pilot.press("escape", "t")
        await wait_for(pilot, lambda: train_status(app).startswith("paused after"))
        await pilot.pause()
        seen["training"], seen["state"], seen["train tab"] = (
            app.training,
            train_status(app),
            screen_text(app),
        )
        await pilot.press("i")
        await pilot.pause()
        graph = app.query_one(GraphView)
        seen["failed"], seen["selected"] = graph.failed, graph.selected
        seen["names"] = {
            n: graph.drawing.style_at(p.x + 2, p.y + 1) for n, p in graph.drawing.boxes.items()
        }
        seen["node tab"] = screen_text(app)
        await pilot.press("n")  # try the refused step again: refused again, paused again
        await wait_for(pilot, lambda: "refused again (2 tries)" in train_status(app))
        seen["tried"] = train_status(app)
        await pilot.press("escape", "up")  # look at another node's health meanwhile
        await pilot.pause()
        seen["hidden"] = graph.selected, screen_text(app)
        await pilot.press("x")
        await wait_for(pilot, lambda: not app.training)
        await pilot.pause()
        seen["ended"], seen["stopped"] = train_status(app), screen_text(app)
        seen["folder"], seen["text"] = app.folder, app.doc.text
        return seen

    seen = drive(path, script, size=(120, 40))
    said = "node 'bend' (log) gave nan at step 1: its input went below 0"
    assert "learning_rate: 1000000.0" in seen["text"]
    # Paused, not ended: the Train tab says what happened and what the keys do
    assert seen["training"]
    assert seen["state"].startswith(f"paused after 0/2000 steps: {said}")
    assert "x stops and writes the run folder with the last good weights" in seen["state"]
    assert f"training paused: {said}" in seen["train tab"]  # the status line
    # The node it paused on is selected, its name on red, and the inspector says why
    assert seen["failed"] == seen["selected"] == "bend"
    assert seen["names"]["bend"].bgcolor.name == "red"
    assert all(style.bgcolor is None for n, style in seen["names"].items() if n != "bend")
    assert "training paused here: node 'bend' (log)" in seen["node tab"]
    assert "step 1 tried again: refused again (2 tries)" in seen["tried"]
    selected, screen = seen["hidden"]
    assert selected == "hidden" and "health at step 0: " in screen
    # Stopped: the run ends as compose run ends it, its folder saying the failure
    assert seen["ended"].startswith(f"stopped after 0 steps: {said}")
    assert f"training stopped: {said}" in seen["stopped"]
    theirs = tmp_path / "compose-run"
    compose.train(compose.loads(seen["text"], file=str(path)), folder=theirs)
    summaries = [
        json.loads((folder / "summary.json").read_text()) for folder in (seen["folder"], theirs)
    ]
    mine, run = ({k: s[k] for k in ("status", "steps", "stopped", "failure")} for s in summaries)
    assert mine == run and mine["status"] == "failed" and mine["failure"]["node"] == "bend"
    assert mine["stopped"].startswith(said)


def test_pause_step_and_stop_steer_the_running_session():
    async def script(app, pilot):
        await pilot.press("t", "space")  # pause, asked while the session prepares or runs
        await wait_for(pilot, lambda: app.session is not None and app.session.paused)
        await pilot.pause(0.2)  # let the chunk under way finish
        before = app.session.step
        await pilot.press("n")  # one step
        await wait_for(pilot, lambda: app.session.step == before + 1)
        # the Train tab says the step taken, though no log line falls on it
        status = app.query_one("#train-status", Static)
        await wait_for(pilot, lambda: f"paused at step {before + 1}/" in str(status.content))
        await pilot.press("x")
        await wait_for(pilot, lambda: not app.training)
        return before, screen_text(app)

    # Many steps, so that the run is still going when the pause arrives.
    before, screen = drive(
        RECIPES / "xor.yaml", script, size=(100, 36), overrides=("train.steps=2000000",)
    )
    assert f"stopped after {before + 1} steps: stopped" in screen


def test_training_a_recipe_with_problems_is_refused_with_the_reason(bad_recipe):
    async def script(app, pilot):
        await pilot.press("t")
        await pilot.pause()
        return app.training, screen_text(app)

    training, screen = drive(bad_recipe, script)
    assert not training
    assert "cannot train: fix the recipe's problems first" in screen
