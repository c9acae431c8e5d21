"""What the sequence blocks need from compose: `$name` inside lists, a node with no inputs,
the new blocks' shape problems in a recipe, and the generated sequence sets."""

import jax
import numpy as np
import pytest

import compose
from compose.data.generated import DATASETS

NET = """\
params: {t: 4, w: 3}
inputs: {x: [12]}
nodes:
%s
outputs: [out]
"""


def net(*lines):
    return NET % "\n".join("  " + line for line in lines)


def test_a_parameter_stands_for_a_size_inside_a_list():
    checked = compose.check(compose.loads(net("out: {block: reshape, in: x, shape: [$t, -1]}")))
    assert checked.problems == () and checked.shapes["out"] == (4, 3)
    checked = compose.check(
        compose.loads(net("out: {block: parameter, shape: [$t, $w], weight: {init: zeros}}"))
    )
    assert checked.problems == () and checked.shapes["out"] == (4, 3)


CASES = {
    "unknown parameter in a list": (net("out: {block: reshape, in: x, shape: [$t, $nope]}"), [
        "r.yaml:4:44: nodes.out.shape[1]: expected a parameter, got '$nope' (parameters: $t, $w)",
    ]),
    "an input for a block that takes none": (net("out: {block: parameter, in: x, shape: [2]}"), [
        "r.yaml:4:31: nodes.out.in: node 'out' (parameter): expected no inputs (this block takes "
        "none), got 'x'",
    ]),
    "reshape's -1 that cannot divide": (net("out: {block: reshape, in: x, shape: [5, -1]}"), [
        "r.yaml:4:3: nodes.out: node 'out' (reshape): inputs x (12,): expected a number of "
        "values that 5 divides, to reshape to (5, -1), got (12,) (12 values)",
    ]),
    "attention over a vector": (net("out: {block: multihead_attention, in: x, heads: 2, out: 4}"), [
        "r.yaml:4:3: nodes.out: node 'out' (multihead_attention): inputs x (12,): expected a "
        "sequence (t, d), got (12,)",
    ]),
    "heads that do not divide the width": (
        net("s: {block: reshape, in: x, shape: [$t, -1]}",
            "out: {block: multihead_attention, in: s, heads: 2, out: 4}"), [
        "r.yaml:5:3: nodes.out: node 'out' (multihead_attention): inputs s (4, 3): expected a "
        "width d that 2 heads divide (or a head_size), got (4, 3)",
    ]),
    "gru over a vector": (net("out: {block: gru, in: x, out: 4}"), [
        "r.yaml:4:3: nodes.out: node 'out' (gru): inputs x (12,): expected a sequence (t, d), "
        "got (12,)",
    ]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_bad_sequence_recipe_messages(cli, case):
    text, expected = CASES[case]
    code, out, err = cli(text)
    assert (code, err, out) == (2, expected, "")


def test_a_parameter_node_trains_with_the_rest():
    text = net(
        "s:   {block: reshape, in: x, shape: [$t, -1]}",
        "pos: {block: parameter, shape: [$t, $w]}",
        "h:   {block: add, in: [s, pos]}",
        "m:   {block: mean, in: h, axis: 0}",
        "out: {block: mse, in: [m, m]}",
    ).replace("outputs: [out]", "outputs: [out]\nloss: out")
    model = compose.build(compose.check(compose.loads(text)), key=jax.random.key(0))
    assert model.weights["pos"]["weight"].shape == (4, 3)
    x = np.arange(12, dtype=np.float32)
    assert model({"x": x})["out"].shape == ()


def test_sorted_labels_say_whether_the_sequence_is_sorted():
    made = DATASETS["sorted"].make(n=2000, length=6, values=4, seed=0)
    x, y = made["x"], made["y"][:, 0]
    steps = np.diff(x, axis=1)
    np.testing.assert_array_equal(y, (steps >= 0).all(axis=1))
    assert y.mean() == 0.5 and set(np.unique(x)) <= {0, 1, 2, 3}
    # An unsorted one is a sorted one with one adjacent pair swapped: one step down.
    assert ((steps[y == 0] < 0).sum(axis=1) == 1).all()


def test_parity_labels_count_the_ones():
    made = DATASETS["parity"].make(n=500, length=7, seed=0)
    assert set(np.unique(made["x"])) == {0.0, 1.0}
    np.testing.assert_array_equal(made["y"][:, 0], made["x"].sum(axis=1) % 2)
    assert DATASETS["parity"].shapes(n=500, length=7, seed=0) == (500, {"x": (7,), "y": (1,)})


def test_sequence_sets_check_their_arguments():
    args = {a.name: a for a in DATASETS["sorted"].args}
    assert args["length"].problem(1) == "a value >= 2"
    assert args["values"].problem(1) == "a value >= 2"
