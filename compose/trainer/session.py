"""A training session: prepared once, then advanced chunk by chunk by whoever drives it.

The command line, the editor and Python all drive training the same way: make a Session,
`prepare()` it (check, data, build, compile), then `advance()` it one log point at a time
(many steps per compiled call), or `run()` it to the end while other threads `pause()`,
`step()`, `resume()` or `stop()` it. After every advance the session's model, optimizer
state, step and record agree with each other, so stopping at any moment loses nothing.

Everything else is a Listener: the run folder, checkpoints, the progress bar, the editor's
live view. A listener may ask for log points every N steps (`every`), which end compiled
calls there, or for the per-node norms every N steps (`norms_every`), measured inside the
compiled calls by a branch the other steps skip; nothing else it needs is inside the loop.
"""

from __future__ import annotations

import math
import operator
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from compose.checker import optimizers
from compose.checker.checked import Checked
from compose.checker.graph import check
from compose.data import loading as datasets
from compose.model.builder import build
from compose.model.composed import Composed
from compose.model.failure import Failure, diagnose
from compose.model.norms import columns, line, measured, multiples
from compose.recipe.problems import Problem, RecipeError
from compose.recipe.records import Recipe
from compose.runtime import programs
from compose.runtime.devices import Placement
from compose.trainer import verdicts
from compose.trainer.batches import Batches
from compose.trainer.early_stop import EarlyStopping
from compose.trainer.listener import Listener
from compose.trainer.steps import Probe, evaluator, make_step, runners

EVAL_CAP = 10_000  # training examples the final training loss and metrics are measured on
MAX_CHUNK = 10_000  # steps per compiled call at most: a chunk's indices stay small
# A compiled call spans several log intervals when nothing needs the model between them,
# as long as it is expected to take at most CHUNK_SECONDS (pause, stop and a live view
# answer within one call). Its time is estimated before it runs from XLA's count of a
# step's floating-point operations: a fixed cost per step plus the operations at a rate
# a CPU reaches (faster devices end their calls sooner).
CHUNK_SECONDS = 0.2
STEP_SECONDS, FLOPS_PER_SECOND = 2e-6, 1e11
ON_FAILURE = ("end", "pause")


class LogPoints(NamedTuple):
    """The log points of a call of `steps` steps: their records, and where each one's
    steps begin (`cuts`, from the call's start), how many they are (`counts`) and what
    fraction of the call's steps end there (`fractions`)."""

    records: list[dict[str, Any]]
    steps: int
    cuts: np.ndarray
    counts: np.ndarray
    fractions: np.ndarray


@dataclass(frozen=True)
class Result:
    """A finished (or stopped) run: the model it ends with and what that model reaches.

    metrics: the loss and metrics on the training set (at most EVAL_CAP examples), and with
    `val_` and `test_` prefixes on those sets. stopped: why it ended early ("" if it ran
    to the end): "interrupted", "early stop: ...", or what went wrong. With early stopping
    the model is the best one, from `best_step`.
    """

    model: Composed
    steps: int
    seconds: float
    metrics: dict[str, float]
    folder: Path | None = None
    stopped: str = ""
    best_step: int | None = None
    failure: Failure | None = None
    notes: tuple[str, ...] = ()  # plain words on what the run reached (compose.trainer.verdicts)


