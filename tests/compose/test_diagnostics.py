"""Looking inside as a checklist: every number against numpy, every flag's words, the
`compose inspect` command, the initialisation check and `train.rewrite: false`."""

import json
import textwrap
from pathlib import Path
from types import SimpleNamespace

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import compose
from compose.cli.inspect_command import look, subject
from compose.cli.main import main
from compose.model.health import health
from compose.runs.training import make_session
from compose.trainer.init_check import InitCheck, init_warnings
from tests.conftest import XOR

RELU = """\
inputs: {x: [2], y: [1]}
nodes:
  h: {block: linear, in: x, out: 4}
  a: {block: relu, in: h}
  out: {block: linear, in: a, out: 1}
  loss: {block: mse, in: {pred: out, target: y}}
outputs: [out]
loss: loss
"""

SQUASH = """\
inputs: {x: [2], y: [1]}
nodes:
  h: {block: linear, in: x, out: 2}
  s: {block: sigmoid, in: h}
  t: {block: tanh, in: h}
  both: {block: concat, in: [s, t]}
  out: {block: linear, in: both, out: 1}
  loss: {block: mse, in: {pred: out, target: y}}
outputs: [out]
loss: loss
"""

# Every weight zero: each number below is exact, whatever the seed.
ZERO = """\
name: zero
inputs: {x: [2], y: [1]}
nodes:
  hidden: {block: linear, in: x, out: 3, weight: {init: zeros}}
  act: {block: relu, in: hidden}
  bend: {block: tanh, in: hidden}
  both: {block: concat, in: [act, bend]}
  logit: {block: linear, in: both, out: 1, weight: {init: zeros}}
  prob: {block: sigmoid, in: logit}
  loss: {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob]
loss: loss
train:
  data: {dataset: xor}
  batch: 4
  steps: 10
  optimizer: {adam: {learning_rate: 0.05}}
"""

SYMMETRIC = """\
inputs: {x: [2], y: [1]}
nodes:
  h: {block: linear, in: x, out: 3, weight: {init: zeros}}
  t: {block: tanh, in: h}
  out: {block: linear, in: t, out: 1, weight: {init: ones}}
  loss: {block: mse, in: {pred: out, target: y}}
outputs: [out]
loss: loss
"""

BATCH = {
    "x": np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 2.0]], np.float32),
    "y": np.array([[1.0], [0.0], [2.0]], np.float32),
}


def built(text, weights=None, seed=0):
    """The recipe's model, with `weights` ({node: {slot: array}}) put in by hand."""
    model = compose.build(compose.loads(text), key=jax.random.key(seed))
    if weights:
        new = {
            n: {s: jnp.asarray(v, jnp.float32) for s, v in slots.items()}
            for n, slots in weights.items()
        }
        model = eqx.tree_at(lambda m: m.weights, model, {**model.weights, **new})
    return model


def xor_batch():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    return {"x": x, "y": (x[:, :1] != x[:, 1:]).astype(np.float32)}


def by_path(found):
    return {n.path: n for n in found.nodes}


def by_name(found):
    return {w.name: w for w in found.weights}


# -- the numbers, against numpy ------------------------------------------------------------


RELU_WEIGHTS = {
    # units 1 and 3 are negative for every positive x: exactly half the layer is dead
    "h": {"weight": [[1, 0], [-1, 0], [0, 1], [0, -1]], "bias": [0, 0, 0, 0]},
    "out": {"weight": [[0.5, -1, 2, 1]], "bias": [0.1]},
}


def relu_by_hand():
    """Forward and backward of RELU on BATCH in numpy: per-example gradients of each
    example's own loss, and weight gradients of the mean batch loss."""
    x, y = BATCH["x"].astype(np.float64), BATCH["y"].astype(np.float64)
    w1, b1 = np.array(RELU_WEIGHTS["h"]["weight"], float), np.zeros(4)
    w2, b2 = np.array(RELU_WEIGHTS["out"]["weight"], float), np.array([0.1])
    h = x @ w1.T + b1
    a = np.maximum(h, 0)
    out = a @ w2.T + b2
    loss = np.mean((out - y) ** 2, axis=1)
    d_out = 2 * (out - y)  # d loss_i / d out_i, one output
    d_a = d_out @ w2
    d_h = d_a * (h > 0)
    n = len(x)
    grads = {"h.weight": d_h.T @ x / n, "h.bias": d_h.mean(0)}
    grads |= {"out.weight": d_out.T @ a / n, "out.bias": d_out.mean(0)}
    weights = {"h.weight": w1, "h.bias": b1, "out.weight": w2, "out.bias": b2}
    values = {"h": h, "a": a, "out": out, "loss": loss}
    node_grads = {"h": d_h, "a": d_a, "out": d_out, "loss": np.ones((n, 1))}
    return values, node_grads, weights, grads


