"""The editor's document: operations, undo, problems on nodes, sources, saving round-trip."""

import ast
import os
from pathlib import Path

import pytest

import compose
from compose.cli.main import main
from compose.document.document import ChangedOnDisk, Document, Init, Instance, Refused, read_value

ROOT = Path(__file__).parents[2]

XOR = """\
name: xor
inputs:
  x: [2]
  y: [1]
nodes:
  hidden: {block: linear, in: x, out: 2}
  bend:   {block: sigmoid, in: hidden}
  logit:  {block: linear, in: bend, out: 1}
  prob:   {block: sigmoid, in: logit}
  loss:   {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob]
loss: loss
train:
  data: {dataset: xor}
  batch: 4
  steps: 10
  optimizer: {adam: {learning_rate: 0.05}}
"""

HANDWRITTEN = """\
# XOR, written by hand
name: handmade   # names the run folders
about: >-
  Two hidden units; some nodes in block style,
  some in flow style.

inputs:                 # per-example shapes
  x: [2]
  y: [1]

nodes:
  # the hidden layer, in block style
  hidden:
    block: linear
    in: x
    out: 2              # two units are enough
  bend:   {block: sigmoid, in: hidden}
  logit:  {block: linear, in: bend, out: 1}   # one logit

  prob:   {block: sigmoid, in: logit}
  loss:
    block: cross_entropy
    in: {pred: prob, target: y}

outputs: [prob]         # what prediction returns
loss: loss

# how to train
train:
  data: {dataset: xor}
  batch: 4
  steps: 2000
  optimizer:
    adam: {learning_rate: 0.05}   # a fast rate
  metrics:
    - accuracy
  seed: 0
"""


@pytest.fixture(autouse=True)
def verify(monkeypatch):
    """Every edit's spliced reading is compared with a full reading of the new text."""
    monkeypatch.setattr(Document, "verify", True)


def xor(tmp_path=None, text=XOR) -> Document:
    return Document(text, path=(tmp_path / "r.yaml") if tmp_path else "r.yaml")


# -- reading --------------------------------------------------------------------------------
def test_every_node_input_network_and_wire_has_its_place():
    doc = xor()
    assert [n.name for n in doc.nodes] == ["hidden", "bend", "logit", "prob", "loss"]
    hidden = doc.node("hidden")
    assert (hidden.block, hidden.where.line, hidden.where.col) == ("linear", 6, 3)
    assert hidden.shape == (2,) and hidden.report.weights[0].shape == (2, 2)
    out = next(s for s in hidden.settings if s.name == "out")
    assert (out.value, out.written, out.where.line, out.where.col) == (2, True, 6, 39)
    bias = next(s for s in hidden.settings if s.name == "use_bias")
    assert (bias.value, bias.written, bias.where) == (True, False, None)
    port = hidden.port("x")
    assert (port.kind, port.ref, port.path, port.shape) == (
        "input",
        "x",
        ("nodes", "hidden", "in"),
        (2,),
    )
    assert hidden.port("weight").source == "learned, lecun_normal"
    assert [(i.name, i.shape, i.where.line) for i in doc.inputs] == [("x", [2], 3), ("y", [1], 4)]
    wires = [(w.node, w.port, w.ref) for w in doc.wires]
    assert ("loss", "target", "y") in wires and (None, "output", "prob") in wires
    assert (None, "loss", "loss") in wires
    assert not doc.problems and doc.checked.plan is not None


def test_a_node_that_cannot_be_read_stays_with_its_problems():
    doc = xor(text=XOR.replace("block: sigmoid, in: hidden", "block: sigmoud, in: hidden"))
    bend = doc.node("bend")
    assert bend.block == "sigmoud" and bend.report is None and bend.shape is None
    (problem,) = bend.problems
    assert problem.text == (
        "r.yaml:7:19: nodes.bend.block: node 'bend': unknown block 'sigmoud' "
        "(did you mean 'sigmoid'?)"
    )
    assert (problem.node, problem.path) == ("bend", ("nodes", "bend", "block"))
    assert problem.hint == "did you mean 'sigmoid'?" and problem.text == str(problem.problem)
    assert doc.node("hidden").shape == (2,)


