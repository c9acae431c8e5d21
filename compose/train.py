"""Train a checked recipe with optax: batches on device, many steps per compiled call."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from blocks import BLOCKS
from compose import data, metrics, optim
from compose.api import build
from compose.check import check
from compose.model import Composed, Extras, run
from compose.problems import Problem, RecipeError
from compose.recipe import Recipe
from compose.report import Checked
from compose.run_folder import RunFolder

EVAL_CAP = 10_000  # examples the logged loss and metrics are measured on


@dataclass(frozen=True)
class Result:
    """A finished (or interrupted) run: the trained model and what it reached."""

    model: Composed
    steps: int
    seconds: float
    metrics: dict[str, float]
    folder: Path | None
    stopped: str = ""  # why training ended early: "interrupted", or a loss that is not finite


BATCH_AXIS = "batch"  # the vmapped batch's name, for blocks with batch statistics


def loss_fn(
    weights: dict,
    model: Composed,
    batch: dict[str, jax.Array],
    penalty: tuple[str, float] | None,
    key: jax.Array | None = None,
):
    """(mean per-example loss over the batch plus the weight penalty, new running state).

    With a key, each example gets its own for the random blocks (dropout, noise). Blocks
    with running state (batch norm) see the batch through its axis name and update it.
    """
    plan, stateful = model.plan, model.plan.stateful

    def one(example, example_key):
        extras = Extras(
            key=example_key,
            state=model.state,
            batch_axis=BATCH_AXIS if stateful else None,
            updates={} if stateful else None,
        )
        return run(plan, weights, example, (plan.loss,), extras)[str(plan.loss)], extras.updates

    keys = None if key is None else jax.random.split(key, len(next(iter(batch.values()))))
    losses, updates = jax.vmap(one, in_axes=(0, None if keys is None else 0), axis_name=BATCH_AXIS)(
        batch, keys
    )
    loss = jnp.mean(losses)
    if penalty:
        norm, coef = penalty
        size = (lambda w: jnp.sum(w * w)) if norm == "l2" else (lambda w: jnp.sum(jnp.abs(w)))
        loss = loss + coef * sum(size(w) for w in jax.tree_util.tree_leaves(weights))
    # The batch-wide statistics are the same for every example: keep the first row.
    return loss, jax.tree_util.tree_map(lambda a: a[0], updates) if stateful else None


def make_step(optimizer: optim.Optimizer, penalty=None) -> Callable:
    """One optimisation step on a batch: (model, opt_state, batch, key=None) ->
    (model, opt_state, loss). The optimizer's state covers `model.weights` only; the key
    drives random blocks; running state is replaced by the step's update of it."""

    def step(model, opt_state, batch, key=None):
        (loss, new_state), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            model.weights, model, batch, penalty, key
        )
        updates, opt_state = optimizer.update(grads, opt_state, model.weights)
        model = eqx.tree_at(lambda m: m.weights, model, eqx.apply_updates(model.weights, updates))
        if new_state is not None:
            model = eqx.tree_at(lambda m: m.state, model, merged(model.state, new_state))
        return model, opt_state, loss

    return step


def merged(old: dict, new: dict) -> dict:
    """`old` with the entries `new` has replaced (nested dicts merge key by key)."""
    out = dict(old)
    for name, value in new.items():
        out[name] = merged(old[name], value) if isinstance(value, dict) else value
    return out


def _chunk_runner(step: Callable, arrays: dict[str, jax.Array], key: jax.Array | None) -> Callable:
    """Run several steps in one compiled call: indices (steps, batch) pick each batch, and
    step numbers (steps,) fold into `key` for the random blocks (None when there are none)."""

    @eqx.filter_jit
    def run(model, opt_state, indices, numbers):
        params, static = eqx.partition(model, eqx.is_array)

        def body(carry, idx_number):
            params, opt_state = carry
            idx, number = idx_number
            batch = {k: a[idx] for k, a in arrays.items()}
            step_key = None if key is None else jax.random.fold_in(key, number)
            model, opt_state, loss = step(eqx.combine(params, static), opt_state, batch, step_key)
            return (eqx.filter(model, eqx.is_array), opt_state), loss

        (params, opt_state), losses = jax.lax.scan(body, (params, opt_state), (indices, numbers))
        return eqx.combine(params, static), opt_state, losses

    return run


def _evaluator(checked: Checked) -> Callable:
    """Loss and metrics of a model on a set of examples (at most EVAL_CAP of them)."""
    plan = checked.plan
    loss_step = next(s for s in plan.steps if s.name == plan.loss.name)
    names = checked.recipe.train.metrics  # the check allows them only on a loss block
    classifies = BLOCKS[loss_step.block].classifies if names else None
    wanted = (plan.loss,) + (loss_step.args[:2] if names else ())

    @eqx.filter_jit
    def evaluate(model, arrays):
        values = jax.vmap(lambda ex: model.values(ex, wanted))(arrays)
        out = {"loss": jnp.mean(values[str(plan.loss)])}
        if "accuracy" in names:
            pred, target = (values[str(v)] for v in loss_step.args[:2])
            out["accuracy"] = metrics.accuracy(pred, target, classifies)
        return out

    return evaluate


