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
from compose.checker.variants import planned, problems, variants
from compose.model.composed import Composed, init_state, init_weights
from compose.recipe.problems import RecipeError
from compose.trainer.batches import Batches
from compose.trainer.early_stop import EachEarlyStopping, each_where
from compose.trainer.session import Result, Session
from compose.trainer.steps import evaluator, make_step, runners


class Population(Session):
    """A Session over several variants at once. Records hold the mean over variants of
    each value, and under "variants" each variant's own; `results` each variant's Result.
    A variant that stopped (its loss not finite, or early stopping) takes no more steps:
    its records say `stopped_at`, and its weights stay as they were."""

    def __init__(self, recipe, vary: Mapping[str, Sequence[Any]], **options: Any):
        super().__init__(recipe, **options)
        where = self.spec.where.get("vary", self.spec.where["train"])
        found = problems(self.checked.recipe, vary, where)
        if found:
            raise RecipeError(found)
        self.variants = variants(vary)
        self.plans = [planned(self.checked.plan, v) for v in self.variants]  # each its own
        self.failures: dict[str, int] = {}  # variant -> the step its loss stopped being finite
        self.early_stopped: dict[str, int] = {}  # variant -> the step its patience ran out
        self.results: dict[str, Result] = {}

    def _prepare_training(self) -> None:
        spec, plan = self.spec, self.checked.plan
        seeds = [v.setting("seed", spec.seed) for v in self.variants]
        keys = [jax.random.key(s) for s in seeds]
        # Each variant's weights are drawn by its own plan (its initialisers' arguments);
        # all train under the recipe's plan, their traced numbers given in `settings`.
        models = [
            Composed(init_weights(own, jax.random.fold_in(k, 0)), plan, init_state(plan))
            for own, k in zip(self.plans, keys, strict=True)
        ]
        self.taken_from = (None, [], [])
        self.batches_of = [Batches(len(self._first(self.arrays)), spec.batch, s) for s in seeds]
        self.optimizer = optimizers.make(spec, inject=True)
        stacked = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *models)
        self.model = self.placement.replicated(stacked)
        opt_state = jax.vmap(self.optimizer.init)(self.model.weights)
        self.opt_state = self.placement.replicated(
            optimizers.with_hyperparams(opt_state, self._rates())
        )
        noise = None
        if plan.random:
            noise = jnp.stack([jax.random.key_data(jax.random.fold_in(k, 1)) for k in keys])
            noise = jax.random.wrap_key_data(noise)
        _, self._static = eqx.partition(models[0], eqx.is_array)
        self._settings = self.placement.replicated(self._numbers())
        step = make_step(self.optimizer, self._penalty(), spec.metrics)
        self._runners = runners(step, self._static, noise, None, variants=True)
        one = evaluator(plan, spec.metrics)
        self._evaluate = lambda model, arrays: jax.vmap(lambda m, h: one(m, arrays, h))(
            model, self._settings.get("hypers")
        )

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
        steps = {s.name: dict(s.hypers) for s in self.checked.plan.steps}
        for key in self._varied("nodes."):
            parts = key.split(".")
            if len(parts) == 3:  # nodes.NODE.HYPERPARAMETER (the rest, init args, are drawn)
                column = self._column(key, steps[parts[1]][parts[2]])
                out.setdefault("hypers", {}).setdefault(parts[1], {})[parts[2]] = column
        return out

    def _early_stopping(self, rule) -> EachEarlyStopping:
        return EachEarlyStopping(rule, len(self.variants))

    def _stopped(self) -> np.ndarray:
        """Which variants take no more steps: failed, or their patience ran out."""
        return np.array(
            [v.name in self.failures or v.name in self.early_stopped for v in self.variants]
        )

    def _set_active(self) -> None:
        """Tell the compiled steps which variants still train (a change drops the call made
        ahead, which began with the old answer)."""
        active = ~self._stopped()
        if (np.asarray(self._settings["active"]) != active).any():
            given = self.placement.replicated(jnp.asarray(active))
            self._settings = {**self._settings, "active": given}
            self._ahead = None

    @staticmethod
    def _first(arrays):
        return next(iter(arrays.values()))

    def _take(self, start: int, steps: int) -> np.ndarray:
        return np.stack([b.take(start, steps) for b in self.batches_of])

    def _log_points_per_call(self, lowered) -> int:
        """One: a population's record holds every variant's means since the last one."""
        return 1

    def evaluate(self, model, part: str = "") -> dict[str, np.ndarray]:
        """Loss and metrics of every variant on a set: {name: array (variants,)}."""
        values = self._evaluate(model, self.eval_sets[part])
        return {k: np.asarray(values[k]) for k in sorted(values, key=lambda k: (k != "loss", k))}

    def advance(self, steps: int | None = None) -> dict[str, Any] | None:
        """Train every variant to the next log point; return the population's record."""
        if not self.prepared:
            self.prepare()
        if self.done:
            return None
        start = self.step
        stop = self.next_stop() if steps is None else min(start + steps, self.next_stop())
        began = time.perf_counter()
        stopped = self._stopped()
        running = self._steps(start, stop, ahead=steps is None)
        params, opt_state, bad, values = self._finite(running, start, stop)
        model = eqx.combine(params, self._static)
        per_variant = self._per_variant(values, np.asarray(bad), stopped, start, stop)
        per_variant = self._with_validation(model, per_variant, stop)
        record = {"step": stop, **_means(per_variant)}
        self.seconds += time.perf_counter() - began
        record["seconds"] = self.seconds
        record["variants"] = per_variant
        self.model, self.opt_state, self.step, self.record = model, opt_state, stop, record
        self.records = [record]
        if self.early:
            rows = [per_variant[v.name] for v in self.variants]
            self.early.update(stop, [None if "stopped_at" in r else r for r in rows], model)
            for variant, done in zip(self.variants, self.early.exhausted_each, strict=True):
                if done and variant.name not in self.early_stopped:
                    self.early_stopped[variant.name] = stop
        self._set_active()
        for listener in self.listeners:
            listener.logged(self, record)
        for listener in self.listeners:
            listener.advanced(self)
        if self._stopped().all():
            self._end(self._why_all_stopped())
        elif self.step >= self.total:
            self._end("")
        return record

    def _why_all_stopped(self) -> str:
        if self.early_stopped:
            rule = self.early.rule
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

    def _with_validation(self, model, per_variant: dict, step: int) -> dict:
        every = self.spec.validate_every
        if "val_" not in self.eval_sets or (every and step % every and step != self.total):
            return per_variant
        found = self.evaluate(model, "val_")
        for i, variant in enumerate(self.variants):
            per_variant[variant.name].update({f"val_{k}": float(v[i]) for k, v in found.items()})
        return per_variant

    def finish(self, stopped: str = "") -> Result:
        """Every variant's result in `results`; the population's own Result holds the means.
        With early stopping each variant's model is its best one, from its `best_step`."""
        if self.result is not None:
            return self.result
        self._ahead = None
        if self._worker is not None:
            self._worker.shutdown(wait=False)
        model, best_steps = self.model, [None] * len(self.variants)
        if self.early and self.early.best_model is not None:
            kept = [e.best is not None for e in self.early.each]
            best_steps = [
                e.best_step if k else None for e, k in zip(self.early.each, kept, strict=True)
            ]
            model = each_where(kept, self.early.best_model, model)
        finals: dict[str, np.ndarray] = {}
        for part in self.eval_sets if self.step else ():
            finals.update({f"{part}{k}": v for k, v in self.evaluate(model, part).items()})
        for i, variant in enumerate(self.variants):
            own = jax.tree_util.tree_map(lambda a, i=i: a[i], model)
            own = Composed(own.weights, self.plans[i], own.state)
            metrics = {k: float(v[i]) for k, v in finals.items()}
            self.results[variant.name] = Result(
                own, self.early_stopped.get(variant.name, self.step), self.seconds, metrics,
                None, self._why_stopped(i), best_steps[i],
            )  # fmt: skip
        self.stopped = stopped or self.stopped
        self.result = Result(
            self.model, self.step, self.seconds, _means(
                {n: r.metrics for n, r in self.results.items()}), None, self.stopped,
            notes=tuple(distribution(self)),
        )  # fmt: skip
        for listener in self.listeners:
            listener.finished(self, self.result)
        return self.result

    def _why_stopped(self, i: int) -> str:
        """Why variant `i` stopped before the others, in words ("" if it did not)."""
        name = self.variants[i].name
        if name in self.failures:
            return f"the loss stopped being finite at step {self.failures[name]}"
        if name in self.early_stopped:
            early, rule = self.early.each[i], self.early.rule
            return (
                f"early stop: {rule.metric} did not improve for {rule.patience} evaluations; "
                f"best {early.best:.4g} at step {early.best_step}"
            )
        return ""

    # -- checkpoints -----------------------------------------------------------------------

    def state_header(self) -> dict[str, Any]:
        """The session's header, with each variant's first loss, failure and early stop."""
        header = super().state_header()
        if self.first_loss is not None:
            header["first_loss"] = np.asarray(self.first_loss).tolist()
        header["failures"] = dict(self.failures)
        header["early_stopped"] = dict(self.early_stopped)
        return header

    def restore(self, tree: dict[str, Any], header: dict[str, Any]) -> None:
        super().restore(tree, header)
        self.failures = dict(header.get("failures") or {})
        self.early_stopped = dict(header.get("early_stopped") or {})
        self._set_active()


def _means(per_variant: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """The mean over variants of each value they all have."""
    rows = [r for r in per_variant.values() if "stopped_at" not in r]
    keys = [k for k in (rows[0] if rows else {}) if all(k in r for r in rows)]
    return {k: float(np.mean([r[k] for r in rows])) for k in keys}


def distribution(population: Population) -> list[str]:
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
