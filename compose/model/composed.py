"""The built model: an ordinary `equinox.Module` holding the learned weights as a pytree."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace

import equinox as eqx
import jax
import jax.numpy as jnp

from blocks import BLOCKS
from compose.checker.plan import Plan, Step, Value

Weights = dict  # node -> {slot: array}, or for a network instance node -> its own Weights


class Composed(eqx.Module):
    """A recipe's network. Call it on ONE example (a dict of named inputs); vmap for batches.

    `weights[node][slot]` is each learned array; a network instance's entry holds its own
    nodes' weights (stacked along a leading axis for `repeat`). Weights wired to other values
    or tied to another node's weight are not stored twice. `state` holds running values that
    are not trained (batch norm's statistics), laid out like the weights. The plan is
    static: jit sees only arrays.
    """

    weights: Weights
    plan: Plan = eqx.field(static=True)
    state: Weights = eqx.field(default_factory=dict)

    def __call__(
        self, example: Mapping[str, jax.Array], *, key: jax.Array | None = None
    ) -> dict[str, jax.Array]:
        """The recipe's outputs for one example: {output name: array}.

        With a `key`, random blocks (dropout, noise) act as in training; without, they
        are the identity.
        """
        return self.values(example, self.plan.outputs, key=key)

    def loss(self, example: Mapping[str, jax.Array], *, key: jax.Array | None = None) -> jax.Array:
        """The per-example loss, a scalar."""
        return self.values(example, (self.plan.loss,), key=key)[str(self.plan.loss)]

    def values(
        self,
        example: Mapping[str, jax.Array],
        wanted: tuple[Value, ...],
        *,
        key: jax.Array | None = None,
    ) -> dict[str, jax.Array]:
        """Compute only what `wanted` needs; returns {str(value): array} for each."""
        _one_example(self.plan, example)
        return run(self.plan, self.weights, example, wanted, Extras(key=key, state=self.state))


def _one_example(plan: Plan, example: Mapping[str, jax.Array]) -> None:
    """Refuse inputs that are not one example's shapes, saying which input and how: a batch
    where one example was meant, or one example under `jax.vmap` (which maps an axis away).
    Without this, the mistake surfaces as a shape error deep inside some block."""
    for name, shape in plan.inputs:
        if name not in example:
            continue  # `run` says which input is missing, if a wanted value needs it
        got = jnp.shape(example[name])
        if got == shape:
            continue
        if got[1:] == shape:
            how = f", a batch of {got[0]} (the model takes one example: jax.vmap(model)(batch))"
        elif got == shape[1:]:
            how = (
                ", one axis short (jax.vmap over one example maps its first axis away: "
                "call model(example) without vmap)"
            )
        else:
            how = ""
        raise ValueError(
            f"input '{name}': expected one example of shape {shape}, got shape {got}{how}"
        )


@dataclass(frozen=True)
class Extras:
    """What a run may carry beyond weights and inputs, all optional and nested like the
    weights (under a network instance's name; stacked over copies for `repeat`).

    key: drives random blocks, each node with its own key folded from its name.
    state: running state for blocks that keep it; batch_axis: the vmapped batch's axis name
    while training, so those blocks use (and update) batch statistics.
    taps: an array added to each step's output, to differentiate with respect to (the
    inspector); trace: filled with each step's output; updates: filled with new state.
    A network instance's taps, trace and updates sit under "NAME/" in their parents.
    hypers: {node: {hyperparameter: value}} over the plan's, for this network's own nodes
    only (a population's traced values, one variant's under its vmap).
    """

    key: jax.Array | None = None
    state: dict | None = None
    batch_axis: str | None = None
    taps: dict | None = None
    trace: dict | None = None
    updates: dict | None = None
    hypers: dict | None = None

    def inside(self, step: Step, key: jax.Array | None) -> Extras:
        """The extras for a network instance's own run (before splitting over copies)."""
        inner = f"{step.name}/"
        return Extras(
            key=key,
            state=(self.state or {}).get(step.name, {}),
            batch_axis=self.batch_axis,
            taps=None if self.taps is None else self.taps[inner],
            trace=None if self.trace is None else {},
            updates=None if self.updates is None else {},
        )


def run(
    plan: Plan,
    weights: Weights,
    example: Mapping[str, jax.Array],
    wanted: tuple[Value, ...],
    extras: Extras = Extras(),
) -> dict[str, jax.Array]:
    """Execute the steps of `plan` that `wanted` depends on, for one example.

    Training passes no taps, trace or updates, and pays nothing for them.
    """
    env: dict[str, jax.Array] = {}

    def get(value: Value) -> jax.Array:
        if value.kind == "input":
            if value.name not in example:
                raise KeyError(
                    f"expected the example to hold input '{value.name}', got "
                    f"{', '.join(sorted(example)) or 'no inputs'}"
                )
            array = jnp.asarray(example[value.name])
        elif value.kind == "node":
            array = env[value.name]
        else:
            array = weights[value.name][value.slot]
        return array.reshape(value.reshape) if value.reshape else array

    for step in plan.needed(wanted):
        with jax.named_scope(step.name):
            args = [get(v) for v in step.args]
            key = extras.key
            if key is not None:
                key = jax.random.fold_in(key, name_hash(step.name))
            if step.sub is not None:
                out, trace, updates = _network(
                    step, weights[step.name], args, extras.inside(step, key)
                )
                _keep(extras, step.name, trace, updates)
            else:
                step_weights = {slot: get(v) for slot, v in step.weights}
                state = (extras.state or {}).get(step.name)
                hypers = dict(step.hypers) | (extras.hypers or {}).get(step.name, {})
                out, new = BLOCKS[step.block].run(
                    args,
                    step_weights,
                    hypers,
                    key=key,
                    state=state,
                    batch_axis=extras.batch_axis,
                )
                if new and extras.updates is not None:
                    extras.updates[step.name] = new
            if extras.taps is not None:
                out = out + extras.taps[step.name]
            if extras.trace is not None:
                extras.trace[step.name] = out
            env[step.name] = out
    return {str(v): get(v) for v in wanted}


def _keep(extras: Extras, name: str, trace: dict | None, updates: dict | None) -> None:
    """File a network instance's own trace and state updates in its parent's."""
    if extras.trace is not None:
        extras.trace[f"{name}/"] = trace
    if extras.updates is not None and updates:
        extras.updates[name] = updates


def every_step(plan: Plan) -> tuple[Value, ...]:
    """Values naming every step's output: what looking inside asks for."""
    return tuple(Value("node", s.name) for s in plan.steps)


def _network(step: Step, weights: Weights, args: list[jax.Array], extras: Extras):
    """(output, trace, state updates) of a network instance; `repeat` copies are chained
    by scanning their stacked weights, state, taps and keys."""
    sub = step.sub
    output = sub.outputs[0]
    names = [name for name, _ in sub.inputs]
    wanted = (output,) + (every_step(sub) if extras.trace is not None else ())

    def once(w: Weights, xs: list[jax.Array], e: Extras):
        values = run(sub, w, dict(zip(names, xs, strict=True)), wanted, e)
        return values[str(output)], e.trace, e.updates

    if not step.repeat:
        return once(weights, args, extras)
    keys = None if extras.key is None else jax.random.split(extras.key, step.repeat)

    def copy(x, per_copy):
        w, state, taps, key = per_copy
        fresh = {
            "trace": None if extras.trace is None else {},
            "updates": None if extras.updates is None else {},
        }
        out, trace, updates = once(
            w, [x], replace(extras, key=key, state=state, taps=taps, **fresh)
        )
        return out, (trace, updates)

    per_copy = (weights, extras.state, extras.taps, keys)
    # length: a network without weights, state, taps or keys has nothing else to count by
    carry, (traces, updates) = jax.lax.scan(copy, args[0], per_copy, length=step.repeat)
    return carry, traces, updates


def name_hash(name: str) -> int:
    """The number a node's (or weight's) name folds into a key: its key depends on its own
    name only, never on where it stands among the others."""
    return zlib.crc32(name.encode())
