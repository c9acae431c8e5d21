"""The training session: advanced by chunks, driven from another thread, fed arrays from
Python, refusing non-finite steps, stopping early, starting from a trained run."""

import json
import threading
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import compose
from compose.runs.training import train
from compose.trainer.batches import Batches
from compose.trainer.listener import Listener
from compose.trainer.schedule import MAX_CHUNK
from compose.trainer.session import Session, with_span

RECIPES = Path(__file__).parents[2] / "recipes"
XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
XOR_Y = np.array([[0], [1], [1], [0]], np.float32)


def xor(*overrides):
    return compose.load(RECIPES / "xor.yaml", overrides=list(overrides))


class Recorder(Listener):
    def __init__(self):
        self.events = []

    def started(self, session):
        self.events.append(("started", session.step, session.total))

    def logged(self, session, record):
        assert session.record is record and session.step >= record["step"]
        self.events.append(("logged", record["step"]))

    def finished(self, session, result):
        self.events.append(("finished", result.steps, result.stopped))


def test_a_session_gives_a_record_at_every_log_point():
    recorder = Recorder()
    session = Session(xor("train.steps=100"), listeners=[recorder]).prepare()
    assert (session.step, session.total) == (0, 100)
    record = session.advance(steps=1)
    assert record["step"] == 1 == session.step  # 100 steps log every step
    assert set(record) == {"step", "loss", "accuracy", "seconds"}
    record = session.advance(steps=10)  # one compiled call, a record for each log point
    assert record["step"] == 11 == session.step
    assert [r["step"] for r in session.records] == list(range(2, 12))
    rest = list(session)
    assert [r["step"] for r in rest] == list(range(12, 101))
    assert session.done and session.advance() is None
    assert recorder.events[0] == ("started", 0, 100)
    assert recorder.events[-1] == ("finished", 100, "")
    assert [e[1] for e in recorder.events if e[0] == "logged"] == list(range(1, 101))


