"""Editing by keystrokes: add, rename, delete, set, wire, undo, save; every edit re-checked."""

from __future__ import annotations

import shutil

import compose
from compose.cli.main import main
from tests.tui.conftest import RECIPES, drive, screen_text
from tui.graph import GraphView
from tui.inspector import Inspector
from tui.screens import Pick


async def type_in(pilot, text: str) -> None:
    await pilot.press(
        *[{" ": "space", ",": "comma", ":": "colon", ".": "full_stop"}.get(c, c) for c in text]
    )


async def answer(pilot, text: str) -> None:
    """Type into the prompt or picker that is open, and press Enter."""
    await type_in(pilot, text)
    await pilot.press("enter")
    await pilot.pause()


async def add(pilot, block: str, name: str, **fields: str) -> None:
    """a, the block's name, Enter; then each required field; then r to rename it."""
    await pilot.press("a")
    await answer(pilot, block)
    for value in fields.values():
        await answer(pilot, value)
    await pilot.press("escape", "r")
    await answer(pilot, name)


def test_build_xor_from_an_empty_file_by_keystrokes_save_and_run_it(tmp_path):
    path = tmp_path / "xor.yaml"

    async def script(app, pilot):
        await pilot.press("plus")
        await answer(pilot, "x: 2")
        await pilot.press("plus")
        await answer(pilot, "y: 1")
        await pilot.press("left")  # from y to x
        await add(pilot, "linear", "hidden", out="2")
        await add(pilot, "sigmoid", "bend")
        await add(pilot, "linear", "logit", out="1")
        await add(pilot, "sigmoid", "prob")
        await pilot.press("o")  # prob is the output
        await add(pilot, "cross_entropy", "loss")  # its pred is prob, the selection
        await pilot.press("m", "w")  # the loss; wire its target:
        await answer(pilot, "target")
        await answer(pilot, "y")
        await pilot.press("c", "e")  # the Train tab's first field: tab sets each, to the next
        for value in ("xor", "4", "2000", "adam", "0.05", "accuracy"):
            await type_in(pilot, value)
            await pilot.press("tab")
            await pilot.pause()
        await pilot.press("escape")
        await pilot.press("ctrl+s")
        await pilot.pause()
        return app.scene.problems, app.query_one(GraphView).text(), screen_text(app)

    problems, diagram, screen = drive(path, script, size=(100, 40))
    assert problems == ()
    assert f"saved {path.name}" in screen
    for text in (" hidden ", " linear (2,)", " bend ", " logit ", " prob ", " cross_entropy ()"):
        assert text in diagram
    assert path.read_text().startswith("name: xor\ninputs:\n  x: [2]\n  y: [1]\nnodes:\n")
    assert main(["run", str(path), "--quiet", "--out", str(tmp_path / "run")]) == 0


def copy_of(tmp_path, name: str = "xor.yaml"):
    path = tmp_path / name
    shutil.copy(RECIPES / name, path)
    return path


def test_a_bad_hyperparameter_is_refused_with_the_reason_and_a_good_one_reshapes(tmp_path):
    path = copy_of(tmp_path)

    async def script(app, pilot):
        await pilot.press("e", "minus", "3", "enter")  # e selects hidden.out's text: -3 replaces it
        await pilot.pause()
        refused = screen_text(app), app.doc.modified, app.query_one(Inspector).fields()[0].value
        await pilot.press("3", "enter")  # the field shows 2 again, selected: 3 replaces it
        await pilot.pause()
        shapes = {b.name: b.shape for b in app.scene.boxes}
        return refused, shapes, app.dirty

    (screen, modified, shown), shapes, dirty = drive(path, script, size=(100, 40))
    assert "refused: node 'hidden' (linear): out: expected a positive value, got -3" in screen
    assert not modified and shown == "2"
    assert shapes["hidden"] == (3,) and shapes["bend"] == (3,)  # re-checked after the edit
    assert dirty


