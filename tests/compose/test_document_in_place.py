"""Changing a recipe in place: a node's block, a new node put into a wire, a dangling branch,
and a network's definition edited as a document of its own. Each edit is checked by the
text it saves, the graph it checks to, and what one undo gives back."""

import re
from pathlib import Path

import pytest

import compose
from compose.cli.main import main
from compose.document.document import Document, Refused

ROOT = Path(__file__).parents[2]

RECIPE = """\
name: tidy   # a comment on the name
inputs:
  x: [2]
  y: [1]
nodes:
  # the hidden layer
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
train:
  data: {dataset: xor}
  batch: 4
  steps: 2
  optimizer: {adam: {learning_rate: 0.05}}
"""

NETWORKS = """\
name: nets
networks:
  residual:             # h + W tanh(h)
    params: {width: 4}
    inputs: {h: [$width]}
    nodes:
      # the branch
      a: {block: tanh, in: h}
      b: {block: linear, in: a, out: $width}   # back to the width
      s: {block: add, in: [h, b]}
    outputs: [s]

  # nothing uses this one
  spare:
    inputs: {z: [2]}
    nodes:
      o: {block: tanh, in: z}
    outputs: [o]

inputs:
  x: [2]
  y: [2]
nodes:
  embed: {block: linear, in: x, out: 8}
  body:  {network: residual, in: embed, width: 8}   # eight wide
  inline:
    network:
      inputs: {v: [8]}
      nodes:
        w: {block: linear, in: v, out: 2}   # down to two
      outputs: [w]
    in: body
  flat:  {network: {inputs: {q: [2]}, nodes: {r: {block: tanh, in: q}}, outputs: [r]}, in: inline}
  probs: {block: softmax, in: flat}
  loss:  {block: cross_entropy, in: {pred: probs, target: y}}
outputs: [probs]
loss: loss
"""


GOOD = RECIPE.replace("linaer", "linear")


@pytest.fixture(autouse=True)
def verify(monkeypatch):
    """Every edit's spliced reading is compared with a full reading of the new text."""
    monkeypatch.setattr(Document, "verify", True)


def replaced(text: str, *pairs: tuple[str, str]) -> str:
    """`text` with each (old, new) line replaced; each old line must be there once."""
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def problems(doc: Document) -> list[str]:
    return [p.text for p in doc.problems]


# -- changing a node's block ----------------------------------------------------------------


def test_a_mistyped_block_is_changed_in_place_keeping_name_wires_settings_and_comments():
    doc = Document(RECIPE, path="r.yaml")
    assert problems(doc) == [
        "r.yaml:13:19: nodes.logit.block: node 'logit': unknown block 'linaer' "
        "(did you mean 'linear'?)"
    ]
    doc.set_block("logit", "linear")
    assert doc.text == replaced(
        RECIPE,
        (
            "  logit:  {block: linaer, in: bend, out: 1}   # a typo\n",
            "  logit:  {block: linear, in: bend, out: 1}   # a typo\n",
        ),
    )
    assert doc.undo_label == "node 'logit': block linear (was linaer)"
    assert not doc.problems
    assert doc.node("logit").shape == (1,) and doc.node("logit").port("x").ref == "bend"
    doc.undo()
    assert doc.text == RECIPE and doc.node("logit").block == "linaer"


def test_settings_the_new_block_does_not_take_are_dropped_and_named():
    doc = Document(RECIPE, path="r.yaml")
    doc.set_block("logit", "linear")
    doc.set_block("hidden", "tanh")
    assert doc.undo_label == (
        "node 'hidden': block tanh (was linear); dropped out: 3, use_bias: false"
    )
    assert doc.text == replaced(
        RECIPE,
        (
            "    block: linear\n    in: x\n    out: 3              # three units\n"
            "    use_bias: false\n",
            "    block: tanh\n    in: x\n",
        ),
        ("{block: linaer, in: bend", "{block: linear, in: bend"),
    )
    assert doc.node("hidden").shape == (2,) and doc.node("bend").shape == (2,)
    assert not doc.problems
    doc.undo()
    assert doc.node("hidden").shape == (3,) and "use_bias: false" in doc.text