def test_long_calls_give_the_records_and_weights_of_one_call_per_log_point():
    def trained(span):
        session = with_span(Session(xor("train.steps=300", "train.log_every=10")).prepare(), span)
        records = list(session)
        return records, session.model.weights

    long, long_weights = trained(32)
    short, short_weights = trained(1)
    assert [r["step"] for r in long] == [r["step"] for r in short] == list(range(10, 301, 10))
    for a, b in zip(long, short, strict=True):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-6)
        assert a["accuracy"] == pytest.approx(b["accuracy"])
    long_leaves, short_leaves = (
        jax.tree_util.tree_leaves(w) for w in (long_weights, short_weights)
    )
    for a, b in zip(long_leaves, short_leaves, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_a_listener_hears_once_a_call_after_that_calls_records():
    class Calls(Listener):
        def __init__(self):
            self.events = []

        def logged(self, session, record):
            self.events.append(record["step"])

        def advanced(self, session):
            self.events.append(("call", session.step, [r["step"] for r in session.records]))

    calls = Calls()
    session = Session(xor("train.steps=60", "train.log_every=10"), listeners=[calls]).prepare()
    with_span(session, 4)  # a call spans four log intervals: 40 steps, then the last 20
    session.run()
    assert calls.events == [
        *(10, 20, 30, 40),
        ("call", 40, [10, 20, 30, 40]),
        *(50, 60),
        ("call", 60, [50, 60]),
    ]


def test_chunks_are_bounded_however_long_the_run():
    session = Session(xor("train.steps=2000000000")).prepare()
    assert session.next_stop() == MAX_CHUNK
    record = session.advance()
    assert record["step"] == MAX_CHUNK and not session.done
    assert session.calls.take(0, 3).shape == (3, 4)


def without_seconds(record):
    return {k: v for k, v in record.items() if k != "seconds"}


def test_a_listeners_every_ends_calls_there_but_adds_no_log_points():
    class Every7(Listener):
        every = 7

        def __init__(self):
            self.ends = []

        def advanced(self, session):
            self.ends.append(session.step)

    every7 = Every7()
    session = Session(xor("train.steps=20", "train.log_every=10"), listeners=[every7])
    records = list(session.prepare())
    assert [r["step"] for r in records] == [10, 20]
    assert {7, 14} <= set(every7.ends) and every7.ends[-1] == 20  # the model was there
    plain = list(Session(xor("train.steps=20", "train.log_every=10")).prepare())
    assert [without_seconds(r) for r in records] == [without_seconds(r) for r in plain]
    # Each line's loss is the mean over the steps since the line before, calls or not.
    each_step = list(Session(xor("train.steps=20", "train.log_every=1")).prepare())
    for record in records:
        steps = range(record["step"] - 9, record["step"] + 1)
        window = [r["loss"] for r in each_step if r["step"] in steps]
        assert len(window) == 10 and record["loss"] == pytest.approx(np.mean(window), rel=1e-12)


def test_listeners_norms_every_gets_lines_without_ending_calls():
    class Norms(Listener):
        def __init__(self, every):
            self.norms_every, self.measured = every, {}

        def logged(self, session, record):
            for step in range(self.norms_every, record["step"] + 1, self.norms_every):
                self.measured[step] = session.norms_at(step)

    four, six = Norms(4), Norms(6)
    session = Session(xor("train.steps=24", "train.log_every=10"), listeners=[four, six])
    session.prepare().advance()
    assert session.step == 24 and [r["step"] for r in session.records] == [10, 20, 24]
    assert list(four.measured) == [4, 8, 12, 16, 20, 24]
    assert list(six.measured) == [6, 12, 18, 24]
    for line in [*four.measured.values(), *six.measured.values()]:
        assert sorted(line["weights"]["hidden.weight"]) == ["grad", "norm", "update"]
    assert four.measured[12] == six.measured[12]
    assert session.norms_at(2) is not None and session.norms_at(3) is None  # every gcd: 2


def test_pause_step_unpause_and_stop_from_another_thread():
    session = Session(xor("train.steps=100000", "train.log_every=50")).prepare()
    seen = threading.Event()

    class Signal(Listener):
        def advanced(self, s):  # a single step between log points ends a call, logs none
            seen.set()

    session.listeners.append(Signal())
    session.pause()
    runner = threading.Thread(target=session.run)
    runner.start()
    assert not seen.wait(0.3) and session.step == 0  # paused before the first chunk
    session.step_once()
    assert seen.wait(30)
    assert session.step == 1
    seen.clear()
    session.unpause()
    assert seen.wait(30)
    session.stop("stopped from the editor")
    runner.join(30)
    assert not runner.is_alive()
    result = session.result
    assert result.stopped == "stopped from the editor"
    assert 1 < result.steps < 100000 and result.steps == session.step


def test_training_on_arrays_from_python(tmp_path):
    data = {"x": jnp.asarray(np.tile(XOR_X, (4, 1))), "y": np.tile(XOR_Y, (4, 1))}
    val = {"x": XOR_X, "y": XOR_Y}
    result = compose.train(xor("train.steps=600"), data=data, val=val, test=val)
    assert result.metrics["val_accuracy"] == 1.0 and result.metrics["test_accuracy"] == 1.0
    # The final loss is measured on the given arrays, independently of the session.
    probs = jax.vmap(lambda x: result.model({"x": x})["prob"])(XOR_X)
    bce = -np.mean(XOR_Y * np.log(probs) + (1 - XOR_Y) * np.log(1 - probs))
    assert result.metrics["val_loss"] == pytest.approx(bce, rel=1e-4)


def test_arrays_that_do_not_fit_the_inputs_are_located_problems():
    with pytest.raises(compose.RecipeError) as err:
        compose.train(xor(), data={"x": np.zeros((8, 3)), "y": np.zeros((8, 1))})
    assert "input 'x'" in str(err.value) and "(3,)" in str(err.value)


LOG_OF_ZERO = """
inputs: {x: [2], y: [1]}
nodes:
  hidden: {block: linear, in: x, out: 2, weight: {init: zeros}, bias: {init: zeros}}
  act: {block: relu, in: hidden}
  logged: {block: log, in: act}
  logit: {block: linear, in: logged, out: 1}
  loss: {block: mse, in: {pred: logit, target: y}}
outputs: [logit]
loss: loss
train: {data: {dataset: xor}, batch: 4, steps: 10, optimizer: {adam: {learning_rate: 0.1}}}
"""
LOGGED_SAYS = (
    "node 'logged' (log) gave -inf at step 1: its input reached 0, and the log of 0 is -inf"
)


def test_a_non_finite_step_is_refused_named_and_the_last_good_weights_kept():
    recipe = compose.loads(LOG_OF_ZERO)
    result = train(recipe)
    assert result.stopped == LOGGED_SAYS
    assert result.failure.node == "logged" and result.steps == 0
    start = compose.build(recipe, jax.random.fold_in(jax.random.key(0), 0))
    for node, slots in start.weights.items():
        for slot, array in slots.items():
            assert jnp.array_equal(result.model.weights[node][slot], array)


def test_a_node_the_loss_does_not_need_is_not_blamed_for_its_failure():
    """`stray` feeds nothing (the log of XOR's zeros, -inf on every step) and comes first in
    graph order; the loss stopped being finite because of `logged`."""
    recipe = compose.loads(
        LOG_OF_ZERO.replace("nodes:\n", "nodes:\n  stray: {block: log, in: x}\n")
    )
    assert [s.name for s in compose.check(recipe).plan.steps][0] == "stray"
    assert train(recipe).stopped == LOGGED_SAYS


DIVERGES = ("train.optimizer.adam.learning_rate=1.0e+19", "nodes.prob={block: log, in: logit}")


@pytest.fixture(scope="module")
def diverging():
    """(a recipe whose loss stops being finite, its run trained to where it ends), one for
    the module: the tests that pause where it ended read it, none changes it."""
    recipe = xor(*DIVERGES)
    return recipe, train(recipe)


def test_a_diverging_run_stops_at_the_step_and_never_keeps_non_finite_weights(tmp_path):
    recipe = xor(*DIVERGES)
    result = train(recipe, folder=tmp_path / "run")
    assert result.failure is not None and result.steps < 2000
    assert result.stopped.startswith(f"node '{result.failure.node}' (")
    assert f"at step {result.steps + 1}" in result.stopped
    leaves = jax.tree_util.tree_leaves(result.model.weights)
    assert all(bool(jnp.all(jnp.isfinite(w))) for w in leaves)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["steps"] == result.steps
    for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines():
        json.loads(line, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))


