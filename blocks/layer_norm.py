"""layer_norm(x) = (x - mean) / sqrt(var + eps) * scale + bias, over the last axis."""

import jax
import jax.numpy as jnp

from blocks.block import Block, Hyper, Slot, plain

# batch_norm shares this record, so the two normalisers agree on eps and its bound.
EPS = Hyper("eps", float, 1e-5, "added to the variance before the square root", exclusive_minimum=0)


def _apply(inputs, weights, hypers):
    x = inputs[0]
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.var(x, axis=-1, keepdims=True)  # biased (divides by n), as LayerNorm defines
    y = (x - mean) * jax.lax.rsqrt(var + hypers["eps"])
    if hypers["use_scale"]:
        y = y * weights["scale"]
    return y + weights["bias"] if hypers["use_bias"] else y


def _check(shapes, hypers):
    (x,) = shapes
    return (
        None if len(x) >= 1 else f"an array of rank >= 1 (normalised over its last axis), got {x}"
    )


layer_norm = Block(
    name="layer_norm",
    doc="Layer normalisation over the last axis (each row of a (t, d) input on its own): "
    "zero mean, unit variance, then a learned scale and bias of shape (d,).",
    inputs=("x",),
    apply=plain(_apply),
    hypers=(
        EPS,
        Hyper("use_scale", bool, True, "multiply by a learned scale"),
        Hyper("use_bias", bool, True, "add a learned bias"),
    ),
    slots=(
        Slot(
            "scale",
            lambda shapes, hypers: shapes[0][-1:] if hypers["use_scale"] else None,
            "ones",
            doc="(d,)",
        ),
        Slot(
            "bias",
            lambda shapes, hypers: shapes[0][-1:] if hypers["use_bias"] else None,
            "zeros",
            doc="(d,)",
        ),
    ),
    check=_check,
    example=((2, 4),),
)