class Batches:
    """Example indices, batch after batch: a fresh shuffle each epoch, full batches only.

    Drawn as needed, so a long run never holds all its indices at once.
    """

    def __init__(self, n: int, batch: int, rng: np.random.Generator):
        self.n, self.batch, self.rng = n, batch, rng
        self.per_epoch = n // batch
        self.epoch: np.ndarray = np.empty((0, batch), np.int32)

    def take(self, steps: int) -> np.ndarray:
        """The next `steps` batches, shape (steps, batch)."""
        parts = []
        while steps > 0:
            if len(self.epoch) == 0:
                order = self.rng.permutation(self.n)[: self.per_epoch * self.batch]
                self.epoch = order.reshape(self.per_epoch, self.batch).astype(np.int32)
            part, self.epoch = self.epoch[:steps], self.epoch[steps:]
            parts.append(part)
            steps -= len(part)
        return np.concatenate(parts)


def total_steps(checked: Checked, n_train: int) -> int:
    train = checked.recipe.train
    if train.steps:
        return train.steps
    return train.epochs * (n_train // train.batch)


def train(
    recipe: Recipe | Checked,
    *,
    folder: str | Path | None = None,
    on_log: Callable[[dict[str, Any]], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> Result:
    """Train the recipe's model as its train section says.

    Writes the run folder if one is given; `on_log` receives each logged record
    ({"step", "loss", metrics..., "val_loss", ...}); `on_start` the number of steps.
    Raises RecipeError for a bad recipe.
    """
    checked = recipe if isinstance(recipe, Checked) else check(recipe)
    if checked.problems:
        raise RecipeError(checked.problems)
    spec = checked.recipe.train
    if spec is None:
        raise RecipeError([Problem(checked.recipe.where, "expected a train section, got none")])
    names = [i.name for i in checked.recipe.inputs]
    train_np, val_np = data.load(spec.data, names)
    train_arrays = {k: jnp.asarray(v) for k, v in train_np.items()}
    val_arrays = {k: jnp.asarray(v) for k, v in val_np.items()}
    n = len(next(iter(train_np.values())))
    total = total_steps(checked, n)
    key = jax.random.key(spec.seed)
    model = build(checked, jax.random.fold_in(key, 0))
    optimizer = optim.make(spec)
    opt_state = optimizer.init(model.weights)
    noise_key = jax.random.fold_in(key, 1) if checked.plan.random else None
    run_chunk = _chunk_runner(make_step(optimizer, spec.penalty), train_arrays, noise_key)
    evaluate = _evaluator(checked)
    batches = Batches(n, spec.batch, np.random.default_rng(spec.seed))
    every = spec.log_every or max(1, total // 100)
    bounds = _boundaries(total, every, spec.validate_every)
    eval_train = {k: a[:EVAL_CAP] for k, a in train_arrays.items()}
    eval_val = {k: a[:EVAL_CAP] for k, a in val_arrays.items()}
    has_val = bool(val_np) and len(next(iter(val_np.values()))) > 0
    out = RunFolder(folder, checked.recipe.data) if folder else None
    if on_start:
        on_start(total)
    done, record, start = 0, {}, time.perf_counter()
    stopped = ""
    try:
        for stop in bounds:
            # The model, step count and logged record advance together, so an interrupt at
            # any moment leaves a run folder that agrees with itself.
            new_model, new_state, losses = run_chunk(
                model, opt_state, batches.take(stop - done), np.arange(done, stop)
            )
            new = {"step": stop, **_floats(evaluate(new_model, eval_train))}
            new["batch_loss"] = float(jnp.mean(losses))
            if has_val and (
                spec.validate_every is None or stop % spec.validate_every == 0 or stop == total
            ):
                new.update(
                    {f"val_{k}": v for k, v in _floats(evaluate(new_model, eval_val)).items()}
                )
            new["seconds"] = time.perf_counter() - start
            if out:
                out.log(new)
            model, opt_state, done, record = new_model, new_state, stop, new
            if on_log:
                on_log(record)
            if not math.isfinite(record["batch_loss"]):
                stopped = f"the loss became {record['batch_loss']} by step {done}"
                break
    except KeyboardInterrupt:
        stopped = "interrupted"
    except Exception as err:
        if out:
            out.finish(model, {"steps": done, "error": f"{type(err).__name__}: {err}"})
        raise
    seconds = time.perf_counter() - start
    final = {k: v for k, v in record.items() if k not in ("step", "seconds", "batch_loss")}
    if out:
        summary = {"steps": done, "seconds": seconds, "metrics": final}
        if stopped:
            summary["stopped"] = stopped
        out.finish(model, summary)
    return Result(model, done, seconds, final, out.path if out else None, stopped)


def _boundaries(total: int, every: int, validate_every: int | None) -> list[int]:
    """Steps after which to log: multiples of `every` and `validate_every`, and the last."""
    marks = set(range(every, total + 1, every)) | {total}
    if validate_every:
        marks |= set(range(validate_every, total + 1, validate_every))
    return sorted(marks)


def _floats(values: dict[str, jax.Array]) -> dict[str, float]:
    """Plain floats, loss first, then the metrics in name order."""
    return {k: float(values[k]) for k in sorted(values, key=lambda k: (k != "loss", k))}