def test_wires_keep_their_ports_by_name_then_by_order_and_extra_ones_are_dropped():
    doc = Document(GOOD, path="r.yaml")
    doc.set_block("loss", "mse")  # the same two ports: kept as written
    assert "  loss:   {block: mse, in: {pred: prob, target: y}}\n" in doc.text
    assert doc.undo_label == "node 'loss': block mse (was cross_entropy)"
    doc.set_block("loss", "add")  # a list of any length: the wires in order
    assert "  loss:   {block: add, in: [prob, y]}\n" in doc.text
    doc.set_block("loss", "sigmoid")  # one port: the first wire stays
    assert "  loss:   {block: sigmoid, in: prob}\n" in doc.text
    assert doc.undo_label == "node 'loss': block sigmoid (was add); dropped in #1: 'y'"
    assert doc.node("loss").shape == (1,)
    assert problems(doc) == [
        "r.yaml:17:7: loss: expected node 'loss' (sigmoid) to give a per-example scalar (), "
        "got shape (1,) (reduce it, e.g. with an mse or cross_entropy block)"
    ]
    for _ in range(3):
        doc.undo()
    assert doc.text == GOOD


def test_a_network_instance_becomes_a_block_node_keeping_its_wire():
    doc = Document(NETWORKS, path="n.yaml")
    assert not problems(doc)
    doc.set_block("body", "tanh")
    assert re.search(r"\n  body:  \{block: tanh, in: embed\} +# eight wide\n", doc.text)
    assert doc.undo_label == (
        "node 'body': block tanh (was an instance of residual); dropped width: 8"
    )
    assert doc.node("body").shape == (8,) and not doc.problems
    doc.undo()
    assert doc.text == NETWORKS


@pytest.mark.parametrize(
    "node, block, reason",
    [
        ("hidden", "linaer", "node 'hidden': expected a block, got 'linaer' (did you mean"),
        ("hidden", "linear", "node 'hidden' is already a linear node"),
        ("nothing", "tanh", "expected a node, got 'nothing'"),
    ],
)
def test_a_block_change_that_cannot_be_made_is_refused_and_nothing_changes(node, block, reason):
    doc = Document(RECIPE, path="r.yaml")
    with pytest.raises(Refused) as err:
        doc.set_block(node, block)
    assert str(err.value).startswith(reason)
    assert doc.text == RECIPE and doc.undo_label is None


# -- a new node into a wire, and a dangling branch -----------------------------------------


def test_a_block_put_into_a_wire_sits_between_its_ends_in_one_undo():
    doc = Document(RECIPE, path="r.yaml")
    doc.set_block("logit", "linear")
    before = doc.text
    doc.insert_node("norm", "tanh", into="logit")
    assert doc.text == replaced(
        before,
        (
            "  logit:  {block: linear, in: bend, out: 1}   # a typo\n",
            "  norm: {block: tanh, in: bend}\n"
            "  logit:  {block: linear, in: norm, out: 1}   # a typo\n",
        ),
    )
    assert doc.undo_label == "insert 'norm' (tanh) between bend and logit.x"
    assert doc.node("norm").shape == (3,) and doc.node("logit").port("x").ref == "norm"
    assert not doc.problems
    doc.undo()
    assert doc.text == before and doc.node("norm") is None


