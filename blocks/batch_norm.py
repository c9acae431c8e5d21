"""Batch normalisation: normalise each feature by statistics over the batch while training,
and by running averages of them otherwise."""

import jax
import jax.numpy as jnp

from blocks.block import Block, Hyper, Slot, StateSlot
from blocks.layer_norm import EPS


def _features(shapes, hypers):
    """One feature per entry of the first axis: a vector's elements, an image's channels."""
    return (shapes[0][0],)


def _apply(inputs, weights, hypers, *, key=None, state=None, batch_axis=None):
    (x,) = inputs
    other = tuple(range(1, x.ndim))  # an image's height and width share their channel's stats
    shaped = (-1,) + (1,) * (x.ndim - 1)
    if batch_axis is None:
        mean, var, new = state["mean"], state["var"], state
    else:
        mean = jax.lax.pmean(jnp.mean(x, axis=other), batch_axis)
        centred = x - mean.reshape(shaped)
        var = jax.lax.pmean(jnp.mean(centred**2, axis=other), batch_axis)
        keep = hypers["momentum"]
        seen = jax.lax.stop_gradient((mean, var))
        new = {
            "mean": keep * state["mean"] + (1 - keep) * seen[0],
            "var": keep * state["var"] + (1 - keep) * seen[1],
        }
    normal = (x - mean.reshape(shaped)) * jax.lax.rsqrt(var.reshape(shaped) + hypers["eps"])
    return normal * weights["scale"].reshape(shaped) + weights["bias"].reshape(shaped), new


def _check(shapes, hypers):
    (x,) = shapes
    return None if len(x) >= 1 else f"an input with a feature axis, got {x}"


batch_norm = Block(
    name="batch_norm",
    doc="Batch normalisation: each feature (a vector's element, an image's channel) "
    "normalised by the batch's mean and variance while training, by their running averages "
    "otherwise; then a learned scale and bias.",
    inputs=("x",),
    apply=_apply,
    hypers=(
        Hyper(
            "momentum",
            float,
            0.99,
            "how much of the running averages each step keeps",
            minimum=0,
            exclusive_maximum=1,
        ),
        EPS,
    ),
    slots=(
        Slot("scale", _features, "ones", doc="(features,)"),
        Slot("bias", _features, "zeros", doc="(features,)"),
    ),
    state=(
        StateSlot("mean", _features, 0.0, doc="(features,) running mean"),
        StateSlot("var", _features, 1.0, doc="(features,) running variance"),
    ),
    check=_check,
    example=((3,),),
)