def test_every_number_of_a_relu_layer_matches_numpy():
    values, node_grads, weights, grads = relu_by_hand()
    stepped = {  # one plain gradient descent step, by hand
        node: {slot: weights[f"{node}.{slot}"] - 0.1 * grads[f"{node}.{slot}"] for slot in slots}
        for node, slots in RELU_WEIGHTS.items()
    }
    found = health(built(RELU, RELU_WEIGHTS), BATCH, after=built(RELU, stepped))
    nodes = by_path(found)
    assert list(nodes) == ["h", "a", "out", "loss"]
    for path, value in values.items():
        assert nodes[path].mean == pytest.approx(value.mean(), rel=1e-6)
        assert nodes[path].std == pytest.approx(value.std(), rel=1e-6)
        # the gradient of the mean batch loss: each example's own over the batch size
        mean_loss_grad = node_grads[path] / 3
        assert nodes[path].grad_norm == pytest.approx(np.linalg.norm(mean_loss_grad), rel=1e-5)
    assert nodes["loss"].grad_norm == pytest.approx(1 / np.sqrt(3))
    assert nodes["a"].dead == 0.5  # units 1 and 3 of 4
    assert nodes["h"].dead is None and nodes["a"].saturated is None
    assert nodes["a"].shape == (4,) and nodes["loss"].shape == ()
    assert found.loss == pytest.approx(values["loss"].mean(), rel=1e-6)
    assert found.examples == 3
    assert list(by_name(found)) == ["h.bias", "h.weight", "out.bias", "out.weight"]
    for name, w in by_name(found).items():
        assert w.shape == weights[name].shape
        assert w.norm == pytest.approx(np.linalg.norm(weights[name]), rel=1e-6)
        assert w.grad_norm == pytest.approx(np.linalg.norm(grads[name]), rel=1e-5)
        if np.linalg.norm(weights[name]):
            expected = 0.1 * np.linalg.norm(grads[name]) / np.linalg.norm(weights[name])
            assert w.update_ratio == pytest.approx(expected, rel=1e-4)
        else:
            assert w.update_ratio is None  # a step next to nothing has no ratio
        assert w.update_norm == pytest.approx(0.1 * np.linalg.norm(grads[name]), rel=1e-4)
    assert found.update == "norm of (weights after one step - weights) / norm of weights"
    assert found.flags == ()


def test_update_ratios_from_the_previous_weights():
    moved = {
        "h": {"weight": np.array(RELU_WEIGHTS["h"]["weight"]) + 0.01, "bias": [0, 0, 0, 0]},
        "out": RELU_WEIGHTS["out"],
    }
    found = health(built(RELU, moved), BATCH, previous=built(RELU, RELU_WEIGHTS))
    w = np.array(RELU_WEIGHTS["h"]["weight"], float)  # over the earlier weights' norm
    ratios = {k: v.update_ratio for k, v in by_name(found).items()}
    assert ratios["h.weight"] == pytest.approx(
        np.linalg.norm(np.full((4, 2), 0.01)) / np.linalg.norm(w), rel=1e-5
    )
    assert ratios["out.weight"] == 0.0 and ratios["h.bias"] is None
    assert found.update == "norm of (weights - previous weights) / norm of previous weights"
    assert all(r is None for r in (w.update_ratio for w in health(built(RELU), BATCH).weights))


