"""The compiled pieces of training: the loss over a batch, one optimisation step, a chunk of
steps under `jax.lax.scan` that refuses non-finite steps (and may measure the model inside
itself at some steps: a Probe), and evaluation on a data set."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from blocks import BLOCKS
from compose.checker import metrics, optimizers, set_metrics
from compose.checker.plan import Plan, Shape, Value
from compose.model.composed import Composed, Extras, run

BATCH_AXIS = "batch"  # the vmapped batch's name, for blocks with batch statistics
# "loss" and each metric: per example, or their means; and the set metrics' raw values or
# statistics (compose.checker.set_metrics: keys holding ":")
Values = dict[str, jax.Array]


def example_values(plan: Plan, names: tuple[str, ...]) -> Callable:
    """`f(weights, example, extras) -> {"loss": scalar, metric: scalar...}` for one example:
    the loss and each per-example metric read from the loss node's prediction and target,
    and the raw values the set metrics among `names` are made from."""
    loss_step = plan.loss_step
    classifies = BLOCKS[loss_step.block].classifies if loss_step.block else None
    wanted = (plan.loss,) + (loss_step.args[:2] if names else ())
    own = tuple(n for n in names if metrics.per_example_metric(n))

    def values(weights, example, extras: Extras) -> Values:
        got = run(plan, weights, example, wanted, extras)
        out = {"loss": got[str(plan.loss)]}
        if names:
            pred, target = (got[str(v)] for v in loss_step.args[:2])
            out.update({n: metrics.per_example(n, pred, target, classifies) for n in own})
            out.update(set_metrics.example(names, pred, target, classifies))
        return out

    return values


def reducer(plan: Plan, names: tuple[str, ...], *, whole: bool, confusion=False) -> Callable:
    """`f(rows) -> values`: a batch's (or with `whole`, a whole set's) values from its
    examples' (set_metrics.reduced)."""
    loss_step = plan.loss_step
    pred = loss_step.args[0] if loss_step.args else None
    classes = set_metrics.classes_of(value_shape(plan, pred) or (1,)) if pred else 2
    return lambda rows: set_metrics.reduced(rows, names, classes, whole=whole, confusion=confusion)


def value_shape(plan: Plan, value: Value) -> Shape:
    """The shape of one example's `value` as it arrives."""
    if value.reshape is not None:
        return value.reshape
    if value.kind == "input":
        return dict(plan.inputs)[value.name]
    if value.kind == "node":
        return next(s.out_shape for s in plan.steps if s.name == value.name)
    return next(w.shape for w in plan.learned if (w.node, w.slot) == (value.name, value.slot))


def loss_fn(
    weights: dict,
    model: Composed,
    batch: dict[str, jax.Array],
    penalty: tuple[str, float] | None,
    key: jax.Array | None = None,
    names: tuple[str, ...] = (),
    hypers: dict | None = None,
):
    """(mean loss over the batch plus the weight penalty, (running state, batch means of
    the loss and of each metric in `names`)).

    With a key, each example gets its own for the random blocks (dropout, noise). Blocks
    with running state (batch norm) see the batch through its axis name and update it.
    `hypers` ({node: {hyperparameter: scalar}}) replaces nodes' hyperparameters by traced
    values (a population's, one per variant); the penalty's coefficient may be traced too.
    """
    plan, stateful = model.plan, model.plan.stateful
    values, reduce = example_values(plan, names), reducer(plan, names, whole=False)

    def one(example, example_key):
        extras = Extras(
            key=example_key,
            state=model.state,
            batch_axis=BATCH_AXIS if stateful else None,
            updates={} if stateful else None,
            hypers=hypers,
        )
        return values(weights, example, extras), extras.updates

    keys = None if key is None else jax.random.split(key, len(next(iter(batch.values()))))
    per_example, updates = jax.vmap(
        one, in_axes=(0, None if keys is None else 0), axis_name=BATCH_AXIS
    )(batch, keys)
    means = reduce(per_example)
    loss = means["loss"]
    if penalty:
        norm, coef = penalty
        size = (lambda w: jnp.sum(w * w)) if norm == "l2" else (lambda w: jnp.sum(jnp.abs(w)))
        loss = loss + coef * sum(size(w) for w in jax.tree_util.tree_leaves(weights))
    # The batch-wide statistics are the same for every example: keep the first row.
    state = jax.tree_util.tree_map(lambda a: a[0], updates) if stateful else None
    return loss, (state, means)