def test_a_session_can_pause_on_a_non_finite_step_instead_of_ending(diverging):
    recipe, ended = diverging  # where an ending run stops, the pausing one must pause
    session = Session(recipe, on_failure="pause").prepare()
    driver = threading.Thread(target=session.run)
    driver.start()
    for _ in range(600):  # run() waits, paused, for whoever drives it
        if session.paused:
            break
        driver.join(0.05)
    assert session.paused and not session.done and session.result is None
    assert session.step == ended.steps and session.failure.node == ended.failure.node
    held = [np.asarray(w) for w in jax.tree_util.tree_leaves(session.model.weights)]
    assert all(np.isfinite(w).all() for w in held)
    session.stop()
    driver.join(60)
    assert session.result.failure.node == ended.failure.node
    assert session.result.steps == ended.steps
    for mine, theirs in zip(
        jax.tree_util.tree_leaves(session.result.model.weights),
        jax.tree_util.tree_leaves(ended.model.weights),
        strict=True,
    ):
        assert np.array_equal(np.asarray(mine), np.asarray(theirs))


def test_train_pauses_on_a_non_finite_step_for_whoever_steers_it(tmp_path, diverging):
    recipe, ended = diverging
    paused_at = []

    class Steer(Listener):  # what the editor does: it takes the session and ends it
        def started(self, session):
            def end_when_paused():
                while not session.paused:
                    time.sleep(0.01)
                paused_at.append((session.step, session.done))
                session.stop()

            threading.Thread(target=end_when_paused, daemon=True).start()

    result = train(recipe, folder=tmp_path / "run", listeners=[Steer()], on_failure="pause")
    assert paused_at == [(ended.steps, False)]
    assert result.failure.node == ended.failure.node and result.steps == ended.steps
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["steps"] == ended.steps


def test_listeners_are_told_when_run_holds_and_goes_on_without_polling(diverging):
    recipe, ended = diverging
    events = []

    class Steer(Listener):  # steers from inside the events, on the training thread
        def paused(self, session):
            events.append(("paused", session.step, session.failure is not None))
            if len(events) == 1:
                session.step_once()  # try the refused step again: it fails again
            elif len(events) == 2:
                session.unpause()  # go on: it fails again, and holds again
            else:
                session.stop("seen enough")

        def unpaused(self, session):
            events.append(("unpaused", session.step, session.failure is not None))

    result = Session(recipe, listeners=[Steer()], on_failure="pause").run()
    at = ended.steps
    assert events == [
        ("paused", at, True),
        ("paused", at, True),  # said again after the single step
        ("unpaused", at, True),
        ("paused", at, True),
    ]
    assert result.stopped == "seen enough" and result.failure.node == ended.failure.node


def test_a_pause_asked_before_run_is_said_once_and_unpause_goes_on():
    session = Session(xor("train.steps=40", "train.log_every=10")).prepare()
    events = []

    class Steer(Listener):
        def paused(self, session):
            events.append(("paused", session.step))
            session.unpause()

        def unpaused(self, session):
            events.append(("unpaused", session.step))

        def finished(self, session, result):
            events.append(("finished", result.steps))

    session.listeners.append(Steer())
    session.pause()
    session.run()
    assert events == [("paused", 0), ("unpaused", 0), ("finished", 40)]


def test_a_recipe_init_from_needs_the_trained_model_given_to_a_plain_session(tmp_path):
    train(xor("train.steps=10"), folder=tmp_path / "first")
    recipe = xor("train.steps=1", f"train.init_from={tmp_path / 'first'}")
    with pytest.raises(compose.RecipeError) as err:
        Session(recipe).prepare()
    assert f"init_from: expected the trained model of {tmp_path / 'first'} given to the " in str(
        err.value
    )
    assert compose.train(recipe).steps == 1  # compose.train reads it from the folder


