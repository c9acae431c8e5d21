"""Populations: many variants of one recipe trained at once, by one compiled program.

XOR with two hidden units is solved from some seeds and stuck at 50% from others; seeing
that takes twenty runs, or one population. Each variant differs only in numbers that do
not change a shape: its seed (initial weights, data order, random blocks) and the
optimizer's numeric arguments (held per variant through optax.inject_hyperparams). The
weights and optimizer states gain a leading axis of variants and `jax.vmap` steps them all
in each compiled chunk. A variant whose loss stops being finite freezes at its last good
weights; the others go on.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from compose import optim
from compose.api import build
from compose.batches import Batches
from compose.problems import RecipeError
from compose.session import Result, Session
from compose.steps import evaluator, make_step, runners
from compose.variants import problems, variants


class Population(Session):
    """A Session over several variants at once. Records hold the mean over variants of
    each value, and under "variants" each variant's own; `results` each variant's Result.
    Checkpoints, early stopping and resuming are not supported for populations yet."""

    def __init__(self, recipe, vary: Mapping[str, Sequence[Any]], **options: Any):
        super().__init__(recipe, **options)
        where = self.spec.where.get("vary", self.spec.where["train"])
        found = problems(self.spec, vary, where)
        if found:
            raise RecipeError(found)
        self.variants = variants(vary)
        self.failures: dict[str, Any] = {}
        self.results: dict[str, Result] = {}

    def _prepare_training(self) -> None:
        checked, spec = self.checked, self.spec
        seeds = [v.setting("seed", spec.seed) for v in self.variants]
        keys = [jax.random.key(s) for s in seeds]
        models = [build(checked, jax.random.fold_in(k, 0)) for k in keys]
        self.taken_from = (None, [], [])
        self.batches_of = [Batches(len(self._first(self.arrays)), spec.batch, s) for s in seeds]
        self.optimizer = optim.make(spec, inject=True)
        stacked = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *models)
        self.model = self.placement.replicated(stacked)
        opt_state = jax.vmap(self.optimizer.init)(self.model.weights)
        self.opt_state = self.placement.replicated(optim.with_hyperparams(opt_state, self._rates()))
        noise = None
        if checked.plan.random:
            noise = jnp.stack([jax.random.key_data(jax.random.fold_in(k, 1)) for k in keys])
            noise = jax.random.wrap_key_data(noise)
        _, self._static = eqx.partition(models[0], eqx.is_array)
        step = make_step(self.optimizer, spec.penalty, spec.metrics)
        self._runners = runners(step, self._static, noise, None, variants=True)
        one = evaluator(checked.plan, spec.metrics)
        self._evaluate = lambda model, arrays: jax.vmap(lambda m: one(m, arrays))(model)

    def _rates(self) -> dict[str, jax.Array]:
        """Each varied optimizer argument, one value per variant."""
        prefix = f"optimizer.{self.spec.optimizer.name}."
        given = dict(self.spec.optimizer.args)
        names = {
            k[len(prefix) :] for v in self.variants for k, _ in v.settings if k.startswith(prefix)
        }
        out = {}
        for name in sorted(names):
            default = given.get(
                name, optim.optimizers()[self.spec.optimizer.name].parameters[name].default
            )
            values = [v.setting(prefix + name, default) for v in self.variants]
            out[name] = jnp.asarray(values, jnp.float32)
        return out

    @staticmethod
    def _first(arrays):
        return next(iter(arrays.values()))

    def _take(self, start: int, steps: int) -> np.ndarray:
        return np.stack([b.take(start, steps) for b in self.batches_of])

    def _log_points_per_call(self, compiled) -> int:
        """One: a population's record holds every variant's means since the last one."""
        return 1

    def _check_early_stop(self) -> None:
        """Refused in __init__ for populations."""

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
        params, opt_state, bad, values = self._steps(start, stop, ahead=steps is None)
        model = eqx.combine(params, self._static)
        per_variant = self._per_variant(values, np.asarray(bad), start, stop)
        per_variant = self._with_validation(model, per_variant, stop)
        record = {"step": stop, **_means(per_variant)}
        self.seconds += time.perf_counter() - began
        record["seconds"] = self.seconds
        record["variants"] = per_variant
        self.model, self.opt_state, self.step, self.record = model, opt_state, stop, record
        self.records = [record]
        for listener in self.listeners:
            listener.logged(self, record)
        if self.step >= self.total:
            self._end("")
        return record

    def _per_variant(self, values, bad: np.ndarray, start: int, stop: int) -> dict[str, dict]:
        out = {}
        for i, variant in enumerate(self.variants):
            taken = stop - start if bad[i] < 0 else int(bad[i]) - start
            if bad[i] >= 0 and variant.name not in self.failures:
                self.failures[variant.name] = int(bad[i]) + 1
            if variant.name in self.failures and taken <= 0:
                out[variant.name] = {"stopped_at": self.failures[variant.name]}
                continue
            out[variant.name] = {
                k: float(np.mean(np.asarray(v[i, :taken]))) for k, v in values.items()
            }
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
        """Every variant's result in `results`; the population's own Result holds the means."""
        if self.result is not None:
            return self.result
        finals: dict[str, np.ndarray] = {}
        for part in self.eval_sets if self.step else ():
            finals.update({f"{part}{k}": v for k, v in self.evaluate(self.model, part).items()})
        for i, variant in enumerate(self.variants):
            weights = jax.tree_util.tree_map(lambda a, i=i: a[i], self.model)
            metrics = {k: float(v[i]) for k, v in finals.items()}
            failed = self.failures.get(variant.name)
            said = f"the loss stopped being finite at step {failed}" if failed else ""
            self.results[variant.name] = Result(
                weights, self.step, self.seconds, metrics, None, said
            )
        self.stopped = stopped or self.stopped
        self.result = Result(
            self.model, self.step, self.seconds, _means(
                {n: r.metrics for n, r in self.results.items()}), None, self.stopped,
            notes=tuple(distribution(self)),
        )  # fmt: skip
        for listener in self.listeners:
            listener.finished(self, self.result)
        return self.result

    def state_tree(self) -> dict[str, Any]:
        return {"model": self.model, "opt_state": self.opt_state}


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
