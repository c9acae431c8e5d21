"""Training one model: what a session does that a population does for each of its variants.

A session (compose.trainer.session) drives the calls, the records' order, the listeners
and the control; it asks its trainee for what depends on how many models it trains: the
model and optimizer to start from, the examples of each step, what a finished call means
(records, a failure), when to end early, and the result.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import equinox as eqx
import jax
import numpy as np

from compose.checker import optimizers, set_metrics
from compose.model.builder import build
from compose.model.composed import Composed
from compose.model.failure import Failure, diagnose
from compose.model.norms import measured
from compose.recipe.problems import Problem, RecipeError
from compose.runtime.shown import number
from compose.trainer import verdicts
from compose.trainer.batches import Batches
from compose.trainer.early_stop import EarlyStopping
from compose.trainer.records import Tally, filled, log_points, norm_rows, ordered
from compose.trainer.result import EARLY_STOP, Result
from compose.trainer.schedule import intervals_per_call
from compose.trainer.steps import Probe, evaluator, make_step, runners

if TYPE_CHECKING:
    from compose.trainer.session import Session


class Start(NamedTuple):
    """What training starts from: the model and optimizer state (on the devices), the
    runners by guard, their probed form (`probed(every, width)`: measuring rows of `width`
    norms every `every` steps; None: cannot measure norms), what evaluates a
    model on a set, the per-variant settings the calls read, and the example indices of
    each step (`take(start, steps)`)."""

    model: Composed
    optimizer: Any
    opt_state: Any
    static: Any
    runners: dict[str, Any]
    probed: Any
    evaluate: Any
    settings: Any
    take: Any


class Outcome(NamedTuple):
    """A finished call: the model and state it reached (up to a refused step), its arrays,
    the step reached, the seconds it took, the records of its log points, a failure, any
    norms rows, and the per-step values after its last log point (None: not counted so)."""

    model: Composed
    params: Any
    opt_state: Any
    step: int
    spent: float
    records: list[dict[str, Any]]
    failure: Failure | None = None
    norm_rows: dict[int, list[float]] = {}
    tally: Tally | None = None


class Trainee(Protocol):
    """What a session asks of whatever it trains (OneModel; a population's Variants)."""

    taken_from: tuple  # (None, weights taken, weights left as initialised) from init_from

    def start(self, session: Session) -> Start: ...
    def early_stopping(self, rule) -> Any: ...
    def intervals_per_call(self, lowered, every: int) -> int: ...
    def evaluate(self, session: Session, model: Composed, arrays) -> dict[str, Any]: ...
    def outcome(
        self, session: Session, start: int, stop: int, running, began: float
    ) -> Outcome: ...
    def noted(self, session: Session, record: dict[str, Any], model: Composed) -> None: ...
    def stop_reason(self, session: Session) -> str | None: ...
    def result(self, session: Session) -> Result: ...
    def header(self, session: Session) -> dict[str, Any]: ...
    def restore(self, session: Session, header: dict[str, Any]) -> None: ...


class OneModel:
    """The trainee of a plain session: one model. init_from: a trained model whose weights
    start it where they fit."""

    def __init__(self, init_from: Composed | None = None):
        self.init_from = init_from
        self.taken_from: tuple = (None, [], [])

    def start(self, session: Session) -> Start:
        checked, spec, data = session.checked, session.spec, session.data
        build_key, noise_key = _keys(np.uint32(spec.seed))
        model = build(checked, build_key)
        self.taken_from = self._start_weights(session, model)
        optimizer = optimizers.make(spec)
        model = data.placement.replicated(self.taken_from[0])
        opt_state = data.placement.replicated(optimizer.init(model.weights))
        noise_key = noise_key if checked.plan.random else None
        _, static = eqx.partition(model, eqx.is_array)
        step = make_step(optimizer, spec.penalty, spec.metrics)
        batch = data.placement.batch
        batches = Batches(data.examples, spec.batch, spec.seed)
        return Start(
            model, optimizer, opt_state, static,
            runners(step, static, noise_key, batch),
            lambda every, width: runners(
                step, static, noise_key, batch, probe=Probe(every, measured, width)
            ),
            evaluator(checked.plan, spec.metrics, confusion=True), None, batches.take,
        )  # fmt: skip

    def _start_weights(self, session: Session, model: Composed) -> tuple:
        """(model, weights taken, weights left as initialised) from `init_from`, if any."""
        if self.init_from is not None:
            return take_weights(model, self.init_from)
        spec = session.spec
        if spec.init_from:
            where = spec.where.get("init_from", spec.where["train"])
            message = (
                f"init_from: expected the trained model of {spec.init_from} given to the "
                "session, got none (compose.train and compose run read it from the folder)"
            )
            hint = "Session(..., init_from=compose.load_run(folder).model)"
            raise RecipeError([Problem(where, message, hint)])
        return model, [], []

    def early_stopping(self, rule) -> EarlyStopping:
        return EarlyStopping(rule)

    def intervals_per_call(self, lowered, every: int) -> int:
        return intervals_per_call(lowered, every)

    def evaluate(self, session: Session, model: Composed, arrays) -> dict[str, float]:
        return self._measured(session, model, arrays)[0]

    def _measured(self, session: Session, model: Composed, arrays) -> tuple[dict, Any]:
        """(the loss and metrics of `model` on a set, its confusion counts or None)."""
        values, counts = set_metrics.measured(session.evaluator(model, arrays))
        return {k: float(v) for k, v in ordered(values).items()}, counts

    def outcome(self, session: Session, start: int, stop: int, running, began: float):
        """Read a call's results: the records of its log points (made while XLA computes,
        filled after), and the first step that was not finite, diagnosed: the run's last
        log point is then the last good step."""
        model = eqx.combine(running[0], session.static)  # of arrays not yet ready
        since = session.tally.since
        points = log_points(session.schedule.log_steps(start, stop), since, start, stop)
        params, opt_state, bad, values, *probed = session.calls.finite(
            running, start, stop, session.params(), session.opt_state
        )
        bad = int(bad)
        end = stop if bad < 0 else bad
        rows = norm_rows(probed[0], session.norms_every, start, end) if probed else {}
        failure = None
        if bad >= 0:
            model = eqx.combine(params, session.static)
            failure = diagnose(model, session.batch(bad), bad + 1)
            steps = session.schedule.log_steps(start, end)
            steps += [end] if since < end and end not in steps else []
            points = log_points(steps, since, start, end)
        spent = time.perf_counter() - began
        records, tally = filled(points, values, session.tally, session.seconds, spent)
        if records and records[-1]["step"] == end:  # validation is due at call ends only
            records[-1].update(validation(session, model, end))
        return Outcome(model, params, opt_state, end, spent, records, failure, rows, tally)

    def noted(self, session: Session, record: dict[str, Any], model: Composed) -> None:
        """A record is about to reach the listeners."""
        if session.early:
            session.early.update(record, model)

    def stop_reason(self, session: Session) -> str | None:
        """Why training ends after this call (None: it goes on)."""
        early = session.early
        if early and early.exhausted:
            rule = early.rule
            return (
                f"{EARLY_STOP}: {rule.metric} did not improve for {rule.patience} evaluations; "
                f"best {number(early.best)} at step {early.best_step}"
            )
        return None

    def result(self, session: Session) -> Result:
        """The model training ends with (with early stopping the best one seen), measured."""
        model, best_step = session.model, None
        if session.early and session.early.best_model is not None:
            model, best_step = session.early.best_model, session.early.best_step
        final: dict[str, float] = {}
        matrices: dict[str, np.ndarray] = {}
        if session.step and not session.failure:
            for part, arrays in session.data.eval_sets.items():
                values, counts = self._measured(session, model, arrays)
                final.update({f"{part}{k}": v for k, v in values.items()})
                if counts is not None:
                    matrices[part] = np.asarray(counts)
        elif session.record:
            final = {k: v for k, v in session.record.items() if k not in ("step", "seconds")}
        heaviest = max(
            (float(np.max(np.abs(w))) for w in jax.tree_util.tree_leaves(model.weights) if w.size),
            default=0.0,
        )
        said = verdicts.notes(
            final, session.first_loss, chance=session.data.chance, overfit=session.overfit,
            heaviest_weight=heaviest,
        )  # fmt: skip
        confusion = None
        if matrices:
            classes = len(next(iter(matrices.values())))
            confusion = set_metrics.Confusion(session.data.class_names(classes), matrices)
        return Result(
            model, session.step, session.seconds, final, None, session.stopped, best_step,
            session.failure, tuple(said), confusion,
        )  # fmt: skip

    def header(self, session: Session) -> dict[str, Any]:
        return {}

    def restore(self, session: Session, header: dict[str, Any]) -> None:
        pass


@jax.jit
def _keys(seed: np.uint32) -> tuple[jax.Array, jax.Array]:
    """(the key that builds the model, the random blocks' key): the seed's key folded with
    0 and 1, in one compiled call (op by op, each compiled its own program). A uint32 seed
    makes the key jax.random.key makes of the same Python int, up to 2**32 - 1."""
    key = jax.random.key(seed)
    return jax.random.fold_in(key, 0), jax.random.fold_in(key, 1)


def validation(session: Session, model: Composed, step: int) -> dict[str, Any]:
    """The validation values of `model` at `step`, when validation is due there."""
    every, eval_sets = session.spec.validate_every, session.data.eval_sets
    if "val_" not in eval_sets or (every and step % every and step != session.total):
        return {}
    return {f"val_{k}": v for k, v in session.evaluate(model, "val_").items()}


def take_weights(model: Composed, trained: Composed) -> tuple[Composed, list[str], list[str]]:
    """(model with every weight `trained` has at the same place and shape, the names of
    the weights taken, the names left as initialised)."""
    taken, kept = [], []

    def pick(path, fresh):
        keys = [str(part.key) for part in path]  # named as inspect names them: `net/node.slot`
        name = "/".join(keys[:-1]) + "." + keys[-1]
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