def test_problems_say_node_path_expected_and_got():
    doc = xor(text=XOR.replace("x: [2]", "x: []"))  # a scalar: linear needs an axis to map
    problem, on_input = doc.problems
    assert problem.text == (
        "r.yaml:6:3: nodes.hidden: node 'hidden' (linear): inputs x (): expected a vector "
        "(n,), got ()"
    )
    assert (problem.node, problem.path, problem.expected, problem.got) == (
        "hidden",
        ("nodes", "hidden"),
        "a vector (n,)",
        "()",
    )
    assert doc.node("hidden").problems == (problem,) and doc.input("x").problems == (on_input,)
    assert (on_input.node, on_input.expected, on_input.where.line) == (None, None, 3)


# -- operations -------------------------------------------------------------------------------
def test_set_hyper_changes_the_data_and_every_shape_after_it():
    doc = xor()
    checked = doc.set_hyper("hidden", "out", 3)
    assert checked is doc.checked and not checked.problems
    assert doc.data["nodes"]["hidden"]["out"] == 3
    assert doc.node("hidden").shape == (3,) and doc.node("bend").shape == (3,)
    assert doc.checked.shapes["logit.weight"] == (1, 3)
    assert "  hidden: {block: linear, in: x, out: 3}\n" in doc.text
    doc.set_hyper("hidden", "use_bias", False)
    assert [w.slot for w in doc.node("hidden").report.weights] == ["weight"]
    doc.set_hyper("hidden", "use_bias", None)  # back to the default: the key goes
    assert "use_bias" not in doc.data["nodes"]["hidden"]
    assert [w.slot for w in doc.node("hidden").report.weights] == ["weight", "bias"]


@pytest.mark.parametrize(
    "node, name, value, reason",
    [
        ("hidden", "out", -3, "node 'hidden' (linear): out: expected a positive value, got -3"),
        ("hidden", "out", 2.5, "node 'hidden' (linear): out: expected an integer, got 2.5"),
        (
            "hidden",
            "use_bias",
            "no",
            "node 'hidden' (linear): use_bias: expected true or false, got 'no'",
        ),
        (
            "hidden",
            "outt",
            3,
            "node 'hidden' (linear): expected one of its hyperparameters, got 'outt' "
            "(did you mean 'out'?)",
        ),
        (
            "hidden",
            "out",
            None,
            "node 'hidden' (linear): out has no default: give a value (number of outputs)",
        ),
        (
            "hidden",
            "out",
            "$width",
            "node 'hidden' (linear): expected a parameter, got '$width' (parameters: none here)",
        ),
        (
            "nobody",
            "out",
            3,
            "expected a node, got 'nobody' (known: bend, hidden, logit, loss, prob)",
        ),
    ],
)
def test_a_bad_hyperparameter_is_refused_with_the_reason_and_nothing_changes(
    node, name, value, reason
):
    doc = xor()
    before = (doc.text, doc.revision, doc.undo_label)
    with pytest.raises(Refused) as err:
        doc.set_hyper(node, name, value)
    assert str(err.value) == reason
    assert (doc.text, doc.revision, doc.undo_label) == before


def test_numbers_with_an_exponent_are_numbers_and_keep_their_spelling(tmp_path):
    text = (
        XOR.replace("out: 2}", "out: 2, weight: {init: normal, stddev: 1e-1}}")
        .replace("bend:   {block: sigmoid, in: hidden}", "drop: {block: dropout, in: hidden}\n"
                 "  bend:   {block: sigmoid, in: drop}")
        .replace("learning_rate: 0.05", "learning_rate: 5E-2")
    )  # fmt: skip
    path = tmp_path / "r.yaml"
    path.write_text(text)
    doc = Document.open(path)
    assert doc.problems == ()
    assert doc.data["train"]["optimizer"] == {"adam": {"learning_rate": 0.05}}
    assert read_value("1e-3") == 0.001 and read_value("1e6") == 1e6
    doc.set_hyper("drop", "rate", read_value("1e-3"))
    doc.set_hyper("hidden", "out", 3)  # a flow mapping rewritten around a 1e-1
    doc.set_train("batch", 2)
    doc.save()
    written = path.read_text()
    assert "hidden: {block: linear, in: x, out: 3, weight: {init: normal, stddev: 1e-1}}" in written
    assert "optimizer: {adam: {learning_rate: 5E-2}}" in written
    optimizer = compose.load(path).train.optimizer
    assert (optimizer.name, optimizer.args) == ("adam", (("learning_rate", 0.05),))
    assert compose.check(compose.load(path)).problems == ()


