"""Network instances: opened to show their nodes as checked and folded back; a weight slot
fed by a new instance of one of the recipe's networks, by keystrokes."""

from __future__ import annotations

from tests.tui.conftest import RECIPES, drive, screen_text
from tests.tui.test_editing import answer
from tui.drawing import Picture, lay_out
from tui.graph import GraphView
from tui.scene import scene_of


def test_f_opens_a_repeated_instance_shows_its_body_once_and_folds_it_back():
    async def script(app, pilot):
        graph = app.query_one(GraphView)
        await pilot.press("down", "f")  # embed, then body: open it
        await pilot.pause()
        opened = graph.text(), {b.name: b for b in app.scene.boxes}, app.scene.wires
        await pilot.press("down", "down")  # into the body: a, then b
        await pilot.pause()
        inner = graph.selected, screen_text(app)
        await pilot.press("d")  # read-only: refused, nothing changes
        await pilot.pause()
        refused = screen_text(app), app.doc.modified
        await pilot.press("f")  # on a node inside: folds its instance, selects it
        await pilot.pause()
        return opened, inner, refused, graph.selected, graph.text()

    opened, inner, refused, selected, folded = drive(
        RECIPES / "deep_residual.yaml", script, size=(110, 50)
    )
    diagram, boxes, wires = opened
    assert "▾ residual x32" in diagram  # the body, once, for its 32 copies
    for name, label in (("a", "linear (16,)"), ("b", "tanh (16,)"), ("s", "add (16,)")):
        assert f"┆ body/{name} " in diagram and boxes[f"body/{name}"].label == label
        assert boxes[f"body/{name}"].owner == "body"
    pairs = {(w.source, w.target) for w in wires}
    # the network's input h comes in through body's box; its output s feeds logits
    assert {("embed", "body"), ("body", "body/a"), ("body", "body/s"), ("body/s", "logits")} <= (
        pairs
    )
    assert ("body", "logits") not in pairs
    selected_inner, screen = inner
    assert selected_inner == "body/b"
    assert "inside 'body': read-only here" in screen and "x <- a (16,)" in screen
    said, modified = refused
    assert "'body/b' is inside network instance 'body': read-only here" in said
    assert not modified
    assert selected == "body"
    assert "body/a" not in folded and "network residual x32 (16,)" in folded


HYPER_WITHOUT_GEN = """\
name: hyper
networks:
  weight_gen:                     # point in, a layer's weights out
    params: {hidden: 16, size: 32}
    inputs: {z: [2]}
    nodes:
      h: {block: linear, in: z, out: $hidden}
      a: {block: tanh, in: h}
      w: {block: linear, in: a, out: $size}
    outputs: [w]
inputs:
  x: [2]
  y: [2]
nodes:
  h1:     {block: linear, in: x, out: 16}
  a1:     {block: tanh, in: h1}
  logits: {block: linear, in: a1, out: 2}
  probs:  {block: softmax, in: logits}
  loss:   {block: cross_entropy, in: {pred: probs, target: y}}
outputs: [probs]
loss: loss
"""


def test_a_weight_slot_wired_to_a_new_instance_of_a_network_by_keystrokes(tmp_path):
    path = tmp_path / "hyper.yaml"
    path.write_text(HYPER_WITHOUT_GEN)

    async def script(app, pilot):
        await pilot.press("down", "down", "w")  # h1, a1, logits: wire one of its ports
        await answer(pilot, "weight (weight)")
        await answer(pilot, "new instance of network weight_gen")
        await answer(pilot, "x  input")  # the instance's input z
        graph = app.query_one(GraphView)
        seen = app.doc.data["nodes"], app.scene.problems, app.scene.wires, graph.text()
        seen += (screen_text(app),)
        await pilot.press("u")  # one undo takes both back
        await pilot.pause()
        return seen, app.doc.text

    (nodes, problems, wires, diagram, screen), undone = drive(path, script, size=(110, 44))
    assert nodes["weight_gen"] == {"network": "weight_gen", "in": {"z": "x"}}
    assert list(nodes).index("weight_gen") == list(nodes).index("logits") - 1
    assert nodes["logits"]["weight"] == "weight_gen"
    assert problems == ()
    assert any(w.source == "weight_gen" and w.target == "logits" and w.weight for w in wires)
    assert "network weight_gen (32,)" in diagram
    assert "╥" in diagram and "║" in diagram  # the weight wire, double
    assert "no problems" in screen
    assert "weight (2, 16) from weight_gen (32,)" in screen  # the inspector
    assert undone == HYPER_WITHOUT_GEN


NESTED = """\
name: nested
networks:
  inner:
    inputs: {p: [4]}
    nodes:
      u: {block: linear, in: p, out: 16}
      v: {block: tanh, in: u}
    outputs: [v]
  outer:
    inputs: {q: [4]}
    nodes:
      first: {network: inner, in: q}
      twice: {block: linear, in: q, out: 4, weight: first}   # (4, 4) from 16 values
    outputs: [twice]
inputs:
  x: [4]
nodes:
  body: {network: outer, in: x}
  out: {block: sum, in: body}
outputs: [out]
"""


def test_instances_inside_an_open_instance_open_too_and_each_box_takes_its_health():
    import compose

    doc = compose.Document(NESTED)
    assert not doc.problems
    scene = scene_of(doc, {"body", "body/first"})
    boxes = {b.name: b for b in scene.boxes}
    assert boxes["body/first"].open and boxes["body/first"].label == "▾ inner"
    assert boxes["body/first/u"].owner == "body/first"
    wires = {(w.source, w.target, w.weight) for w in scene.wires}
    assert {
        ("x", "body", False),
        ("body", "body/first", False),  # outer's input q feeds its instance of inner
        ("body/first", "body/first/u", False),
        ("body", "body/twice", False),
        ("body/first/v", "body/twice", True),  # inner's output, into twice's weight
        ("body/twice", "out", False),
    } <= wires
    picture = Picture(scene, lay_out(scene), states={"body": "bad", "body/first/u": "healthy"})
    drawing = picture.drawing(None)
    assert drawing.colour_of("body") == "red" and drawing.colour_of("body/first/u") == "green"
    folded = scene_of(doc, {"body/first"})  # inside a folded instance: nothing opens
    assert [b.name for b in folded.boxes] == ["x", "body", "out"]
