"""The per-node norms log: one line every few log points, measured inside the training
calls, numbers as compose.inspect and numpy give them for the model after each step."""

import json
from pathlib import Path

import numpy as np
import pytest

import compose
from compose.model.inspection import flat_weights
from compose.runs.norms_log import FILE, LineFormat, NormLog
from compose.trainer.listener import Listener

RECIPES = Path(__file__).parents[2] / "recipes"


def test_norms_are_logged_beside_the_metrics(tmp_path):
    result = compose.train(compose.load(RECIPES / "xor.yaml"), folder=tmp_path / "run")
    lines = [json.loads(x) for x in (tmp_path / "run" / FILE).read_text().splitlines()]
    assert [r["step"] for r in lines] == list(range(100, 2001, 100))  # five log intervals
    last = lines[-1]
    assert list(last["nodes"]) == ["hidden", "bend", "logit", "prob", "loss"]
    assert set(last["weights"]) == {"hidden.weight", "hidden.bias", "logit.weight", "logit.bias"}
    weight = np.asarray(result.model.weights["hidden"]["weight"])
    assert last["weights"]["hidden.weight"]["norm"] == pytest.approx(np.linalg.norm(weight))
    # d(mean of 4 losses)/d(each) = 1/4: the loss node's gradient has norm 1/2 by
    # construction, at every line, and is left out.
    assert all(
        r["nodes"]["loss"] == {"act": pytest.approx(r["nodes"]["loss"]["act"])} for r in lines
    )
    # prob is fused into the loss (sigmoid_cross_entropy): no gradient reaches it, as inspect
    # says, so the log has none for it (not a gradient of 0)
    assert all(set(r["nodes"]["prob"]) == {"act"} for r in lines)
    assert all("grad" in r["nodes"][n] for r in lines for n in ("hidden", "bend", "logit"))


# A network whose evaluation differs from its training: batch norm (running statistics read,
# not the batch's) and dropout (off), so a line must be measured as compose.inspect sees it.
NOISY = """
inputs: {x: [2], y: [1]}
nodes:
  hidden: {block: linear, in: x, out: 8}
  norm: {block: batch_norm, in: hidden}
  bend: {block: tanh, in: norm}
  drop: {block: dropout, in: bend, rate: 0.3}
  logit: {block: linear, in: drop, out: 1}
  prob: {block: sigmoid, in: logit}
  loss: {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob]
loss: loss
train:
  data: {dataset: xor}
  batch: 4
  steps: 60
  log_every: 10
  optimizer: {adam: {learning_rate: 0.05}}
"""


def xor_60():
    return compose.load(RECIPES / "xor.yaml", overrides=["train.steps=60", "train.log_every=10"])


def read_lines(folder: Path) -> list[dict]:
    return [json.loads(x) for x in (folder / FILE).read_text().splitlines()]


def weights_of(model) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in flat_weights(model.weights).items()}


def around(recipe, steps: list[int]) -> dict[int, tuple]:
    """For each step s (ascending, at least 2 apart): (weights before it, model after it,
    its batch), from a session without the log, advanced to s - 1 and then one step (in
    calls of one step each: the one call length it compiles)."""

    class EveryStep(Listener):  # wants the model at every step: every call is one step
        every = 1

    session = compose.Session(recipe, listeners=[EveryStep()]).prepare()
    out = {}
    for step in steps:
        while session.step < step - 1:
            session.advance(1)
        before = weights_of(session.model)
        session.advance(1)
        assert session.step == step
        out[step] = (before, session.model, session.batch(step - 1))
    return out


@pytest.mark.parametrize("recipe", [xor_60, lambda: compose.loads(NOISY)], ids=["xor", "noisy"])
def test_a_line_is_what_inspect_sees_after_its_step(tmp_path, recipe):
    session = compose.Session(recipe(), listeners=[NormLog(tmp_path, every=20)]).prepare()
    session.run()
    lines = read_lines(tmp_path)
    assert [r["step"] for r in lines] == [20, 40, 60]
    reference = around(recipe(), [20, 40, 60])
    close = {"rel": 1e-5, "abs": 1e-9}
    for line in lines:
        before, model, batch = reference[line["step"]]
        seen = compose.inspect(model, batch)
        found = {n.path: n for n in compose.health(model, batch).nodes}
        assert list(line["nodes"]) == list(seen.activations)  # execution order
        for path, entry in line["nodes"].items():
            act = np.asarray(seen.activations[path], np.float64)
            assert entry["act"] == pytest.approx(np.sqrt(np.mean(act**2)), **close)
            if path == "loss" or found[path].grad_norm is None:
                assert "grad" not in entry  # 1/sqrt(batch) by construction, or none reaches it
                continue
            assert entry["grad"] == pytest.approx(np.linalg.norm(seen.gradients[path]), **close)
            assert entry["grad"] == pytest.approx(found[path].grad_norm, **close)  # inspect's
        after = weights_of(model)
        assert set(line["weights"]) == set(after)
        for name, weight in after.items():
            entry, norm = line["weights"][name], np.linalg.norm(weight)
            assert entry["norm"] == pytest.approx(norm, **close)
            grad = np.linalg.norm(seen.weight_gradients[name])
            assert entry["grad"] == pytest.approx(grad, **close)
            # The per-step ratio: this one step's change of the weight over its norm before
            # the step. The reference trains in calls of other lengths, which may round
            # differently: an ulp in a weight is 1e-4 of a change 1e-3 of its size (seen
            # here: 1e-7).
            update = np.linalg.norm(weight - before[name]) / np.linalg.norm(before[name])
            assert entry["update"] == pytest.approx(update, rel=1e-4)


