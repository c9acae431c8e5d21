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
its best weights; the others go on. A population checkpoints and resumes like one run.
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
from compose.model.composed import Composed, init_state, init_weights
from compose.recipe.problems import RecipeError
from compose.trainer.batches import Batches
from compose.trainer.early_stop import EachEarlyStopping, each_where
from compose.trainer.one_model import Outcome, Start, validation
from compose.trainer.records import ordered
from compose.trainer.result import Result
from compose.trainer.session import Session
from compose.trainer.steps import evaluator, make_step, runners


class Population(Session):
    """A Session over several variants at once, each a setting of the numbers `vary` names.

    Records hold the mean over variants of each value, and under "variants" each variant's
    own; `results` each variant's Result. A variant that stopped (its loss not finite, or
    early stopping) takes no more steps: its records say `stopped_at` and nothing else
    (its run folder logs no more lines), and its weights stay as they were. It advances,
    pauses and checkpoints as any session: only its trainee (Variants) differs."""

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

    def start(self, session: Session) -> Start:
        spec, plan, placement = session.spec, session.checked.plan, session.data.placement
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
        model = placement.replicated(stacked)
        opt_state = jax.vmap(optimizer.init)(model.weights)
        opt_state = placement.replicated(optimizers.with_hyperparams(opt_state, rates))
        noise = None
        if plan.random:
            noise = jnp.stack([jax.random.key_data(jax.random.fold_in(k, 1)) for k in keys])
            noise = jax.random.wrap_key_data(noise)
        _, static = eqx.partition(models[0], eqx.is_array)
        settings = placement.replicated(self._numbers())
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
        return jnp.asarray([float(v.setting(key, default)) for v in self.variants], jnp.float32)

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
            given = self.placement.replicated(jnp.asarray(active))
            calls.settings = {**calls.settings, "active": given}
            calls.drop_ahead()

    def _take(self, start: int, steps: int) -> np.ndarray:
        return np.stack([b.take(start, steps) for b in self.batches_of])

    def early_stopping(self, rule) -> EachEarlyStopping:
        return EachEarlyStopping(rule, len(self.variants))

    def intervals_per_call(self, lowered, every: int) -> int:
        """One: a population's record holds every variant's means since the last one."""
        return 1

    def evaluate(self, session: Session, model, arrays) -> dict[str, np.ndarray]:
        """Loss and metrics of every variant on a set: {name: array (variants,)}."""
        return {k: np.asarray(v) for k, v in ordered(session.evaluator(model, arrays)).items()}

    def outcome(self, session: Session, start: int, stop: int, running, began: float):
        """One record: the mean over the variants still training, and each one's own."""
        stopped = self._stopped()
        params, opt_state, bad, values = session.calls.finite(
            running, start, stop, session.params(), session.opt_state
        )
        model = eqx.combine(params, session.static)
        per_variant = self._per_variant(values, np.asarray(bad), stopped, start, stop)
        per_variant = self._with_validation(session, model, per_variant, stop)
        spent = time.perf_counter() - began
        record = {"step": stop, **_means(per_variant), "seconds": session.seconds + spent}
        record["variants"] = per_variant
        return Outcome(model, params, opt_state, stop, spent, [record])

    def noted(self, session: Session, record: dict[str, Any], model) -> None:
        """Early stopping, each variant on its own; the calls told who still trains."""
        early = session.early
        if early:
            rows = [record["variants"][v.name] for v in self.variants]
            early.update(record["step"], [None if "stopped_at" in r else r for r in rows], model)
            for variant, done in zip(self.variants, early.exhausted_each, strict=True):
                if done and variant.name not in self.early_stopped:
                    self.early_stopped[variant.name] = record["step"]
        self._set_active()

    def stop_reason(self, session: Session) -> str | None:
        if not self._stopped().all():
            return None
        if self.early_stopped:
            rule = session.early.rule
            return (
                f"early stop: every variant stopped improving ({rule.metric}, patience "
                f"{rule.patience}); each keeps its best weights"
            )
        return "the loss stopped being finite in every variant"

    def _per_variant(
        self, values, bad: np.ndarray, stopped: np.ndarray, start: int, stop: int
    ) -> dict[str, dict]:
        out = {}
        for i, variant in enumerate(self.variants):
            name = variant.name
            if stopped[i]:
                out[name] = {"stopped_at": self.failures.get(name) or self.early_stopped[name]}
                continue
            taken = stop - start if bad[i] < 0 else int(bad[i]) - start
            if bad[i] >= 0:
                self.failures[name] = int(bad[i]) + 1
            if taken <= 0:
                out[name] = {"stopped_at": self.failures[name]}
                continue
            out[name] = {k: float(np.mean(np.asarray(v[i, :taken]))) for k, v in values.items()}
        return out

    def _with_validation(self, session: Session, model, per_variant: dict, step: int) -> dict:
        """Each variant still training gets its validation values at `step`; a stopped one's
        weights no longer change, and its curve ends where it stopped, as a run's would."""
        found = validation(session, model, step)
        for i, variant in enumerate(self.variants):
            row = per_variant[variant.name]
            if "stopped_at" not in row:
                row.update({k: float(v[i]) for k, v in found.items()})
        return per_variant

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
            self.results[variant.name] = Result(
                own, self.early_stopped.get(variant.name, session.step), session.seconds,
                metrics, None, self._why_stopped(session, i), best_steps[i],
            )  # fmt: skip
        means = _means({n: r.metrics for n, r in self.results.items()})
        return Result(
            session.model, session.step, session.seconds, means, None, session.stopped,
            notes=tuple(distribution(self)),
        )  # fmt: skip

    def _why_stopped(self, session: Session, i: int) -> str:
        """Why variant `i` stopped before the others, in words ("" if it did not)."""
        name = self.variants[i].name
        if name in self.failures:
            return f"the loss stopped being finite at step {self.failures[name]}"
        if name in self.early_stopped:
            early, rule = session.early.each[i], session.early.rule
            return (
                f"early stop: {rule.metric} did not improve for {rule.patience} evaluations; "
                f"best {early.best:.4g} at step {early.best_step}"
            )
        return ""

    def header(self, session: Session) -> dict[str, Any]:
        """Each variant's first loss, failure and early stop, for the checkpoint."""
        header: dict[str, Any] = {}
        if session.first_loss is not None:
            header["first_loss"] = np.asarray(session.first_loss).tolist()
        header["failures"] = dict(self.failures)
        header["early_stopped"] = dict(self.early_stopped)
        return header

    def restore(self, session: Session, header: dict[str, Any]) -> None:
        self.failures.clear()
        self.failures.update(header.get("failures") or {})
        self.early_stopped.clear()
        self.early_stopped.update(header.get("early_stopped") or {})
        self._set_active()