def test_saturation_of_sigmoid_and_tanh_matches_numpy():
    x = np.array([[100.0, 0.1], [-100.0, 0.2], [50.0, -0.3]], np.float32)  # one side huge
    weights = {
        "h": {"weight": np.eye(2), "bias": [0, 0]},
        "out": {"weight": [[1, 1, 1, 1]], "bias": [0]},
    }
    found = health(built(SQUASH, weights), {"x": x, "y": np.zeros((3, 1), np.float32)})
    nodes = by_path(found)
    s = 1 / (1 + np.exp(-x.astype(np.float64)))
    t = np.tanh(x.astype(np.float64))
    assert nodes["s"].saturated == pytest.approx(np.mean((s < 0.02) | (s > 0.98)))
    assert nodes["t"].saturated == pytest.approx(np.mean(np.abs(t) > 0.98))
    assert nodes["s"].saturated == 0.5 and nodes["t"].saturated == 0.5  # half: not flagged
    assert nodes["s"].mean == pytest.approx(s.mean(), rel=1e-6)
    assert nodes["t"].std == pytest.approx(t.std(), rel=1e-6)
    assert [f.kind for f in found.flags] == []


def test_saturated_flags():
    x = np.array([[100.0, -100.0], [50.0, 60.0], [-70.0, 80.0]], np.float32)
    weights = {
        "h": {"weight": np.eye(2), "bias": [0, 0]},
        "out": {"weight": [[1, 1, 1, 1]], "bias": [0]},
    }
    found = health(built(SQUASH, weights), {"x": x, "y": np.zeros((3, 1), np.float32)})
    assert [f.message for f in found.flags if f.kind == "saturated"] == [
        "node 's' (sigmoid): saturated: 100% of its values are below 0.02 or above 0.98, "
        "where its slope is under 0.02",
        "node 't' (tanh): saturated: 100% of its values are beyond -0.98 or 0.98, "
        "where its slope is under 0.04",
    ]
    # Nothing passes back through them to h.
    assert [(f.kind, f.where) for f in found.flags if f.kind != "saturated"] == [("vanishing", "h")]


def test_gradient_norms_inside_repeated_networks_are_over_the_batch_and_each_copy():
    from tests.compose.test_inspector import NESTED, batch

    model = built(NESTED)
    seen = compose.inspect(model, batch())
    found = health(model, batch())
    nodes = by_path(found)
    for path in ("body/a", "body/s", "g/w", "code"):
        g = np.asarray(seen.gradients[path], np.float64)
        assert nodes[path].grad_norm == pytest.approx(np.sqrt(np.sum(g**2)), rel=1e-5)
        assert nodes[path].mean == pytest.approx(
            np.asarray(seen.activations[path], np.float64).mean(), rel=1e-5, abs=1e-7
        )
    g = np.asarray(seen.gradients["body/a"], np.float64)  # (examples, copies, 3)
    per_copy = np.sqrt(np.sum(g**2, axis=(0, 2)))
    np.testing.assert_allclose(nodes["body/a"].copy_grad_norms, per_copy, rtol=1e-5)
    assert nodes["code"].copy_grad_norms == ()
    assert nodes["body/a"].shape == (4, 3)  # copies, then the node's own shape
    assert by_name(found)["body/a.weight"].shape == (4, 3, 3)
    assert nodes["body"].block == "network"


# -- the flags, word for word --------------------------------------------------------------


def test_a_dead_layer():
    weights = {
        "h": {"weight": -np.abs(np.array(RELU_WEIGHTS["h"]["weight"])) - 0.5, "bias": [0, 0, 0, 0]}
    }
    found = health(built(RELU, weights), BATCH)
    assert by_path(found)["a"].dead == 1.0
    assert by_path(found)["h"].grad_norm == 0.0  # starved: the relu passes nothing back
    # The cause is flagged once; the layer below is not flagged as a vanishing gradient.
    assert [str(f) for f in found.flags] == [
        "node 'a' (relu): dead: all 4 units are <= 0 for every example of the batch, "
        "so no gradient passes through it, and node 'h' before it is starved: it gets no "
        "gradient, so the weights feeding it stop learning"
    ]


DEAD_CHAIN = """\
inputs: {x: [2], y: [1]}
nodes:
  g: {block: linear, in: x, out: 3}
  h: {block: linear, in: g, out: 4}
  a: {block: relu, in: h}
  both: {block: concat, in: [a, g]}
  out: {block: linear, in: both, out: 1}
  loss: {block: mse, in: {pred: out, target: y}}
outputs: [out]
loss: loss
"""

