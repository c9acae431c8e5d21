"""A training session: prepared once, then advanced chunk by chunk by whoever drives it.

The command line, the editor and Python all drive training the same way: make a Session,
`prepare()` it (check, data, build, compile), then `advance()` it one log point at a time
(many steps per compiled call), or `run()` it to the end while other threads `pause()`,
`step_once()`, `unpause()` or `stop()` it. After every advance the session's model,
optimizer state, step and record agree with each other, so stopping at any moment loses
nothing.

Everything else is a Listener (compose.trainer.listener): the run folder, checkpoints, the
progress bar, the editor's live view, each told every event. The pieces: the data
(training_data), where calls end (schedule), the compiled calls and the one made ahead
(calls), the records (records), pause and stop (control), and the trainee, which knows
how many models it trains (one_model; a population's variants, population).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import equinox as eqx
import jax

from compose.checker.checked import Checked
from compose.checker.graph import check
from compose.model.composed import Composed
from compose.model.failure import Failure
from compose.model.norms import columns, line
from compose.recipe.problems import Problem, RecipeError
from compose.recipe.records import Recipe
from compose.trainer import state
from compose.trainer.calls import Calls
from compose.trainer.control import Control
from compose.trainer.early_stop import watched_problem
from compose.trainer.listener import Listener
from compose.trainer.one_model import OneModel, Outcome, Trainee
from compose.trainer.records import Tally
from compose.trainer.result import Result
from compose.trainer.schedule import MAX_CHUNK, Schedule, log_interval, wanted_every
from compose.trainer.training_data import training_data

ON_FAILURE = ("end", "pause")


class Session:
    """One recipe's training, driven from outside. Raises RecipeError for a bad recipe.

    data: arrays by input name to train on instead of the recipe's data source (numpy
    or jax, leading axis = examples); val and test likewise. init_from: a trained model whose
    weights start this run where they fit (compose.train and `compose run` read it from
    the run folder given or named by `train.init_from`). overfit: train on the first N
    training examples only (the debugging checklist's first test: can it fit a few?).
    on_failure: what a step whose loss or weights are not finite does: "end" the run
    (the command line), or "pause" it at the last good weights with `failure` set, for
    whoever drives it to look inside and then stop (the editor); unpausing or stepping
    tries the refused step again. trainee: what it trains (default: one model; a
    population gives its variants).
    """

    def __init__(
        self,
        recipe: Recipe | Checked,
        *,
        data: Mapping[str, Any] | None = None,
        val: Mapping[str, Any] | None = None,
        test: Mapping[str, Any] | None = None,
        listeners: Sequence[Listener] = (),
        init_from: Composed | None = None,
        overfit: int | None = None,
        on_failure: str = "end",
        trainee: Trainee | None = None,
    ):
        if on_failure not in ON_FAILURE:
            raise ValueError(f"expected on_failure to be one of {ON_FAILURE}, got {on_failure!r}")
        checked = recipe if isinstance(recipe, Checked) else check(recipe)
        if checked.problems:
            raise RecipeError(checked.problems)
        if checked.recipe.train is None:
            raise RecipeError(
                [Problem(checked.recipe.where, "expected a train section to run, got none")]
            )
        self.checked, self.spec = checked, checked.recipe.train
        self.listeners = list(listeners)
        self.trainee = trainee if trainee is not None else OneModel(init_from)
        self._given = {"train": data, "val": val, "test": test}
        self.overfit = overfit
        self.on_failure = on_failure
        self.control = Control()
        self.first_loss: Any = None  # the loss before training, for the verdicts
        self.step = 0  # steps taken
        self.total = 0  # steps the run will take, known once the data is
        self.record: dict[str, Any] = {}
        self.records: list[dict[str, Any]] = []  # the last advance()'s, one per log point
        self.tally = Tally()  # the per-step values since the last log point
        self.seconds = 0.0  # spent training, over every session of a resumed run
        self.failure: Failure | None = None
        self.stopped = ""
        self.result: Result | None = None
        self.warnings: list[str] = []
        self.norms_every: int | None = None  # steps between norms lines, when asked
        self._norm_columns: list[tuple[str, str, str]] | None = None  # see norm_columns
        self._norm_rows: dict[int, list[float]] = {}  # the last advance()'s, by step
        self._params_of = self._split = None  # a model, and its arrays (see params)
        self.prepared = False

    # -- preparing -------------------------------------------------------------------------

    def prepare(self, *, resume: Callable[[dict], tuple] | None = None) -> Session:
        """Load the data, build the model and optimizer; with `resume`, continue from the
        checkpoint it reads: given what makes the skeleton of a checkpoint's arrays from
        its header (`state_skeleton`) it returns (tree, header, warnings)
        (compose.runs.checkpoint.resume_from reads a run folder's newest whole one). Then
        tell the listeners that training can start, and trace and compile the first call.
        Overfitting turns early stopping off, and says so in `warnings`."""
        if resume is not None and not callable(resume):
            reader = "a checkpoint reader (compose.runs.checkpoint.resume_from(folder))"
            raise TypeError(f"expected resume to be {reader}, got {resume!r}")
        self.data = training_data(self.checked, self._given, self.overfit, self.warnings)
        self.spec, self.total = self.data.spec, self.data.total
        start = self.trainee.start(self)
        self.model, self.opt_state, self.optimizer = start.model, start.opt_state, start.optimizer
        self.static, self.evaluator = start.static, start.evaluate
        self.calls = Calls(
            start.runners, self.data.placement, self.data.arrays, start.take, start.settings
        )
        self.early = _early_stopping(self)
        self.schedule = _schedule(self, log_interval(self.spec.log_every, self.total))
        self.prepared = True
        if resume is not None:
            tree, header, found = resume(self.state_skeleton)
            self.warnings.extend([*found, *self.restore(tree, header)])
        else:  # where the loss starts, for the verdicts at the end
            self.first_loss = self.evaluate(self.model)["loss"]
        self._tell("started")
        self._measure_norms(start.probed)
        if self.step < self.total:  # once listeners have said when they want the model
            _compile_first_call(self)
        if self.step >= self.total:
            self.finish("")
        return self

    def _measure_norms(self, probed) -> None:
        """When listeners ask for norms, train with runners that measure them inside each
        call at multiples of the gcd of what they ask (`probed` None: this trainee cannot)."""
        asked = [listener.norms_every for listener in self.listeners if listener.norms_every]
        if asked and probed is not None:
            self.norms_every = math.gcd(*asked)
            self.calls.runners = probed(self.norms_every, len(self.norm_columns))

    # -- advancing -------------------------------------------------------------------------

    @property
    def log_interval(self) -> int:
        """Steps between the session's own log points."""
        return self.schedule.every

    @property
    def done(self) -> bool:
        """Whether training has ended: all steps taken, stopped, or failed."""
        return self.result is not None or (self.prepared and self.step >= self.total)

    def next_stop(self, step: int | None = None) -> int:
        """Where the next compiled call (from `step`, default the session's) ends."""
        return self.schedule.next_stop(self.step if step is None else step)

    def advance(self, steps: int | None = None) -> dict[str, Any] | None:
        """Train to the next stop (or `steps` steps, at most to it) in one compiled call;
        return the record of the last log point reached. Every log point's record on the
        way goes to the listeners, in order, and to `records`. Log points fall on the log
        grid only (`schedule.log_steps`): the next one's means cover the steps of a call
        that passed none (then it returns None, as when there is nothing left to do). A step
        whose loss or weights are not finite is refused: the session keeps the last good
        weights, records the failure and ends (or pauses, with on_failure="pause").
        """
        if not self.prepared:
            self.prepare()
        if self.done:
            return None
        start = self.step
        stop = self.next_stop() if steps is None else min(start + steps, self.next_stop())
        began = time.perf_counter()
        running = self._call(start, stop, ahead=steps is None)
        outcome = self.trainee.outcome(self, start, stop, running, began)
        self._take(outcome)
        logging = [x for x in self.listeners if type(x).logged is not Listener.logged]
        for record in outcome.records:
            self.record = record
            self.trainee.noted(self, record, outcome.model)
            for listener in logging:
                listener.logged(self, record)
        self._tell("advanced")
        if outcome.failure and self.on_failure == "pause":
            self.pause()
        elif outcome.failure:
            self.finish(outcome.failure.message)
        elif (reason := self.trainee.stop_reason(self)) is not None:
            self.finish(reason)
        elif self.step >= self.total:
            self.finish("")
        return outcome.records[-1] if outcome.records else None

    def _take(self, outcome: Outcome) -> None:
        """Everything moves at once, so the session always agrees with itself."""
        self.model, self.opt_state = outcome.model, outcome.opt_state
        self._params_of, self._split = outcome.model, outcome.params
        self.step, self.seconds = outcome.step, self.seconds + outcome.spent
        self.records, self._norm_rows = outcome.records, outcome.norm_rows
        self.tally = outcome.tally if outcome.tally is not None else self.tally
        self.failure = outcome.failure  # paused on one, it lasts until a step goes through

    def _call(self, start: int, stop: int, *, ahead: bool = False):
        """The call of steps start .. stop - 1, started; with `ahead` the one after it too
        (unless a pause or stop is asked)."""
        ahead = ahead and not (self.control.paused or self.control.stop_asked)
        after = self.next_stop(stop) if ahead else None
        return self.calls.next(start, stop, self.params(), self.opt_state, after)

    def params(self):
        """The model's arrays, what a compiled call takes: split from the model once per
        model (advance keeps a call's results as they came)."""
        if self._params_of is not self.model:
            self._params_of, self._split = self.model, eqx.partition(self.model, eqx.is_array)[0]
        return self._split

    def batch(self, step: int | None = None) -> dict[str, jax.Array]:
        """The training batch of `step` (0-based; default: the next step to take), arrays
        with a leading batch axis: what looking inside at a log point should look at."""
        row = self.calls.take(self.step if step is None else step, 1)[0]
        return _rows(self.data.arrays, row)  # an argument, not a constant compiled each time

    def evaluate(self, model: Composed, part: str = "") -> dict[str, Any]:
        """Loss and metrics of `model` on the training ("") , "val_" or "test_" set."""
        return self.trainee.evaluate(self, model, self.data.eval_sets[part])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Each log point's record, until training ends."""
        while not self.done:
            self.advance()
            yield from self.records

    # -- norms -----------------------------------------------------------------------------

    def norms_at(self, step: int) -> dict[str, Any] | None:
        """The norms line measured after `step` in the last advance(), as `norms.jsonl` holds
        it (see Listener's `norms_every`); None when that step was not measured then."""
        row = self._norm_rows.get(step)
        return None if row is None else line(step, row, self.norm_columns)

    def norms_row(self, step: int) -> list[float] | None:
        """The numbers of `norms_at(step)` only, in the order of `norm_columns`."""
        return self._norm_rows.get(step)

    @property
    def norm_columns(self) -> list[tuple[str, str, str]]:
        """What each number of a norms row is, in order (compose.model.norms.columns)."""
        self._norm_columns = self._norm_columns or columns(self.model)
        return self._norm_columns

    # -- driving from another thread -------------------------------------------------------

    def run(self) -> Result:
        """Advance until training ends or `stop()` is asked; honour pause, step and unpause,
        telling the listeners when it holds (`paused`) and goes on (`unpaused`)."""
        if not self.prepared:
            self.prepare()
        while not self.done:
            turn = self.control.next_turn(
                lambda: self._tell("paused"), lambda: self._tell("unpaused")
            )
            if turn is None:
                break
            self.advance(1 if turn == "once" else None)
        return self.finish(self.control.stop_asked)

    def pause(self) -> None:
        """Hold `run()` after the current call until `unpause()`, `step_once()` or `stop()`."""
        self.control.pause()

    def unpause(self) -> None:
        self.control.unpause()

    def step_once(self) -> None:
        """While paused, let `run()` take one training step."""
        self.control.step_once()

    def stop(self, reason: str = "stopped") -> None:
        """Ask `run()` to end after the current call (safe from a signal handler)."""
        self.control.stop(reason)

    @property
    def paused(self) -> bool:
        return self.control.paused

    @property
    def taken_from(self) -> tuple:
        """(None, weights taken, weights left as initialised) from `init_from`."""
        return self.trainee.taken_from

    def _tell(self, event: str) -> None:
        for listener in self.listeners:
            getattr(listener, event)(self)

    # -- ending ----------------------------------------------------------------------------

    def finish(self, stopped: str = "") -> Result:
        """End training now: measure the final model, tell the listeners, return the result.

        With early stopping the final model is the best one seen. Calling it again returns
        the same result."""
        if self.result is not None:
            return self.result
        if self.prepared:
            self.calls.close()
        self.stopped = stopped or self.stopped
        self.result = self.trainee.result(self)
        for listener in self.listeners:
            listener.finished(self, self.result)
        return self.result

    # -- checkpoints -----------------------------------------------------------------------

    def state_tree(self) -> dict[str, Any]:
        """The arrays a checkpoint holds (compose.trainer.state)."""
        return state.tree(self)

    def state_header(self) -> dict[str, Any]:
        """The plain values a checkpoint holds (compose.trainer.state)."""
        return state.header(self)

    def state_skeleton(self, header: dict[str, Any]) -> dict[str, Any]:
        """The structure of the arrays a checkpoint with `header` holds (compose.trainer.state)."""
        return state.skeleton(self, header)

    def restore(self, tree: dict[str, Any], header: dict[str, Any]) -> list[str]:
        """Continue from a checkpoint's tree and header; return what to warn of."""
        return state.restore(self, tree, header)


@jax.jit
def _rows(arrays: dict[str, jax.Array], row) -> dict[str, jax.Array]:
    """The examples `row` (indices) of each array, in one compiled call (indexing op by op
    compiled a program for each of its steps and each array's shape)."""
    return {k: a[row] for k, a in arrays.items()}


def _early_stopping(session: Session) -> Any:
    """The trainee's early stopping by the train section (None: none, or overfitting,
    which says that it turns it off)."""
    rule = session.spec.early_stop
    if rule and session.overfit:
        session.warnings.append(overfit_note(rule.metric, session.overfit))
    elif rule:
        watched_problem(session.spec, session.data.eval_sets)
        return session.trainee.early_stopping(rule)
    return None


def _schedule(session: Session, every: int) -> Schedule:
    """Where the session's calls end and its log points fall (compose.trainer.schedule);
    calls are not yet shortened for their cost (span: see _compile_first_call)."""
    spec, eval_sets = session.spec, session.data.eval_sets
    span = MAX_CHUNK  # with every >= 1, never nearer than MAX_CHUNK steps
    wanted = wanted_every(spec, eval_sets, bool(session.early), every)
    validate = spec.validate_every if "val_" in eval_sets else None
    return Schedule(every, span, session.total, wanted, session.listeners, validate)


def _compile_first_call(session: Session) -> None:
    """Trace the first call's program once, for the longest call that nothing but its cost
    would end sooner: its estimated cost per step sets how many log intervals a call may
    span, and it is compiled as traced when the first call is still that long (small
    models), else compiled for the shorter call."""
    calls, step = session.calls, session.step
    longest = session.next_stop() - step
    lowered = calls.lowered(longest, session.params(), session.opt_state)
    span = session.trainee.intervals_per_call(lowered, session.schedule.every)
    session.schedule = replace(session.schedule, span=span)
    first = session.next_stop() - step
    if first == longest:
        calls.compile(first, lowered)
    calls.compiled_for(first, session.params(), session.opt_state)
    calls.order_first(step, step + first)


def overfit_note(metric: str, overfit: int) -> str:
    """What overfitting says of the early stopping it turns off."""
    return (
        f"overfit: early stopping on {metric} is off: the run trains all its steps on the "
        f"first {overfit} examples, with no validation set, to see how far the loss falls"
    )


def with_span(session: Session, span: int) -> Session:
    """The session with calls spanning `span` log intervals (tests and benchmarks)."""
    session.schedule = replace(session.schedule, span=span)
    return session