def make_step(
    optimizer: optimizers.Optimizer, penalty=None, names: tuple[str, ...] = ()
) -> Callable:
    """One optimisation step on a batch: (model, opt_state, batch, key=None, settings=None)
    -> (model, opt_state, values), values the batch means of the loss (without the penalty)
    and of each metric. The optimizer's state covers `model.weights` only; the key drives
    random blocks; running state is replaced by the step's update of it. `settings` holds
    a population variant's traced numbers: "penalty" (the coefficient of `penalty`'s norm)
    and "hypers" (see loss_fn); without them the step is the recipe's."""

    def step(model, opt_state, batch, key=None, settings=None):
        settings = settings or {}
        own = (penalty[0], settings["penalty"]) if "penalty" in settings else penalty
        (_, (new_state, values)), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            model.weights, model, batch, own, key, names, settings.get("hypers")
        )
        updates, opt_state = optimizer.update(grads, opt_state, model.weights)
        model = eqx.tree_at(lambda m: m.weights, model, eqx.apply_updates(model.weights, updates))
        if new_state is not None:
            model = eqx.tree_at(lambda m: m.state, model, merged(model.state, new_state))
        return model, opt_state, values

    return step


def merged(old: dict, new: dict) -> dict:
    """`old` with the entries `new` has replaced (nested dicts merge key by key)."""
    out = dict(old)
    for name, value in new.items():
        out[name] = merged(old[name], value) if isinstance(value, dict) else value
    return out


def all_finite(tree) -> jax.Array:
    """Whether every number in every array of `tree` is finite (a boolean scalar)."""
    leaves = [jnp.all(jnp.isfinite(a)) for a in jax.tree_util.tree_leaves(tree)]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.bool_(True)


GUARDS = ("chunk", "step", "off")


class Probe(NamedTuple):
    """What a chunk measures inside itself: after each step whose 1-based number is a
    multiple of `every`, `measure(before, after, batch)` (the models before and after that
    step, and its batch) gives a row of `width` float32 numbers. Other steps skip it
    (`jax.lax.cond`), so measuring every few steps costs those steps almost nothing, ends
    no call, and only the rows come back, as one array. The width is given, not found by
    tracing `measure` a second time: it is traced once, as the branch of the steps due."""

    every: int
    measure: Callable
    width: int


def chunk_runner(
    step: Callable,
    static,
    key: jax.Array | None,
    batch_sharding=None,
    *,
    guard: str = "chunk",
    variants: bool = False,
    probe: Probe | None = None,
) -> Callable:
    """`f(params, opt_state, arrays, indices, numbers, settings=None) -> (params, opt_state,
    bad, values)`: several steps in one compiled call.

    indices (steps, batch) pick each step's examples from `arrays`; numbers (steps,) are
    the step numbers, folded into `key` for the random blocks (None when there are none).
    values: each step's batch means, (steps,) each. `static` is the model's non-array part.

    `guard` says how steps whose loss or new weights are not finite are caught:
    "step" checks every step: the first bad one is not taken, nor any after it, `bad` is
    its number (-1 if none) and the weights returned are the last good ones. "chunk"
    takes every step and checks once, at the end (the losses and the final weights):
    `bad` is -1 when all was finite, else the chunk's first step number, and the caller
    runs the chunk again from the same start with "step" to find the step and keep the
    weights before it. Finite chunks give the same numbers either way; "chunk" does not
    pay for choosing between the old and new weights at every step. "off" checks nothing
    (to measure what a check costs).
    With `variants`, params, opt_state, indices, key, settings and every output gain a
    leading axis of variants (a population), stepped together by one vmapped program.
    `settings` (a population's, else None) are the step's (see make_step) and "active",
    whether a variant trains: one that does not (stopped early, or failed) ends the call
    with the weights and state it began with, and `bad` -1.
    With a `probe`, the outputs gain a fifth, `probed`: its rows, (steps // probe.every + 1,
    width), one per probed step in order (the rest zeros); a probed step that `bad` says was
    not taken has a row that means nothing.
    """
    if guard not in GUARDS:
        raise ValueError(f"expected guard to be one of {GUARDS}, got {guard!r}")
    if probe is not None and variants:
        raise ValueError("expected no probe with variants: populations measure nothing inside")
    chunk = _chunk(step, static, batch_sharding, guard, probe)
    if not variants:
        return jax.jit(lambda params, opt_state, arrays, indices, numbers, settings=None: chunk(
            params, opt_state, arrays, indices, numbers, key, settings
        ))  # fmt: skip
    each = jax.vmap(chunk, in_axes=(0, 0, None, 0, None, None if key is None else 0, 0))
    return jax.jit(lambda params, opt_state, arrays, indices, numbers, settings=None: each(
        params, opt_state, arrays, indices, numbers, key, settings
    ))  # fmt: skip