# g is positive for BATCH's positive inputs, h's weights all negative: a is dead.
DEAD_CHAIN_WEIGHTS = {
    "g": {"weight": [[1, 0], [0, 1], [1, 1]], "bias": [0, 0, 0]},
    "h": {"weight": -np.array([[1, 1, 1], [1, 2, 1], [2, 1, 1], [1, 1, 3]]), "bias": [-0.5] * 4},
    "out": {"weight": [[1, 1, 1, 1, 0.5, -0.5, 0.25]], "bias": [0]},
}


@pytest.mark.parametrize("skip", [False, True], ids=["chain", "with a way around"])
def test_a_dead_relu_is_the_one_flag_for_the_layers_it_starves(skip):
    text = DEAD_CHAIN if skip else DEAD_CHAIN.replace("in: [a, g]", "in: [a, a]")
    weights = dict(DEAD_CHAIN_WEIGHTS)
    if not skip:
        weights["out"] = {"weight": [[1, 1, 1, 1, 0.5, -0.5, 0.25, 1]], "bias": [0]}
    found = health(built(text, weights), BATCH)
    nodes = by_path(found)
    assert nodes["a"].dead == 1.0 and nodes["h"].grad_norm == 0.0
    assert nodes["out"].grad_norm > 0
    if skip:  # g reaches the loss around the dead relu: only h is starved
        assert nodes["g"].grad_norm > 1e-3 * nodes["out"].grad_norm
        starved = "node 'h' before it is starved: it gets no gradient, so the weights feeding it"
    else:
        assert nodes["g"].grad_norm == 0.0
        starved = (
            "nodes 'h', 'g' before it are starved: they get no gradient, so the weights feeding "
            "them"
        )
    assert [str(f) for f in found.flags] == [
        "node 'a' (relu): dead: all 4 units are <= 0 for every example of the batch, so no "
        f"gradient passes through it, and {starved} stop learning"
    ]


def test_vanishing_gradient_and_a_flat_loss_on_an_all_zero_model():
    found = health(built(ZERO), xor_batch())
    flags = [(f.kind, f.where) for f in found.flags]
    assert flags == [
        ("vanishing", "hidden"),
        ("dead", "act"),
        ("vanishing", "act"),
        ("vanishing", "bend"),
        ("vanishing", "both"),
        ("symmetric", "hidden.weight"),
        ("constant_loss", ""),
    ]
    assert found.flags[0].message == (
        "node 'hidden' (linear): vanishing gradient: 0, below 0.001 times the 0.25 at 'logit', "
        "which the loss reads; the weights before it barely learn"
    )
    assert found.flags[-1].message == (
        "the loss is flat in every weight: every weight gradient is exactly 0 on this batch, "
        "so nothing learns"
    )


DEEP = """\
networks:
  layer:
    inputs: {h: [16]}
    nodes:
      z: {block: linear, in: h, out: 16}
      s: {block: sigmoid, in: z}
    outputs: [s]
inputs: {x: [2], y: [2]}
nodes:
  embed: {block: linear, in: x, out: 16}
  body: {network: layer, in: embed, repeat: 20}
  logits: {block: linear, in: body, out: 2}
  loss: {block: softmax_cross_entropy, in: {pred: logits, target: y}}
outputs: [logits]
loss: loss
"""


def test_a_vanishing_gradient_in_a_deep_stack_is_found_at_its_first_copy():
    x = jax.random.normal(jax.random.key(1), (16, 2))
    batch = {"x": x, "y": jax.nn.one_hot((x[:, 0] > 0).astype(int), 2)}
    found = health(built(DEEP), batch)
    norms = by_path(found)["body/z"].copy_grad_norms
    assert len(norms) == 20 and norms[0] < 1e-6 * norms[-1]  # fades copy by copy
    flags = {f.where: f.message for f in found.flags}
    assert list(flags) == ["embed", "body/z", "body/s"]
    reference = by_path(found)["logits"].grad_norm
    assert flags["body/z"] == (
        f"node 'body/z' (linear): vanishing gradient: {norms[0]:.2g} at repeat index 0 (of 20), "
        f"below 0.001 times the {reference:.2g} at 'logits', which the loss reads; the weights "
        "before it barely learn"
    )