def test_add_node_and_network_instance():
    doc = xor()
    doc.add_node("extra", "tanh", wires="bend", after="bend")
    assert list(doc.data["nodes"])[:3] == ["hidden", "bend", "extra"]
    assert doc.node("extra").shape == (2,) and doc.node("extra").where.line == 8
    assert "  extra: {block: tanh, in: bend}\n" in doc.text
    doc.wire("logit", "x", "extra")
    assert doc.data["nodes"]["logit"]["in"] == "extra" and not doc.problems
    doc.add_node("wide", "linear", wires="x", hypers={"out": 5, "use_bias": False})
    assert list(doc.data["nodes"])[-1] == "wide" and doc.node("wide").shape == (5,)

    doc = Document(
        "networks:\n  twice:\n    inputs: {h: [2]}\n    nodes:\n"
        "      a: {block: linear, in: h, out: 2}\n    outputs: [a]\n" + XOR
    )
    doc.add_instance("body", "twice", wires="hidden", repeat=3, after="hidden")
    doc.wire("bend", "x", "body")
    body = doc.node("body")
    assert (body.network, body.block, body.shape) == ("twice", None, (2,))
    assert body.report.block == "twice x3" and body.report.params == 3 * 6
    assert [p.name for p in body.ports] == ["h"] and not doc.problems
    doc.set_hyper("body", "repeat", 4)
    assert doc.node("body").report.block == "twice x4"
    with pytest.raises(
        Refused, match=r"expected a network or a .yaml file, got 'twise' \(did you mean 'twice'"
    ):
        doc.add_instance("more", "twise", wires="x")


@pytest.mark.parametrize(
    "name, block, reason",
    [
        ("bend", "relu", "node: expected a new name, got 'bend', which is already a node"),
        ("x", "relu", "node: expected a new name, got 'x', which is already an input"),
        (
            "2nd",
            "relu",
            "node: expected a name of letters, digits and underscores, not starting "
            "with a digit, got '2nd'",
        ),
        ("new", "rleu", "node 'new': expected a block, got 'rleu' (did you mean 'relu'?)"),
    ],
)
def test_add_node_refuses_taken_names_and_unknown_blocks(name, block, reason):
    doc = xor()
    with pytest.raises(Refused) as err:
        doc.add_node(name, block, wires="x")
    assert str(err.value) == reason and doc.undo_label is None


def test_rename_updates_every_wire_weight_reference_output_and_loss():
    text = """\
inputs: {x: [2], y: [1]}
nodes:
  enc:   {block: linear, in: x, out: 2}
  twin:  {block: linear, in: x, out: 2, weight: enc.weight, bias: enc.bias}
  both:  {block: concat, in: [enc, twin]}
  pred:  {block: linear, in: both, out: 1}
  loss:  {block: mse, in: {pred: pred, target: y}}
outputs: [enc, pred]
loss: loss
"""
    doc = Document(text)
    doc.rename("enc", "encoder")
    nodes = doc.data["nodes"]
    assert list(nodes) == ["encoder", "twin", "both", "pred", "loss"]
    assert nodes["twin"]["weight"] == "encoder.weight" and nodes["twin"]["bias"] == "encoder.bias"
    assert nodes["both"]["in"] == ["encoder", "twin"]
    assert doc.data["outputs"] == ["encoder", "pred"]
    assert doc.node("twin").port("weight").source == "tied to encoder.weight"
    assert not doc.problems
    doc.rename("loss", "objective")
    assert doc.data["loss"] == "objective" and not doc.problems
    doc.rename("y", "target")  # an input: the wires follow it too
    assert doc.data["inputs"] == {"x": [2], "target": [1]}
    assert (
        nodes is not doc.data["nodes"]
        and doc.data["nodes"]["objective"]["in"]["target"] == "target"
    )
    assert (
        "  twin:  {block: linear, in: x, out: 2, weight: encoder.weight, bias: encoder.bias}\n"
        in doc.text
    )
    with pytest.raises(Refused, match="expected a new name, got 'twin', which is already a node"):
        doc.rename("encoder", "twin")


