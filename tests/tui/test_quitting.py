"""Quitting asks about every unsaved change, also those of the recipe around a network's
definition being edited in its own file (E)."""

from __future__ import annotations

from tests.tui.conftest import drive, screen_text
from tests.tui.test_edit_in_place import answer, select

NETWORK = """\
inputs: {h: [4]}
nodes:
  a: {block: linear, in: h, out: 4}
  b: {block: tanh, in: a}
outputs: [b]
"""
RECIPE = """\
inputs: {x: [2], y: [1]}
nodes:
  embed: {block: linear, in: x, out: 4}
  body: {network: parts/twice.yaml, in: embed}
  logit: {block: linear, in: body, out: 1}
  prob: {block: sigmoid, in: logit}
  loss: {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob]
loss: loss
"""


def test_q_inside_a_network_file_asks_about_the_recipes_unsaved_changes(tmp_path):
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "twice.yaml").write_text(NETWORK)
    (tmp_path / "main.yaml").write_text(RECIPE)

    async def script(app, pilot):
        select(app, "prob")
        await pilot.press("B")  # change the recipe's own node: unsaved
        await answer(pilot, "hard_sigmoid", clear=True)
        select(app, "body")
        await pilot.press("E")  # inside the network's file: nothing changed there
        inside = "twice.yaml" in app.title and not app.doc.modified
        await pilot.press("q")
        await pilot.pause()
        return inside, type(app.screen).__name__, screen_text(app), app.is_running

    inside, name, text, running = drive(tmp_path / "main.yaml", script, size=(120, 40))
    assert inside and name == "Confirm" and "unsaved changes" in text and running
