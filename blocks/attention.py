"""attention(q, k, v) = softmax(q k^T / sqrt(d)) v: scaled dot-product attention, no weights."""

import math

import jax

from blocks.block import Block, plain


def _apply(inputs, weights, hypers):
    q, k, v = inputs
    scores = q @ k.T / math.sqrt(q.shape[-1])
    return jax.nn.softmax(scores, axis=-1) @ v


def _check(shapes, hypers):
    q, k, v = shapes
    got = f"got q {q}, k {k} and v {v}"
    if len(q) != 2 or len(k) != 2 or len(v) != 2:
        return f"matrices q (t, d), k (s, d) and v (s, e), {got}"
    if q[1] != k[1]:
        return f"q and k of one width d, {got}"
    if k[0] != v[0]:
        return f"k and v of one length s, {got}"
    return None


attention = Block(
    name="attention",
    doc="Scaled dot-product attention: softmax(q k^T / sqrt(d)) v for queries q (t, d), "
    "keys k (s, d) and values v (s, e); each query's weights sum to one over s; output (t, e).",
    inputs=("q", "k", "v"),
    apply=plain(_apply),
    check=_check,
    example=((2, 4), (3, 4), (3, 5)),
)
