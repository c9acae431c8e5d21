"""What a fuzzer found in the composer, each now a located problem with exit 2, quickly:
never a traceback, a hang, a crash or terminal codes from the recipe's own text."""

import numpy as np
import pytest

from compose.data import sizes
from compose.data.generated import DATASETS
from compose.recipe.problems import printable
from tests.conftest import XOR

NESTED = "[" * 500 + "]" * 500


def no_raw_text(*texts):
    """No character a terminal acts on, other than the ends of lines."""
    for text in texts:
        assert all(c.isprintable() or c == "\n" for c in text), repr(text)


# YAML that recursed without end ---------------------------------------------------------

RECURSION = {
    "an alias inside itself": ("a: &a [*a]\n", [
        "r.yaml:1:4: expected an alias of a finished collection, got one inside it",
    ]),
    "a mapping alias inside itself": ("a: &a {b: *a}\n", [
        "r.yaml:1:4: expected an alias of a finished collection, got one inside it",
    ]),
    "500 nested lists": (f"x: {NESTED}\n", [
        "r.yaml:1:103: expected collections nested at most 100 deep, got deeper",
    ]),
    "aliases that nest deeper than the text": (
        "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 120)), [
        "r.yaml:1:5: expected collections nested at most 100 deep, got deeper",
    ]),
    "an integer longer than Python prints": (f"x: {'1' * 5000}\n", [
        "r.yaml:1:4: x: expected an integer of at most 1000 digits, got a longer one",
    ]),
    "a hexadecimal integer of 4,500 digits": (f"x: 0x{'f' * 3700}\n", [
        "r.yaml:1:4: x: expected an integer of at most 1000 digits, got a longer one",
    ]),
}  # fmt: skip


@pytest.mark.parametrize("case", RECURSION, ids=list(RECURSION))
def test_yaml_that_recursed_is_a_located_problem(cli, case):
    text, expected = RECURSION[case]
    code, out, err = cli(text)
    assert (code, out, err) == (2, "", expected)


@pytest.mark.parametrize("command", ["check", "run"])
def test_an_alias_inside_itself_through_set(cli, command):
    code, _, err = cli(XOR, command, "r.yaml", "--set", "train.data=&a [*a]")
    assert code == 2
    assert err == [
        "--set train.data=&a [*a]:1:1: expected an alias of a finished collection, got one "
        "inside it"
    ]


def test_500_nested_lists_through_set(cli):
    code, _, err = cli(XOR, "check", "r.yaml", "--set", "about=" + NESTED)
    assert code == 2
    assert err == [
        "--set about=[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[...:1:101: expected "
        "collections nested at most 100 deep, got deeper"
    ]


# seeds -----------------------------------------------------------------------------------