def test_on_failure_takes_end_or_pause():
    with pytest.raises(ValueError, match="expected on_failure to be one of"):
        Session(xor(), on_failure="ignore")


def test_early_stopping_keeps_the_best_weights(tmp_path):
    recipe = compose.load(
        RECIPES / "spirals.yaml",
        overrides=[
            "train.steps=3000",
            "train.log_every=50",
            "train.early_stop={metric: val_loss, patience: 3}",
            "train.optimizer.adam.learning_rate=0.3",  # too high: validation loss wanders
        ],
    )
    lines = []
    result = train(recipe, folder=tmp_path / "run", on_log=lines.append)
    best = min((r for r in lines if "val_loss" in r), key=lambda r: r["val_loss"])
    assert result.best_step == best["step"]
    if result.stopped:
        assert result.stopped.startswith("early stop: val_loss did not improve for 3")
        assert lines[-1]["step"] == best["step"] + 3 * 50
    assert result.metrics["val_loss"] == pytest.approx(best["val_loss"], rel=1e-5)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["best_step"] == best["step"]
    saved = compose.load_run(tmp_path / "run").model
    assert jnp.array_equal(saved.weights["h1"]["weight"], result.model.weights["h1"]["weight"])


def test_early_stopping_on_a_metric_that_is_never_logged_is_a_problem():
    with pytest.raises(compose.RecipeError) as err:
        train(xor("train.early_stop={metric: val_loss}"))
    assert "early_stop: expected a logged metric (accuracy, loss), got 'val_loss'" in str(err.value)
    assert "add val: 0.2 to train.data" in str(err.value)


def test_init_from_takes_the_weights_that_fit(tmp_path):
    first = train(xor(), folder=tmp_path / "first")
    wider = xor("nodes.hidden.out=3", "train.steps=1")
    session = Session(wider, init_from=compose.load_run(tmp_path / "first").model).prepare()
    _, taken, kept = session.taken_from
    assert taken == ["logit.bias"]  # spelt as compose inspect spells weights
    assert sorted(kept) == ["hidden.bias", "hidden.weight", "logit.weight"]
    assert jnp.array_equal(
        session.model.weights["logit"]["bias"], first.model.weights["logit"]["bias"]
    )
    same = Session(xor("train.steps=1"), init_from=compose.load_run(tmp_path / "first").model)
    same.prepare()
    assert same.evaluate(same.model)["accuracy"] == 1.0  # the trained XOR solution


def test_batches_depend_on_seed_and_step_only():
    whole = Batches(10, 4, seed=3).take(0, 7)
    pieces = np.concatenate(
        [Batches(10, 4, seed=3).take(s, n) for s, n in ((0, 3), (3, 1), (4, 3))]
    )
    assert np.array_equal(whole, pieces)
    for epoch in (whole[0:2], whole[2:4], whole[4:6]):
        assert len(set(epoch.ravel().tolist())) == 8  # two full batches, no repeats
    assert not np.array_equal(whole, Batches(10, 4, seed=4).take(0, 7))


def test_a_recipe_without_a_train_section_cannot_run():
    recipe = compose.loads("inputs: {x: [2]}\nnodes:\n  h: {block: relu, in: x}\noutputs: [h]\n")
    with pytest.raises(compose.RecipeError) as err:
        Session(recipe)
    assert str(err.value) == "<recipe>:1:1: expected a train section to run, got none"


def test_arrays_fewer_than_a_batch_are_a_located_problem():
    with pytest.raises(compose.RecipeError) as err:
        compose.train(xor(), data={"x": XOR_X[:2], "y": XOR_Y[:2]})
    assert str(err.value) == (
        f"{RECIPES / 'xor.yaml'}:20:10: train.batch: expected a batch of at most the 2 "
        "examples of data=, got 4"
    )


def test_resume_takes_a_checkpoint_reader_and_says_so_when_given_a_folder(tmp_path):
    session = Session(xor("train.steps=10"))
    with pytest.raises(TypeError) as err:
        session.prepare(resume=tmp_path)
    assert str(err.value) == (
        "expected resume to be a checkpoint reader "
        f"(compose.runs.checkpoint.resume_from(folder)), got {tmp_path!r}"
    )


def test_init_from_a_folder_without_a_trained_model_is_a_located_problem(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(compose.RecipeError) as err:
        train(xor("train.steps=1"), init_from=tmp_path / "empty")
    assert f"init_from: expected a run folder with model.eqx, got {tmp_path / 'empty'}" in str(
        err.value
    )