def test_delete_node_leaves_its_wires_as_problems_on_the_nodes_that_named_it():
    doc = xor()
    doc.delete_node("hidden")
    assert "hidden" not in doc.data["nodes"] and doc.data["nodes"]["bend"]["in"] == "hidden"
    assert [p.text for p in doc.problems] == [
        "r.yaml:6:32: nodes.bend.in: node 'bend' (sigmoid): input 'x': expected an input, node "
        "or node.weight, got 'hidden', which names no input or node (known: bend, logit, "
        "logit.bias, logit.weight, loss, prob, x, y)",
    ]
    (problem,) = doc.node("bend").problems
    assert (problem.node, problem.path) == ("bend", ("nodes", "bend", "in"))
    assert problem.expected == "an input, node or node.weight"
    assert problem.got == "'hidden', which names no input or node"
    doc.delete_node("prob")
    assert [p.text for p in doc.problems][1:] == [
        "r.yaml:8:45: nodes.loss.in.pred: node 'loss' (cross_entropy): input 'pred': expected "
        "an input, node or node.weight, got 'prob', which names no input or node (known: bend, "
        "logit, logit.bias, logit.weight, loss, x, y)",
        "r.yaml:9:11: outputs[0]: expected a node, got 'prob', which names no input or node "
        "(known: bend, logit, loss, x, y)",
    ]
    assert [(p.node, p.path) for p in doc.problems][1:] == [
        ("loss", ("nodes", "loss", "in", "pred")),
        (None, ("outputs", 0)),
    ]


def test_the_last_node_deleted_leaves_an_empty_mapping():
    doc = Document("inputs: {x: [2]}\nnodes:\n  a: {block: relu, in: x}\noutputs: [a]\n")
    doc.delete_node("a")
    assert doc.data["nodes"] == {} and "nodes: {}\n" in doc.text


def test_wire_weight_slots_tie_to_networks_and_to_initialisers():
    doc = Document(
        "networks:\n  gen:\n    inputs: {z: [2]}\n    nodes:\n"
        "      w: {block: linear, in: z, out: 2}\n    outputs: [w]\n" + XOR
    )
    doc.wire("logit", "weight", "hidden.weight")  # (1, 2) from (2, 2): a problem, reported
    assert doc.node("logit").problems[0].message.endswith("which gives (2, 2) (4 values)")
    doc.wire("logit", "weight", Instance("gen", "x"))
    assert doc.data["nodes"]["logit"]["weight"] == {"network": "gen", "in": "x"}
    assert not doc.problems
    assert doc.node("logit").port("weight").source == "from logit/weight (2,) reshaped"
    doc.wire("logit", "weight", Init("normal", (("stddev", 0.5),)))
    assert doc.data["nodes"]["logit"]["weight"] == {"init": "normal", "stddev": 0.5}
    assert doc.node("logit").port("weight").source == "learned, normal(stddev=0.5)"
    doc.wire("logit", "weight", None)
    assert "weight" not in doc.data["nodes"]["logit"] and not doc.problems
    with pytest.raises(
        Refused, match=r"expected an initialiser, got 'normel' \(did you mean 'normal'"
    ):
        doc.wire("logit", "weight", Init("normel"))


def test_wire_input_ports_by_name_position_and_for_several_inputs():
    doc = xor()
    doc.wire("loss", "pred", "logit")
    assert doc.data["nodes"]["loss"]["in"] == {"pred": "logit", "target": "y"}
    doc.add_node("both", "concat", wires=["hidden", "bend"], after="bend")
    doc.wire("both", "x2", "x")  # a variadic block takes one more
    assert doc.data["nodes"]["both"]["in"] == ["hidden", "bend", "x"]
    assert doc.node("both").shape == (6,)
    doc.wire("both", "x1", None)
    assert doc.data["nodes"]["both"]["in"] == ["hidden", "x"]
    doc.add_node("pair", "mse", after="both")
    assert doc.node("pair").problems  # nothing wired yet: the check says what is missing
    doc.wire("pair", "pred", "prob")
    doc.wire("pair", "target", "y")
    assert doc.data["nodes"]["pair"]["in"] == {"pred": "prob", "target": "y"}
    assert doc.node("pair").shape == () and not doc.node("pair").problems
    with pytest.raises(Refused, match=r"expected one of its ports, got 'z' \(known: bias, weight"):
        doc.wire("hidden", "z", "x")


