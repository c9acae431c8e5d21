"""What multihead_attention and masked_multihead_attention share: hyperparameters, weight
slots, the shape check and the computation.

Projections follow a linear layer's layout, (out, in), so a slot can be tied to a linear
node's weight (`query: proj.weight`), and lecun initialisation counts the right fan-in.
"""

import math

import jax
import jax.numpy as jnp

from blocks.affine import USE_BIAS, out_hyper
from blocks.block import Hyper, Shape, Slot

HYPERS = (
    Hyper("heads", int, doc="number of attention heads", exclusive_minimum=0),
    out_hyper("width of each position's output"),
    Hyper(
        "head_size",
        int,
        0,
        "width of each head's queries, keys and values; 0: the input width / heads",
        minimum=0,
    ),
    Hyper("causal", bool, False, "each position attends only to itself and earlier ones"),
    USE_BIAS,
)


def head_size(x: Shape, hypers) -> int:
    return hypers["head_size"] or x[-1] // hypers["heads"]


def _inner(shapes, hypers) -> int:
    """Width of all heads together: the rows of the query, key and value projections."""
    return hypers["heads"] * head_size(shapes[0], hypers)


def _bias(size):
    return lambda shapes, hypers: (size(shapes, hypers),) if hypers["use_bias"] else None


SLOTS = tuple(
    slot
    for name in ("query", "key", "value")
    for slot in (
        Slot(
            name,
            lambda shapes, hypers: (_inner(shapes, hypers), shapes[0][-1]),
            "lecun_normal",
            doc="(heads * head_size, d)",
        ),
        Slot(f"{name}_bias", _bias(_inner), "zeros", doc="(heads * head_size,)"),
    )
) + (
    Slot(
        "output",
        lambda shapes, hypers: (hypers["out"], _inner(shapes, hypers)),
        "lecun_normal",
        doc="(out, heads * head_size)",
    ),
    Slot("output_bias", _bias(lambda shapes, hypers: hypers["out"]), "zeros", doc="(out,)"),
)


def sequence_problem(x: Shape, hypers) -> str | None:
    """What was expected if `x` is not a (t, d) sequence these heads can split."""
    if len(x) != 2:
        return f"a sequence (t, d), got {x}"
    if not hypers.get("head_size") and "heads" in hypers and x[1] % hypers["heads"]:
        return f"a width d that {hypers['heads']} heads divide (or a head_size), got {x}"
    return None


def attend(x: jax.Array, mask: jax.Array | None, weights, hypers) -> jax.Array:
    """Multi-head self-attention of `x` (t, d); `mask` (t,) > 0 marks the keys to attend to."""
    t = x.shape[0]
    heads, size = hypers["heads"], head_size(x.shape, hypers)

    def project(name):
        y = x @ weights[name].T
        y = y + weights[f"{name}_bias"] if hypers["use_bias"] else y
        return y.reshape(t, heads, size)

    q, k, v = project("query"), project("key"), project("value")
    scores = jnp.einsum("thc,shc->hts", q, k) / math.sqrt(size)
    allowed = jnp.ones((t, t), bool)
    if hypers["causal"]:
        allowed = jnp.tril(allowed)
    if mask is not None:
        allowed = allowed & (mask > 0)[None, :]
    # A finite floor, not -inf: a query with no key allowed would give 0/0 (and NaN
    # gradients); its attention is zeroed below instead, so it reads nothing.
    scores = jnp.where(allowed, scores, jnp.finfo(scores.dtype).min)
    attention = jnp.where(allowed, jax.nn.softmax(scores, axis=-1), 0.0)
    heads_out = jnp.einsum("hts,shc->thc", attention, v).reshape(t, heads * size)
    y = heads_out @ weights["output"].T
    return y + weights["output_bias"] if hypers["use_bias"] else y