def runners(
    step: Callable,
    static,
    key,
    batch_sharding=None,
    *,
    variants: bool = False,
    probe: Probe | None = None,
) -> dict:
    """What a session trains with: chunk_runner for each guard it uses ("chunk" for every
    call; "step" to run a call that was not finite again, step by step)."""
    return {
        guard: chunk_runner(
            step, static, key, batch_sharding, guard=guard, variants=variants, probe=probe
        )
        for guard in ("chunk", "step")
    }


def _chunk(step: Callable, static, batch_sharding, guard: str, probe: Probe | None) -> Callable:
    """The body of chunk_runner, for one model, before jit (and vmap)."""

    def run_chunk(params, opt_state, arrays, indices, numbers, key, settings):
        def body(carry, idx_number):
            params, opt_state, bad, *probed = carry
            idx, number = idx_number
            batch = {k: a[idx] for k, a in arrays.items()}
            if batch_sharding is not None:
                batch = jax.lax.with_sharding_constraint(batch, batch_sharding)
            step_key = None if key is None else jax.random.fold_in(key, number)
            model, new_opt, values = step(
                eqx.combine(params, static), opt_state, batch, step_key, settings
            )
            new_params = eqx.filter(model, eqx.is_array)
            if guard == "step":
                ok = (bad < 0) & jnp.isfinite(values["loss"]) & all_finite(new_params.weights)
                keep = lambda new, old: jnp.where(ok, new, old)  # noqa: E731
                new_params = jax.tree_util.tree_map(keep, new_params, params)
                new_opt = jax.tree_util.tree_map(keep, new_opt, opt_state)
                bad = jnp.where((bad < 0) & ~ok, number, bad)
            if probe is not None:
                probed = _probed(probe, static, probed, params, new_params, batch, number)
            return (new_params, new_opt, bad, *probed), values

        start = (params, opt_state, jnp.int32(-1))
        if probe is not None:
            start += _probe_buffer(probe, len(numbers))
        (new_params, new_opt, bad, *probed), values = jax.lax.scan(body, start, (indices, numbers))
        if guard == "chunk":
            ok = jnp.all(jnp.isfinite(values["loss"])) & all_finite(new_params.weights)
            bad = jnp.where(ok, jnp.int32(-1), numbers[0])
        if settings is not None and "active" in settings:
            active = settings["active"]
            keep = lambda new, old: jnp.where(active, new, old)  # noqa: E731
            new_params = jax.tree_util.tree_map(keep, new_params, params)
            new_opt = jax.tree_util.tree_map(keep, new_opt, opt_state)
            bad = jnp.where(active, bad, jnp.int32(-1))
        if probe is not None:
            return new_params, new_opt, bad, values, probed[1]
        return new_params, new_opt, bad, values

    return run_chunk


def _probe_buffer(probe: Probe, steps: int) -> tuple:
    """(rows filled: 0, zeros (rows, width)): room for every multiple of `probe.every` that
    `steps` consecutive steps can pass."""
    return jnp.int32(0), jnp.zeros((steps // probe.every + 1, probe.width), jnp.float32)


def _probed(probe: Probe, static, probed: list, before, after, batch, number) -> tuple:
    """(rows filled, buffer) after step `number` (0-based): its row added when its 1-based
    number is a multiple of `probe.every`; a branch not taken, so other steps skip it."""
    filled, buffer = probed

    def measure(buffer):
        row = probe.measure(eqx.combine(before, static), eqx.combine(after, static), batch)
        return buffer.at[filled].set(row)

    due = (number + 1) % probe.every == 0
    buffer = jax.lax.cond(due, measure, lambda buffer: buffer, buffer)
    return filled + due.astype(jnp.int32), buffer


@functools.lru_cache(maxsize=32)
def evaluator(
    plan: Plan, names: tuple[str, ...], *, batch_size: int = 1024, confusion: bool = False
) -> Callable:
    """`f(model, arrays, hypers=None) -> {"loss": mean, metric: value...}` over every example
    of `arrays` together, as prediction computes (random blocks off, running statistics
    read); with `confusion`, and a classifier's precision, recall, F1 or confusion_matrix
    among `names`, its confusion counts too (set_metrics.CONFUSION). `hypers` as loss_fn
    takes them. One per plan and arguments, kept: a later session of the same recipe in
    this process evaluates with the program traced and compiled for an earlier one."""
    values = example_values(plan, names)
    reduce = reducer(plan, names, whole=True, confusion=confusion)

    @eqx.filter_jit
    def evaluate(model: Composed, arrays: dict[str, jax.Array], hypers=None) -> Values:
        extras = Extras(state=model.state, hypers=hypers)
        per_example = jax.lax.map(
            lambda ex: values(model.weights, ex, extras), arrays, batch_size=batch_size
        )
        return set_metrics.finished(reduce(per_example), jnp)

    return evaluate
