"""Resource limits: a few lines that ask for more than a machine has end in a located
problem, exit 2, quickly, instead of a crash or a check that takes minutes."""

import time

import pytest

from compose.checker import limits
from compose.checker.graph import check
from compose.recipe.loader import loads
from tests.conftest import XOR

GiB = 2**30

RESIDUAL = """\
networks:
  residual:
    inputs: {h: [16]}
    nodes:
      a: {block: linear, in: h, out: 16}
      s: {block: add, in: [h, a]}
    outputs: [s]
inputs: {x: [16], y: [16]}
nodes:
  body: {network: residual, in: x, repeat: %d}
  loss: {block: mse, in: {pred: body, target: y}}
outputs: [body]
loss: loss
"""


def nested(levels: int) -> str:
    """Networks l0..lN, each using the one below twice: 2**(N+2) nodes in a few lines."""
    lines = ["networks:", "  l0:", "    inputs: {h: [4]}", "    nodes:"]
    lines += ["      a: {block: linear, in: h, out: 4}", "      b: {block: tanh, in: a}"]
    lines += ["    outputs: [b]"]
    for i in range(1, levels + 1):
        lines += [f"  l{i}:", "    inputs: {h: [4]}", "    nodes:"]
        below = f"l{i - 1}"
        lines += [f"      a: {{network: {below}, in: h}}", f"      b: {{network: {below}, in: a}}"]
        lines += ["    outputs: [b]"]
    lines += ["inputs: {x: [4], y: [4]}", "nodes:", f"  top: {{network: l{levels}, in: x}}"]
    lines += ["  loss: {block: mse, in: {pred: top, target: y}}", "outputs: [top]", "loss: loss"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def memory(monkeypatch):
    """The device's memory as the test says (8 GiB unless changed), not this machine's."""
    size = {"bytes": 8 * GiB}
    monkeypatch.setattr(limits, "_device_memory", lambda: (size["bytes"], "half of this machine's"))
    return size


def test_repeat_counts_its_stacked_weights_and_the_total(cli, memory):
    code, out, err = cli(RESIDUAL % 2147483647)
    assert (code, out) == (2, "")
    assert err == [
        "r.yaml:10:3: nodes.body: node 'body' (network residual): expected stacked weights of "
        "fewer than 2**31 values, got 'a.weight' stacked by `repeat` to shape "
        "(2147483647, 16, 16) (549,755,813,632 values) (fewer copies, or a narrower network)",
        "r.yaml:10:3: nodes.body: node 'body' (network residual): expected a model that fits in "
        "memory (at most 8.0 GiB, half of this machine's), got an estimated 2,432.0 GiB: "
        "584,115,551,984 parameters, and 256.0 GiB of activations for a batch of 1; "
        "this node holds 584,115,551,984 of the parameters",
    ]


def test_weights_that_fit_one_array_each_but_not_memory(cli, memory):
    memory["bytes"] = GiB
    code, _, err = cli(RESIDUAL % 1_000_000)
    assert code == 2
    assert err == [
        "r.yaml:10:3: nodes.body: node 'body' (network residual): expected a model that fits in "
        "memory (at most 1.0 GiB, half of this machine's), got an estimated 1.1 GiB: "
        "272,000,000 parameters, and 122.1 MiB of activations for a batch of 1; "
        "this node holds 272,000,000 of the parameters",
    ]


def test_training_counts_gradients_and_a_batch_of_activations(cli, memory):
    memory["bytes"] = GiB
    big = XOR.replace("out: 2}", "out: 50000000}")  # the hidden layer: 150 million weights
    code, _, err = cli(big)
    assert code == 2
    assert err == [
        "r.yaml:3:3: nodes.hidden: node 'hidden' (linear): expected a model that fits in memory "
        "(at most 1.0 GiB, half of this machine's), got an estimated 3.0 GiB: 200,000,001 "
        "parameters and their gradients, and 1.5 GiB of activations for a batch of 4; "
        "this node holds 150,000,000 of the parameters",
    ]


def test_a_model_that_fits_does_not_ask_the_device(monkeypatch):
    monkeypatch.setattr(limits, "_device_memory", lambda: pytest.fail("asked the device"))
    assert check(loads(RESIDUAL % 32)).problems == ()


def test_the_device_memory_is_a_size_and_a_description():
    size, what = limits._device_memory()
    assert size is None or size > 0
    assert what


def test_networks_using_networks_are_refused_quickly_with_the_bound_and_the_count(cli):
    start = time.perf_counter()
    code, _, err = cli(nested(16))  # 2 KB: each level uses the one below twice
    assert time.perf_counter() - start < 5  # today's composer took over a minute
    assert code == 2
    assert err == [
        "r.yaml:106:3: nodes.top: node 'top' (network l16): expected at most 20,000 nodes with "
        "the networks expanded (each instance has its own), got 262,144; this node expands to "
        "262,142 of them (`repeat: N` chains N copies of one network and checks it once)",
    ]


def test_the_node_bound_is_inclusive(monkeypatch):
    monkeypatch.setattr(limits, "MAX_NODES", 32)  # nested(3): 2 + 30 nodes
    assert check(loads(nested(3))).problems == ()
    monkeypatch.setattr(limits, "MAX_NODES", 31)
    (problem,) = check(loads(nested(3), file="r.yaml")).problems
    assert "expected at most 31 nodes with the networks expanded" in problem.message
    assert "got 32; this node expands to 30 of them" in problem.message


def test_a_flat_recipe_past_the_bound_is_refused_at_the_recipe(monkeypatch):
    monkeypatch.setattr(limits, "MAX_NODES", 3)
    (problem,) = check(loads(XOR, file="r.yaml")).problems
    assert str(problem) == (
        "r.yaml:1:1: expected at most 3 nodes with the networks expanded (each instance has "
        "its own), got 5 (`repeat: N` chains N copies of one network and checks it once)"
    )


def test_counting_stops_once_it_has_read_too_many_bodies(monkeypatch):
    monkeypatch.setattr(limits, "MAX_NODES", 2)
    many = "\n".join(f"      n{i}: {{block: tanh, in: h}}" for i in range(3))
    text = (
        "networks:\n"
        + "".join(
            f"  w{i}:\n    inputs: {{h: [2]}}\n    nodes:\n{many}\n    outputs: [n0]\n"
            for i in range(4)
        )
        + "inputs: {x: [2]}\nnodes:\n"
        + "".join(f"  u{i}: {{network: w{i}, in: x}}\n" for i in range(4))
        + "outputs: [u0]\n"
    )
    (problem,) = check(loads(text, file="r.yaml")).problems
    assert problem.message == (
        "node 'u2' (network w2): expected at most 2 nodes with the networks expanded "
        "(each instance has its own), got more than 2"
    )
