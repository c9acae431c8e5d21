"""Changing the graph in place by keys: a node's block (B, or ctrl+r in the palette), a block
put into a wire (I, or ctrl+b in the palette), and editing inside a network instance (E,
backspace back); each read back from the document, the graph and the status line."""

from __future__ import annotations

import shutil

from tests.tui.conftest import RECIPES, drive
from tui.graph import GraphView
from tui.screens import Pick, Prompt

TYPO = """\
name: typo
inputs:
  x: [2]
  y: [1]
nodes:
  hidden:
    block: linear
    in: x
    out: 3              # three units
    use_bias: false
  bend:   {block: sigmoid, in: hidden}
  logit:  {block: linaer, in: bend, out: 1}   # a typo
  prob:   {block: sigmoid, in: logit}
  loss:   {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob]
loss: loss
"""


async def type_in(pilot, text: str) -> None:
    await pilot.press(*[{"_": "underscore", ".": "full_stop"}.get(c, c) for c in text])


async def answer(pilot, text: str, *, clear: bool = False) -> None:
    """Type into the prompt or picker that is open (after clearing it), and press Enter."""
    if clear:
        await pilot.press("ctrl+u")
    await type_in(pilot, text)
    await pilot.press("enter")
    await pilot.pause()


def status(app) -> str:
    return str(app.query_one("#status").render())


def select(app, name: str) -> None:
    """Select box `name` as a click or the arrow keys would (they are tests/tui/test_keys.py's)."""
    app.query_one(GraphView).select(name)


def test_B_changes_a_mistyped_block_in_place_and_one_u_undoes_it(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text(TYPO)

    async def script(app, pilot):
        assert [p.node for p in app.doc.problems] == ["logit"]
        select(app, "logit")
        await pilot.press("B")
        assert isinstance(app.screen, Prompt)  # it starts from the block written: linaer
        await answer(pilot, "linear", clear=True)
        assert app.doc.text == TYPO.replace("block: linaer", "block: linear")
        assert not app.doc.problems and app.doc.node("prob").shape == (1,)
        assert app.query_one(GraphView).selected == "logit"
        assert "node 'logit': block linear (was linaer)" in status(app)
        select(app, "hidden")
        await pilot.press("B")
        await answer(pilot, "tanh", clear=True)
        assert "dropped out: 3, use_bias: false" in status(app)
        assert "  hidden:\n    block: tanh\n    in: x\n  bend:" in app.doc.text
        assert app.doc.node("bend").shape == (2,)
        await pilot.press("u")
        assert app.doc.text == TYPO.replace("block: linaer", "block: linear")
        await pilot.press("B")  # a block that does not exist: refused, nothing changes
        await answer(pilot, "tanhh", clear=True)
        assert "refused" in status(app) and "did you mean 'tanh'" in status(app)
        await pilot.press("u")
        assert app.doc.text == TYPO

    drive(path, script, size=(120, 40))


def test_I_puts_a_block_into_the_wire_into_the_selected_node(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text(TYPO.replace("linaer", "linear"))
    before = path.read_text()

    async def script(app, pilot):
        select(app, "logit")
        await pilot.press("I")
        await answer(pilot, "tanh")
        assert app.doc.text == before.replace(
            "  logit:  {block: linear, in: bend,",
            "  tanh: {block: tanh, in: bend}\n  logit:  {block: linear, in: tanh,",
        )
        assert app.query_one(GraphView).selected == "tanh"
        assert "insert 'tanh' (tanh) between bend and logit.x" in status(app)
        assert app.doc.node("tanh").shape == (3,) and not app.doc.problems
        await pilot.press("u")
        assert app.doc.text == before
        select(app, "loss")  # two wired inputs: which one is asked
        await pilot.press("I")
        assert isinstance(app.screen, Pick)
        await answer(pilot, "target")
        await answer(pilot, "sigmoid")
        assert "  loss:   {block: cross_entropy, in: {pred: prob, target: sigmoid}}" in (
            app.doc.text
        )
        assert app.doc.node("sigmoid").port("x").ref == "y"

    drive(path, script, size=(120, 40))


def test_the_palette_replaces_a_block_with_ctrl_r_and_inserts_with_ctrl_b(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text(TYPO)

    async def script(app, pilot):
        select(app, "logit")
        await pilot.press("a")
        await type_in(pilot, "linear")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.doc.node("logit").block == "linear" and not app.doc.problems
        assert app.doc.undo_label == "node 'logit': block linear (was linaer)"
        await pilot.press("ctrl+u")
        await type_in(pilot, "relu")
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert app.doc.node("relu").port("x").ref == "bend"
        assert app.doc.node("logit").port("x").ref == "relu"
        assert [n.name for n in app.doc.nodes].index("relu") == 2  # just before logit

    drive(path, script, size=(120, 40))


def test_E_edits_inside_a_network_with_its_own_undo_and_backspace_writes_it_back(tmp_path):
    path = tmp_path / "deep.yaml"
    shutil.copy(RECIPES / "deep_residual.yaml", path)
    before = path.read_text()

    async def script(app, pilot):
        outer = app.doc
        select(app, "body")
        await pilot.press("E")
        assert app.doc is not outer and "network 'residual'" in app.title
        assert [b.name for b in app.scene.boxes if b.kind == "block"] == ["a", "b", "c", "s"]
        assert app.doc.node("a").shape == (16,)  # the instance's width
        select(app, "b")
        await pilot.press("B")
        await answer(pilot, "relu", clear=True)
        assert app.doc.node("b").block == "relu" and outer.text == before
        await pilot.press("u", "U")  # its own undo and redo
        assert app.doc.node("b").block == "relu" and outer.undo_label is None
        await pilot.press("backspace")
        assert app.doc is outer and app.query_one(GraphView).selected == "body"
        assert "back from 'body': edit network 'residual' (u undoes)" in status(app)
        assert outer.text == before.replace(
            "      b: {block: tanh, in: a}", "      b: {block: relu, in: a}"
        )
        assert [c.block for c in outer.node("body").report.children][1] == "relu"
        await pilot.press("u")
        assert outer.text == before
        await pilot.press("E")  # again, and save from inside: the recipe's file is written
        select(app, "a")
        await pilot.press("I")
        await answer(pilot, "layer_norm")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "      layer_norm: {block: layer_norm, in: h}\n" in path.read_text()
        await pilot.press("backspace")  # nothing more to write back: nothing to undo
        assert app.doc is outer and not outer.modified
        assert "back from 'body'" in status(app) and "u undoes" not in status(app)

    drive(path, script, size=(120, 40))
