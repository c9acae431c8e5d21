"""The built model: an ordinary `equinox.Module` holding the learned weights as a pytree."""

from __future__ import annotations

import zlib
from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp

from blocks import BLOCKS, INITIALIZERS
from compose.plan import Plan, Step, Value

Weights = dict  # node -> {slot: array}, or for a network instance node -> its own Weights


class Composed(eqx.Module):
    """A recipe's network. Call it on ONE example (a dict of named inputs); vmap for batches.

    `weights[node][slot]` is each learned array; a network instance's entry holds its own
    nodes' weights (stacked along a leading axis for `repeat`). Weights wired to other values
    or tied to another node's weight are not stored twice. The plan is static: jit sees only
    arrays.
    """

    weights: Weights
    plan: Plan = eqx.field(static=True)

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
        return run(self.plan, self.weights, example, wanted, key=key)


def run(
    plan: Plan,
    weights: Weights,
    example: Mapping[str, jax.Array],
    wanted: tuple[Value, ...],
    *,
    taps: dict | None = None,
    trace: dict | None = None,
    key: jax.Array | None = None,
) -> dict[str, jax.Array]:
    """Execute the steps of `plan` that `wanted` depends on, for one example.

    For looking inside (compose.inspector), `taps` holds an array added to each step's
    output (zeros, to differentiate with respect to), and `trace` is filled with each
    step's output. A network instance's own taps and trace sit under "NAME/", stacked over
    copies for `repeat`. Training passes neither and pays nothing for them. `key` drives
    random blocks, each node with its own key folded from its name.
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

    inner = "{}/"
    for step in plan.needed(wanted):
        with jax.named_scope(step.name):
            args = [get(v) for v in step.args]
            own_key = None if key is None else jax.random.fold_in(key, _name_hash(step.name))
            if step.sub is not None:
                own_taps = taps[inner.format(step.name)] if taps is not None else None
                out, inside = _network(
                    step, weights[step.name], args, own_taps, trace is not None, own_key
                )
                if trace is not None:
                    trace[inner.format(step.name)] = inside
            else:
                step_weights = {slot: get(v) for slot, v in step.weights}
                out = BLOCKS[step.block](args, step_weights, dict(step.hypers), key=own_key)
            if taps is not None:
                out = out + taps[step.name]
            if trace is not None:
                trace[step.name] = out
            env[step.name] = out
    return {str(v): get(v) for v in wanted}


def every_step(plan: Plan) -> tuple[Value, ...]:
    """Values naming every step's output: what looking inside asks for."""
    return tuple(Value("node", s.name) for s in plan.steps)


def _network(
    step: Step,
    weights: Weights,
    args: list[jax.Array],
    taps: dict | None,
    tracing: bool,
    key: jax.Array | None,
) -> tuple[jax.Array, dict | None]:
    """A network instance's output (and, when tracing, its inside); `repeat` copies are
    chained by scanning their stacked weights (and taps)."""
    sub = step.sub
    output = sub.outputs[0]
    names = [name for name, _ in sub.inputs]
    wanted = (output,) + (every_step(sub) if tracing else ())

    def once(w: Weights, xs: list[jax.Array], t: dict | None, k: jax.Array | None):
        trace = {} if tracing else None
        example = dict(zip(names, xs, strict=True))
        values = run(sub, w, example, wanted, taps=t, trace=trace, key=k)
        return values[str(output)], trace

    if not step.repeat:
        return once(weights, args, taps, key)
    keys = None if key is None else jax.random.split(key, step.repeat)
    carry, traces = jax.lax.scan(
        lambda x, wtk: once(wtk[0], [x], wtk[1], wtk[2]), args[0], (weights, taps, keys)
    )
    return carry, traces


def init_weights(plan: Plan, key: jax.Array) -> Weights:
    """Fresh learned weights. Each depends on the key and its own node and slot name only,
    so adding or renaming another node does not re-initialise the rest."""
    weights: Weights = {}
    for w in plan.learned:
        own = jax.random.fold_in(key, _name_hash(f"{w.node}.{w.slot}"))
        array = INITIALIZERS[w.init](
            own, w.shape, dict(w.init_args), fan_in=w.fan_in, fan_out=w.fan_out
        )
        weights.setdefault(w.node, {})[w.slot] = array
    for step in plan.steps:
        if step.sub is None:
            continue
        own = jax.random.fold_in(key, _name_hash(step.name))
        if step.repeat:
            keys = jax.random.split(own, step.repeat)
            weights[step.name] = jax.vmap(lambda k, sub=step.sub: init_weights(sub, k))(keys)
        else:
            weights[step.name] = init_weights(step.sub, own)
    return weights


def _name_hash(name: str) -> int:
    return zlib.crc32(name.encode())