def test_sources_of_a_port_are_what_does_not_depend_on_the_node():
    doc = xor()
    assert [c.ref for c in doc.sources("hidden", "x")] == ["x", "y"]
    choices = doc.sources("logit", "x")
    assert [(c.ref, c.kind) for c in choices] == [
        ("x", "input"),
        ("y", "input"),
        ("hidden", "node"),
        ("bend", "node"),
        ("hidden.weight", "weight"),
        ("hidden.bias", "weight"),
    ]
    assert [c.shape for c in choices] == [(2,), (1,), (2,), (2,), (2, 2), (2,)]
    with pytest.raises(Refused) as err:
        doc.wire("hidden", "x", "prob")
    assert str(err.value) == (
        "node 'hidden': input 'x': expected a source that does not depend on node 'hidden', "
        "got 'prob' (hidden -> prob -> logit -> bend -> hidden)"
    )
    with pytest.raises(Refused, match="got 'logit.weight' \\(logit -> logit\\)"):
        doc.wire("logit", "weight", "logit.weight")


def test_sources_of_a_weight_slot_include_networks_and_instances():
    doc = Document(
        "networks:\n  gen:\n    inputs: {z: [2]}\n    nodes:\n"
        "      w: {block: linear, in: z, out: 2}\n    outputs: [w]\n" + XOR
    )
    doc.add_instance("g", "gen", wires="x", after="hidden")
    kinds = {c.ref: c.kind for c in doc.sources("logit", "weight")}
    assert kinds["g"] == "instance" and kinds["gen"] == "network" and "logit.weight" not in kinds
    assert "gen" not in {c.ref for c in doc.sources("logit", "x")}


def test_inputs_outputs_loss_and_train_keys():
    doc = xor()
    doc.set_input("x", [3])
    assert doc.data["inputs"]["x"] == [3] and doc.node("hidden").report.weights[0].shape == (2, 3)
    doc.set_input("z", [4])
    assert list(doc.data["inputs"]) == ["x", "y", "z"]
    doc.remove_input("z")
    doc.remove_input("x")
    assert any(p.got == "'x', which names no input or node" for p in doc.node("hidden").problems)
    with pytest.raises(Refused, match="input 'w': expected a shape"):
        doc.set_input("w", [0])
    doc.undo(), doc.undo(), doc.undo(), doc.undo()
    doc.set_outputs(["prob", "bend"])
    assert doc.data["outputs"] == ["prob", "bend"] and "outputs: [prob, bend]\n" in doc.text
    doc.set_loss(None)
    assert "loss" not in doc.data and "\nloss: loss\n" not in doc.text
    assert [p.path for p in doc.problems] == [("train",)]  # training needs a loss
    doc.set_loss("loss")
    assert doc.data["loss"] == "loss"
    doc.set_train("optimizer.adam.learning_rate", 1e-5)  # written as YAML 1.1 reads it too
    assert doc.data["train"]["optimizer"] == {"adam": {"learning_rate": 1e-5}}
    assert "optimizer: {adam: {learning_rate: 1.0e-05}}" in doc.text
    doc.set_train("batch", 0)
    problem = doc.problems[0]
    assert problem.text == "r.yaml:15:10: train.batch: expected a positive value, got 0"
    assert (problem.node, problem.path, problem.expected, problem.got) == (
        None,
        ("train", "batch"),
        "a positive value",
        "0",
    )
    doc.set_train(("schedule",), {"cosine_decay_schedule": {"decay_steps": 10}})
    assert doc.data["train"]["schedule"] == {"cosine_decay_schedule": {"decay_steps": 10}}
    doc.set_train("batch", None)
    assert "batch" not in doc.data["train"]
    with pytest.raises(
        Refused, match=r"train: expected one of its keys, got 'stpes' \(did you mean 'steps'"
    ):
        doc.set_train("stpes", 3)


def test_strings_yaml_would_read_otherwise_are_quoted():
    doc = xor()
    doc.add_node("on", "relu", wires="bend", after="bend")  # YAML 1.1 reads on as true
    doc.set_name("yes")
    assert "  'on': {block: relu, in: bend}\n" in doc.text and "name: 'yes'\n" in doc.text
    assert "on" in doc.data["nodes"] and doc.data["name"] == "yes"
    assert doc.node("on").shape == (2,)


def test_undo_and_redo():
    doc = xor()
    texts = [doc.text]
    doc.set_hyper("hidden", "out", 3)
    texts.append(doc.text)
    doc.rename("bend", "squash")
    texts.append(doc.text)
    doc.delete_node("logit")
    texts.append(doc.text)
    assert doc.undo_label == "delete node 'logit'" and doc.redo_label is None
    assert doc.undo() and doc.text == texts[2] and doc.node("logit").shape == (1,)
    assert doc.undo() and doc.text == texts[1] and doc.node("bend").shape == (3,)
    assert doc.redo_label == "rename 'bend' to 'squash'"
    assert doc.undo() and doc.text == texts[0] and doc.node("hidden").shape == (2,)
    assert not doc.undo()
    assert doc.redo() and doc.text == texts[1]
    assert doc.redo() and doc.text == texts[2] and doc.node("squash").shape == (3,)
    doc.set_hyper("logit", "out", 2)  # a new edit forgets what was undone
    assert doc.redo_label is None and not doc.redo()


