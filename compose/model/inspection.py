"""Looking inside: every node's activation and the loss gradient at every node and weight.

Backprop is a computational graph too. To see it node by node, a zero "tap" is added to
each node's output and the batch loss is differentiated with respect to the taps: the
gradient at a tap is the gradient at that node's output. This is a separate function from
the training step, so ordinary training pays nothing for it; its traceable core (`inside`)
also runs inside the trainer's compiled calls for the norms log (compose.model.norms).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import equinox as eqx
import jax
import jax.numpy as jnp

from compose.checker.plan import Plan
from compose.model.composed import Composed, Extras, every_step, run


@dataclass(frozen=True)
class Inspection:
    """One batch seen from inside, keyed by node path (`node`, or `net/node` inside a
    network instance).

    activations[path], gradients[path]: (batch, *node output shape); inside a repeated
    network (batch, copies, *shape), one row per repeat index. gradients are of the mean
    batch loss. weight_gradients["path.slot"]: the shape of the weight (copies first
    for a repeat). loss: the mean batch loss.
    """

    loss: float
    activations: dict[str, jax.Array]
    gradients: dict[str, jax.Array]
    weight_gradients: dict[str, jax.Array]

    def on_host(self) -> Inspection:
        """The same inspection with NumPy arrays in the host's memory: to send to another
        process (the editor's training process does) or keep without a device's memory."""
        arrays = jax.device_get((self.activations, self.gradients, self.weight_gradients))
        return Inspection(float(self.loss), *arrays)


def inspect(model: Composed, batch: Mapping[str, jax.Array]) -> Inspection:
    """Activations and gradients of `model` on `batch` (arrays with a leading batch axis).

    The model is seen as in evaluation: random blocks are off and batch norm uses its
    running statistics, so what is shown is what prediction computes.
    """
    if model.plan.loss is None:
        raise ValueError("inspect needs a recipe with a `loss:` to take gradients of, got none")
    loss, trace, tap_grads, weight_grads = _inspect(model, dict(batch))
    order = paths(model.plan)
    activations, gradients = flat_paths(trace), flat_paths(tap_grads)
    return Inspection(
        loss=float(loss),
        activations={p: activations[p] for p in order},
        gradients={p: gradients[p] for p in order},
        weight_gradients=flat_weights(weight_grads),
    )


def paths(plan: Plan, prefix: str = "") -> list[str]:
    """Every node's path, in execution order, a network's inside after the network."""
    out = []
    for step in plan.steps:
        out.append(prefix + step.name)
        if step.sub is not None:
            out.extend(paths(step.sub, f"{prefix}{step.name}/"))
    return out


def inside(model: Composed, batch: dict[str, jax.Array]):
    """(mean batch loss, trace, taps' gradients, weights' gradients), nested as `run` gives
    them: inspect's traceable core, for use inside another compiled function."""
    plan = model.plan
    size = len(next(iter(batch.values())))
    taps = jax.tree_util.tree_map(lambda z: jnp.zeros((size, *z.shape), z.dtype), zero_taps(plan))
    wanted = every_step(plan) + (plan.loss,)
    state = model.state  # running statistics are read, as in evaluation, not updated

    def mean_loss(weights, taps):
        def one(example, tap):
            trace: dict = {}
            values = run(plan, weights, example, wanted, Extras(state=state, taps=tap, trace=trace))
            return values[str(plan.loss)], trace

        losses, traces = jax.vmap(one)(batch, taps)
        return jnp.mean(losses), traces

    (loss, trace), (weight_grads, tap_grads) = jax.value_and_grad(
        mean_loss, argnums=(0, 1), has_aux=True
    )(model.weights, taps)
    return loss, trace, tap_grads, weight_grads


_inspect = eqx.filter_jit(inside)


def zero_taps(plan: Plan) -> dict:
    """A zero per step output, nested like `run`'s taps (stacked for repeats)."""
    taps: dict = {}
    for step in plan.steps:
        taps[step.name] = jnp.zeros(step.out_shape)
        if step.sub is not None:
            inner = zero_taps(step.sub)
            if step.repeat:
                inner = jax.tree_util.tree_map(
                    lambda z, n=step.repeat: jnp.zeros((n, *z.shape)), inner
                )
            taps[f"{step.name}/"] = inner
    return taps


def flat_paths(tree: dict, prefix: str = "") -> dict[str, jax.Array]:
    """Nested trace or taps to {path: array}."""
    out = {}
    for name, value in tree.items():
        if name.endswith("/"):
            out.update(flat_paths(value, prefix + name))
        else:
            out[prefix + name] = value
    return out


def flat_weights(tree: dict, prefix: str = "") -> dict[str, jax.Array]:
    """Nested weights to {"path.slot": array} (`net/node.slot` inside a network)."""
    out = {}
    for name, value in tree.items():
        if isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()):
            out.update(flat_weights(value, f"{prefix}{name}/"))
        elif isinstance(value, dict):
            out.update({f"{prefix}{name}.{slot}": array for slot, array in value.items()})
    return out
