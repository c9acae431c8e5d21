"""Keys never act on the wrong thing: each sequence a new user typed, pressed as they did,
then the graph, the selection, the focus and the recipe read back."""

from __future__ import annotations

import shutil

from textual.widgets import Input

import compose
from tests.tui.conftest import RECIPES, drive, screen_text, wait_for
from tui.graph import GraphView
from tui.training import TrainPanel

XOR_NODES = ["hidden", "bend", "logit", "prob", "loss"]


def copy_of(tmp_path, name: str = "xor.yaml"):
    path = tmp_path / name
    shutil.copy(RECIPES / name, path)
    return path


def where(app) -> dict:
    """What a person reads after a sequence: the boxes, the selection, where the keys go
    (the focused widget's id) and the train fields' values."""
    focused = app.focused
    return {
        "boxes": [b.name for b in app.scene.boxes if b.kind != "input"],
        "selected": app.query_one(GraphView).selected,
        "focus": focused.id if focused is not None else None,
        "dataset": app.query_one("#train-dataset", Input).value,
        "text": app.doc.text,
    }


def test_c_t_j_shows_the_train_tab_trains_and_moves_nothing_lands_in_a_field(tmp_path):
    path = copy_of(tmp_path)
    before = path.read_text()

    async def script(app, pilot):
        await pilot.press("c", "t")
        await wait_for(pilot, lambda: not app.training)
        await pilot.press("j")
        await pilot.pause()
        return where(app), screen_text(app)

    seen, screen = drive(path, script)
    # t trained (the screen says the run finished: a short run may end before a check
    # made right after the key would see it running)
    assert seen["dataset"] == "xor" and seen["focus"] == "graph"
    assert seen["selected"] == "bend"  # j moved from hidden, the first node
    assert seen["text"] == before and "finished 2000 steps" in screen


def test_c_x_while_training_stops_it_and_j_k_move_the_selection(tmp_path):
    path = copy_of(tmp_path)
    before = path.read_text()

    async def script(app, pilot):
        await pilot.press("t")
        await wait_for(pilot, lambda: getattr(app.query_one(TrainPanel), "losses", None))
        await pilot.press("c", "x", "i", *"jjjjj")
        await wait_for(pilot, lambda: not app.training)
        low = app.query_one(GraphView).selected
        await pilot.press(*"kkkkk")
        await pilot.pause()
        return low, where(app), app.query_one(TrainPanel).losses

    low, seen, losses = drive(path, script, overrides=("train.steps=10000000",))
    assert low == "loss"  # five j from hidden: bend, logit, prob, loss, loss
    assert seen["selected"] == "x" and seen["focus"] == "graph"  # the input above hidden
    assert seen["dataset"] == "xor" and seen["text"] == before
    assert 0 < len(losses)  # it had trained, then stopped long before ten million steps


def test_e_sets_a_field_then_enter_returns_to_the_graph_and_d_deletes_the_selection(tmp_path):
    path = copy_of(tmp_path)

    async def script(app, pilot):
        await pilot.press("e", "backspace", "3", "enter")
        await pilot.pause()
        after_enter = where(app)
        await pilot.press("j", "j", "d")
        await pilot.pause()
        return after_enter, where(app), screen_text(app)

    after_enter, seen, screen = drive(path, script)
    assert after_enter["focus"] == "graph" and after_enter["selected"] == "hidden"
    assert seen["boxes"] == ["hidden", "bend", "prob", "loss"]  # logit went, not hidden
    assert seen["selected"] == "prob"  # where logit was
    hidden = next(n for n in compose.loads(seen["text"]).nodes if n.name == "hidden")
    assert dict(hidden.hypers)["out"] == 3
    assert "deleted node 'logit'" in screen and "selected: prob" in screen


def test_j_o_j_m_toggles_bends_output_and_makes_logit_the_loss(tmp_path):
    path = copy_of(tmp_path)

    async def script(app, pilot):
        await pilot.press("j", "o", "j", "m")
        await pilot.pause()
        return where(app)

    seen = drive(path, script)
    recipe = compose.loads(seen["text"])
    assert [w.ref for w in recipe.outputs] == ["prob", "bend"]
    assert recipe.loss.ref == "logit" and seen["selected"] == "logit"
    assert seen["focus"] == "graph"


def test_enter_in_a_train_field_sets_it_and_the_next_keys_go_to_the_graph(tmp_path):
    path = copy_of(tmp_path)

    async def script(app, pilot):
        await pilot.press("c", "e")  # the Train tab shown, e edits its first field
        editing = app.focused.id, screen_text(app)
        await pilot.press("ctrl+u", *"spirals", "enter", "j")
        await pilot.pause()
        return editing, where(app)

    (field, screen), seen = drive(path, script)
    assert field == "train-dataset" and "dataset" in screen  # the field is on the screen
    assert compose.loads(seen["text"]).train.data.source == "spirals"
    assert seen["focus"] == "graph" and seen["selected"] == "bend"
    assert seen["dataset"] == "spirals"


def test_escape_in_a_field_restores_its_value_and_returns_to_the_graph(tmp_path):
    path = copy_of(tmp_path)
    before = path.read_text()

    async def script(app, pilot):
        await pilot.press("e", *"99", "escape")
        await pilot.pause()
        out = app.query_one("#field-out", Input).value
        await pilot.press("c", "e", *"tj", "escape", "j")
        await pilot.pause()
        return out, where(app)

    out, seen = drive(path, script)
    assert out == "2"
    assert seen["dataset"] == "xor" and seen["text"] == before
    assert seen["focus"] == "graph" and seen["selected"] == "bend"


def test_tab_in_a_node_field_sets_it_and_goes_to_the_next_field(tmp_path):
    path = copy_of(tmp_path)

    async def script(app, pilot):
        await pilot.press("e", "backspace", "3", "tab")
        await pilot.pause()
        return app.focused.id, where(app)

    focused, seen = drive(path, script)
    hidden = next(n for n in compose.loads(seen["text"]).nodes if n.name == "hidden")
    assert dict(hidden.hypers)["out"] == 3
    assert focused == "field-use_bias" and seen["selected"] == "hidden"


def test_the_footer_shows_the_keys_of_what_has_the_focus(tmp_path):
    path = copy_of(tmp_path)

    def footer(app) -> str:
        return screen_text(app).splitlines()[-1]

    async def script(app, pilot):
        seen = [footer(app)]
        for key in ("e", "escape", "tab", "b", "escape"):
            await pilot.press(key)
            await pilot.pause()
            seen.append(footer(app))
        return seen

    graph, field, back, tabbed, palette, again = drive(path, script)
    assert "a Add" in graph and "t Train" in graph and "? Help" in graph
    # in a field, letters are typed, not keys: only the keys that still act are shown
    assert "f1 Help" in field and "a Add" not in field and "t Train" not in field
    assert back == graph and tabbed == graph and again == graph
    assert "f1 Help" in palette and "a Add" not in palette
