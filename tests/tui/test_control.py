"""What the editor says and asks: undo, redo, delete and wiring on the status line (one row
that fits 80 columns), the palette's best match first, and quitting while training."""

from __future__ import annotations

import json

from textual.widgets import Static

from tests.tui.conftest import RECIPES, drive, screen_text, wait_for
from tests.tui.test_editing import answer, copy_of
from tui.graph import GraphView
from tui.palette import Palette
from tui.status import status_line


def status(app) -> str:
    return str(app.query_one("#status", Static).render()).rstrip()


def test_undo_redo_delete_and_wiring_say_what_they_did_and_keep_the_selection(tmp_path):
    path = copy_of(tmp_path)

    async def script(app, pilot):
        said = {}
        graph = app.query_one(GraphView)
        await pilot.press("j", "j", "d")  # logit
        await pilot.pause()
        said["delete"] = status(app), graph.selected
        await pilot.press("u")
        await pilot.pause()
        said["undo"] = status(app), graph.selected
        await pilot.press("U")
        await pilot.pause()
        said["redo"] = status(app), graph.selected
        await pilot.press("u", "end", "w")  # loss: wire its target to x
        await answer(pilot, "target")
        await answer(pilot, "x  input")
        said["wire"] = status(app), graph.selected
        return said

    said = drive(path, script)
    text, selected = said["delete"]
    assert text.startswith("deleted node 'logit' (u undoes)") and selected == "prob"
    assert said["undo"] == (
        "undone: delete node 'logit'  no problems  selected: prob",
        "prob",
    )
    text, selected = said["redo"]
    assert text.startswith("redone: delete node 'logit'") and selected == "prob"
    text, selected = said["wire"]
    assert text.startswith("wired loss.target <- x") and selected == "loss"


def test_the_status_line_fits_80_columns_and_keeps_the_count_of_problems():
    long_note = "refused: node 'hidden' (linear): out: expected a positive value, got -3"
    line = status_line(long_note, 2, "hidden", 78)
    assert line.cell_len <= 78
    assert line.plain.endswith("2 problems (p lists)")
    assert line.plain.startswith("refused: node 'hidden' (linear): out: expected a ")
    assert "…" in line.plain
    short = status_line("saved xor.yaml", 0, "hidden", 78).plain
    assert short == "saved xor.yaml  no problems  selected: hidden"


def test_the_status_line_on_the_screen_at_80_columns_after_a_refusal(tmp_path):
    path = copy_of(tmp_path)

    async def script(app, pilot):
        await pilot.press("e", "minus", "3", "enter")
        await pilot.pause()
        return screen_text(app).splitlines()[-2]

    row = drive(path, script)
    assert row.startswith(" refused: node 'hidden' (linear): out: expected")
    assert row.rstrip().endswith("no problems") and len(row) == 80


def test_the_palette_offers_the_exact_name_first_then_names_that_start_with_it(tmp_path):
    path = copy_of(tmp_path)

    async def script(app, pilot):
        await pilot.press("a", *"log")
        await pilot.pause()
        offered = app.query_one(Palette).shown()
        await pilot.press("enter")
        await pilot.pause()
        return offered, app.doc.node("log")

    offered, added = drive(path, script)
    assert offered[:3] == ["log", "log_sigmoid", "log_softmax"]
    assert added is not None and added.block == "log"


def test_the_palette_ranks_a_recipe_network_named_exactly_before_blocks():
    async def script(app, pilot):
        await pilot.press("slash", *"residual")
        await pilot.pause()
        return app.query_one(Palette).shown()

    assert drive(RECIPES / "deep_residual.yaml", script)[0] == "network:residual"


def test_q_while_training_asks_first_and_n_keeps_it_training(tmp_path):
    path = copy_of(tmp_path)

    async def script(app, pilot):
        await pilot.press("t")
        await wait_for(pilot, lambda: app.session is not None)
        await pilot.press("q")
        await pilot.pause()
        asked = type(app.screen).__name__, screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        kept = app.is_running, app.training
        process, folder = app.session.process, app.folder
        await pilot.press("q", "y")
        await pilot.pause()
        return asked, kept, app.return_code, process, folder

    (name, text), kept, code, process, folder = drive(
        path, script, overrides=("train.steps=10000000",)
    )
    assert name == "Confirm" and "training run is under way" in text
    assert kept == (True, True) and code == 0
    # Leaving stopped the run's process, which wrote its run folder first
    assert not process.is_alive() and process.exitcode == 0
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["stopped"] == "the editor closed" and summary["steps"] < 10000000
    assert (folder / "model.eqx").stat().st_size > 0