def test_exploding_gradient():
    text = """\
inputs: {x: [1], y: [1]}
nodes:
  h: {block: linear, in: x, out: 1}
  out: {block: linear, in: h, out: 1}
  loss: {block: mse, in: {pred: out, target: y}}
outputs: [out]
loss: loss
"""
    x = np.array([[1.0], [2.0]], np.float32)
    weights = {"h": {"weight": [[1e-4]], "bias": [0]}, "out": {"weight": [[1e4]], "bias": [0]}}
    found = health(built(text, weights), {"x": x, "y": x - 0.5})
    # d(mean of 2 losses)/d out = 2 (out - y) / 2 = 1/2 per example: norm 1/sqrt(2) at out
    # and 1e4 times that at h.
    assert [str(f) for f in found.flags] == [
        "node 'h' (linear): exploding gradient: 7.1e+03, above 1000 times the 0.71 at 'out', "
        "which the loss reads; lower the learning rate, or clip it with train.clip"
    ]


def test_a_symmetric_layer_is_flagged_only_when_its_units_get_equal_gradients():
    found = health(built(SYMMETRIC), BATCH)
    assert [str(f) for f in found.flags] == [
        "weight 'h.weight': symmetric: its 3 rows are equal and get equal gradients, so the 3 "
        "units of node 'h' stay copies of one another; initialise it randomly, e.g. "
        "{init: lecun_normal}"
    ]
    # Zero rows that a random next layer sends different gradients to part at the first step.
    random_next = SYMMETRIC.replace(", weight: {init: ones}}", "}")
    assert health(built(random_next), BATCH).flags == ()


def test_values_that_are_not_finite():
    text = """\
inputs: {x: [2], y: [1]}
nodes:
  l: {block: log, in: x}
  out: {block: linear, in: l, out: 1}
  loss: {block: mse, in: {pred: out, target: y}}
outputs: [out]
loss: loss
"""
    batch = {
        "x": np.array([[1.0, 2.0], [-1.0, 3.0]], np.float32),
        "y": np.zeros((2, 1), np.float32),
    }
    found = health(built(text), batch)
    assert [str(f) for f in found.flags] == [
        "node 'l' (log): not finite: its output holds nan (and 2 more nodes after it)"
    ]
    assert json.loads(compose.cli.inspect_command.to_json(found))["loss"] is None  # strict JSON


def test_a_softmax_over_one_element():
    text = """\
inputs: {x: [1], y: [1]}
nodes:
  z: {block: linear, in: x, out: 1}
  p: {block: softmax, in: z}
  loss: {block: mse, in: {pred: p, target: y}}
outputs: [p]
loss: loss
"""
    found = health(
        built(text), {"x": np.ones((2, 1), np.float32), "y": np.zeros((2, 1), np.float32)}
    )
    assert [f.kind for f in found.flags] == ["vanishing", "one_element_softmax", "constant_loss"]
    assert found.flags[1].message == (
        "node 'p' (softmax): softmax over one element: its output is always 1, so no gradient "
        "passes through it; for one yes/no output use sigmoid"
    )


# -- fused nodes -----------------------------------------------------------------------------


def test_a_node_a_rewrite_fused_away_says_so_instead_of_a_zero_gradient():
    checked = compose.check(compose.load("recipes/xor.yaml"))
    model = compose.build(checked, key=jax.random.key(0))
    prob = by_path(health(model, xor_batch(), rewrites=checked.rewrites))["prob"]
    assert (prob.grad_norm, prob.note) == (None, "fused into loss (sigmoid_cross_entropy)")
    assert by_path(health(model, xor_batch()))["prob"].note == "not on the loss's path"
    literal = compose.check(compose.load("recipes/xor.yaml", overrides=["train.rewrite=false"]))
    model = compose.build(literal, key=jax.random.key(0))
    prob = by_path(health(model, xor_batch(), rewrites=literal.rewrites))["prob"]
    assert prob.note == "" and prob.grad_norm > 0


# -- compose inspect -------------------------------------------------------------------------

