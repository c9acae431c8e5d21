"""Quitting asks about every unsaved change, also those of the recipe around a network's
definition being edited in its own file (E)."""

from __future__ import annotations

from tests.compose.forms import write_form
from tests.tui.conftest import drive, screen_text
from tests.tui.test_edit_in_place import answer, select


def test_q_inside_a_network_file_asks_about_the_recipes_unsaved_changes(tmp_path):
    path = write_form("network_file", tmp_path)  # node enc: {network: parts/encoder.yaml}

    async def script(app, pilot):
        select(app, "probs")
        await pilot.press("B")  # change the recipe's own node: unsaved
        await answer(pilot, "sparsemax", clear=True)
        select(app, "enc")
        await pilot.press("E")  # inside the network's file: nothing changed there
        inside = "encoder.yaml" in app.title and not app.doc.modified
        await pilot.press("q")
        await pilot.pause()
        return inside, type(app.screen).__name__, screen_text(app), app.is_running

    inside, name, text, running = drive(path, script, size=(120, 40))
    assert inside and name == "Confirm" and "unsaved changes" in text and running
