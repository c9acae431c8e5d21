"""`compose inspect --values NODE [--example I]`: a node's activation and gradient element by
element, and exact zeros per node, against the same numbers written in plain jax.numpy."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from compose.cli.inspect_command import subject
from compose.cli.main import main

GATES = """\
name: gates
inputs: {x: [2], y: [1]}
nodes:
  h: {block: linear, in: x, out: 4, weight: {init: normal, stddev: 2.0}, bias: {init: normal}}
  top: {block: max, in: h}
  top1: {block: reshape, in: top, shape: [1]}
  c: {block: linear, in: x, out: 1, weight: {init: normal, stddev: 2.0},
      bias: {init: constant, value: -0.5}}
  a: {block: linear, in: x, out: 1, bias: {init: normal}}
  b: {block: linear, in: x, out: 1, bias: {init: normal}}
  gate: {block: where, in: {cond: c, a: a, b: b}}
  both: {block: add, in: [top1, gate]}
  loss: {block: mse, in: {pred: both, target: y}}
outputs: [both]
loss: loss
train: {data: {dataset: xor}, batch: 4, steps: 1, optimizer: {sgd: {learning_rate: 0.1}}}
"""

SPARSE = """\
name: sparse
inputs: {x: [2], y: [1]}
nodes:
  h: {block: linear, in: x, out: 6, weight: {init: normal, stddev: 3.0}, bias: {init: normal}}
  p: {block: sparsemax, in: h}
  out: {block: linear, in: p, out: 1}
  loss: {block: mse, in: {pred: out, target: y}}
outputs: [out]
loss: loss
train: {data: {dataset: xor}, batch: 4, steps: 1, optimizer: {sgd: {learning_rate: 0.1}}}
"""


def values(capsys, path, node, example, *more):
    assert main(["inspect", str(path), "--values", node, "--example", str(example), "--json",
                 *more]) == 0  # fmt: skip
    return json.loads(capsys.readouterr().out)


def linear(w, x):
    return x @ w["weight"].T + w["bias"]


def gates_by_hand(w, x, y):
    """Every node of GATES for one example x (2,), and the gradient of its loss at h, a, b."""

    def loss(h, a, b):
        c = linear(w["c"], x)
        both = jnp.max(h) + jnp.where(c > 0, a, b)
        return jnp.mean((both - y) ** 2)

    h, a, b = linear(w["h"], x), linear(w["a"], x), linear(w["b"], x)
    grads = jax.grad(loss, argnums=(0, 1, 2))(h, a, b)
    return {"h": h, "a": a, "b": b, "c": linear(w["c"], x)}, dict(zip("hab", grads, strict=True))


@pytest.fixture(scope="module")
def gates(tmp_path_factory):
    path = tmp_path_factory.mktemp("gates") / "gates.yaml"
    path.write_text(GATES)
    return path


@pytest.mark.parametrize("example", [0, 1, 2, 3])
def test_max_sends_its_gradient_to_the_selected_element_only(gates, capsys, example):
    seen = subject(gates)
    w, x, y = seen.model.weights, seen.batch["x"][example], seen.batch["y"][example]
    forward, backward = gates_by_hand(w, x, y)
    got = values(capsys, gates, "h", example)
    np.testing.assert_allclose(got["activation"], forward["h"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["gradient"], backward["h"], rtol=1e-5, atol=1e-7)
    gradient = np.asarray(got["gradient"])
    assert np.count_nonzero(gradient) == 1  # 3 exact zeros of 4
    assert int(np.argmax(np.abs(gradient))) == int(np.argmax(forward["h"]))


def test_a_hard_gate_sends_its_gradient_down_the_taken_branch_only(gates, capsys):
    seen = subject(gates)
    w, batch = seen.model.weights, seen.batch
    taken = [float(linear(w["c"], x)[0]) > 0 for x in batch["x"]]
    assert any(taken) and not all(taken)  # both branches are seen in this batch
    for i, x in enumerate(batch["x"]):
        forward, backward = gates_by_hand(w, x, batch["y"][i])
        a, b = values(capsys, gates, "a", i), values(capsys, gates, "b", i)
        np.testing.assert_allclose(a["gradient"], backward["a"], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(b["gradient"], backward["b"], rtol=1e-5, atol=1e-7)
        assert (a["gradient"] == [0.0]) is not taken[i] and (b["gradient"] == [0.0]) is taken[i]


def test_the_zeros_per_node_count_the_batch(gates, capsys):
    seen = subject(gates)
    w, batch = seen.model.weights, seen.batch
    by_hand = [gates_by_hand(w, x, y) for x, y in zip(batch["x"], batch["y"], strict=True)]
    got = {z["path"]: z for z in values(capsys, gates, "h", 0)["zeros"]}
    n = len(batch["x"])
    assert got["h"]["size"] == 4 * n
    assert got["h"]["gradients"] == sum(int(np.sum(g["h"] == 0)) for _, g in by_hand) == 3 * n
    zero_a = sum(int(np.sum(g["a"] == 0)) for _, g in by_hand)
    assert got["a"]["gradients"] == zero_a
    assert got["b"]["gradients"] == n - zero_a


def sparsemax_by_hand(z):
    """The projection of z (k,) onto the simplex, by sorting (Martins and Astudillo, 2016)."""
    top = np.sort(z)[::-1]
    k = np.arange(1, len(z) + 1)
    support = k[1 + k * top > np.cumsum(top)].max()
    tau = (top[:support].sum() - 1) / support
    return np.maximum(z - tau, 0)


def test_sparsemax_zeros_are_counted_exactly(tmp_path, capsys):
    path = tmp_path / "sparse.yaml"
    path.write_text(SPARSE)
    seen = subject(path)
    w, batch = seen.model.weights, seen.batch
    expected = [sparsemax_by_hand(np.asarray(linear(w["h"], x), np.float64)) for x in batch["x"]]
    zeros = sum(int(np.sum(p == 0)) for p in expected)
    assert zeros > 0  # the initial weights spread h widely enough for exact zeros
    got = values(capsys, path, "p", 1)
    np.testing.assert_allclose(got["activation"], expected[1], atol=1e-6)
    assert np.sum(np.asarray(got["activation"]) == 0) == np.sum(expected[1] == 0)
    assert {z["path"]: z for z in got["zeros"]}["p"]["outputs"] == zeros


def test_the_table_shows_each_element_and_says_the_zeros(gates, capsys):
    assert main(["inspect", str(gates), "--values", "h", "--example", "2"]) == 0
    out = capsys.readouterr().out
    assert "node 'h' (linear), output shape (4,), example 2" in out
    assert "exact zeros: 0 of 4 activations, 3 of 4 gradients" in out
    assert "exact zeros per node, over the batch's 4 examples:" in out
    for element in ("[0]", "[1]", "[2]", "[3]"):
        assert f"\n{element} " in out


def test_a_node_no_gradient_reaches_says_why(tmp_path, capsys):
    assert main(["inspect", "recipes/xor.yaml", "--values", "prob"]) == 0
    out = capsys.readouterr().out
    assert "no gradient reaches 'prob': fused into loss (sigmoid_cross_entropy)" in out


def test_an_unknown_node_or_example_exits_2_saying_what_is_known(gates, capsys):
    assert main(["inspect", str(gates), "--values", "hh"]) == 2
    assert capsys.readouterr().err == (
        "--values hh: expected a node of the model (did you mean 'h'?), got 'hh'\n"
    )
    assert main(["inspect", str(gates), "--values", "h", "--example", "4"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("--example 4: expected an example from 0 to 3, got 4")
