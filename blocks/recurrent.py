"""What the recurrent blocks share: their weight slots and running a cell along a sequence.

A cell (gru_cell, lstm_cell) is one step, (x (d,), state) -> new state; its sequence block
(gru, lstm) is the same step under `jax.lax.scan`, one set of weights for every position.
Slots follow PyTorch's layout, gates stacked along the first axis, so weights port across.
"""

from collections.abc import Callable

import jax

from blocks.block import Block, Hyper, Shape, Slot

LAST = Hyper("last", bool, False, "give only the final state (out,), not one per position")


def slots(gates: int, hidden: Callable[[list[Shape], dict], int]) -> tuple[Slot, ...]:
    """Input and recurrent weights and biases of a cell with `gates` gates of `hidden` each."""
    rows = lambda s, hp: gates * hidden(s, hp)  # noqa: E731
    bias = lambda s, hp: (rows(s, hp),) if hp["use_bias"] else None  # noqa: E731
    stacked = f"({gates} * hidden"
    return (
        Slot(
            "weight_ih",
            lambda s, hp: (rows(s, hp), s[0][-1]),
            "lecun_normal",
            doc=stacked + ", in)",
        ),
        Slot(
            "weight_hh",
            lambda s, hp: (rows(s, hp), hidden(s, hp)),
            "lecun_normal",
            doc=stacked + ", hidden)",
        ),
        Slot("bias_ih", bias, "zeros", doc=stacked + ",)"),
        Slot("bias_hh", bias, "zeros", doc=stacked + ",)"),
    )


def gates(x: jax.Array, h: jax.Array, w, hp) -> tuple[jax.Array, jax.Array]:
    """(W_ih x + b_ih, W_hh h + b_hh): every gate's input and recurrent parts, stacked."""
    from_x, from_h = w["weight_ih"] @ x, w["weight_hh"] @ h
    if hp["use_bias"]:
        return from_x + w["bias_ih"], from_h + w["bias_hh"]
    return from_x, from_h


def scan(cell: Block, xs: jax.Array, state: jax.Array, w, hp) -> tuple[jax.Array, jax.Array]:
    """(final state, every state (t, ...)) of `cell` applied along the first axis of `xs`."""

    def step(s, x):
        new = cell([x, s], w, hp)
        return new, new

    return jax.lax.scan(step, state, xs)


def sequence_problem(x: Shape) -> str | None:
    return None if len(x) == 2 else f"a sequence (t, d), got {x}"
