"""Each kind of bad recipe: exit status 2 and its exact message on stderr, never a traceback."""

import pytest

import compose
from tests.conftest import XOR

NET = """\
inputs: {x: [2], y: [1]}
nodes:
%s
outputs: [out]
"""


def net(*lines):
    return NET % "\n".join("  " + line for line in lines)


CASES = {
    "not a mapping": ("- a\n- b\n", [
        "r.yaml:1:1: expected a recipe: a mapping with inputs, nodes and outputs, got a list of "
        "2 items",
    ]),
    "unknown top-level key": (XOR + "netwrks: {}\n", [
        "r.yaml:16:1: netwrks: unknown key 'netwrks' in the recipe (did you mean 'networks'?)",
    ]),
    "unknown block": (net("out: {block: linaer, in: x, out: 2}"), [
        "r.yaml:3:16: nodes.out.block: node 'out': unknown block 'linaer' (did you mean 'linear'?)",
    ]),
    "unknown hyperparameter": (net("out: {block: linear, in: x, out: 2, outt: 3}"), [
        "r.yaml:3:39: nodes.out.outt: unknown key 'outt' in node 'out' (linear) (did you mean 'out'?)",
    ]),
    "missing hyperparameter": (net("out: {block: linear, in: x}"), [
        "r.yaml:3:3: nodes.out: node 'out' (linear): expected 'out' (number of outputs), got nothing",
    ]),
    "wrong type": (net("out: {block: linear, in: x, out: two}"), [
        "r.yaml:3:36: nodes.out.out: node 'out' (linear): expected an integer, got 'two'",
    ]),
    "out of range": (net("out: {block: linear, in: x, out: -3}"), [
        "r.yaml:3:36: nodes.out.out: node 'out' (linear): expected a positive value, got -3",
    ]),
    "boolean is not an integer": (net("out: {block: linear, in: x, out: true}"), [
        "r.yaml:3:36: nodes.out.out: node 'out' (linear): expected an integer, got true",
    ]),
    "unknown input name": (net("out: {block: linear, in: xx, out: 2}"), [
        "r.yaml:3:28: nodes.out.in: node 'out' (linear): input 'x': expected an input, node or "
        "node.weight, got 'xx', which names no input or node (did you mean 'x'?)",
    ]),
    "wrong number of inputs": (net("out: {block: sigmoid, in: [x, y]}"), [
        "r.yaml:3:29: nodes.out.in: node 'out' (sigmoid): expected 1 input (x), got 2",
    ]),
    "missing named input": (net("out: {block: mse, in: {pred: x}}"), [
        "r.yaml:3:25: nodes.out.in: node 'out' (mse): expected inputs pred, target, missing target",
    ]),
    "unknown weight": (net("h: {block: linear, in: x, out: 2}",
                           "out: {block: linear, in: x, out: 2, weight: h.wieght}"), [
        "r.yaml:4:47: nodes.out.weight: node 'out' (linear): weight 'weight': expected an input, "
        "node or node.weight, got 'h.wieght', but node 'h' (linear) has no weight 'wieght' "
        "(its weights: weight, bias) (did you mean 'h.weight'?)",
    ]),
    "unknown output": ((net("h: {block: linear, in: x, out: 2}")), [
        "r.yaml:4:11: outputs[0]: expected a node, got 'out', which names no input or node "
        "(known: h, x, y)",
    ]),
    "unknown initialiser": (net("out: {block: linear, in: x, out: 2, weight: {init: glorot}}"), [
        "r.yaml:3:54: nodes.out.weight.init: node 'out': weight 'weight': expected an "
        "initialiser, got 'glorot' (did you mean 'glorot_normal'?)",
    ]),
    "unknown initialiser argument": (
        net("out: {block: linear, in: x, out: 2, weight: {init: normal, sd: 1}}"), [
        "r.yaml:3:62: nodes.out.weight.sd: unknown key 'sd' in initialiser 'normal' "
        "(known: init, stddev)",
    ]),
    "cycle": (net("a: {block: tanh, in: out}", "b: {block: tanh, in: a}",
                  "out: {block: tanh, in: b}"), [
        "r.yaml:3:3: nodes.a: node 'a' (tanh): expected an acyclic graph, got the cycle "
        "a -> b -> out -> a",
    ]),
    "shape mismatch": (net("h: {block: linear, in: x, out: 3}", "out: {block: add, in: [h, x]}"), [
        "r.yaml:4:3: nodes.out: node 'out' (add): inputs h (3,), x (2,): expected inputs of one "
        "shape, got (3,), (2,)",
    ]),
    "linear needs a vector": (net("c: {block: concat, in: [x, x], axis: 0}",
                                  "m: {block: mse, in: [c, c]}", "out: {block: linear, in: m, out: 2}"), [
        "r.yaml:5:3: nodes.out: node 'out' (linear): inputs m (): expected a vector (n,), got ()",
    ]),
    "wired weight of the wrong size": (
        net("gen: {block: linear, in: x, out: 5}",
            "out: {block: linear, in: x, out: 3, weight: gen}"), [
        "r.yaml:4:47: nodes.out.weight: node 'out' (linear): for input shape (2,), weight "
        "'weight' needs (3, 2) (6 values), but it was wired to 'gen' which gives (5,) (5 values)",
    ]),
    "tied weight of the wrong size": (
        net("a: {block: linear, in: x, out: 4}",
            "out: {block: linear, in: x, out: 3, weight: a.weight}"), [
        "r.yaml:4:47: nodes.out.weight: node 'out' (linear): for input shape (2,), weight "
        "'weight' needs (3, 2) (6 values), but it was wired to 'a.weight' which gives (4, 2) "
        "(8 values)",
    ]),
    "name not an identifier": (net("2nd: {block: tanh, in: x}", "out: {block: tanh, in: x}"), [
        "r.yaml:3:3: nodes.2nd: expected a name of letters, digits and underscores, not "
        "starting with a digit, got '2nd'",
    ]),
    "node named like an input": (net("x: {block: tanh, in: y}", "out: {block: tanh, in: y}"), [
        "r.yaml:3:3: nodes.x: expected a node name unlike every input's, got 'x', which is also "
        "an input",
    ]),
    "loss not a scalar": (XOR.replace("loss: loss", "loss: logit"), [
        "r.yaml:9:7: loss: expected node 'logit' (linear) to give a per-example scalar (), got "
        "shape (1,) (reduce it, e.g. with an mse or cross_entropy block)",
    ]),
    "training without a loss": (XOR.replace("loss: loss\n", ""), [
        "r.yaml:9:1: train: expected a `loss:` naming the per-example scalar node to minimise, "
        "got none",
    ]),
    "unknown optimizer": (XOR.replace("adam:", "adamm:"), [
        "r.yaml:14:15: train.optimizer.adamm: unknown optimizer 'adamm' (did you mean 'adam'?)",
    ]),
    "unknown optimizer argument": (XOR.replace("learning_rate", "learnin_rate"), [
        "r.yaml:14:22: train.optimizer.adam.learnin_rate: optimizer 'adam' takes no argument "
        "'learnin_rate' (did you mean 'learning_rate'?)",
        "r.yaml:14:15: train.optimizer.adam: optimizer 'adam': expected 'learning_rate', got nothing",
    ]),
    "optimizer argument of the wrong kind": (XOR.replace("0.05}", "0.05, b1: yes}"), [
        "r.yaml:14:43: train.optimizer.adam.b1: optimizer 'adam': expected 'b1' to be a number, "
        "got true",
    ]),
    "steps and epochs": (XOR.replace("steps: 10", "steps: 10\n  epochs: 2"), [
        "r.yaml:10:1: train: expected one of steps or epochs, got both",
    ]),
    "unknown dataset": (XOR.replace("dataset: xor", "dataset: xorr"), [
        "r.yaml:11:19: train.data.dataset: unknown dataset 'xorr' (did you mean 'xor'?)",
    ]),
    "data that does not fit the inputs": (XOR.replace("y: [1]", "y: [2]"), [
        "r.yaml:7:3: nodes.loss: node 'loss' (cross_entropy): inputs prob (1,), y (2,): expected "
        "pred and target of one shape, got pred (1,) and target (2,)",
        "r.yaml:1:18: inputs.y: input 'y': declared [2], but dataset 'xor' gives (1,) per example",
    ]),
    "accuracy without a classifier": (XOR.replace("cross_entropy", "mse"), [
        "r.yaml:15:12: train.metrics: metric 'accuracy': expected a classification loss "
        "(cross_entropy), got mse",
    ]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_bad_recipe_message(cli, case):
    text, expected = CASES[case]
    code, out, err = cli(text)
    assert code == 2
    assert err == expected
    assert out == ""


def test_every_problem_is_reported_not_just_the_first(cli):
    text = net(
        "a: {block: linaer, in: x, out: 2}",
        "b: {block: linear, in: x, out: -1}",
        "out: {block: tanh, in: zz}",
    ).replace("outputs: [out]", "outputs: [out, nope]")
    code, _, err = cli(text)
    assert code == 2
    assert [line.split(": ", 2)[1] for line in err] == [
        "nodes.a.block",
        "nodes.b.out",
        "nodes.out.in",
        "outputs[1]",
    ]


def test_overrides_are_checked_and_named(cli):
    code, _, err = cli(XOR, "check", "r.yaml", "--set", "train.steps=-1",
                       "--set", "train.optimizer.adam.learning_rate=fast")  # fmt: skip
    assert code == 2
    assert err == [
        "--set train.steps=-1: train.steps: expected a positive value, got -1",
        "--set train.optimizer.adam.learning_rate=fast: train.optimizer.adam.learning_rate: "
        "optimizer 'adam': expected 'learning_rate' to be a number, got 'fast'",
    ]


def test_bad_override_syntax(cli):
    assert cli(XOR, "check", "r.yaml", "--set", "steps")[2] == [
        "--set steps: expected KEY=VALUE, e.g. train.steps=100"
    ]


def test_missing_file(cli):
    code, _, err = cli(XOR, "check", "nothere.yaml")
    assert (code, err) == (2, ["nothere.yaml: cannot read the file: No such file or directory"])


def test_yaml_errors_reach_the_cli_without_a_traceback(cli):
    code, _, err = cli("a: 1\na: 2\n")
    assert code == 2 and err == ["r.yaml:2:1: a: duplicate key 'a'; it was first given at 1:1"]


MORE = {
    "a weight the node lacks with its settings": (
        net("h: {block: linear, in: x, out: 1, use_bias: false}",
            "out: {block: linear, in: x, out: 1, bias: h.bias}"), [
        "r.yaml:4:45: nodes.out.bias: node 'out' (linear): expected a weight that node 'h' has, "
        "got 'h.bias', which node 'h' (linear) does not have with use_bias: false, out: 1",
    ]),
    "a bad name does not hide shape problems": (
        net("a: {block: linear, in: x, out: 3, bias: nope}", "out: {block: softmax, in: x, axis: 3}"), [
        "r.yaml:3:43: nodes.a.bias: node 'a' (linear): weight 'bias': expected an input, node or "
        "node.weight, got 'nope', which names no input or node (known: a, a.bias, a.weight, out, "
        "x, y)",
        "r.yaml:4:3: nodes.out: node 'out' (softmax): inputs x (2,): expected an axis between "
        "-1 and 0 for shape (2,), got axis 3",
    ]),
    "a weight too large to hold": (net("out: {block: linear, in: x, out: 2000000000}"), [
        "r.yaml:3:3: nodes.out: node 'out' (linear): expected weights of fewer than 2**31 values, "
        "got 'weight' of shape (2000000000, 2) (4,000,000,000 values)",
    ]),
    "an integer past 2**31": (net("out: {block: linear, in: x, out: 100000000000000000000}"), [
        "r.yaml:3:36: nodes.out.out: node 'out' (linear): expected an integer below 2**31, got "
        "100000000000000000000",
    ]),
    "1e3 is a float in YAML 1.2": (net("out: {block: linear, in: x, out: 1e3}"), [
        "r.yaml:3:36: nodes.out.out: node 'out' (linear): expected an integer, got 1000.0 (a "
        "number with a dot or an exponent is a float: write 1000)",
    ]),
    "a wire name one look-alike away": (
        net(*(f"h{i}: {{block: linear, in: x, out: 2}}" for i in range(1, 9)),
            "out: {block: tanh, in: hl}"), [
        "r.yaml:11:26: nodes.out.in: node 'out' (tanh): input 'x': expected an input, node or "
        "node.weight, got 'hl', which names no input or node (did you mean 'h1'?)",
    ]),
    "yes and no are booleans in YAML": (net("no: {block: tanh, in: x}", "out: {block: tanh, in: x}"), [
        "r.yaml:3:3: nodes.false: expected a name of letters, digits and underscores, not starting "
        "with a digit, got false (YAML reads yes/no/on/off as true/false: quote the name)",
    ]),
    "a learned weight without init": (net("out: {block: linear, in: x, out: 2, weight: {stddev: 0.1}}"), [
        "r.yaml:3:47: nodes.out.weight: node 'out': weight 'weight': expected an initialiser, got "
        "nothing (a learned weight reads {init: NAME, ...}, e.g. {init: normal, stddev: 0.1})",
    ]),
    "loss naming a weight": (XOR.replace("loss: loss\n", "loss: hidden.weight\n"), [
        "r.yaml:9:7: loss: expected a node, got the weight 'hidden.weight'",
    ]),
    "batch larger than the data": (XOR.replace("batch: 4", "batch: 8"), [
        "r.yaml:12:10: train.batch: expected a batch of at most the 4 training examples of "
        "dataset 'xor' (of 4, after val: 0.0), got 8",
    ]),
    "everything held out for validation": (XOR.replace("dataset: xor", "dataset: xor, val: 0.9"), [
        "r.yaml:11:24: train.data.val: expected training examples left after holding out "
        "val: 0.9, got none of 4",
    ]),
    "an optimizer that needs more than gradients": (XOR.replace("adam:", "lbfgs:"), [
        "r.yaml:14:15: train.optimizer.lbfgs: optimizer 'lbfgs': expected an optimizer that "
        "updates from gradients alone, got one that needs more "
        "(scale_by_zoom_linesearch.<locals>.update_fn() missing 3 required keyword-only "
        "arguments: 'value', 'grad', and 'value_fn')",
    ]),
    "a seed out of range": (XOR.replace("steps: 10", "steps: 10\n  seed: -1"), [
        "r.yaml:14:9: train.seed: expected 0 to 2**32 - 1, got -1",
    ]),
    "a float too large for a float": (net("out: {block: scale, in: x, by: " + "9" * 400 + "}"), [
        "r.yaml:3:34: nodes.out.by: node 'out' (scale): expected a finite number, got "
        + "9" * 57 + "...",
    ]),
    "an unknown metric beside a loss that is not a scalar": (
        XOR.replace("loss: loss\n", "loss: logit\n").replace("[accuracy]", "[acuracy]"), [
        "r.yaml:9:7: loss: expected node 'logit' (linear) to give a per-example scalar (), got "
        "shape (1,) (reduce it, e.g. with an mse or cross_entropy block)",
        "r.yaml:15:12: train.metrics: unknown metric 'acuracy' (did you mean 'accuracy'?)",
    ]),
    "a bad node name is said once": (
        net("2nd: {block: tanh, in: x}", "out: {block: tanh, in: x}").replace(
            "outputs: [out]", "outputs: [out, 2nd]"), [
        "r.yaml:3:3: nodes.2nd: expected a name of letters, digits and underscores, not "
        "starting with a digit, got '2nd'",
    ]),
    "an empty file": ("", [
        "r.yaml:1:1: expected a recipe: a mapping with inputs, nodes and outputs, got nothing",
    ]),
    "merge keys": ("base: &b {x: 1}\nc:\n  <<: *b\n", [
        "r.yaml:3:3: c: merge keys (<<) are not supported; write the keys out",
    ]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(MORE))
def test_more_bad_recipe_messages(cli, case):
    text, expected = MORE[case]
    code, out, err = cli(text)
    assert (code, err, out) == (2, expected, "")


def test_null_unsets_an_optional_train_key(cli):
    text = XOR.replace("  metrics: [accuracy]\n", "  metrics: [accuracy]\n  penalty: {l2: 0.1}\n")
    code, _, err = cli(text, "check", "r.yaml", "--set", "train.penalty=null")
    assert (code, err) == (0, [])


def test_null_below_a_key_that_is_not_set_leaves_the_recipe_as_it_is(tmp_path):
    # `--vary early_stop.patience=null,20` trains one member without early stopping
    path = tmp_path / "r.yaml"
    path.write_text(XOR)
    recipe = compose.load(path, overrides=["train.early_stop.patience=null"])
    assert recipe.train.early_stop is None and "early_stop" not in recipe.data["train"]
    assert compose.check(recipe).problems == ()
    patient = compose.load(path, overrides=["train.early_stop.patience=20"])
    assert (patient.train.early_stop.metric, patient.train.early_stop.patience) == ("val_loss", 20)


def test_undecodable_and_control_characters(tmp_path, monkeypatch, capsys):
    from compose.cli.main import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "latin1.yaml").write_bytes(b"name: caf\xe9\n")
    (tmp_path / "ctl.yaml").write_bytes(b"name: a\x01b\n")
    assert main(["check", "latin1.yaml"]) == 2
    assert main(["check", "ctl.yaml"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "latin1.yaml:1:10: expected UTF-8 text, got the byte 0xe9",
        "ctl.yaml:1:8: expected printable text, got the control character U+0001",
    ]
