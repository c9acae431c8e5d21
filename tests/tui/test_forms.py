"""The editor opens a recipe of every form docs/recipes.md shows, and reads numbers as
recipes do (YAML 1.2: `1e-3` is a number), in the file and in a field alike."""

from __future__ import annotations

import pytest

from tests.compose.forms import FORMS, write_form
from tests.tui.conftest import drive, screen_text
from tests.tui.test_editing import type_in


@pytest.mark.parametrize("form", list(FORMS))
def test_the_editor_opens_every_form(form, tmp_path):
    path = write_form(form, tmp_path)

    async def script(app, pilot):
        await pilot.press("end")  # the last node: the loss
        await pilot.pause()
        return app.scene.problems, {b.name for b in app.scene.boxes}, screen_text(app)

    problems, boxes, screen = drive(path, script, size=(120, 44))
    assert problems == ()
    assert "no problems" in screen and "selected: loss" in screen
    assert {"x", "y", "logits", "probs", "loss"} <= boxes


EXPONENTS = """\
name: exponents
inputs: {x: [2], y: [1]}
nodes:
  drop: {block: dropout, in: x, rate: 5E-1}
  hidden: {block: linear, in: drop, out: 2, weight: {init: normal, stddev: 1e-1}}
  logit: {block: linear, in: hidden, out: 1}
  prob: {block: sigmoid, in: logit}
  loss: {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob]
loss: loss
train:
  data: {dataset: xor}
  batch: 4
  steps: 10
  optimizer: {adam: {learning_rate: 1e-2}}
"""


def test_numbers_with_an_exponent_in_the_file_and_typed_in_a_field(tmp_path):
    path = tmp_path / "exponents.yaml"
    path.write_text(EXPONENTS)

    async def script(app, pilot):
        opened = app.scene.problems, app.doc.data["nodes"]["drop"]["rate"]
        await pilot.press("e")  # drop's rate, selected: what is typed replaces it
        await type_in(pilot, "1e-3")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape", "ctrl+s")
        await pilot.pause()
        return opened, app.scene.problems, app.doc.data["nodes"]["drop"]["rate"], screen_text(app)

    (problems, rate), problems_after, typed, screen = drive(path, script, size=(100, 40))
    assert problems == () and rate == 0.5
    assert problems_after == () and typed == 0.001
    assert f"saved {path.name}" in screen
    before, after = EXPONENTS.splitlines(), path.read_text().splitlines()
    assert [(a, b) for a, b in zip(before, after, strict=True) if a != b] == [
        (
            "  drop: {block: dropout, in: x, rate: 5E-1}",
            "  drop: {block: dropout, in: x, rate: 0.001}",
        )
    ]  # the other numbers keep their spelling