ZERO_REPORT = """\
zero: as initialised from seed 0; loss 0.693 on 4 examples
node    block                   mean  std  dead  sat.  grad norm
hidden  linear                     0    0                      0
act     relu                       0    0  100%                0
bend    tanh                       0    0          0%          0
both    concat                     0    0                      0
logit   linear                     0    0                   0.25
prob    sigmoid                  0.5    0          0%      fused
loss    sigmoid_cross_entropy  0.693    0                    0.5
prob: fused into loss (sigmoid_cross_entropy), so no gradient reaches it
weight         shape   norm  grad norm  update ratio
hidden.bias    (3,)       0          0
hidden.weight  (3, 2)     0          0
logit.bias     (1,)       0          0
logit.weight   (1, 6)     0          0
update ratio: |w1 - w| / |w| for one adam step on this batch, from a fresh
  optimizer state, as training's first step
flags:
  node 'hidden' (linear): vanishing gradient: 0, below 0.001 times the 0.25 at 'logit', which the loss reads; the weights before it barely learn
  node 'act' (relu): dead: all 3 units are <= 0 for every example of the batch, so no gradient passes through it
  node 'act' (relu): vanishing gradient: 0, below 0.001 times the 0.25 at 'logit', which the loss reads; the weights before it barely learn
  node 'bend' (tanh): vanishing gradient: 0, below 0.001 times the 0.25 at 'logit', which the loss reads; the weights before it barely learn
  node 'both' (concat): vanishing gradient: 0, below 0.001 times the 0.25 at 'logit', which the loss reads; the weights before it barely learn
  weight 'hidden.weight': symmetric: its 3 rows are equal and get equal gradients, so the 3 units of node 'hidden' stay copies of one another; initialise it randomly, e.g. {init: lecun_normal}
  the loss is flat in every weight: every weight gradient is exactly 0 on this batch, so nothing learns
"""  # noqa: E501 (the lines as printed)


def test_inspect_a_recipe_prints_the_tables_then_the_flags(cli):
    code, out, err = cli(ZERO, "inspect", "r.yaml")
    assert (code, err) == (0, [])
    assert out == ZERO_REPORT


