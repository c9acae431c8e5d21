"""The mouse: click a box to select it, its output then another box to wire them, scroll
to pan, click the tabs and a problem; each also done by the keys elsewhere."""

from __future__ import annotations

from textual import events
from textual.widgets import Tabs

import compose
from tests.tui.conftest import drive
from tests.tui.test_editing import copy_of
from tui.graph import GraphView
from tui.problems import ProblemList


def on_box(graph: GraphView, name: str, *, row: int = 1) -> tuple[int, int]:
    """Where box `name`'s `row` is, from the graph widget's corner (its border is one cell;
    `row` -1: the box's bottom row, its output)."""
    place = graph.drawing.boxes[name]
    y = place.y + (row if row >= 0 else place.h + row)
    return place.x + 2 - int(graph.scroll_x), y + 1 - int(graph.scroll_y)


def test_click_selects_a_box_and_output_then_box_wires_them(tmp_path):
    path = copy_of(tmp_path)

    async def script(app, pilot):
        graph = app.query_one(GraphView)
        await pilot.click(graph, offset=on_box(graph, "bend"))
        selected = graph.selected
        await pilot.click(graph, offset=on_box(graph, "x", row=-1))  # x's output...
        waiting = graph.wiring_from
        await pilot.click(graph, offset=on_box(graph, "logit"))  # ...feeds logit
        await pilot.pause()
        return selected, waiting, graph.selected, app.doc.text

    selected, waiting, after, text = drive(path, script, size=(100, 40))
    assert selected == "bend" and waiting == "x" and after == "logit"
    logit = next(n for n in compose.loads(text).nodes if n.name == "logit")
    assert [w.ref for w in logit.wires] == ["x"]


def test_a_click_beside_the_boxes_gives_the_wiring_up(tmp_path):
    path = copy_of(tmp_path)
    before = path.read_text()

    async def script(app, pilot):
        graph = app.query_one(GraphView)
        await pilot.click(graph, offset=on_box(graph, "x", row=-1))
        place = graph.drawing.boxes["hidden"]
        await pilot.click(graph, offset=(place.x + place.w + 8, place.y + 1))  # nothing
        await pilot.click(graph, offset=on_box(graph, "logit"))
        await pilot.pause()
        return graph.wiring_from, graph.selected, app.doc.text

    waiting, selected, text = drive(path, script, size=(100, 40))
    assert waiting is None and selected == "logit" and text == before


def test_scrolling_pans_the_graph_and_tabs_and_problems_are_clicked(bad_recipe):
    async def script(app, pilot):
        graph = app.query_one(GraphView)
        top = graph.scroll_y
        # Pilot has no wheel: the same mouse events a terminal's wheel sends
        await pilot._post_mouse_events([events.MouseScrollDown] * 3, graph, offset=(5, 5))
        panned = graph.scroll_y
        tabs = app.query_one("#side Tabs", Tabs)
        await pilot.click("#side Tabs Tab#--content-tab-tab-problems")
        shown = tabs.active
        problems = app.query_one(ProblemList)
        await pilot.click(problems, offset=(2, 0))
        await pilot.pause()
        return top, panned, shown, graph.selected

    top, panned, shown, selected = drive(bad_recipe, script)
    assert top == 0 and panned > 0
    assert shown == "--content-tab-tab-problems" and selected == "bend"
