"""The built model: an ordinary `equinox.Module` holding the learned weights as a pytree."""

from __future__ import annotations

import zlib
from collections.abc import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp

from blocks import BLOCKS, INITIALIZERS
from compose.plan import Plan, Value


class Composed(eqx.Module):
    """A recipe's network. Call it on ONE example (a dict of named inputs); vmap for batches.

    `weights[node][slot]` is each learned array; weights wired to other values or tied to
    another node's weight are not stored twice. The plan is static: jit sees only arrays.
    """

    weights: dict[str, dict[str, jax.Array]]
    plan: Plan = eqx.field(static=True)

    def __call__(self, example: Mapping[str, jax.Array]) -> dict[str, jax.Array]:
        """The recipe's outputs for one example: {output name: array}."""
        return self.values(example, self.plan.outputs)

    def loss(self, example: Mapping[str, jax.Array]) -> jax.Array:
        """The per-example loss, a scalar."""
        return self.values(example, (self.plan.loss,))[str(self.plan.loss)]

    def values(
        self, example: Mapping[str, jax.Array], wanted: tuple[Value, ...]
    ) -> dict[str, jax.Array]:
        """Compute only what `wanted` needs; returns {str(value): array} for each."""
        env: dict[str, jax.Array] = {}
        for step in self.plan.needed(wanted):
            with jax.named_scope(step.name):
                args = [self._get(v, example, env) for v in step.args]
                weights = {slot: self._get(v, example, env) for slot, v in step.weights}
                env[step.name] = BLOCKS[step.block].apply(args, weights, dict(step.hypers))
        return {str(v): self._get(v, example, env) for v in wanted}

    def _get(self, value: Value, example: Mapping, env: dict) -> jax.Array:
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
            array = self.weights[value.name][value.slot]
        return array.reshape(value.reshape) if value.reshape else array


def init_weights(plan: Plan, key: jax.Array) -> dict[str, dict[str, jax.Array]]:
    """Fresh learned weights. Each depends on the key and its own node and slot name only,
    so adding or renaming another node does not re-initialise the rest."""
    weights: dict[str, dict[str, jax.Array]] = {}
    for w in plan.learned:
        own = jax.random.fold_in(key, zlib.crc32(f"{w.node}.{w.slot}".encode()))
        array = INITIALIZERS[w.init](
            own, w.shape, dict(w.init_args), fan_in=w.fan_in, fan_out=w.fan_out
        )
        weights.setdefault(w.node, {})[w.slot] = array
    return weights
