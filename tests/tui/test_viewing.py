"""Opening recipes: the graph, the inspector, the palette and the problems, read off the screen."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from textual.actions import parse
from textual.widgets import Static

from tests.tui.conftest import RECIPES, drive, screen_text
from tui.app import EditorApp
from tui.drawing import Picture, lay_out
from tui.graph import GraphView
from tui.inspector import Inspector
from tui.palette import Palette
from tui.problems import ProblemList
from tui.scene import scene_of

ALL = sorted(RECIPES.glob("*.yaml"))


@functools.cache
def opened(path: Path) -> tuple:
    """What the editor shows on opening `path` at 80x24, no key pressed: the graph's drawing
    and text, the screen, the problems listed. Each recipe is opened once for this module's
    tests, which only read what it showed."""

    async def script(app, pilot):
        graph = app.query_one(GraphView)
        return graph.drawing, graph.text(), screen_text(app), app.query_one(ProblemList).texts()

    return drive(path, script)


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_every_recipe_opens_without_a_problem_and_shows_its_nodes(path):
    import compose

    recipe = compose.load(path)
    _, diagram, screen, problems = opened(path)
    for name in [i.name for i in recipe.inputs] + [n.name for n in recipe.nodes]:
        assert f"│ {name} " in diagram or f"┃ {name} " in diagram or f"║ {name} " in diagram
    assert "no problems" in screen
    assert problems == ["no problems: compose check passes"]


def test_the_graph_is_layered_inputs_at_the_top_loss_at_the_bottom():
    drawing = opened(RECIPES / "xor.yaml")[0]
    rows = {name: place.y for name, place in drawing.boxes.items()}
    assert rows["x"] == rows["y"] == 0
    assert rows["x"] < rows["hidden"] < rows["bend"] < rows["logit"] < rows["prob"] < rows["loss"]
    assert max(rows.values()) == rows["loss"]


def test_a_network_instance_is_one_folded_box_and_weight_wires_are_double():
    diagram = opened(RECIPES / "hypernetwork.yaml")[1]
    assert "network weight_gen (32,)" in diagram
    assert "│ h " not in diagram  # the network's own nodes stay folded
    assert "╥" in diagram and "║" in diagram  # gen's output fills logits' weight

    deep = opened(RECIPES / "deep_residual.yaml")[1]
    assert "network residual x32 (16,)" in deep


def test_arrows_move_the_selection_and_the_inspector_shows_its_shape():
    async def script(app, pilot):
        seen = []
        for key in ("down", "down", "down"):
            await pilot.press(key)
            await pilot.pause()
            shape = app.query_one("#inspect-shape", Static).content
            seen.append((app.query_one(GraphView).selected, str(shape)))
        return seen, screen_text(app)

    seen, screen = drive(RECIPES / "xor.yaml", script)
    # The first node (hidden) is selected on opening; down goes one rank lower each time.
    assert seen == [("bend", "output (2,)"), ("logit", "output (1,)"), ("prob", "output (1,)")]
    assert "selected: prob" in screen
    assert "sigmoid: Logistic sigmoid" in screen


def test_the_inspector_shows_inputs_weights_and_typed_hyperparameters():
    async def script(app, pilot):
        await pilot.press("i")
        await pilot.pause()
        inspector = app.query_one(Inspector)
        out = inspector.query_one("#field-out")
        use_bias = inspector.query_one("#field-use_bias")
        return screen_text(app), out.value, out.type, use_bias.value

    screen, out, kind, use_bias = drive(RECIPES / "xor.yaml", script, size=(110, 40))
    assert "x <- x (2,)" in screen
    assert "weight (2, 2) learned, lecun_normal" in screen
    assert (out, kind, use_bias) == ("2", "integer", True)


def test_selecting_follows_into_view_on_a_tall_recipe():
    async def script(app, pilot):
        graph = app.query_one(GraphView)
        for _ in range(12):
            await pilot.press("down")
        await pilot.pause()
        place = graph.drawing.boxes[graph.selected]
        return graph.selected, place.y, graph.scroll_offset.y, graph.size.height

    selected, top, scrolled, height = drive(RECIPES / "tied.yaml", script)
    assert selected == "loss"
    assert scrolled <= top and top + 4 <= scrolled + height  # the box is in view


def test_the_palette_filters_as_you_type_with_each_blocks_help():
    async def script(app, pilot):
        await pilot.press("b")
        await pilot.press(*"softm")  # "soft" alone also starts softplus and softsign
        await pilot.pause()
        return app.query_one(Palette).shown(), screen_text(app)

    shown, screen = drive(RECIPES / "deep_residual.yaml", script)
    assert shown[:2] == ["softmax", "softmax_cross_entropy"]
    assert "linear" not in shown
    assert "softmax  Normalised exponential" in screen
    assert "softmax: Normalised exponentials:" in screen


def test_the_palette_offers_the_recipes_networks():
    async def script(app, pilot):
        await pilot.press("slash", *"resid")
        await pilot.pause()
        return app.query_one(Palette).shown()

    assert drive(RECIPES / "deep_residual.yaml", script) == ["network:residual"]


def test_a_bad_recipe_shows_its_problem_on_its_node_and_jumps_there(bad_recipe):
    async def script(app, pilot):
        graph = app.query_one(GraphView)
        before = graph.selected
        await pilot.press("p")
        await pilot.pause()
        listed = app.query_one(ProblemList).texts()
        await pilot.press("enter")
        await pilot.pause()
        shown = [str(s.render()) for s in app.query_one(Inspector).query(".problem")]
        shown = [text for text in shown if text]  # its problems (other lines: empty)
        return before, listed, graph.selected, graph.text(), screen_text(app), shown

    before, listed, selected, diagram, screen, shown = drive(bad_recipe, script)
    message = (
        f"{bad_recipe}:5:30: nodes.bend.in: node 'bend' (sigmoid): input 'x': expected an input,"
        " node or node.weight, got 'hiden', which names no input or node (did you mean 'hidden'?)"
    )
    assert listed == [message]  # exactly what `compose check` prints
    assert "✗ bend" in diagram
    assert before == "hidden" and selected == "bend"
    # the status line counts it; the node's panel shows it (on screen, its words wrap
    # where the length of the test's temporary folder puts them)
    assert "1 problem" in screen and shown == [message]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "name: [",
        "name: x\nnodes: {a: {block: nope, in: a}}\n",
        "name: x\ninputs: {x: [2]}\nnodes: {a: {block: add, in: [x, b]}, b: {block: relu, in: a}}",
        "name: x\ninputs: {x: [2]}\nnodes: {a: {network: missing, in: x}}\noutputs: [a]\n",
        "- just\n- a list\n",
    ],
    ids=["empty", "bad-yaml", "unknown-block", "cycle", "missing-network", "a-list"],
)
def test_no_recipe_crashes_the_editor(tmp_path, text):
    path = tmp_path / "r.yaml"
    path.write_text(text)

    async def script(app, pilot):
        for key in ("down", "right", "up", "left", "p", "enter", "i", "b", "escape", "t"):
            await pilot.press(key)
        await pilot.pause()
        return app.scene.problems, screen_text(app)

    problems, screen = drive(path, script)
    assert problems
    assert "problem" in screen


def test_a_missing_file_starts_a_new_recipe_named_after_it(tmp_path):
    async def script(app, pilot):
        return app.query_one(ProblemList).texts(), app.doc.text

    listed, text = drive(tmp_path / "nowhere.yaml", script)
    assert text == "name: nowhere\n"
    assert [line.split(": ")[1] for line in listed] == ["inputs", "nodes", "outputs"]
    assert not (tmp_path / "nowhere.yaml").exists()  # written on the first save only


def test_help_lists_every_key_and_closes():
    async def script(app, pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        shown = screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        return shown, type(app.screen).__name__

    shown, after = drive(RECIPES / "xor.yaml", script, size=(100, 60))
    for words in ("Quit", "Train", "Pause or resume", "Step", "Stop", "Save", "Undo", "box above"):
        assert words in shown
    assert "Open or fold the selected network instance" in shown
    assert after != "HelpScreen"


def test_every_key_names_an_action_the_editor_has():
    app = EditorApp(RECIPES / "xor.yaml")
    controllers = {"edit": app.editing.actions(), "train": app.trainer.actions()}
    for owner, bindings in ((EditorApp, EditorApp.BINDINGS), (GraphView, GraphView.BINDINGS)):
        for binding in bindings:
            where, name, params = parse(binding.action)
            target = EditorApp if where == "app" else owner
            assert hasattr(target, f"action_{name}"), binding
            if name in controllers:
                assert params[0] in controllers[name], binding


def test_moving_the_selection_redraws_only_the_selected_boxs_rows():
    import compose

    scene = scene_of(compose.Document.open(RECIPES / "hypernetwork.yaml"))
    picture = Picture(scene, lay_out(scene), states={"gen": "healthy"})
    plain = picture.drawing(None)
    for box in scene.boxes:
        drawn = picture.drawing(box.name)
        place = drawn.boxes[box.name]
        assert drawn.changed == tuple(range(place.y, place.y + place.h))
        lines, before = drawn.text().split("\n"), plain.text().split("\n")
        assert [y for y, (a, b) in enumerate(zip(lines, before, strict=True)) if a != b] == list(
            drawn.changed
        )
        assert lines[place.y][place.x] == "┏"
        # the wires still end on its border, as in the diagram with nothing selected
        top, bottom = place.y, place.y + place.h - 1
        for y in (top, bottom):
            ends = [x for x in range(place.x, place.x + place.w) if before[y][x] in "▼┬╥╨▲┴"]
            assert all(lines[y][x] == before[y][x] for x in ends)
    assert picture.drawing("gen").colour_of("gen") == "green"
