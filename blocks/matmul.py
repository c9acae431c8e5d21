"""matmul(a, b) = a @ b, numpy's matrix product."""

import jax.numpy as jnp

from blocks.block import Block, plain


def _check(shapes, hypers):
    a, b = shapes
    got = f"got a {a} and b {b}"
    if not a or not b:
        return f"arrays a and b of at least one axis each, {got}"
    inner = b[-2] if len(b) >= 2 else b[0]
    if a[-1] != inner:
        which = "second-to-last" if len(b) >= 2 else "only"
        return f"a's last axis as long as b's {which} axis, {got}"
    lead_a, lead_b = a[:-2], b[:-2]
    for i, j in zip(reversed(lead_a), reversed(lead_b), strict=False):
        if i != j and 1 not in (i, j):
            return f"leading axes that broadcast (equal, or one of them 1), {got}"
    return None


matmul = Block(
    name="matmul",
    doc="Matrix product a @ b, as numpy's matmul. (n, k) @ (k, m) gives (n, m); a vector "
    "on either side loses its axis; axes before the last two broadcast.",
    inputs=("a", "b"),
    apply=plain(lambda inputs, weights, hypers: jnp.matmul(inputs[0], inputs[1])),
    check=_check,
    example=((2, 3), (3, 4)),
)