def _means(per_variant: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """The mean over variants of each value they all have."""
    rows = [r for r in per_variant.values() if "stopped_at" not in r]
    keys = [k for k in (rows[0] if rows else {}) if all(k in r for r in rows)]
    return {k: float(np.mean([r[k] for r in rows])) for k in keys}


def distribution(population: Population | Variants) -> list[str]:
    """How the variants ended, in words: how many reach the best accuracy, the spread of
    the loss, which failed."""
    results = population.results
    lines = []
    key = next(
        (k for k in ("val_accuracy", "accuracy") if all(k in r.metrics for r in results.values())),
        None,
    )
    if key:
        values = [r.metrics[key] for r in results.values()]
        best = max(values)
        reached = sum(v >= best - 1e-6 for v in values)
        varied = {k for v in population.variants for k, _ in v.settings}
        noun = "seeds" if varied == {"seed"} else "variants"
        shown = f"{best:.4g}" if "." in f"{best:.4g}" else f"{best:.1f}"
        lines.append(f"{reached} of {len(values)} {noun} reach {key} {shown}")
    losses = [r.metrics["loss"] for r in results.values() if "loss" in r.metrics]
    if losses:
        lines.append(
            f"loss: median {np.median(losses):.4g}, best {min(losses):.4g}, worst {max(losses):.4g}"
        )
    for name, step in population.failures.items():
        lines.append(f"variant {name}: the loss stopped being finite at step {step}")
    return lines