def test_a_port_of_several_is_named_and_a_network_instance_may_go_in_too():
    doc = Document(NETWORKS, path="n.yaml")
    with pytest.raises(Refused, match=r"one of its wired inputs to insert into \(pred, target\)"):
        doc.insert_node("t", "tanh", into="loss")
    doc.insert_node("t", "tanh", into="loss", port="target")
    assert (
        "  t: {block: tanh, in: y}\n  loss:  {block: cross_entropy, in: {pred: probs, target: t}}\n"
        in doc.text
    )
    doc.undo()
    doc.insert_node("more", network="residual", into="inline", hypers={"width": 8})
    assert "  more: {network: residual, in: body, width: 8}\n" in doc.text
    assert "    in: more\n" in doc.text
    assert doc.node("more").shape == (8,) and not doc.problems
    with pytest.raises(Refused, match="expected a new name, got 'embed'"):
        doc.insert_node("embed", "tanh", into="probs")


def test_a_dangling_branch_is_a_new_node_fed_by_the_selected_one():
    doc = Document(RECIPE, path="r.yaml")
    doc.add_node("side", "tanh", wires="bend", after="bend")
    assert "  bend:   {block: sigmoid, in: hidden}\n  side: {block: tanh, in: bend}\n" in doc.text
    assert doc.node("side").shape == (3,)
    assert [w.node for w in doc.wires if w.ref == "side"] == []  # nothing reads it yet


# -- inside a network instance ---------------------------------------------------------------


def test_a_named_network_is_edited_as_its_own_document_and_written_back_with_its_comments(
    tmp_path,
):
    (tmp_path / "n.yaml").write_text(NETWORKS)
    doc = Document.open(tmp_path / "n.yaml")
    inner = compose.open_network(doc, "body")
    assert inner.text == (
        "params: {width: 4}\n"
        "inputs: {h: [$width]}\n"
        "nodes:\n"
        "  # the branch\n"
        "  a: {block: tanh, in: h}\n"
        "  b: {block: linear, in: a, out: $width}   # back to the width\n"
        "  s: {block: add, in: [h, b]}\n"
        "outputs: [s]\n"
    )
    # checked as the instance reads it: width 8, not the default 4
    assert [(n.name, n.shape) for n in inner.nodes] == [("a", (8,)), ("b", (8,)), ("s", (8,))]
    inner.set_hyper("b", "out", 3)
    assert problems(inner) and problems(inner)[0].startswith(
        f"{tmp_path}/n.yaml#networks.residual:7:"
    )
    inner.undo()  # its own undo; the recipe has not changed
    assert not inner.problems and doc.undo_label is None and not inner.modified
    inner.insert_node("g", "sigmoid", into="b")
    assert doc.text == NETWORKS  # not yet written back
    inner.commit()
    assert doc.text == replaced(
        NETWORKS,
        (
            "      b: {block: linear, in: a, out: $width}   # back to the width\n",
            "      g: {block: sigmoid, in: a}\n"
            "      b: {block: linear, in: g, out: $width}   # back to the width\n",
        ),
    )
    assert doc.undo_label == "edit network 'residual'" and not doc.problems
    assert doc.modified and inner.modified  # written back; the file is not saved yet
    assert [c.name for c in doc.node("body").report.children] == ["a", "g", "b", "s"]
    doc.undo()
    assert doc.text == NETWORKS


def test_a_problem_made_inside_shows_on_the_instance_once_written_back():
    doc = Document(NETWORKS, path="n.yaml")
    inner = compose.open_network(doc, "body")
    inner.set_hyper("b", "out", 3)
    inner.commit()
    assert [(p.node, p.message.split(":")[0]) for p in doc.problems][:1] == [
        ("body", "node 's' (add)")
    ]
    doc.undo()
    assert not doc.problems