SEEDS = {
    "a data set's seed": (
        ["--set", "train.data={dataset: spiral, seed: -1}"],
        "--set train.data={dataset: spiral, seed: -1}: train.data.seed: expected 0 to "
        "2**32 - 1, got -1",
    ),
    "a held-out set's seed": (
        ["--set", "train.data={dataset: xor, val: {dataset: xor, seed: -1}}"],
        "--set train.data={dataset: xor, val: {dataset: xor, seed: -1}}: train.data.val.seed: "
        "expected 0 to 2**32 - 1, got -1",
    ),
    "the train seed": (["--set", "train.seed=-1"], "--set train.seed=-1: train.seed: expected "
                       "0 to 2**32 - 1, got -1"),
    "a population's seeds": (
        ["--set", "train.vary={seed: [-1, 0]}"],
        "--set train.vary={seed: [-1, 0]}: train.vary: vary: expected seeds from 0 to 2**32 - 1, "
        "got [-1, 0]",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", SEEDS, ids=list(SEEDS))
def test_a_negative_seed_is_refused(cli, case):
    args, expected = SEEDS[case]
    code, _, err = cli(XOR, "check", "r.yaml", *args)
    assert (code, err[0]) == (2, expected)  # spiral's y (2,) differs from XOR's too


def test_a_negative_seed_on_the_command_line(cli):
    code, _, err = cli(XOR, "run", "r.yaml", "--set", "train.steps=2", "--vary", "seed=-1,0")
    assert (code, err) == (2, ["--vary seed=-1,0: vary: expected seeds from 0 to 2**32 - 1, "
                               "got [-1, 0]"])  # fmt: skip


# optimizer and schedule arguments --------------------------------------------------------

OPTIMIZER = XOR.replace("  optimizer: {adam: {learning_rate: 0.05}}\n", "  optimizer: %s\n")
TOO_BIG = "1" + "0" * 400  # 10**400, an integer literal
STEPS = str(2**70)
ARGUMENTS = {
    "10**400 as a learning rate": ("{adam: {learning_rate: " + TOO_BIG + "}}", [
        "r.yaml:14:22: train.optimizer.adam.learning_rate: optimizer 'adam': expected "
        "'learning_rate' to be a number inside float32 (at most 3.4e38 in size), got "
        + "1" + "0" * 56 + "...",
    ]),
    "a learning rate of .nan": ("{adam: {learning_rate: .nan}}", [
        "r.yaml:14:22: train.optimizer.adam.learning_rate: optimizer 'adam': expected "
        "'learning_rate' to be a finite number, got nan",
    ]),
    "a learning rate of 3e38": ("{adam: {learning_rate: 3.0e+38}}", [
        "r.yaml:14:22: train.optimizer.adam.learning_rate: optimizer 'adam': expected "
        "'learning_rate' to be a number from 0 to 1.8e+19, got 3e+38",
    ]),
    "b1 past float32": ("{adam: {learning_rate: 0.1, b1: 3.5e+38}}", [
        "r.yaml:14:42: train.optimizer.adam.b1: optimizer 'adam': expected 'b1' to be a number "
        "inside float32 (at most 3.4e38 in size), got 3.5e+38",
    ]),
    "an integer argument past 2**31": (
        "{adafactor: {learning_rate: 0.1, min_dim_size_to_factor: " + STEPS + "}}", [
        "r.yaml:14:47: train.optimizer.adafactor.min_dim_size_to_factor: optimizer 'adafactor': "
        f"expected 'min_dim_size_to_factor' to be an integer below 2**31, got {STEPS}",
    ]),
    "schedule steps of 2**70": (
        "{adam: {learning_rate: 0.1}}\n  schedule: {cosine_decay_schedule: {decay_steps: "
        + STEPS + "}}", [
        "r.yaml:15:38: train.schedule.cosine_decay_schedule.decay_steps: schedule "
        "'cosine_decay_schedule': expected 'decay_steps' to be an integer below 2**31, got "
        + STEPS,
    ]),
    "a schedule boundary of 2**70": (
        "{adam: {learning_rate: 0.1}}\n  schedule: {piecewise_constant_schedule: "
        "{boundaries_and_scales: {" + STEPS + ": 0.5}}}", [
        "r.yaml:15:44: train.schedule.piecewise_constant_schedule.boundaries_and_scales: "
        "schedule 'piecewise_constant_schedule': expected each number in "
        f"'boundaries_and_scales' to be an integer below 2**31, got {STEPS}",
    ]),
    "steps of a schedule that are not whole": (
        "{adam: {learning_rate: 0.1}}\n  schedule: {cosine_decay_schedule: {decay_steps: 1.5}}", [
        "r.yaml:15:38: train.schedule.cosine_decay_schedule.decay_steps: schedule "
        "'cosine_decay_schedule': expected 'decay_steps' to be an integer, got 1.5",
    ]),
}  # fmt: skip


@pytest.mark.parametrize("case", ARGUMENTS, ids=list(ARGUMENTS))
def test_optimizer_and_schedule_numbers_are_checked(cli, case):
    optimizer, expected = ARGUMENTS[case]
    code, out, err = cli(OPTIMIZER % optimizer)
    assert (code, out, err) == (2, "", expected)


def test_huge_integers_are_refused_by_run_before_training(cli):
    text = OPTIMIZER % ("{adam: {learning_rate: " + TOO_BIG + "}}")
    code, out, err = cli(text, "run", "r.yaml", "--set", "train.steps=2", "--out", "run")
    assert (code, out) == (2, "")
    assert err[0].startswith("r.yaml:14:22: train.optimizer.adam.learning_rate: ")


def test_a_varied_learning_rate_is_checked_too(cli):
    code, _, err = cli(XOR, "run", "r.yaml", "--vary", "optimizer.adam.learning_rate=nan,0.1")
    assert (code, err) == (2, [
        "--vary optimizer.adam.learning_rate=nan,0.1: vary: expected 'learning_rate' to be a "
        "finite number, got nan",
    ])  # fmt: skip


def test_a_huge_range_of_variants_is_refused_before_it_is_made(cli):
    code, _, err = cli(XOR, "run", "r.yaml", "--vary", "seed=0:10000000000")
    assert (code, err) == (2, ["--vary seed=0:10000000000: expected at most 10000 values, got "
                               "10000000000"])  # fmt: skip


# an optimizer's mask -----------------------------------------------------------------------

MASKS = {
    "a list": ("[1, 2]", [
        "r.yaml:14:44: train.optimizer.adamw.mask: optimizer 'adamw': expected 'mask' to be "
        "true, false or a mapping of weights to them, like {hidden: {bias: false}}, got [1, 2]",
    ]),
    "a node that does not exist": ("{hiden: {bias: false}}", [
        "r.yaml:14:44: train.optimizer.adamw.mask: optimizer 'adamw': expected 'mask' to name "
        "the weights, got 'hiden', which names no weight (did you mean 'hidden'?)",
    ]),
    "a slot that does not exist": ("{hidden: {bais: false}}", [
        "r.yaml:14:44: train.optimizer.adamw.mask: optimizer 'adamw': expected 'mask' to name "
        "the weights, got 'bais', which names no weight in hidden (did you mean 'bias'?)",
    ]),
    "deeper than a weight": ("{hidden: {weight: {rows: false}}}", [
        "r.yaml:14:44: train.optimizer.adamw.mask: optimizer 'adamw': expected 'mask' to name "
        "the weights, got a mapping for 'hidden.weight', which is one array: write true or false",
    ]),
}  # fmt: skip


@pytest.mark.parametrize("case", MASKS, ids=list(MASKS))
def test_a_mask_that_is_not_a_tree_of_the_weights(cli, case):
    mask, expected = MASKS[case]
    code, out, err = cli(OPTIMIZER % "{adamw: {learning_rate: 0.05, mask: %s}}" % mask)
    assert (code, out, err) == (2, "", expected)


def test_a_mask_naming_some_weights_trains(cli):
    text = OPTIMIZER % "{adamw: {learning_rate: 0.05, mask: {hidden: {bias: false}}}}"
    code, _, err = cli(text, "run", "r.yaml", "--set", "train.steps=2", "--quiet", "--out", "r")
    assert code == 0, err


# a class count that needs 37 GiB -------------------------------------------------------------

CLASSES = """\
inputs: {x: [2], y: [100000]}
nodes:
  logit: {block: linear, in: x, out: 100000}
  loss: {block: softmax_cross_entropy, in: {pred: logit, target: y}}
outputs: [logit]
loss: loss
train:
  data: %s
  batch: 1
  steps: 2
  optimizer: {adam: {learning_rate: 0.05}}
"""


def test_a_one_hot_csv_column_of_37_gib_is_refused_with_the_estimate(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(sizes, "memory_limit", lambda: 4 * 2**30)
    rows = "".join(f"1,2,c{i}\n" for i in range(100_000))  # every label its own class
    (tmp_path / "many.csv").write_text("x1,x2,label\n" + rows)
    data = "{csv: many.csv, columns: {x: [x1, x2], y: {onehot: label}}}"
    code, out, err = cli(CLASSES % data)
    assert (code, out) == (2, "")
    assert err == [
        "r.yaml:8:60: train.data.columns.y.onehot: input 'y': expected a one-hot column that "
        "fits in memory (at most 4.0 GiB, half of this machine's), got 100,000 classes in "
        "many.csv column 'label' over 100,000 rows: an estimated 37.3 GiB"
    ]


def test_a_generated_set_of_37_gib_is_refused_with_the_estimate(cli, monkeypatch):
    monkeypatch.setattr(sizes, "memory_limit", lambda: 4 * 2**30)
    code, _, err = cli(CLASSES % "{dataset: spiral, n: 100000, classes: 100000}")
    assert (code, err) == (2, [
        "r.yaml:8:19: train.data.dataset: dataset 'spiral': expected data that fits in memory "
        "(at most 4.0 GiB, half of this machine's), got an estimated 37.3 GiB",
    ])  # fmt: skip


def test_many_classes_make_only_the_promised_rows():
    # np.eye(100000)[label] would first make 100000 x 100000 float32: 37 GiB
    y = DATASETS["spiral"].make(n=3, noise=0.0, classes=100_000, turns=1.0, seed=0)["y"]
    assert y.shape == (3, 100_000) and y.dtype == np.float32
    assert y.sum(axis=1).tolist() == [1.0, 1.0, 1.0]


# --set keys --------------------------------------------------------------------------------


def test_a_set_key_with_a_non_ascii_digit_stays_a_name(cli):
    code, _, err = cli(XOR, "check", "r.yaml", "--set", "nodes.٣.out=4")
    assert (code, err) == (2, [
        "--set nodes.٣.out=4: nodes.٣: expected a name of letters, digits and underscores, not "
        "starting with a digit, got '٣'",
    ])  # fmt: skip
    code, _, err = cli(XOR, "check", "r.yaml", "--set", "nodes.hidden.²=4")
    assert code == 2
    assert err[0].startswith("--set nodes.hidden.²=4: nodes.hidden.²: unknown key '²' in node")


def test_a_vary_value_with_a_non_ascii_digit_is_not_a_number(cli):
    code, _, err = cli(XOR, "run", "r.yaml", "--vary", "seed=٣,²")
    assert (code, err) == (2, ["--vary seed=٣,²: expected numbers (or names like relu) "
                               "separated by commas, got '٣,²'"])  # fmt: skip


# numbers where they are read -----------------------------------------------------------------

NUMBERS = {
    "a constant initialiser of 1e39": (
        "nodes.hidden.weight={init: constant, value: 1.0e+39}",
        "nodes.hidden.weight.value: expected a number inside float32 (at most 3.4e38 in size), "
        "got 1e+39",
    ),
    "a block's float past float32": (
        "nodes.bend={block: scale, in: hidden, by: -1.0e+39}",
        "nodes.bend.by: node 'bend' (scale): expected a number inside float32 (at most 3.4e38 in "
        "size), got -1e+39",
    ),
    "a data set's float past float32": (
        "train.data={dataset: sine, low: -1.0e+39}",
        "train.data.low: dataset 'sine': expected 'low' to be a number inside float32 (at most "
        "3.4e38 in size), got -1e+39",
    ),
    "gradient clipping past float32": (
        "train.clip=1.0e+39",
        "train.clip: expected a number inside float32 (at most 3.4e38 in size), got 1e+39",
    ),
    "a penalty of .inf": (
        "train.penalty={l2: .inf}", "train.penalty.l2: expected a finite number, got inf"
    ),
    "steps: true": ("train.steps=true", "train.steps: expected an integer, got true"),
    "batch: true": ("train.batch=true", "train.batch: expected an integer, got true"),
    "every: true": ("train.validate={every: true}",
                    "train.validate.every: expected an integer, got true"),
}  # fmt: skip


@pytest.mark.parametrize("case", NUMBERS, ids=list(NUMBERS))
def test_numbers_are_checked_where_they_are_read(cli, case):
    assignment, expected = NUMBERS[case]
    code, _, err = cli(XOR, "check", "r.yaml", "--set", assignment)
    assert code == 2
    assert err[0] == f"--set {assignment}: {expected}"


# recipe text never reaches the terminal raw --------------------------------------------------


def test_control_characters_in_names_and_keys_are_shown_escaped(cli):
    text = (
        "inputs: {x: [2], y: [1]}\nnodes:\n"
        '  "h\\e[31mred\\r": {block: linear, in: x, out: 2}\n'
        '  out: {block: linear, in: x, out: 1, "k\\e[2Jey": 3}\n'
        "outputs: [out]\n"
    )
    code, out, err = cli(text)
    assert code == 2
    assert err == [
        "r.yaml:3:3: nodes.h\\x1b[31mred\\r: expected a name of letters, digits and underscores, "
        "not starting with a digit, got 'h\\x1b[31mred\\r'",
        "r.yaml:4:39: nodes.out.k\\x1b[2Jey: unknown key 'k\\x1b[2Jey' in node 'out' (linear) "
        "(known: bias, block, in, out, use_bias, weight)",
    ]


def test_a_name_with_terminal_codes_is_escaped_in_the_summary_progress_and_report(cli):
    text = 'name: "x\\e[31mred\\r"\nabout: "a\\e]0;title\\ab"\n' + XOR
    code, out, err = cli(text)
    assert code == 0
    assert out.splitlines()[0] == "x\\x1b[31mred\\r: a\\x1b]0;title\\x07b"
    no_raw_text(out)
    code, out, err = cli(text, "run", "r.yaml", "--set", "train.steps=2", "--out", "r")
    assert code == 0
    assert "x\\x1b[31mred\\r step 2/2" in "\n".join(err)  # the plain progress lines
    assert out.startswith("x\\x1b[31mred\\r: trained 2 steps")
    no_raw_text(out, *err)


def test_printable_escapes_what_a_terminal_acts_on():
    assert printable("plain, ünïcode 名前") == "plain, ünïcode 名前"
    assert printable("a\x1b[2J\r\n\u202eb") == "a\\x1b[2J\\r\\n\\u202eb"
    assert printable("two\nlines\x07", lines=True) == "two\nlines\\x07"


# files a recipe names --------------------------------------------------------------------------


def test_a_network_file_that_is_not_a_recipe_is_not_echoed(cli, tmp_path):
    (tmp_path / "enc.yaml").write_text("secret_value_" * 1000 + "\n")
    text = "inputs: {x: [2], y: [1]}\nnodes:\n  e: {network: enc.yaml, in: x}\noutputs: [e]\n"
    code, _, err = cli(text)
    assert (code, err) == (2, [
        "enc.yaml:1:1: expected a recipe: a mapping with inputs, nodes and outputs, got text of "
        "13,000 characters (in node 'e' (enc.yaml))",
    ])  # fmt: skip


def test_a_csv_cell_is_described_not_echoed(cli, tmp_path):
    cell = "\x1b[31m" + "A" * 2000
    (tmp_path / "bad.csv").write_text(f"x1,x2,label\n1,2,0\n1,{cell},1\n")
    text = XOR.replace("{dataset: xor}", "{csv: bad.csv, columns: {x: [x1, x2], y: [label]}}")
    code, _, err = cli(text)
    assert (code, err) == (2, [
        "r.yaml:11:42: train.data.columns.x[1]: input 'x': expected a number in bad.csv line 3, "
        "column 'x2', got text of 2,005 characters",
    ])  # fmt: skip


def test_files_are_found_from_the_file_that_names_them(cli, tmp_path, monkeypatch):
    """A network file names another beside itself, and the recipe's data file is found
    from the recipe's folder, wherever the command runs."""
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "a.yaml").write_text(
        "inputs: {x: [2]}\nnodes:\n  b: {network: b.yaml, in: x}\noutputs: [b]\n"
    )
    (parts / "b.yaml").write_text(
        "inputs: {z: [2]}\nnodes:\n  l: {block: linear, in: z, out: 2}\noutputs: [l]\n"
    )
    (parts / "points.csv").write_text("x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    recipe = XOR.replace("  hidden: {block: linear, in: x, out: 2}",
                         "  hidden: {network: parts/a.yaml, in: x}")  # fmt: skip
    recipe = recipe.replace(
        "{dataset: xor}", "{csv: parts/points.csv, columns: {x: [x1, x2], y: [label]}}"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, _, err = cli(recipe, "check", str(tmp_path / "r.yaml"))
    assert (code, err) == (0, [])