def test_read_value_reads_as_set_does():
    assert read_value("3") == 3 and read_value("[1, 2]") == [1, 2] and read_value("relu") == "relu"
    assert read_value("0.5") == 0.5 and read_value("true") is True
    with pytest.raises(Refused, match="expected a value, got"):
        read_value("[1, 2")


# -- the text -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "node, name, value, line",
    [
        ("hidden", "out", 3, "    out: 3              # two units are enough\n"),
        (
            "logit",
            "use_bias",
            False,
            "  logit:  {block: linear, in: bend, out: 1, use_bias: false} # one logit\n",
        ),
    ],
)
def test_an_edit_changes_its_own_line_only_and_the_saved_file_trains(
    tmp_path, node, name, value, line
):
    path = tmp_path / "handmade.yaml"
    path.write_text(HANDWRITTEN)
    doc = Document.open(path)
    assert not doc.modified
    doc.set_hyper(node, name, value)
    assert doc.modified
    doc.save()
    assert not doc.modified
    old, new = HANDWRITTEN.splitlines(keepends=True), path.read_text().splitlines(keepends=True)
    assert len(old) == len(new)
    changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    assert len(changed) == 1 and new[changed[0]] == line
    result = compose.train(compose.load(path, overrides=["train.steps=3"]))
    assert result.model is not None


def test_new_lines_go_where_their_neighbours_are_and_match_their_style():
    doc = Document(HANDWRITTEN, path="h.yaml")
    doc.add_node("extra", "relu", wires="hidden", after="hidden")
    doc.add_node("tail", "relu", wires="prob")
    lines = doc.text.splitlines()
    at = lines.index("  extra:")
    assert lines[at - 1].endswith("# two units are enough") and lines[at + 1 : at + 3] == [
        "    block: relu",
        "    in: hidden",
    ]
    at = lines.index("  tail:")  # after the block-style loss, before the blank line
    assert lines[at - 1] == "    in: {pred: prob, target: y}" and lines[at + 3] == ""
    doc.set_input("z", [3])
    assert "  y: [1]\n  z: [3]\n\nnodes:\n" in doc.text


def test_four_space_indents_and_block_lists_are_kept():
    text = (
        "inputs:\n    x: [2]\n    y: [1]\nnodes:\n    hidden:\n        block: linear\n"
        "        in: x\n        out: 4\n    act: {block: tanh, in: hidden}\noutputs:\n    - act\n"
    )
    doc = Document(text)
    doc.set_hyper("hidden", "use_bias", False)
    doc.add_node("more", "relu", wires="act")
    doc.set_outputs(["act", "more"])
    assert doc.text == (
        "inputs:\n    x: [2]\n    y: [1]\nnodes:\n    hidden:\n        block: linear\n"
        "        in: x\n        out: 4\n        use_bias: false\n"
        "    act: {block: tanh, in: hidden}\n    more: {block: relu, in: act}\n"
        "outputs:\n    - act\n    - more\n"
    )


def test_a_flow_style_document_is_rewritten_whole():
    doc = Document("{inputs: {x: [2]}, nodes: {a: {block: relu, in: x}}, outputs: [a]}\n")
    doc.add_node("b", "tanh", wires="a")
    doc.set_outputs(["b"])
    assert doc.data["nodes"] == {
        "a": {"block": "relu", "in": "x"},
        "b": {"block": "tanh", "in": "a"},
    }
    assert doc.node("b").shape == (2,) and not doc.problems


@pytest.mark.parametrize("recipe", sorted((ROOT / "recipes").glob("*.yaml")), ids=lambda p: p.name)
def test_every_recipe_takes_an_edit_on_one_line_and_undoes_it(recipe):
    doc = Document.open(recipe)
    assert not doc.problems
    node, out = next((n, s) for n in doc.nodes for s in n.settings if s.name == "out" and s.written)
    doc.set_hyper(node.name, "out", out.value + 1)
    old, new = recipe.read_text().splitlines(), doc.text.splitlines()
    assert len(old) == len(new) and sum(a != b for a, b in zip(old, new, strict=True)) == 1
    doc.undo()
    assert doc.text == recipe.read_text() and not doc.modified


