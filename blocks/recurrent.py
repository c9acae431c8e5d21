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
    rows = lambda shapes, hypers: gates * hidden(shapes, hypers)
    bias = lambda shapes, hypers: (rows(shapes, hypers),) if hypers["use_bias"] else None
    stacked = f"({gates} * hidden"
    return (
        Slot(
            "weight_ih",
            lambda shapes, hypers: (rows(shapes, hypers), shapes[0][-1]),
            "lecun_normal",
            doc=stacked + ", in)",
        ),
        Slot(
            "weight_hh",
            lambda shapes, hypers: (rows(shapes, hypers), hidden(shapes, hypers)),
            "lecun_normal",
            doc=stacked + ", hidden)",
        ),
        Slot("bias_ih", bias, "zeros", doc=stacked + ",)"),
        Slot("bias_hh", bias, "zeros", doc=stacked + ",)"),
    )


def gates(x: jax.Array, h: jax.Array, weights, hypers) -> tuple[jax.Array, jax.Array]:
    """(W_ih x + b_ih, W_hh h + b_hh): every gate's input and recurrent parts, stacked."""
    from_x, from_h = weights["weight_ih"] @ x, weights["weight_hh"] @ h
    if hypers["use_bias"]:
        return from_x + weights["bias_ih"], from_h + weights["bias_hh"]
    return from_x, from_h


def scan(
    cell: Block, sequence: jax.Array, state: jax.Array, weights, hypers
) -> tuple[jax.Array, jax.Array]:
    """(final state, every state (t, ...)) of `cell` applied along the first axis of
    `sequence`, starting from `state`."""

    def step(carried, x):
        new = cell([x, carried], weights, hypers)
        return new, new

    return jax.lax.scan(step, state, sequence)


def sequence_problem(x: Shape) -> str | None:
    return None if len(x) == 2 else f"a sequence (t, d), got {x}"