def test_inline_networks_in_block_and_flow_style_are_written_back_in_place():
    doc = Document(NETWORKS, path="n.yaml")
    inner = compose.open_network(doc, "inline")
    assert inner.text == (
        "inputs: {v: [8]}\nnodes:\n  w: {block: linear, in: v, out: 2}   # down to two\n"
        "outputs: [w]\n"
    )
    inner.set_hyper("w", "out", 2)  # unchanged: no edit
    inner.insert_node("u", "tanh", into="w")
    inner.commit()
    assert doc.text == replaced(
        NETWORKS,
        (
            "        w: {block: linear, in: v, out: 2}   # down to two\n",
            "        u: {block: tanh, in: v}\n"
            "        w: {block: linear, in: u, out: 2}   # down to two\n",
        ),
    )
    assert doc.undo_label == "edit node 'inline''s network"
    flat = compose.open_network(doc, "flat")
    flat.add_node("r2", "tanh", wires="r", after="r")
    flat.set_outputs(["r2"])
    flat.commit()
    assert not doc.problems
    assert [c.name for c in doc.node("flat").report.children] == ["r", "r2"]
    assert "  probs: {block: softmax, in: flat}\n" in doc.text  # its neighbours as written
    doc.undo()
    doc.undo()
    assert doc.text == NETWORKS


def test_saving_inside_writes_the_recipe_and_a_network_file_is_its_own_document(tmp_path):
    (tmp_path / "parts").mkdir()
    part = "# a part\ninputs: {h: [8]}\nnodes:\n  o: {block: linear, in: h, out: 2}\noutputs: [o]\n"
    (tmp_path / "parts" / "enc.yaml").write_text(part)
    outer = NETWORKS.replace(
        "{network: {inputs: {q: [2]}, nodes: {r: {block: tanh, in: q}}, outputs: [r]}, in: inline}",
        "{network: parts/enc.yaml, in: body}",
    )
    (tmp_path / "n.yaml").write_text(outer)
    doc = Document.open(tmp_path / "n.yaml")
    assert not problems(doc)
    body = compose.open_network(doc, "body")
    body.insert_node("g", "sigmoid", into="b")
    assert body.modified
    body.save()
    saved = (tmp_path / "n.yaml").read_text()
    assert "      g: {block: sigmoid, in: a}\n" in saved and not doc.modified
    assert not body.modified

    enc = compose.open_network(doc, "flat")
    assert enc.path == tmp_path / "parts" / "enc.yaml" and enc.text == part
    enc.add_node("p", "linear", wires="o", hypers={"out": 5}, after="o")
    enc.set_outputs(["p"])
    enc.save()
    assert (tmp_path / "parts" / "enc.yaml").read_text() == (
        "# a part\ninputs: {h: [8]}\nnodes:\n  o: {block: linear, in: h, out: 2}\n"
        "  p: {block: linear, in: o, out: 5}\noutputs: [p]\n"
    )
    assert doc.node("flat").shape == (2,)  # the recipe read the file before
    doc.recheck()
    assert doc.node("flat").shape == (5,)
    assert main(["check", str(tmp_path / "n.yaml")]) == 2  # probs/loss now mis-shaped


def test_only_a_network_instance_opens():
    doc = Document(NETWORKS, path="n.yaml")
    with pytest.raises(Refused, match="node 'embed': expected a network instance"):
        compose.open_network(doc, "embed")


def test_every_recipes_instances_open_with_no_problems_and_take_an_edit_in_their_lines():
    for path in sorted((ROOT / "recipes").glob("*.yaml")):
        text = path.read_text()
        doc = Document.open(path)
        for node in doc.nodes:
            if node.network is None:
                continue
            inner = compose.open_network(doc, node.name)
            assert not inner.problems, (path.name, node.name, problems(inner))
            first = inner.inputs[0].name
            inner.add_node("extra", "tanh", wires=first, after=inner.nodes[-1].name)
            inner.commit()
            added = [line for line in doc.text.splitlines() if line not in text.splitlines()]
            assert len(doc.text.splitlines()) == len(text.splitlines()) + 1
            assert [line.strip() for line in added] == [f"extra: {{block: tanh, in: {first}}}"]
            assert not doc.problems, (path.name, node.name, problems(doc))
            doc.undo()
            assert doc.text == text
