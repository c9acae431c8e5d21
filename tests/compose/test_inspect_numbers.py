"""The numbers `compose inspect` reports are the ones training has: its update ratio is the
next real optimizer step's, and its grad norm is the norms log's, each against XOR's
network written out here in plain jax.numpy and stepped with optax directly."""

import json
import re
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import compose
from compose.cli.inspect_command import look, subject
from compose.cli.main import main
from compose.runs.names import CHECKPOINT, NORMS, PREVIOUS_CHECKPOINT
from tests.conftest import XOR


def xor_loss(weights, batch, taps=None):
    """XOR's mean batch loss (linear, sigmoid, linear, sigmoid cross-entropy on the logit),
    each node's output plus its tap (zeros by default), so that the gradient at a tap is
    the gradient at that node's output."""
    taps = taps or {}
    n = len(batch["x"])
    tap = lambda name: taps.get(name, jnp.zeros(()))  # noqa: E731
    w = weights
    hidden = batch["x"] @ w["hidden"]["weight"].T + w["hidden"]["bias"] + tap("hidden")
    bend = 1 / (1 + jnp.exp(-hidden)) + tap("bend")
    z = bend @ w["logit"]["weight"].T + w["logit"]["bias"] + tap("logit")
    y = batch["y"]
    per_example = jnp.mean(jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z))), axis=1)
    return jnp.sum(per_example + tap("loss")) / n


# The weights' gradient of xor_loss as one compiled program (op by op, each operation of
# the loss and its gradient compiled a program of its own).
xor_grad = jax.jit(jax.grad(xor_loss))
xor_tap_grad = jax.jit(jax.grad(xor_loss, argnums=2))  # at each node's output, by its tap


def sgd_by_hand(rate):
    """Plain gradient descent as an optax pair, written out: w1 = w0 - rate * g."""
    return optax.GradientTransformation(
        lambda params: (), lambda g, state, params=None: (jax.tree.map(lambda a: -rate * a, g), ())
    )


# (the recipe's optimizer lines, the same optimizer made here)
OPTIMIZERS = {
    "sgd": ("  optimizer: {sgd: {learning_rate: 0.1}}\n", lambda: sgd_by_hand(0.1)),
    "adam": ("  optimizer: {adam: {learning_rate: 0.05}}\n", lambda: optax.adam(0.05)),
    "adamw with a schedule": (
        "  optimizer: {adamw: {learning_rate: 0.05, weight_decay: 0.1}}\n"
        "  schedule: {linear_schedule: {end_value: 0.001, transition_steps: 30}}\n",
        lambda: optax.adamw(optax.linear_schedule(0.05, 0.001, 30), weight_decay=0.1),
    ),
}


def recipe_file(folder, optimizer: str, steps: int = 10):
    text = XOR.replace("  optimizer: {adam: {learning_rate: 0.05}}\n", OPTIMIZERS[optimizer][0])
    path = folder / "r.yaml"
    path.write_text(text.replace("steps: 10", f"steps: {steps}"))
    return path


def ratios_by_hand(w0, batch, opt, state=None):
    """{name: (|w1 - w0| / |w0| or None for a zero w0, |w1 - w0|)}, w1 one step of `opt`."""
    w0 = jax.tree.map(jnp.asarray, w0)
    batch = {k: jnp.asarray(v) for k, v in batch.items()}
    grads = xor_grad(w0, batch)
    updates, _ = opt.update(grads, opt.init(w0) if state is None else state, w0)
    w1 = optax.apply_updates(w0, updates)
    out = {}
    for node, slots in w0.items():
        for slot, before in slots.items():
            moved = float(jnp.linalg.norm(w1[node][slot] - before))
            size = float(jnp.linalg.norm(before))
            out[f"{node}.{slot}"] = (moved / size if size else None, moved)
    return out


def assert_ratios(found, expected, rel):
    weights = {w.name: w for w in found.weights}
    assert set(weights) == set(expected)
    for name, (ratio, moved) in expected.items():
        assert weights[name].update_norm == pytest.approx(moved, rel=rel), name
        if ratio is None:
            assert weights[name].update_ratio is None, name
        else:
            assert weights[name].update_ratio == pytest.approx(ratio, rel=rel), name


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_the_update_ratio_of_a_recipe_is_its_first_real_step(tmp_path, optimizer):
    seen = subject(recipe_file(tmp_path, optimizer))
    found = look(seen)
    expected = ratios_by_hand(seen.model.weights, seen.batch, OPTIMIZERS[optimizer][1]())
    assert_ratios(found, expected, rel=1e-5)
    name = optimizer.split()[0]
    assert found.update == (
        f"|w1 - w| / |w| for one {name} step on this batch, from a fresh optimizer state, as "
        "training's first step"
    )