def test_build_xor_from_an_empty_document_and_run_it(tmp_path):
    path = tmp_path / "xor.yaml"
    doc = Document.open(path)
    assert doc.text == "name: xor\n" and doc.modified and not path.exists()
    assert [p.path for p in doc.problems] == [("inputs",), ("nodes",), ("outputs",)]
    doc.set_input("x", [2])
    doc.set_input("y", [1])
    doc.add_node("hidden", "linear", wires="x", hypers={"out": 2})
    doc.add_node("bend", "sigmoid", wires="hidden")
    doc.add_node("logit", "linear", wires="bend", hypers={"out": 1})
    doc.add_node("prob", "sigmoid", wires="logit")
    doc.add_node("loss", "cross_entropy", wires={"pred": "prob", "target": "y"})
    doc.set_outputs(["prob"])
    doc.set_loss("loss")
    doc.set_train("data", {"dataset": "xor"})
    doc.set_train("batch", 4)
    doc.set_train("steps", 200)
    doc.set_train("optimizer", {"adam": {"learning_rate": 0.05}})
    doc.set_train("metrics", ["accuracy"])
    assert not doc.problems
    doc.save()
    assert path.read_text() == (
        "name: xor\ninputs:\n  x: [2]\n  y: [1]\nnodes:\n"
        "  hidden: {block: linear, in: x, out: 2}\n  bend: {block: sigmoid, in: hidden}\n"
        "  logit: {block: linear, in: bend, out: 1}\n  prob: {block: sigmoid, in: logit}\n"
        "  loss: {block: cross_entropy, in: {pred: prob, target: y}}\n"
        "outputs: [prob]\nloss: loss\ntrain:\n  data: {dataset: xor}\n  batch: 4\n  steps: 200\n"
        "  optimizer: {adam: {learning_rate: 0.05}}\n  metrics: [accuracy]\n"
    )
    assert main(["run", str(path), "--quiet", "--out", str(tmp_path / "run")]) == 0


