"""Populations: many variants of one recipe trained at once, by one compiled program.

XOR with two hidden units is solved from some seeds and stuck at 50% from others; seeing
that takes twenty runs, or one population. Each variant differs only in numbers that change
no shape (compose.checker.variants lists them): its seed (initial weights, data order, random
blocks), the optimizer's numeric arguments (held per variant through
optax.inject_hyperparams), the penalty's coefficient and blocks' traced hyperparameters
(read by the compiled step from a per-variant `settings` argument), and initialisers'
arguments (each variant's starting weights are drawn with its own). The weights and
optimizer states gain a leading axis of variants and `jax.vmap` steps them all in each
compiled chunk. A variant whose loss stops being finite stops at its last good weights,
and with early stopping each variant stops on its own when its patience runs out, keeping
its best weights; the others go on. Its log points fall on a run's log grid, each
variant's means carried from call to call as a run's are (compose.trainer.variant_records).
A population checkpoints and resumes like one run.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from compose.checker import optimizers
from compose.checker.checked import Checked
from compose.checker.graph import check
from compose.checker.variants import planned, problems, variants
from compose.model.composed import Composed
from compose.model.failure import Failure
from compose.model.initial_weights import init_state, init_weights
from compose.recipe.problems import RecipeError
from compose.runtime.shown import number
from compose.trainer import variant_records
from compose.trainer.batches import Batches
from compose.trainer.early_stop import EachEarlyStopping, each_where
from compose.trainer.one_model import Outcome, Start, validation
from compose.trainer.population_devices import spread
from compose.trainer.records import Tally, ordered
from compose.trainer.result import EARLY_STOP, Result
from compose.trainer.schedule import intervals_per_call
from compose.trainer.session import Session
from compose.trainer.steps import evaluator, make_step, runners
from compose.trainer.variant_notes import distribution
from compose.trainer.variant_records import Row, last_row, means, own_rows, reached, record

FAILED_ALL = "the loss stopped being finite in every variant"


class Population(Session):
    """A Session over several variants at once, each a setting of the numbers `vary` names.

    Records, one per log point of the log grid, hold the mean over the variants that
    reached it of each value, and under "variants" each variant's own; `results` each
    variant's Result. A variant that stopped (its loss not finite, or early stopping) takes
    no more steps: its records say `stopped_at` and nothing else (its run folder logs no
    more lines), and its weights stay as they were. It advances, pauses and checkpoints
    as any session: only its trainee (Variants) differs."""

    def __init__(self, recipe, vary: Mapping[str, Sequence[Any]], **options: Any):
        checked = recipe if isinstance(recipe, Checked) else check(recipe)
        if checked.problems:  # before the variants are planned: a bad recipe has no plan
            raise RecipeError(checked.problems)
        if checked.recipe.train is not None:
            train = checked.recipe.train
            found = problems(checked.recipe, vary, train.where.get("vary", train.where["train"]))
            if found:
                raise RecipeError(found)
        super().__init__(checked, trainee=Variants(checked, vary), **options)

    @property
    def variants(self):
        return self.trainee.variants

    @property
    def plans(self):
        return self.trainee.plans

    @property
    def failures(self) -> dict[str, int]:
        """Variant -> the step its loss stopped being finite."""
        return self.trainee.failures

    @property
    def early_stopped(self) -> dict[str, int]:
        """Variant -> the step its patience ran out."""
        return self.trainee.early_stopped

    @property
    def results(self) -> dict[str, Result]:
        return self.trainee.results


class Variants:
    """The trainee of a population: the variants' weights and optimizer states stacked on
    a leading axis, stepped together by `jax.vmap` in each compiled call."""

    def __init__(self, checked: Checked, vary: Mapping[str, Sequence[Any]]):
        self.variants = variants(vary)
        self.plans = [planned(checked.plan, v) for v in self.variants]  # each its own
        self.failures: dict[str, int] = {}
        self.early_stopped: dict[str, int] = {}
        self.results: dict[str, Result] = {}
        self.taken_from: tuple = (None, [], [])
        # Each variant's per-step values after its last log point (records.Tally).
        self.tallies = [Tally() for _ in self.variants]

    def start(self, session: Session) -> Start:
        spec, plan, placement = session.spec, session.checked.plan, spread(session, self)
        self.spec, self.plan, self.placement = spec, plan, placement
        seeds = [v.setting("seed", spec.seed) for v in self.variants]
        keys = [jax.random.key(s) for s in seeds]
        # Each variant's weights are drawn by its own plan (its initialisers' arguments);
        # all train under the recipe's plan, their traced numbers given in `settings`.
        models = [
            Composed(init_weights(own, jax.random.fold_in(k, 0)), plan, init_state(plan))
            for own, k in zip(self.plans, keys, strict=True)
        ]
        self.batches_of = [Batches(session.data.examples, spec.batch, s) for s in seeds]
        rates = self._rates()  # held per variant in the state; the rest as a run's own
        optimizer = optimizers.make(spec, inject=rates)
        stacked = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *models)
        model = placement.weights(stacked)
        opt_state = jax.vmap(optimizer.init)(model.weights)
        opt_state = placement.weights(optimizers.with_hyperparams(opt_state, rates))
        noise = None
        if plan.random:
            noise = jnp.stack([jax.random.key_data(jax.random.fold_in(k, 1)) for k in keys])
            noise = placement.weights(jax.random.wrap_key_data(noise))
        _, static = eqx.partition(models[0], eqx.is_array)
        settings = placement.weights(self._numbers())
        step = make_step(optimizer, self._penalty(), spec.metrics)
        one = evaluator(plan, spec.metrics)

        def evaluate(model, arrays):
            return jax.vmap(lambda m, h: one(m, arrays, h))(model, settings.get("hypers"))

        self.session = session
        return Start(
            model, optimizer, opt_state, static,
            runners(step, static, noise, None, variants=True), None, evaluate, settings,
            self._take,
        )  # fmt: skip

    def _varied(self, prefix: str) -> list[str]:
        """The varied keys that start with `prefix`, in order."""
        return [k for k, _ in self.variants[0].settings if k.startswith(prefix)]

    def _column(self, key: str, default: float) -> jax.Array:
        """Each variant's value of `key` (float32, shape (variants,))."""
        return jax.device_put(np.float32([float(v.setting(key, default)) for v in self.variants]))

    def _rates(self) -> dict[str, jax.Array]:
        """Each varied optimizer argument, one value per variant."""
        name = self.spec.optimizer.name
        given = dict(self.spec.optimizer.args)
        out = {}
        for key in sorted(self._varied(f"optimizer.{name}.")):
            arg = key.rsplit(".", 1)[-1]
            out[arg] = self._column(
                key, given.get(arg, optimizers.optimizers()[name].parameters[arg].default)
            )
        return out

    def _penalty(self) -> tuple[str, float] | None:
        """The penalty the step computes: the recipe's, or the norm a variant's key names."""
        varied = self._varied("penalty.")
        if varied and self.spec.penalty is None:
            return (varied[0].split(".")[1], 0.0)
        return self.spec.penalty

    def _numbers(self) -> dict[str, Any]:
        """What each variant's compiled steps read (steps.make_step): whether it trains,
        and its penalty coefficient and node hyperparameters where they vary."""
        out: dict[str, Any] = {"active": jnp.ones(len(self.variants), bool)}
        for key in self._varied("penalty."):
            out["penalty"] = self._column(key, self.spec.penalty[1] if self.spec.penalty else 0.0)
        steps = {s.name: dict(s.hypers) for s in self.plan.steps}
        for key in self._varied("nodes."):
            parts = key.split(".")
            if len(parts) == 3:  # nodes.NODE.HYPERPARAMETER (the rest, init args, are drawn)
                column = self._column(key, steps[parts[1]][parts[2]])
                out.setdefault("hypers", {}).setdefault(parts[1], {})[parts[2]] = column
        return out

    def _stopped(self) -> np.ndarray:
        """Which variants take no more steps: failed, or their patience ran out."""
        return np.array(
            [v.name in self.failures or v.name in self.early_stopped for v in self.variants]
        )

    def _set_active(self) -> None:
        """Tell the compiled steps which variants still train (a change drops the call made
        ahead, which began with the old answer)."""
        active, calls = ~self._stopped(), self.session.calls
        if (np.asarray(calls.settings["active"]) != active).any():
            given = self.placement.weights(np.asarray(active))
            calls.settings = {**calls.settings, "active": given}
            calls.drop_ahead()

    def _take(self, start: int, steps: int) -> np.ndarray:
        return np.stack([b.take(start, steps) for b in self.batches_of])

    def early_stopping(self, rule) -> EachEarlyStopping:
        return EachEarlyStopping(rule, len(self.variants))

    def intervals_per_call(self, lowered, every: int) -> int:
        return intervals_per_call(lowered, every)

    def evaluate(self, session: Session, model, arrays) -> dict[str, np.ndarray]:
        """Loss and metrics of every variant on a set: {name: array (variants,)}."""
        return {k: np.asarray(v) for k, v in ordered(session.evaluator(model, arrays)).items()}

    def outcome(self, session: Session, start: int, stop: int, running, began: float):
        """The records of the call's log points, on the log grid as a run's: each variant's
        means over its own steps since its last log point, and the mean over those that
        reached the point. The step reached is the call's end, or once every variant has
        stopped, the last step any of them took (a failed one's last row is logged there)."""
        stopped = self._stopped()
        params, opt_state, bad, values = session.calls.finite(
            running, start, stop, session.params(), session.opt_state
        )
        model = eqx.combine(params, session.static)
        own = self._own_rows(session, values, np.asarray(bad), stopped, start, stop)
        end, steps = stop, session.schedule.log_steps(start, stop)
        if self._stopped().all():
            end, steps = self._last_steps(session, start)
        rows = self._rows(steps, own)
        if steps and steps[-1] == end:  # validation is due at call ends only
            self._with_validation(session, model, rows[-1], end)
        spent = time.perf_counter() - began
        seconds = [session.seconds + spent * (s - start) / max(stop - start, 1) for s in steps]
        records = [record(*point) for point in zip(steps, rows, seconds, strict=True)]
        self._set_active()  # a variant that failed trains no more
        return Outcome(model, params, opt_state, end, spent, records)

    def _own_rows(self, session: Session, values, bad, stopped, start: int, stop: int) -> dict:
        """{variant index: {log point step: its row}} for each variant that trained in the
        call, to its first step that was not finite (then its failure is noted)."""
        out = {}
        for i, variant in enumerate(self.variants):
            if stopped[i]:
                continue
            end = stop if bad[i] < 0 else int(bad[i])
            if bad[i] >= 0:
                self.failures[variant.name] = end + 1
            steps = session.schedule.log_steps(start, end)
            mine = {k: v[i] for k, v in values.items()}
            out[i], self.tallies[i] = own_rows(self.tallies[i], mine, steps, start, end)
        return out

    def _last_steps(self, session: Session, start: int) -> tuple[int, list[int]]:
        """Once every variant has stopped: the last step any of them took, and the log
        points up to it, with it when a failed variant's last row waits for one."""
        end = max([start, *(step - 1 for step in self.failures.values())])
        steps = session.schedule.log_steps(start, end)
        waiting = any(self._waiting(i) for i in range(len(self.variants)))
        return end, steps + ([end] if waiting and end > start and end not in steps else [])

    def _waiting(self, i: int) -> bool:
        """Whether variant `i` failed after steps that no log point has covered yet."""
        tally = self.tallies[i]
        return self.variants[i].name in self.failures and reached(tally) > tally.since

    def _rows(self, steps: list[int], own: dict) -> list[dict[str, Row]]:
        """Each log point's row of each variant: its own, else a failed one's last row (at
        the first point after its steps, with their "step" unless it is the point's),
        else where it stopped."""
        out: list[dict[str, Row]] = [{} for _ in steps]
        for i, variant in enumerate(self.variants):
            name, mine = variant.name, own.get(i, {})
            for at, rows in zip(steps, out, strict=True):
                if at in mine:
                    rows[name] = mine[at]
                elif self._waiting(i) and reached(self.tallies[i]) <= at:
                    row, self.tallies[i] = last_row(self.tallies[i])
                    rows[name] = {k: v for k, v in row.items() if (k, v) != ("step", at)}
                else:
                    rows[name] = {"stopped_at": self.failures.get(name) or self.early_stopped[name]}
        return out

    def noted(self, session: Session, record: dict[str, Any], model) -> None:
        """Early stopping, each variant on its own; the calls told who still trains."""
        early = session.early
        if early:
            rows = [record["variants"][v.name] for v in self.variants]
            early.update(record["step"], variant_records.reached_or_none(rows), model)
            for i, (variant, done) in enumerate(
                zip(self.variants, early.exhausted_each, strict=True)
            ):
                if done and variant.name not in self.early_stopped:
                    self.early_stopped[variant.name] = record["step"]
                    self.tallies[i] = Tally(record["step"])  # it logs no more
        self._set_active()

    def stop_reason(self, session: Session) -> str | None:
        """Why the population ends after this call (None: it goes on): every variant has
        stopped, all by early stopping, all failed, or some each way ("": it finished, each
        variant's status says how it ended)."""
        if not self._stopped().all():
            return None
        if not self.failures:
            rule = session.early.rule
            return (
                f"{EARLY_STOP}: every variant stopped improving ({rule.metric}, patience "
                f"{rule.patience}); each keeps its best weights"
            )
        return FAILED_ALL if len(self.failures) == len(self.variants) else ""

    def _with_validation(self, session: Session, model, rows: dict[str, Row], step: int) -> None:
        """Each variant that reached `step` gets its validation values there; a stopped
        one's weights no longer change: its curve ends where it stopped, as a run's would."""
        found = validation(session, model, step)
        for i, variant in enumerate(self.variants):
            if variant_records.row_reached(rows[variant.name]):
                rows[variant.name].update({k: float(v[i]) for k, v in found.items()})

    def result(self, session: Session) -> Result:
        """Every variant's result in `results`; the population's own Result holds the means.
        With early stopping each variant's model is its best one, from its `best_step`."""
        model, best_steps = session.model, [None] * len(self.variants)
        early = session.early
        if early and early.best_model is not None:
            kept = [e.best is not None for e in early.each]
            best_steps = [e.best_step if k else None for e, k in zip(early.each, kept, strict=True)]
            model = each_where(kept, early.best_model, model)
        finals: dict[str, np.ndarray] = {}
        for part in session.data.eval_sets if session.step else ():
            finals.update({f"{part}{k}": v for k, v in session.evaluate(model, part).items()})
        for i, variant in enumerate(self.variants):
            own = jax.tree_util.tree_map(lambda a, i=i: a[i], model)
            own = Composed(own.weights, self.plans[i], own.state)
            metrics = {k: float(v[i]) for k, v in finals.items()}
            why, failed = self._why_stopped(session, i), self.failures.get(variant.name)
            self.results[variant.name] = Result(
                own, self._steps(session, variant.name), session.seconds, metrics, None,
                why or session.stopped, best_steps[i], Failure(failed, "", why) if failed else None,
            )  # fmt: skip
        failure = None
        if session.stopped == FAILED_ALL:  # the step refused last, as a failed run's
            failure = Failure(max(self.failures.values()), "", FAILED_ALL)
        return Result(
            session.model, session.step, session.seconds,
            means([r.metrics for r in self.results.values()]), None, session.stopped,
            failure=failure, notes=tuple(distribution(self)),
        )  # fmt: skip

    def _steps(self, session: Session, name: str) -> int:
        """The steps a variant took: to its last good step, its early stop, or the end."""
        if name in self.failures:
            return self.failures[name] - 1
        return self.early_stopped.get(name, session.step)

    def _why_stopped(self, session: Session, i: int) -> str:
        """Why variant `i` stopped before the others, in words ("" if it did not)."""
        name = self.variants[i].name
        if name in self.failures:
            return f"the loss stopped being finite at step {self.failures[name]}"
        if name in self.early_stopped:
            early, rule = session.early.each[i], session.early.rule
            return (
                f"early stop: {rule.metric} did not improve for {rule.patience} evaluations; "
                f"best {number(early.best)} at step {early.best_step}"
            )
        return ""

    def header(self, session: Session) -> dict[str, Any]:
        """Each variant's first loss, failure, early stop and the per-step values after
        its last log point (so that a resumed population logs the same lines), for the
        checkpoint; of the last record, the population's own line (the numbers of its
        metrics.jsonl), without the variants' rows."""
        header: dict[str, Any] = {}
        if "variants" in session.record:
            header["record"] = {k: v for k, v in session.record.items() if k != "variants"}
        if session.first_loss is not None:
            header["first_loss"] = np.asarray(session.first_loss).tolist()
        header["failures"] = dict(self.failures)
        header["early_stopped"] = dict(self.early_stopped)
        header["tallies"] = {
            v.name: t.header() for v, t in zip(self.variants, self.tallies, strict=True)
        }
        return header

    def restore(self, session: Session, header: dict[str, Any]) -> None:
        self.failures.clear()
        self.failures.update(header.get("failures") or {})
        self.early_stopped.clear()
        self.early_stopped.update(header.get("early_stopped") or {})
        kept = header.get("tallies") or {}  # none before populations kept them
        self.tallies = [
            Tally.from_header(kept.get(v.name), self._steps(session, v.name)) for v in self.variants
        ]
        self._set_active()