class Session:
    """One recipe's training, driven from outside. Raises RecipeError for a bad recipe.

    data: arrays by input name to train on instead of the recipe's data source (numpy
    or jax, leading axis = examples); val and test likewise. init_from: a trained model whose
    weights start this run where they fit (compose.train and `compose run` read it from
    the run folder given or named by `train.init_from`). overfit: train on the first N
    training examples only (the debugging checklist's first test: can it fit a few?).
    on_failure: what a step whose loss or weights are not finite does: "end" the run
    (the command line), or "pause" it at the last good weights with `failure` set, for
    whoever drives it to look inside and then stop (the editor); resuming or stepping
    tries the refused step again.
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
        self._given = {"train": data, "val": val, "test": test}
        self._init_from = init_from
        self.overfit = overfit
        self.on_failure = on_failure
        self.first_loss: float | None = None  # the loss before training, for the verdicts
        self.step = 0  # steps taken
        self.total = 0  # steps the run will take, known once the data is
        self.record: dict[str, Any] = {}
        self.seconds = 0.0  # spent training, over every session of a resumed run
        self.failure: Failure | None = None
        self.stopped = ""
        self.result: Result | None = None
        self._control = threading.Condition()
        self._paused = self._step_once = False
        self._stop_asked = ""
        self.records: list[dict[str, Any]] = []  # the last advance()'s, one per log point
        self._ahead: tuple | None = None  # the call made ahead (see _steps)
        self._first_call: tuple | None = None  # (start, stop, order): prepare made them
        self._worker: ThreadPoolExecutor | None = None
        self._settings: dict | None = None  # a population's per-variant numbers (steps.py)
        self._probed_runners: Callable[[Probe], dict] | None = None  # runners measuring norms
        self._norms_every: int | None = None  # steps between norms lines, when asked
        self._norm_columns: list[tuple[str, str, str]] | None = None  # see norm_columns
        self._norm_rows: dict[int, list[float]] = {}  # the last advance()'s, by step
        self._params_of = self._split = None  # a model, and its arrays (see _params)
        self.prepared = False

    # -- preparing -------------------------------------------------------------------------

    def prepare(self, *, resume: Callable[[dict], tuple] | None = None) -> Session:
        """Load the data, build the model and optimizer, trace the training chunk; with
        `resume`, continue from the checkpoint it reads: given the arrays a checkpoint holds
        (`state_tree()`, as a skeleton) it returns (tree, header, warnings) (compose.runs.
        checkpoint.resume_from reads a run folder's newest whole one). Then tell
        the listeners that training can start, and compile the first call's chunk."""
        self._prepare_data()
        self._prepare_training()
        spec = self.spec
        self.early = self._early_stopping(spec.early_stop) if spec.early_stop else None
        if self.early:
            self._check_early_stop()
        self._every = self._log_every()
        self._compiled: dict[tuple[int, str], Any] = {}
        estimated = min(self._every, self.total)
        lowered = self._lowered(estimated)
        self._span = self._log_points_per_call(lowered)
        self.prepared = True
        self.warnings: list[str] = []
        if resume is not None:
            tree, header, self.warnings = resume(self.state_tree())
            self.restore(tree, header)
        else:  # where the loss starts, for the verdicts at the end
            self.first_loss = self.evaluate(self.model)["loss"]
        for listener in self.listeners:
            listener.started(self)
        self._measure_norms()
        if self.step < self.total:  # compile what the first call runs (once listeners say
            first = self.next_stop() - self.step  # when they want the model)
            if first == estimated and not self._norms_every:
                self._compiled[first, "chunk"] = programs.compiled(lowered)
            self._compiled_for(first)
            stop = self.step + first
            self._first_call = (self.step, stop, self._order(self.step, stop))
        if self.step >= self.total:
            self.finish("")
        return self

    def _prepare_data(self) -> None:
        """The training arrays on the devices, the order of batches, the evaluation sets."""
        spec = self.spec
        split = self._data()
        if self.overfit:
            split = datasets.Split({k: v[: self.overfit] for k, v in split.train.items()}, {}, {})
            self.spec = spec = replace(spec, batch=min(spec.batch, self.overfit))
        self.chance = self._chance(split.train)
        self.placement = Placement(spec.devices)
        n = len(next(iter(split.train.values())))
        self.total = spec.steps or spec.epochs * (n // spec.batch)
        self.batches = Batches(n, spec.batch, spec.seed)
        self.arrays = self.placement.replicated({k: jnp.asarray(v) for k, v in split.train.items()})
        self.eval_sets = {
            prefix: self.placement.replicated({k: jnp.asarray(v[:cap]) for k, v in arrays.items()})
            for prefix, arrays, cap in (
                ("", split.train, EVAL_CAP),
                ("val_", split.val, None),
                ("test_", split.test, None),
            )
            if arrays and len(next(iter(arrays.values()))) > 0
        }

    def _prepare_training(self) -> None:
        """The model, the optimizer and its state, and the chunk runner (not yet compiled)."""
        checked, spec = self.checked, self.spec
        key = jax.random.key(spec.seed)
        model = build(checked, jax.random.fold_in(key, 0))
        self.taken_from = self._start_weights(model)
        model = self.taken_from[0]
        self.optimizer = optimizers.make(spec)
        self.model = self.placement.replicated(model)
        self.opt_state = self.placement.replicated(self.optimizer.init(self.model.weights))
        noise_key = jax.random.fold_in(key, 1) if checked.plan.random else None
        _, self._static = eqx.partition(self.model, eqx.is_array)
        step = make_step(self.optimizer, spec.penalty, spec.metrics)
        self._runners = runners(step, self._static, noise_key, self.placement.batch)
        self._probed_runners = lambda probe: runners(
            step, self._static, noise_key, self.placement.batch, probe=probe
        )
        self._evaluate = evaluator(checked.plan, spec.metrics)

    def _data(self) -> datasets.Split:
        names = [i.name for i in self.checked.recipe.inputs]
        if self._given["train"] is None:
            if self._given["val"] is not None or self._given["test"] is not None:
                raise TypeError("val= and test= arrays go with data= arrays, got no data=")
            base = Path(self.checked.recipe.file).parent
            return datasets.load(self.spec.data, names, base)
        inputs = self.checked.recipe.inputs
        problems = [
            p
            for part, arrays in self._given.items()
            if arrays is not None
            for p in datasets.array_problems(arrays, inputs, what=f"{part} data")
        ]
        n = len(next(iter(self._given["train"].values()), ()))
        if not problems and n < self.spec.batch:
            where = self.spec.where.get("batch", self.spec.where["train"])
            message = (
                f"expected a batch of at most the {n} examples of data=, got {self.spec.batch}"
            )
            problems.append(Problem(where, message))
        if problems:
            raise RecipeError(problems)
        return datasets.Split(
            *(_numpy(self._given[part], names) for part in ("train", "val", "test"))
        )

    def _chance(self, train: Mapping[str, np.ndarray]) -> float | None:
        """Chance accuracy on the training targets, when accuracy is a metric."""
        if "accuracy" not in self.spec.metrics:
            return None
        plan = self.checked.plan
        loss_step = next(s for s in plan.steps if s.name == plan.loss.name)
        target = loss_step.args[1] if len(loss_step.args) > 1 else None
        if target is None or target.kind != "input" or target.name not in train:
            return None
        return verdicts.chance_accuracy(np.asarray(train[target.name]))

    def _start_weights(self, model: Composed) -> tuple[Composed, list[str], list[str]]:
        """(model, weights taken, weights left as initialised) from `init_from`, if any."""
        if self._init_from is not None:
            return take_weights(model, self._init_from)
        if self.spec.init_from:
            where = self.spec.where.get("init_from", self.spec.where["train"])
            message = (
                f"init_from: expected the trained model of {self.spec.init_from} given to the "
                "session, got none (compose.train and compose run read it from the folder)"
            )
            hint = "Session(..., init_from=compose.load_run(folder)[1])"
            raise RecipeError([Problem(where, message, hint)])
        return model, [], []

    def _early_stopping(self, rule) -> EarlyStopping:
        return EarlyStopping(rule)

    def _check_early_stop(self) -> None:
        rule = self.spec.early_stop
        names = {"loss", *self.spec.metrics}
        watched = {f"{p}{n}" for p in self.eval_sets if p != "test_" for n in names}
        if rule.metric not in watched:
            where = self.spec.where.get("early_stop", self.spec.where["train"])
            raise RecipeError(
                [
                    Problem(
                        where,
                        f"early_stop: expected a logged metric ({', '.join(sorted(watched))}), "
                        f"got '{rule.metric}'",
                        "val_ metrics need a validation set: add val: 0.2 to train.data"
                        if rule.metric.startswith("val_")
                        else "",
                    )
                ]
            )

    def _log_every(self) -> int:
        """The regular chunk: log_every, else a hundredth of the run, at most MAX_CHUNK."""
        every = self.spec.log_every or max(1, self.total // 100)
        return min(every, MAX_CHUNK)

    def _measure_norms(self) -> None:
        """When listeners ask for norms, train with runners that measure them inside each
        call, at multiples of the greatest common divisor of what they ask (a population's
        runners cannot: it measures none). The span was estimated without the probe, whose
        branch runs at few steps."""
        asked = [listener.norms_every for listener in self.listeners if listener.norms_every]
        if not asked or self._probed_runners is None:
            return
        self._norms_every = math.gcd(*asked)
        self._runners = self._probed_runners(Probe(self._norms_every, measured))

    def _compiled_for(self, length: int, guard: str = "chunk"):
        """The chunk runner compiled for `length` steps (each length and guard compiles once;
        the step-by-step guard only when a chunk was not finite)."""
        if (length, guard) not in self._compiled:
            self._compiled[length, guard] = programs.compiled(self._lowered(length, guard))
        return self._compiled[length, guard]

    def _lowered(self, length: int, guard: str = "chunk"):
        """The chunk runner traced for `length` steps, not yet compiled."""
        params = self._params()
        indices = self.placement.indices(self._take(0, length))
        numbers = np.zeros(length, np.int32)
        return self._runners[guard].lower(
            params, self.opt_state, self.arrays, indices, numbers, self._settings
        )

    def _log_points_per_call(self, lowered) -> int:
        """How many log intervals one compiled call may span: as many as fit CHUNK_SECONDS
        by a step's estimated time, a power of two (few lengths to compile), at least one."""
        try:
            cost = lowered.cost_analysis()
            cost = cost[0] if isinstance(cost, (list, tuple)) else cost
            flops = float(cost.get("flops", 0.0))  # of one step: XLA counts a loop body once
        except Exception:  # no estimate on this backend: one log interval per call
            return 1
        per_step = STEP_SECONDS + max(flops, 0.0) / FLOPS_PER_SECOND
        fits = int(CHUNK_SECONDS / (per_step * self._every))
        fits = min(fits, MAX_CHUNK // self._every)
        return 1 << (fits.bit_length() - 1) if fits > 1 else 1

    def _indices(self, start: int, stop: int):
        """The example indices of steps start .. stop - 1, on the devices."""
        return self.placement.indices(self._take(start, stop - start))

    def _order(self, start: int, stop: int) -> tuple:
        """What steps start .. stop - 1 train on, on the devices: (example indices, step
        numbers)."""
        numbers = np.arange(start, stop, dtype=np.int32)
        return self._indices(start, stop), self.placement.replicated(numbers)

    def _take(self, start: int, steps: int) -> np.ndarray:
        """The example indices of `steps` steps from `start`, shape (steps, batch)."""
        return self.batches.take(start, steps)

    # -- advancing -------------------------------------------------------------------------

    @property
    def log_interval(self) -> int:
        """Steps between the session's own log points."""
        return self._every

    @property
    def done(self) -> bool:
        """Whether training has ended: all steps taken, stopped, or failed."""
        return self.result is not None or (self.prepared and self.step >= self.total)

    def next_stop(self, step: int | None = None) -> int:
        """Where the next compiled call (from `step`, default the session's) ends: the next
        step at which the model itself is wanted (a multiple of a listener's `every`,
        validation, each log point with early stopping), at most `span` log intervals and
        MAX_CHUNK steps ahead, at most the end. The log points before it get their records
        from the call's per-step losses."""
        step = self.step if step is None else step
        every = self._every
        wanted = [self.spec.validate_every] + [listener.every for listener in self.listeners]
        if self.early or ("val_" in self.eval_sets and not self.spec.validate_every):
            wanted.append(every)
        stops = [(step // e + 1) * e for e in wanted if e]
        farthest = (step // every + self._span) * every
        return min([self.total, step + MAX_CHUNK, farthest, *stops])

    def advance(self, steps: int | None = None) -> dict[str, Any] | None:
        """Train to the next stop (or `steps` steps, at most to it) in one compiled call;
        return the record of the last log point reached. Every log point's record on the
        way goes to the listeners, in order, and to `records`.

        None when there is nothing left to do. A step whose loss or weights are not finite
        is refused: the session keeps the last good weights, records the failure and ends
        (or pauses, with on_failure="pause").
        """
        if not self.prepared:
            self.prepare()
        if self.done:
            return None
        start = self.step
        stop = self.next_stop() if steps is None else min(start + steps, self.next_stop())
        began = time.perf_counter()
        running = self._steps(start, stop, ahead=steps is None)
        # While XLA computes, what needs no results: the model (of arrays not yet ready)
        # and the log points' records.
        model = eqx.combine(running[0], self._static)
        points = self._log_points(start, stop)
        params, opt_state, bad, values, *probed = self._finite(running, start, stop)
        bad = int(bad)
        taken = stop - start if bad < 0 else bad - start
        norm_rows = self._rows(probed[0], start, start + taken) if probed else {}
        failure = None
        if bad >= 0:
            model = eqx.combine(params, self._static)
            failure = diagnose(model, self.batch(bad), bad + 1)
            points = self._log_points(start, start + taken)
        spent = time.perf_counter() - began
        records = self._filled(points, values, spent)
        if records:
            records[-1].update(self._validation(model, start + taken))
        # Everything moves at once, so the session always agrees with itself.
        self.model, self.opt_state = model, opt_state
        self._params_of, self._split = model, params
        self.step, self.seconds, self.records = start + taken, self.seconds + spent, records
        self._norm_rows = norm_rows
        logging = [x for x in self.listeners if type(x).logged is not Listener.logged]
        for record in records:
            self.record = record
            if self.early:
                self.early.update(record, model)
            for listener in logging:
                listener.logged(self, record)
        for listener in self.listeners:
            listener.advanced(self)
        self.failure = failure  # paused on one, it lasts until a step goes through
        if failure and self.on_failure == "pause":
            self.pause()
        elif failure:
            self._end(failure.message)
        elif self.early and self.early.exhausted:
            rule = self.early.rule
            self._end(
                f"early stop: {rule.metric} did not improve for {rule.patience} evaluations; "
                f"best {self.early.best:.4g} at step {self.early.best_step}"
            )
        elif self.step >= self.total:
            self._end("")
        return records[-1] if records else None

    def _steps(self, start: int, stop: int, *, ahead: bool = False):
        """(params, opt_state, bad, values) after steps start .. stop - 1 in one compiled
        call, started and not waited for (`_finite` waits and checks).

        With `ahead`, the call after this one starts at once on a thread of its own, from
        this call's results, while the caller reads them, logs and checkpoints: the next
        advance() takes it if it asks for the same steps from the same weights."""
        params = self._params()
        out = self._made_ahead(start, stop, params)
        if out is None:
            out = self._call(start, stop, params, self.opt_state)
        if ahead:
            self._go_ahead(stop, out[0], out[1])
        return out

    def _finite(self, out: tuple, start: int, stop: int) -> tuple:
        """The results `out` of `_steps` once computed, bad, values and any probed rows
        copied to the host; when something in the call was not finite, those of the same
        steps again, checked one by one, so that `bad` is the first bad step (-1 if none)
        and the weights are from before it."""
        out = _fetched(out)
        if (out[2] >= 0).any():
            out = _fetched(self._call(start, stop, self._params(), self.opt_state, "step"))
        return out

    def _params(self):
        """The model's arrays, what a compiled call takes: split from the model once per
        model (advance keeps a call's results as they came)."""
        if self._params_of is not self.model:
            self._params_of, self._split = self.model, eqx.partition(self.model, eqx.is_array)[0]
        return self._split

    def _call(self, start: int, stop: int, params, opt_state, guard: str = "chunk"):
        """One compiled call: steps start .. stop - 1 from these weights and state."""
        return self._prepared_call(start, stop, params, opt_state, guard)()

    def _prepared_call(self, start: int, stop: int, params, opt_state, guard: str = "chunk"):
        """The compiled call of steps start .. stop - 1, its arguments made, not yet run."""
        first, self._first_call = self._first_call, None
        same = first is not None and first[:2] == (start, stop)
        indices, numbers = first[2] if same else self._order(start, stop)
        compiled = self._compiled_for(stop - start, guard)
        args = (params, opt_state, self.arrays, indices, numbers, self._settings)
        return lambda: compiled(*args)

    def _go_ahead(self, start: int, params, opt_state) -> None:
        """Start the call from `start` on the worker thread (when its length is compiled
        and nobody asked to pause or stop)."""
        self._ahead = None
        stop = self.next_stop(start)
        if stop <= start or (stop - start, "chunk") not in self._compiled:
            return
        if self._paused or self._stop_asked:
            return
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="training")
        call, running = self._prepared_call(start, stop, params, opt_state), threading.Event()

        def run():
            running.set()
            return call()

        future = self._worker.submit(run)
        # Wait until the worker runs the call: it holds Python's lock only until XLA starts,
        # then this thread reads the last call's results while XLA computes the next.
        running.wait()
        self._ahead = (start, stop, params, opt_state, future)

    def _made_ahead(self, start: int, stop: int, params):
        """The results of the call made ahead, if it is this call: the same steps, from the
        same weights and optimizer state; else None (and it is dropped)."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return None
        ahead_start, ahead_stop, ahead_params, ahead_opt, future = ahead
        mine, theirs = jax.tree_util.tree_leaves(params), jax.tree_util.tree_leaves(ahead_params)
        same = (ahead_start, ahead_stop) == (start, stop) and ahead_opt is self.opt_state
        same = same and len(mine) == len(theirs) and all(map(operator.is_, mine, theirs))
        return future.result() if same else None

    def _log_points(self, start: int, end: int) -> LogPoints:
        """The log points in (start, end] and `end`, their records holding their step only
        (made while the call runs; `_filled` adds what the call gives)."""
        every = self._every
        steps = [*range((start // every + 1) * every, end, every), end] if end > start else []
        ends = np.array(steps, dtype=np.int64) - start
        cuts = np.append(0, ends[:-1])
        records = [{"step": step} for step in steps]
        return LogPoints(records, end - start, cuts, ends - cuts, ends / max(end - start, 1))

    def _filled(self, points: LogPoints, values: Mapping[str, Any], spent: float) -> list:
        """The records of `points` with the means of the values over each one's own steps,
        and its time, interpolated over the call's `spent` seconds."""
        if not points.records:
            return []
        columns = {}
        for name, v in _ordered(values).items():
            sums = np.add.reduceat(np.asarray(v, np.float64)[: points.steps], points.cuts)
            columns[name] = (sums / points.counts).tolist()
        columns["seconds"] = (self.seconds + spent * points.fractions).tolist()
        for name, column in columns.items():  # column by column: cheaper than row by row
            for record, value in zip(points.records, column, strict=True):
                record[name] = value
        return points.records

    def _rows(self, probed, start: int, end: int) -> dict[int, list[float]]:
        """The norms rows of the steps taken, (start, end], by step: the call's rows, one
        per multiple of `norms_every` it passed, in order (rows after a step that was
        refused are dropped)."""
        steps = multiples(self._norms_every, start, end)
        if not steps:
            return {}
        rows = np.asarray(probed)[: len(steps)].tolist()
        return dict(zip(steps, rows, strict=True))

    def norms_at(self, step: int) -> dict[str, Any] | None:
        """The norms line measured after `step` in the last advance() (see Listener's
        `norms_every`), as `norms.jsonl` holds it (compose.model.norms); None when that step
        was not measured then."""
        row = self._norm_rows.get(step)
        return None if row is None else line(step, row, self.norm_columns)

    @property
    def norm_columns(self) -> list[tuple[str, str, str]]:
        """What each number of a norms row is, in order (compose.model.norms.columns)."""
        if self._norm_columns is None:
            self._norm_columns = columns(self.model)
        return self._norm_columns

    def norms_row(self, step: int) -> list[float] | None:
        """The numbers of `norms_at(step)` only, in the order of `norm_columns` (what
        each is): cheaper, for whoever writes many lines."""
        return self._norm_rows.get(step)

    def _validation(self, model: Composed, step: int) -> dict[str, float]:
        every = self.spec.validate_every
        if "val_" not in self.eval_sets or (every and step % every and step != self.total):
            return {}
        return {f"val_{k}": v for k, v in self.evaluate(model, "val_").items()}

    def batch(self, step: int | None = None) -> dict[str, jax.Array]:
        """The training batch of `step` (0-based; default: the next step to take), arrays
        with a leading batch axis: what looking inside at a log point should look at."""
        row = self.batches.take(self.step if step is None else step, 1)[0]
        row = jnp.asarray(row)  # an array index: a numpy one is a constant, compiled each time
        return {k: a[row] for k, a in self.arrays.items()}

    def evaluate(self, model: Composed, part: str = "") -> dict[str, float]:
        """Loss and metrics of `model` on the training ("") , "val_" or "test_" set."""
        return {
            k: float(v) for k, v in _ordered(self._evaluate(model, self.eval_sets[part])).items()
        }

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Each log point's record, until training ends."""
        while not self.done:
            self.advance()
            yield from self.records

    # -- driving from another thread -------------------------------------------------------

    def run(self) -> Result:
        """Advance until training ends or `stop()` is asked; honour pause, step and resume."""
        if not self.prepared:
            self.prepare()
        while not self.done:
            with self._control:
                while self._paused and not self._step_once and not self._stop_asked:
                    self._control.wait()
                if self._stop_asked:
                    break
                once, self._step_once = self._step_once, False
            self.advance(1 if once else None)
        return self.finish(self._stop_asked)

    def pause(self) -> None:
        """Hold `run()` after the current chunk until `resume()`, `step()` or `stop()`."""
        with self._control:
            self._paused = True

    def resume(self) -> None:
        with self._control:
            self._paused = False
            self._control.notify_all()

    def step_once(self) -> None:
        """While paused, let `run()` take one training step."""
        with self._control:
            self._step_once = True
            self._control.notify_all()

    def stop(self, reason: str = "stopped") -> None:
        """Ask `run()` to end after the current chunk (safe from a signal handler)."""
        self._stop_asked = reason
        if self._control.acquire(blocking=False):  # a signal may arrive inside the lock
            try:
                self._control.notify_all()
            finally:
                self._control.release()

    @property
    def paused(self) -> bool:
        return self._paused

    # -- ending ----------------------------------------------------------------------------

    def _end(self, stopped: str) -> None:
        self.finish(stopped)

    def finish(self, stopped: str = "") -> Result:
        """End training now: measure the final model, tell the listeners, return the result.

        With early stopping the final model is the best one seen. Calling it again returns
        the same result."""
        if self.result is not None:
            return self.result
        self._ahead = None
        if self._worker is not None:
            self._worker.shutdown(wait=False)
        model, best_step = self.model, None
        if self.early and self.early.best_model is not None:
            model, best_step = self.early.best_model, self.early.best_step
        final: dict[str, float] = {}
        if self.step and not self.failure:
            for part in self.eval_sets:
                final.update({f"{part}{k}": v for k, v in self.evaluate(model, part).items()})
        elif self.record:
            final = {k: v for k, v in self.record.items() if k not in ("step", "seconds")}
        self.stopped = stopped or self.stopped
        heaviest = max(
            (float(np.max(np.abs(w))) for w in jax.tree_util.tree_leaves(model.weights) if w.size),
            default=0.0,
        )
        said = verdicts.notes(
            final, self.first_loss, chance=self.chance, overfit=self.overfit,
            heaviest_weight=heaviest,
        )  # fmt: skip
        self.result = Result(
            model, self.step, self.seconds, final, None, self.stopped, best_step, self.failure,
            tuple(said),
        )  # fmt: skip
        for listener in self.listeners:
            listener.finished(self, self.result)
        return self.result

    # -- checkpoints -----------------------------------------------------------------------

    def state_tree(self) -> dict[str, Any]:
        """The arrays a checkpoint holds: model (weights and running state), optimizer
        state, and with early stopping the best model so far."""
        tree = {"model": self.model, "opt_state": self.opt_state}
        if self.early:
            tree["best"] = (
                self.early.best_model if self.early.best_model is not None else self.model
            )
        return tree

    def state_header(self) -> dict[str, Any]:
        """The plain values a checkpoint holds: step, seed (with the step, it fixes the
        data order and the random blocks' keys), time spent, last record, early stopping."""
        header = {"step": self.step, "seed": self.spec.seed, "seconds": self.seconds}
        header["record"] = self.record
        header["first_loss"] = self.first_loss
        if self.early:
            header["early_stop"] = self.early.state()
        return header

    def restore(self, tree: dict[str, Any], header: dict[str, Any]) -> None:
        """Continue from a checkpoint's tree and header (made by the same recipe)."""
        self.model = self.placement.replicated(tree["model"])
        self.opt_state = self.placement.replicated(tree["opt_state"])
        self.step, self.seconds = header["step"], header["seconds"]
        self.record = header.get("record") or {}
        self.first_loss = header.get("first_loss")
        if self.early and "early_stop" in header:
            self.early.restore(header["early_stop"], tree.get("best"))


def take_weights(model: Composed, trained: Composed) -> tuple[Composed, list[str], list[str]]:
    """(model with every weight `trained` has at the same place and shape, the names of
    the weights taken, the names left as initialised)."""
    taken, kept = [], []

    def pick(path, fresh):
        name = jax.tree_util.keystr(path)
        node = trained.weights
        try:
            for part in path:
                node = node[part.key]
        except (KeyError, TypeError):
            node = None
        if node is not None and node.shape == fresh.shape:
            taken.append(name)
            return node
        kept.append(name)
        return fresh

    weights = jax.tree_util.tree_map_with_path(pick, model.weights)
    return eqx.tree_at(lambda m: m.weights, model, weights), taken, kept


def _numpy(arrays: Mapping[str, Any] | None, names: list[str]) -> dict[str, np.ndarray]:
    """The named arrays as numpy; booleans and floats as float32, as data files give them."""
    out = {}
    for name in names if arrays is not None else ():
        array = np.asarray(arrays[name])
        out[name] = array.astype(np.float32) if array.dtype.kind in "bf" else array
    return out


def _fetched(out: tuple) -> tuple:
    """A compiled call's outputs with all but the weights and optimizer state (bad, the
    values, any probed rows) copied to the host (by np.asarray: jax.device_get takes ten
    times longer)."""
    params, opt_state, bad, values, *probed = out
    values = {k: np.asarray(v) for k, v in values.items()}
    return (params, opt_state, np.asarray(bad), values, *map(np.asarray, probed))


def _ordered(values: Mapping[str, Any]) -> dict[str, Any]:
    """Loss first, then the metrics in name order."""
    return {k: values[k] for k in sorted(values, key=lambda k: (k != "loss", k))}