def replayed_state(recipe_path, steps: int, opt):
    """XOR trained `steps` steps here, with `opt` on all four examples each step (XOR's
    batch is its whole data, so only their order differs from training's): (weights,
    optimizer state)."""
    seen = subject(recipe_path)  # the initial weights and the data
    w = jax.tree.map(jnp.asarray, seen.model.weights)
    batch = {k: jnp.asarray(v) for k, v in seen.batch.items()}
    state = opt.init(w)
    for _ in range(steps):
        updates, state = opt.update(xor_grad(w, batch), state, w)
        w = optax.apply_updates(w, updates)
    return w, state


def test_the_update_ratio_of_a_run_is_its_next_step_from_the_saved_optimizer_state(tmp_path):
    optimizer = "adamw with a schedule"
    path = recipe_file(tmp_path, optimizer, steps=20)
    compose.train(compose.load(path), folder=tmp_path / "run")
    seen = subject(tmp_path / "run")
    found = look(seen)
    opt = OPTIMIZERS[optimizer][1]()
    w20, state20 = replayed_state(path, 20, opt)
    for node, slots in seen.model.weights.items():  # the replay is training's
        for slot, trained in slots.items():
            np.testing.assert_allclose(trained, w20[node][slot], rtol=1e-4, atol=1e-6)
    expected = ratios_by_hand(seen.model.weights, seen.batch, opt, state20)
    assert_ratios(found, expected, rel=1e-3)
    assert found.update == (
        "|w1 - w| / |w| for one adamw step on this batch, from the optimizer state saved at step 20"
    )
    # Without the checkpoint: a fresh state's step, and it says so (Adam's first step is
    # about the learning rate per element, far from the 20th's under the schedule).
    for name in (CHECKPOINT, PREVIOUS_CHECKPOINT):
        (tmp_path / "run" / name).unlink(missing_ok=True)
    fresh = look(subject(tmp_path / "run"))
    assert_ratios(fresh, ratios_by_hand(seen.model.weights, seen.batch, opt), rel=1e-4)
    assert fresh.update.endswith("from a fresh optimizer state (the folder keeps no "
                                 "checkpoint.ckpt)")  # fmt: skip
    ratio = {w.name: w.update_ratio for w in found.weights}["hidden.weight"]
    assert {w.name: w.update_ratio for w in fresh.weights}["hidden.weight"] > 1.5 * ratio


def test_a_run_that_kept_earlier_weights_steps_from_a_fresh_state_and_says_why(tmp_path):
    """Early stopping keeps the best weights in model.eqx; the checkpoint's optimizer state
    goes with the last ones, so it is not theirs to step from."""
    path = recipe_file(tmp_path, "adam", steps=2000)
    stop = ["train.early_stop={metric: loss, patience: 1, min_delta: 0.1}", "train.log_every=10"]
    compose.train(compose.load(path, overrides=stop), folder=tmp_path / "run")
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert (summary["best_step"], summary["steps"]) == (10, 20)
    seen = subject(tmp_path / "run")
    found = look(seen)
    assert found.update == (
        "|w1 - w| / |w| for one adam step on this batch, from a fresh optimizer state (the "
        "state in checkpoint.ckpt goes with the weights of step 20, not those of model.eqx)"
    )
    assert_ratios(found, ratios_by_hand(seen.model.weights, seen.batch, optax.adam(0.05)), 1e-5)


