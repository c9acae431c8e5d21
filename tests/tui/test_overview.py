"""The overview (z): the whole graph zoomed out to one line a box, left to right when that
fits better, so a 20-box recipe fits an 80x24 terminal; the keys turn with it."""

from __future__ import annotations

from tests.tui.conftest import RECIPES, drive, screen_text
from tui.graph import GraphView


def test_z_fits_the_sorted_transformer_on_one_80x24_screen_left_to_right():
    async def script(app, pilot):
        graph = app.query_one(GraphView)
        await pilot.press("z")
        await pilot.pause()
        seen = {
            "screen": screen_text(app),
            "across": graph.across,
            "size": (graph.drawing.width, len(graph.drawing.rows)),
            "pane": (graph.size.width, graph.size.height),
            "names": [b.name for b in app.scene.boxes],
            "side": app.query_one("#side").display,
        }
        moves = []
        for key in ("l", "l", "l", "j", "h"):  # right along the wires, down a rank's boxes
            await pilot.press(key)
            moves.append(graph.selected)
        await pilot.press("z")
        await pilot.pause()
        seen["moves"], seen["back"] = moves, (graph.overview, app.query_one("#side").display)
        return seen

    seen = drive(RECIPES / "sorted_transformer.yaml", script)
    assert len(seen["names"]) == 17 and seen["across"] and not seen["side"]
    (width, height), (pane_w, pane_h) = seen["size"], seen["pane"]
    assert width <= pane_w and height <= pane_h  # nothing to scroll to
    rows = seen["screen"].splitlines()[2:22]  # the graph pane's rows
    for name in seen["names"]:
        assert any(f"▶{name}" in row or f"│{name}" in row for row in rows), name
    assert seen["moves"][:3] == ["h0", "att", "h1"]  # tokens -> h0 -> att -> h1
    assert seen["back"] == (False, True)


def test_the_overview_of_a_narrow_chain_runs_from_top_to_bottom():
    async def script(app, pilot):
        await pilot.press("z")
        await pilot.pause()
        graph = app.query_one(GraphView)
        await pilot.press("j")
        return graph.across, graph.drawing.text(), graph.selected

    across, text, selected = drive(RECIPES / "xor.yaml", script)
    lines = [line.strip() for line in text.splitlines()]
    assert not across and selected == "bend"
    assert lines[:5] == ["x      y", "▼      │", "hidden    │", "▼      │", "bend     │"]