def test_rename_delete_undo_and_redo(tmp_path):
    path = copy_of(tmp_path)

    async def script(app, pilot):
        seen = []
        await pilot.press("down", "r")  # bend
        await answer(pilot, "squash")
        seen.append(sorted(b.name for b in app.scene.boxes))
        await pilot.press("d")
        seen.append((sorted(b.name for b in app.scene.boxes), len(app.scene.problems)))
        await pilot.press("u")
        await pilot.pause()
        seen.append(len(app.scene.problems))
        await pilot.press("u")
        await pilot.pause()
        seen.append("bend" in {b.name for b in app.scene.boxes})
        await pilot.press("ctrl+y")
        await pilot.pause()
        seen.append(app.query_one(GraphView).text().count("squash"))
        return seen

    renamed, (deleted, problems), restored, undone, redone = drive(path, script)
    assert "squash" in renamed and "bend" not in renamed
    assert "squash" not in deleted and problems == 1  # logit's wire to it is now a problem
    assert restored == 0 and undone and redone == 1


def test_wiring_offers_only_sources_that_close_no_cycle(tmp_path):
    path = copy_of(tmp_path)

    async def script(app, pilot):
        await pilot.press("w")  # hidden's ports: x, weight, bias
        await answer(pilot, "x (input)")
        picker = app.screen
        offered = [o for o, _ in picker.items] if isinstance(picker, Pick) else []
        await pilot.press("escape")
        return offered

    offered = drive(path, script)
    assert "x" in offered and "y" in offered
    assert not {"hidden", "bend", "logit", "prob", "loss"} & set(offered)


def test_quitting_with_unsaved_changes_asks_first(tmp_path):
    path = copy_of(tmp_path)

    async def script(app, pilot):
        await pilot.press("down", "d", "q")
        await pilot.pause()
        asked = type(app.screen).__name__, screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        stayed = app.is_running
        await pilot.press("q", "y")
        await pilot.pause()
        return asked, stayed, app.return_code

    (screen_name, text), stayed, code = drive(path, script)
    assert screen_name == "Confirm" and "unsaved changes" in text
    assert stayed and code == 0
    assert compose.load(path).node("bend") is not None  # nothing was saved


HANDWRITTEN = """\
# XOR, written by hand
name: handmade   # names the run folders

inputs:                 # per-example shapes
  x: [2]
  y: [1]

nodes:
  # the hidden layer, in block style
  hidden:
    block: linear
    in: x
    out: 2              # two units are enough
  bend:   {block: sigmoid, in: hidden}
  logit:  {block: linear, in: bend, out: 1}   # one logit

  prob:   {block: sigmoid, in: logit}
  loss:   {block: cross_entropy, in: {pred: prob, target: y}}

outputs: [prob]         # what prediction returns
loss: loss
"""


def test_a_hand_written_recipe_keeps_every_byte_outside_the_edit(tmp_path):
    path = tmp_path / "handmade.yaml"
    path.write_text(HANDWRITTEN)

    async def script(app, pilot):
        await pilot.press("e", "3", "enter")  # hidden's out: 2 -> 3
        await pilot.pause()
        await pilot.press("escape", "ctrl+s")
        await pilot.pause()
        return screen_text(app)

    screen = drive(path, script, size=(100, 40))
    assert f"saved {path.name}" in screen
    before, after = HANDWRITTEN.splitlines(keepends=True), path.read_text().splitlines(True)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert [after[i] for i in changed] == ["    out: 3              # two units are enough\n"]


def test_a_bad_wire_shows_its_problem_on_the_node(tmp_path):
    path = copy_of(tmp_path)

    async def script(app, pilot):
        await pilot.press("end", "w")  # the loss: wire its target to x, (2,) against (1,)
        await answer(pilot, "target")
        await answer(pilot, "x  input")
        return app.scene.box("loss").problems, app.query_one(GraphView).text(), screen_text(app)

    problems, diagram, screen = drive(path, script, size=(120, 40))
    assert len(problems) == 1 and "node 'loss' (cross_entropy)" in problems[0].text
    assert "✗ loss" in diagram
    assert "1 problem" in screen and "selected: loss" in screen