def test_inspect_and_the_norms_log_measure_the_same_step_and_gradient(tmp_path):
    """A run of 19 steps inspected, and the norms log's line at step 20 of a run of 20:
    the same weights before step 20, the same optimizer state, the same four examples."""
    path = recipe_file(tmp_path, "adam", steps=20)
    recipe = compose.load(path, overrides=["train.log_every=4"])  # a norms line every 20
    compose.train(recipe, folder=tmp_path / "twenty")
    (line,) = [json.loads(x) for x in (tmp_path / "twenty" / NORMS).read_text().splitlines()]
    assert line["step"] == 20
    compose.train(compose.load(path, overrides=["train.steps=19"]), folder=tmp_path / "nineteen")
    before = look(subject(tmp_path / "nineteen"))
    for w in before.weights:  # step 20 seen from before it and from after it
        assert w.update_ratio == pytest.approx(line["weights"][w.name]["update"], rel=1e-3)

    # The gradient at the weights after step 20, on the batch: inspect, the log, jax.grad.
    seen = subject(tmp_path / "twenty")
    after = look(seen)
    batch = {k: jnp.asarray(v) for k, v in seen.batch.items()}
    weights = jax.tree.map(jnp.asarray, seen.model.weights)
    taps = {"hidden": jnp.zeros((4, 2)), "bend": jnp.zeros((4, 2)), "logit": jnp.zeros((4, 1))}
    taps["loss"] = jnp.zeros(4)
    by_hand = xor_tap_grad(weights, batch, taps)
    nodes = {n.path: n for n in after.nodes}
    for path, grad in by_hand.items():
        norm = float(jnp.linalg.norm(grad))
        assert nodes[path].grad_norm == pytest.approx(norm, rel=1e-4), path
        if path != "loss":  # 1/sqrt(batch) by construction: the log leaves it out
            assert line["nodes"][path]["grad"] == pytest.approx(norm, rel=1e-4), path
    assert nodes["loss"].grad_norm == pytest.approx(0.5)  # 1/sqrt(4)
    assert "grad" not in line["nodes"]["loss"]
    weight_grads = xor_grad(weights, batch)
    for w in after.weights:
        node, slot = w.name.split(".")
        norm = float(jnp.linalg.norm(weight_grads[node][slot]))
        assert w.grad_norm == pytest.approx(norm, rel=1e-4)
        assert line["weights"][w.name]["grad"] == pytest.approx(norm, rel=1e-4)


# -- the worked example of docs/inspect.md -------------------------------------------------

ROOT = Path(__file__).parents[2]


def block_after(text: str, heading: str) -> str:
    """The first fenced block after the line `heading`, without its fences."""
    rest = text[text.index(heading) + len(heading) :]
    return re.search(r"```\w*\n(.*?)```", rest, re.S).group(1)


def test_the_worked_example_in_the_docs_is_the_command_and_the_hand_computation(
    monkeypatch, capsys
):
    monkeypatch.chdir(ROOT)  # the docs run from the repository's root
    doc = (ROOT / "docs" / "inspect.md").read_text(encoding="utf-8")
    # The report in the docs is what the command prints today.
    assert main(["inspect", "recipes/xor.yaml"]) == 0
    printed = capsys.readouterr().out
    assert printed == block_after(doc, "Untrained (`compose inspect recipes/xor.yaml`):")
    # The hand computation prints what the docs say it prints...
    section = doc[doc.index("## Worked example") :]
    code = block_after(section, "## Worked example")
    scope: dict = {}
    exec(compile(code, "docs/inspect.md", "exec"), scope)
    assert capsys.readouterr().out == block_after(section, "prints the report's numbers:")
    # ... and its values are the report's, to float32 precision, not only to 3 digits.
    found = look(subject("recipes/xor.yaml"))
    nodes, weights = {n.path: n for n in found.nodes}, {w.name: w for w in found.weights}
    norm = lambda a: float(jnp.linalg.norm(a))  # noqa: E731
    assert nodes["bend"].mean == pytest.approx(float(scope["bend"].mean()), rel=1e-6)
    assert nodes["bend"].std == pytest.approx(float(scope["bend"].std()), rel=1e-6)
    assert nodes["bend"].grad_norm == pytest.approx(norm(scope["d_bend"]), rel=1e-5)
    assert nodes["hidden"].grad_norm == pytest.approx(norm(scope["d_hidden"]), rel=1e-5)
    assert nodes["logit"].grad_norm == pytest.approx(norm(scope["d_logit"]), rel=1e-5)
    assert nodes["loss"].grad_norm == pytest.approx(norm(scope["d_loss"]), rel=1e-6)
    assert found.loss == pytest.approx(float(scope["loss"].mean()), rel=1e-6)
    hidden = weights["hidden.weight"]
    assert hidden.grad_norm == pytest.approx(norm(scope["d_weight"]), rel=1e-5)
    assert hidden.update_ratio == pytest.approx(float(scope["ratio"]), rel=1e-5)
    assert f"{hidden.update_ratio:.3g}" in printed.splitlines()[10].split()