# -- saving ---------------------------------------------------------------------------------
def test_a_file_changed_on_disk_is_noticed_and_never_overwritten_silently(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(XOR)
    doc = Document.open(path)
    doc.set_hyper("hidden", "out", 3)
    os.utime(path, ns=(1, 1))  # touched, not changed: saving is fine
    assert not doc.changed_on_disk()
    doc.save()
    path.write_text(XOR.replace("steps: 10", "steps: 20"))  # someone else's edit
    doc.set_hyper("hidden", "out", 4)
    assert doc.changed_on_disk()
    with pytest.raises(ChangedOnDisk) as err:
        doc.save()
    assert err.value.reason == "it changed on disk since it was opened or last saved"
    assert "steps: 20" in path.read_text()
    doc.reload()
    assert doc.data["train"]["steps"] == 20 and doc.data["nodes"]["hidden"]["out"] == 2
    assert doc.undo_label == "reload from disk" and not doc.changed_on_disk()
    doc.undo()
    doc.save(force=True)
    assert "out: 4" in path.read_text() and not doc.changed_on_disk()
    other = tmp_path / "other.yaml"
    other.write_text("name: other\n")
    with pytest.raises(ChangedOnDisk, match="it already exists"):
        doc.save(other)
    created = Document.open(tmp_path / "new.yaml")
    (tmp_path / "new.yaml").write_text("name: first\n")
    with pytest.raises(ChangedOnDisk, match="created after the document was opened"):
        created.save()


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "r.yaml"
    path.write_text(XOR)
    path.chmod(0o640)
    doc = Document.open(path)
    doc.set_hyper("hidden", "out", 3)

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        doc.save()
    assert path.read_text() == XOR and sorted(p.name for p in tmp_path.iterdir()) == ["r.yaml"]
    assert doc.modified
    monkeypatch.undo()
    doc.save()
    assert "out: 3" in path.read_text() and (path.stat().st_mode & 0o777) == 0o640


def test_save_as_moves_the_places_to_the_new_file(tmp_path):
    doc = Document(XOR)
    with pytest.raises(ValueError, match="no file yet"):
        doc.save()
    doc.save(tmp_path / "mine.yaml")
    assert doc.path == tmp_path / "mine.yaml" and doc.node("hidden").where.file == str(doc.path)


def test_windows_line_ends_are_kept(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_bytes(XOR.replace("\n", "\r\n").encode())
    doc = Document.open(path)
    doc.set_hyper("hidden", "out", 3)
    doc.save()
    assert path.read_bytes() == XOR.replace("out: 2}", "out: 3}").replace("\n", "\r\n").encode()


def test_ruamel_yaml_has_one_home():
    users = set()
    for file in (ROOT / "compose").rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            if any(n.split(".")[0] == "ruamel" for n in names):
                users.add(file.relative_to(ROOT).as_posix())
    assert users == {"compose/document/rendering.py"}


def test_a_file_that_is_not_yaml_is_refused_with_its_place(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("inputs: {x: [2]\n")
    with pytest.raises(compose.RecipeError, match=r"r.yaml:2:1: YAML syntax"):
        Document.open(path)


def test_output_shapes_are_remembered_and_agree_with_tracing():
    from blocks import BLOCKS

    linear, hypers = BLOCKS["linear"], {"out": 4, "use_bias": True}
    assert linear.output_shape([(3,)], hypers) == (4,) == linear.output_shape([(3,)], hypers)
    assert linear.output_shape([(5,)], {**hypers, "out": 6}) == (6,)
    assert linear._traced_shape([(5,)], {**hypers, "out": 6}) == (6,)


def test_a_weight_slot_wired_to_a_new_instance_in_one_undoable_step():
    networks = (
        "networks:\n  gen:\n    inputs: {z: [2]}\n    nodes:\n"
        "      w: {block: linear, in: z, out: 2}\n    outputs: [w]\n"
    )
    doc = Document(networks + XOR)
    doc.wire_instance("logit", "weight", "g", "gen", wires={"z": "x"})
    assert list(doc.data["nodes"])[:4] == ["hidden", "bend", "g", "logit"]
    assert "  g: {network: gen, in: {z: x}}\n" in doc.text
    assert doc.data["nodes"]["logit"]["weight"] == "g" and not doc.problems
    assert doc.node("logit").port("weight").source == "from g (2,) reshaped"
    assert doc.undo_label == "node 'logit': weight from a new instance 'g' of gen"
    doc.undo()
    assert doc.text == networks + XOR and doc.undo_label is None
    doc.wire_instance("hidden", "weight", "g", "gen", wires="x")  # before the first node
    assert list(doc.data["nodes"])[:2] == ["g", "hidden"]
    assert doc.node("hidden").problems[0].message.endswith("which gives (2,) (2 values)")
    for args, reason in [
        (("hidden", "weight", "g2", "gen", "prob"), "node 'g2': in: expected a source that "
         "does not depend on node 'hidden', got 'prob' (hidden -> prob -> logit -> bend -> "
         "hidden)"),
        (("hidden", "x", "g2", "gen", "x"), "node 'hidden': expected one of its weight slots, "
         "got 'x', an input"),
        (("logit", "weight", "g", "gen", "x"), "node: expected a new name, got 'g', which is "
         "already a node"),
        (("logit", "weight", "g2", "gen2", "x"), "node 'g2': expected a network or a .yaml "
         "file, got 'gen2' (did you mean 'gen'?)"),
    ]:  # fmt: skip
        before = doc.text
        with pytest.raises(Refused) as err:
            doc.wire_instance(*args[:4], wires=args[4])
        assert str(err.value) == reason and doc.text == before


def test_an_instances_report_holds_its_nodes_their_wires_and_its_output():
    doc = Document(
        "networks:\n  pair:\n    inputs: {h: [2]}\n    nodes:\n"
        "      a: {block: linear, in: h, out: 2}\n"
        "      b: {block: linear, in: a, out: 2, weight: a.weight}\n"
        "      c: {block: tanh, in: a}\n"
        "    outputs: [b]\n" + XOR
    )
    doc.add_instance("body", "pair", wires="hidden", repeat=2, after="hidden")
    report = doc.node("body").report
    assert report.output == "b" and report.refs == ("hidden",) and report.repeat == 2
    a, b, c = report.children
    assert (a.refs, b.refs, c.refs) == (("h",), ("a",), ("a",))
    assert [(w.slot, w.ref) for w in b.weights] == [("weight", "a.weight"), ("bias", None)]
    assert b.weights[0].source == "tied to a.weight" and a.weights[0].ref is None
    assert doc.node("hidden").report.output == ""  # a block node has no children