def test_inspect_a_run_folder(tmp_path, capsys):
    recipe = compose.load("recipes/xor.yaml", overrides=["train.steps=20"])
    compose.train(recipe, folder=tmp_path / "run")
    assert main(["inspect", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out.splitlines()
    seen = subject(tmp_path / "run")
    found = look(seen)
    assert seen.label == f"trained 20 steps, run folder {tmp_path / 'run'}"
    assert out[0] == f"xor: {seen.label}; loss {found.loss:.3g} on 4 examples"
    assert out[1].split() == ["node", "block", "mean", "std", "dead", "sat.", "grad", "norm"]
    rows = {line.split()[0]: line.split() for line in out[2:7]}
    assert list(rows) == ["hidden", "bend", "logit", "prob", "loss"]
    bend = by_path(found)["bend"]
    assert rows["bend"] == ["bend", "sigmoid", f"{bend.mean:.3g}", f"{bend.std:.3g}",
                            f"{100 * bend.saturated:.0f}%", f"{bend.grad_norm:.3g}"]  # fmt: skip
    assert rows["prob"][-1] == "fused"
    assert out[7] == "prob: fused into loss (sigmoid_cross_entropy), so no gradient reaches it"
    assert " ".join(line.strip() for line in out[-3:-1]) == (
        "update ratio: |w1 - w| / |w| for one adam step on this batch, from the optimizer "
        "state saved at step 20"
    )
    assert out[-1] == "no flags"
    assert all(len(line) <= 80 for line in out[1:])  # the first names the folder as given

    assert main(["inspect", str(tmp_path / "run"), "--json", "--batch", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["recipe"], data["model"], data["examples"]) == ("xor", seen.label, 3)
    assert [n["path"] for n in data["nodes"]] == ["hidden", "bend", "logit", "prob", "loss"]
    assert data["nodes"][3]["note"] == "fused into loss (sigmoid_cross_entropy)"
    assert data["nodes"][3]["grad_norm"] is None
    assert [w["name"] for w in data["weights"]] == [
        "hidden.bias",
        "hidden.weight",
        "logit.bias",
        "logit.weight",
    ]
    assert data["flags"] == []
    three = health(seen.model, {k: v[:3] for k, v in seen.batch.items()})
    assert data["loss"] == pytest.approx(three.loss)
    assert data["weights"][1]["grad_norm"] == pytest.approx(three.weights[1].grad_norm)


def test_inspect_json_of_a_recipe_keeps_its_flags(cli):
    code, out, err = cli(ZERO, "inspect", "r.yaml", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["model"] == "as initialised from seed 0"
    assert [f["kind"] for f in data["flags"]][-2:] == ["symmetric", "constant_loss"]
    assert data["flags"][-2]["where"] == "hidden.weight"
    assert data["nodes"][1] == {
        "path": "act", "block": "relu", "shape": [3], "mean": 0.0, "std": 0.0, "dead": 1.0,
        "saturated": None, "grad_norm": 0.0, "note": "", "copy_grad_norms": [],
    }  # fmt: skip


def test_inspect_uses_the_train_seed_as_training_does(cli):
    code, out, err = cli(
        XOR.replace("metrics: [accuracy]", "seed: 7"), "inspect", "r.yaml", "--json"
    )
    data = json.loads(out)
    checked = compose.check(compose.loads(XOR.replace("metrics: [accuracy]", "seed: 7")))
    model = compose.build(checked, jax.random.fold_in(jax.random.key(7), 0))
    assert data["model"] == "as initialised from seed 7"
    assert data["weights"][1]["norm"] == pytest.approx(
        float(jnp.linalg.norm(model.weights["hidden"]["weight"]))
    )


def test_inspect_fits_eighty_columns_with_long_names(cli):
    long = ZERO.replace("hidden", "a_rather_long_hidden_layer_name")
    code, out, err = cli(long, "inspect", "r.yaml")
    assert code == 0
    table = out.split("flags:")[0].splitlines()
    assert all(len(line) <= 80 for line in table)
    assert "a_rather_long_hidden_layer_name.weight" in out


def test_inspect_problems_exit_2(cli, tmp_path):
    assert cli(XOR, "inspect", "missing.yaml")[::2] == (
        2,
        ["missing.yaml: cannot read the file: No such file or directory"],
    )
    (tmp_path / "folder").mkdir()
    assert cli(XOR, "inspect", "folder")[::2] == (2, [
        "folder: expected a run folder (with recipe.yaml and summary.json) or a recipe file, "
        "got a folder without them"
    ])  # fmt: skip
    (tmp_path / "unfinished").mkdir()
    (tmp_path / "unfinished" / "recipe.yaml").write_text(XOR)
    started = '{"status": "running", "steps": 0}'  # as a run writes it when it starts
    (tmp_path / "unfinished" / "summary.json").write_text(started)
    assert cli(XOR, "inspect", "unfinished")[::2] == (2, [
        "unfinished: expected the run's weights in model.eqx, got none (a run writes them "
        "when it ends)"
    ])  # fmt: skip
    assert cli(XOR, "inspect", "r.yaml", "--batch", "0")[::2] == (2, [
        "compose inspect: --batch: expected a positive number of examples, got 0"
    ])  # fmt: skip
    assert cli(XOR, "inspect", "r.yaml", "--set", "train.steps=-1")[::2] == (2, [
        "--set train.steps=-1: train.steps: expected a positive value, got -1"
    ])  # fmt: skip
    no_train = XOR.split("train:")[0]
    assert cli(no_train, "inspect", "r.yaml")[::2] == (2, [
        "r.yaml:1:1: expected a train section (its data and seed) to inspect the model on, got none"
    ])  # fmt: skip
    code, out, err = cli(XOR.replace("out: 2}", "out: 2, bogus: 1}"), "inspect", "r.yaml")
    assert code == 2 and err[0].startswith("r.yaml:3:")


# -- the initialisation check ------------------------------------------------------------------

ZERO_WARNINGS = [
    "at initialisation: node 'act' (relu): dead: all 3 units are <= 0 for every example of "
    "the batch, so no gradient passes through it",
    "at initialisation: weight 'hidden.weight': symmetric: its 3 rows are equal and get equal "
    "gradients, so the 3 units of node 'hidden' stay copies of one another; initialise it "
    "randomly, e.g. {init: lecun_normal}",
    "at initialisation: the loss is flat in every weight: every weight gradient is exactly 0 "
    "on this batch, so nothing learns",
]


def test_every_run_warns_about_what_will_not_learn(cli, tmp_path):
    code, out, err = cli(ZERO, "run", "r.yaml", "--out", "out", "--quiet")
    assert code == 0
    assert err == [f"warning: {w}" for w in ZERO_WARNINGS]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["warnings"] == ZERO_WARNINGS


def test_no_warnings_for_the_xor_recipe():
    session = make_session(compose.check(compose.load("recipes/xor.yaml"))).prepare()
    assert session.warnings == []
    assert any(isinstance(listener, InitCheck) for listener in session.listeners)
    assert init_warnings(session.model, session.batch(0)) == []


RECIPES = sorted((Path(__file__).parents[2] / "recipes").glob("*.yaml"))


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.stem)
def test_no_recipe_warns_at_initialisation(path):
    seen = subject(path, examples=compose.load(path).train.batch)
    assert init_warnings(seen.model, seen.batch, rewrites=seen.checked.rewrites) == [], path


def test_the_check_warns_of_kinds_that_exist():
    from compose.model.health_records import KINDS
    from compose.trainer.init_check import AT_INIT

    assert set(AT_INIT) <= set(KINDS)


def test_the_check_skips_a_resumed_run_and_never_fails():
    resumed = SimpleNamespace(step=5, warnings=[])
    InitCheck().started(resumed)
    assert resumed.warnings == []
    broken = SimpleNamespace(
        step=0, model=None, batch=lambda step: {}, checked=SimpleNamespace(rewrites=()), warnings=[]
    )
    InitCheck().started(broken)
    assert broken.warnings == [
        "the initialisation check could not run: AttributeError: 'NoneType' object has no "
        "attribute 'plan'"
    ]


# -- train.rewrite: false ----------------------------------------------------------------------

BINARY = """\
inputs: {x: [1], y: [1]}
nodes:
  logit: {block: linear, in: x, out: 1, weight: {init: ones}}
  prob: {block: sigmoid, in: logit}
  loss: {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob]
loss: loss
train:
  data: {dataset: sine, n: 8}
  batch: 8
  steps: 1
  optimizer: {sgd: {learning_rate: 0.1}}
"""


@pytest.mark.parametrize("logit", [1000.0, -1000.0])
def test_without_the_rewrites_a_large_logit_overflows(logit):
    example = {"x": jnp.array([logit]), "y": jnp.array([0.5])}
    fused = compose.build(compose.loads(BINARY), key=jax.random.key(0))
    assert jnp.isfinite(fused.loss(example))
    literal = compose.check(compose.loads(BINARY, overrides=["train.rewrite=false"]))
    assert literal.rewrites == ()
    assert not jnp.isfinite(compose.build(literal, key=jax.random.key(0)).loss(example))


def test_check_shows_no_rewrites_when_they_are_off(cli):
    code, out, err = cli(XOR, "check", "r.yaml")
    assert "rewrites (*):" in out.splitlines()
    code, out, err = cli(XOR + "  rewrite: false\n", "check", "r.yaml")
    assert code == 0 and "rewrites (*):" not in out and " *" not in out
    code, out, err = cli(XOR + "  rewrite: 3\n", "check", "r.yaml")
    assert (code, err) == (2, ["r.yaml:16:12: train.rewrite: expected true or false, got 3"])


def test_rewrites_inside_networks_are_off_too():
    text = textwrap.dedent("""\
        networks:
          head:
            inputs: {z: [1], t: [1]}
            nodes:
              p: {block: sigmoid, in: z}
              l: {block: cross_entropy, in: {pred: p, target: t}}
            outputs: [l]
        inputs: {x: [1], y: [1]}
        nodes:
          loss: {network: head, in: {z: x, t: y}}
        outputs: [loss]
        loss: loss
        train:
          data: {dataset: sine, n: 8}
          batch: 8
          steps: 1
          optimizer: {sgd: {learning_rate: 0.1}}
    """)
    assert [r.node for r in compose.check(compose.loads(text)).rewrites] == ["loss/l"]
    off = compose.check(compose.loads(text, overrides=["train.rewrite=false"]))
    assert off.problems == () and off.rewrites == ()


def test_a_run_trained_without_rewrites_loads_back_without_them(tmp_path):
    xor = Path(__file__).parents[2] / "recipes" / "xor.yaml"
    for rewrite, loss_block in (("false", "cross_entropy"), ("true", "sigmoid_cross_entropy")):
        recipe = compose.load(xor, overrides=[f"train.rewrite={rewrite}", "train.steps=20"])
        compose.train(recipe, folder=tmp_path / rewrite)
        model = compose.load_run(tmp_path / rewrite).model
        assert model.plan.steps[-1].block == loss_block