def test_the_log_ends_no_call_and_changes_no_weight(tmp_path):
    logged = compose.Session(xor_60(), listeners=[NormLog(tmp_path, every=20)]).prepare()
    logged.advance()
    assert logged.step == 60  # one call, past the lines at 20 and 40
    assert [r["step"] for r in logged.records] == [10, 20, 30, 40, 50, 60]
    assert [r["step"] for r in read_lines(tmp_path)] == [20, 40, 60]
    plain = compose.Session(xor_60()).prepare()
    plain.advance()
    assert plain.step == 60
    # Bit for bit: the same steps compiled in the same call length; the measuring branch
    # only reads the weights.
    mine, theirs = weights_of(logged.model), weights_of(plain.model)
    assert all(np.array_equal(mine[k], theirs[k]) for k in theirs)


def test_a_failed_run_keeps_the_lines_of_the_steps_it_took(tmp_path):
    diverging = compose.loads(
        """
inputs: {x: [2], y: [1]}
nodes:
  line: {block: linear, in: x, out: 1}
  loss: {block: mse, in: {pred: line, target: y}}
outputs: [line]
loss: loss
train: {data: {dataset: xor}, batch: 4, steps: 200, optimizer: {sgd: {learning_rate: 2}}}
"""
    )  # plain gradient descent with too large a step: the loss overflows at step 29
    session = compose.Session(diverging, listeners=[NormLog(tmp_path, every=4)]).prepare()
    result = session.run()
    assert result.failure is not None and result.steps == 28
    lines = read_lines(tmp_path)
    assert [r["step"] for r in lines] == [4, 8, 12, 16, 20, 24, 28]  # not 32: never taken
    reference = compose.Session(diverging).prepare()
    reference.advance(4)
    weight = np.asarray(reference.model.weights["line"]["weight"])
    assert lines[0]["weights"]["line.weight"]["norm"] == pytest.approx(np.linalg.norm(weight))


def test_an_interrupted_call_still_writes_the_lines_it_measured(tmp_path):
    def stop(record):
        if record["step"] == 40:  # before the call's last record, where lines are written
            raise KeyboardInterrupt

    result = compose.train(compose.load(RECIPES / "xor.yaml"), folder=tmp_path, on_log=stop)
    assert result.stopped == "interrupted by Ctrl-C" and result.steps > 100
    assert [r["step"] for r in read_lines(tmp_path)] == list(range(100, result.steps + 1, 100))


@pytest.mark.parametrize("reverse", [False, True], ids=["in order", "columns reversed"])
def test_a_line_holds_each_float32_exactly_and_what_is_not_finite_as_null(reverse):
    names = [("nodes", "hid%den", "grad"), ("nodes", "hid%den", "act"), ("nodes", "out", "grad")]
    names += [("weights", "out.weight", field) for field in ("norm", "grad", "update")]
    names = names[::-1] if reverse else names
    row = np.float32([0.1, 3.4028235e38, 1.1754944e-38, 0.0, 7, 2.5e-7]).tolist()  # norms: >= 0
    write = LineFormat(names)
    read = json.loads(write(12, row))
    assert read["step"] == 12
    found = np.float32([read[part][name][field] for part, name, field in names])
    assert found.tobytes() == np.float32(row).tobytes()  # read back as float32: bit for bit
    assert write(12, row).endswith("}\n")
    row[1], row[4] = float("nan"), float("inf")
    read = json.loads(write(12, row))
    found = [read[part][name][field] for part, name, field in names]
    assert found == [row[0], None, row[2], row[3], None, row[5]]
