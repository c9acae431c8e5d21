"""A plan's fresh learned weights and running state, drawn by one compiled program.

The program is made for the plan's layout of drawings (each weight's initialiser, shape,
arguments and fan axes, nested as its networks are), not for the plan itself: the names
that each weight's key is folded with are the program's argument. Models whose weights
are drawn alike share a program, in this process and in the compiled-program cache:
another width changes the layout, another activation, metric or name does not.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import jax
import numpy as np

from blocks import INITIALIZERS
from compose.checker.plan import Plan
from compose.model.composed import Weights, name_hash

# A plan's drawings in order: ("weight", initialiser, shape, arguments, fan_in, fan_out) for
# each of its records, then ("network", repeat, the network's layout) for each network.
Layout = tuple


def init_weights(plan: Plan, key: jax.Array) -> Weights:
    """Fresh learned weights. Each depends on the key and its own node and slot name only,
    so adding or renaming another node does not re-initialise the rest."""
    return _init(plan, key, "learned")


def init_state(plan: Plan) -> Weights:
    """Fresh running state (batch norm's statistics start at mean 0, variance 1); a plan
    that keeps none gets its empty records without compiling a program to draw nothing."""
    if not plan.stateful:
        return _no_records(plan)
    return _init(plan, jax.random.key(0), "kept")


def _init(plan: Plan, key: jax.Array, records: str) -> Weights:
    """The plan's `records` ("learned" or "kept") drawn from `key`, networks' too."""
    layout, names = _layout(plan, records)
    drawn = _drawn_compiled(layout, key, np.array(names, np.uint32))
    return _placed(plan, records, drawn)


def _layout(plan: Plan, records: str) -> tuple[Layout, list[int]]:
    """(the plan's layout, the hash of each entry's name in the order _drawn reads them:
    a weight's `node.slot`, a network's node name followed by its own layout's names)."""
    layout, names = [], []
    for w in getattr(plan, records):
        layout.append(("weight", w.init, w.shape, w.init_args, w.fan_in, w.fan_out))
        names.append(name_hash(f"{w.node}.{w.slot}"))
    for step in plan.steps:
        if step.sub is not None:
            inner, inner_names = _layout(step.sub, records)
            layout.append(("network", step.repeat, inner))
            names += [name_hash(step.name), *inner_names]
    return tuple(layout), names


@functools.partial(jax.jit, static_argnums=0)
def _drawn_compiled(layout: Layout, key: jax.Array, names: jax.Array) -> list:
    """_drawn as one compiled program per layout: drawn op by op, every new shape compiled
    its own random primitives, which took longer than the whole XOR run."""
    return _drawn(layout, key, names, iter(range(len(names))))


def _drawn(layout: Layout, key: jax.Array, names: jax.Array, order: Iterator[int]) -> list:
    """The arrays of `layout` drawn from `key`, nested lists for networks (a repeated
    one's with a leading axis of copies), each entry's key `key` folded with its name, the
    next of `names` by `order` (a network's traced once, so each name is read once)."""
    out = []
    for entry in layout:
        own = jax.random.fold_in(key, names[next(order)])
        if entry[0] == "weight":
            _, init, shape, args, fan_in, fan_out = entry
            out.append(INITIALIZERS[init](own, shape, dict(args), fan_in=fan_in, fan_out=fan_out))
            continue
        _, repeat, inner = entry
        if repeat:  # each copy drawn from a key split from the network's own
            copies = jax.random.split(own, repeat)
            out.append(jax.vmap(lambda k, inner=inner: _drawn(inner, k, names, order))(copies))
        else:
            out.append(_drawn(inner, own, names, order))
    return out


def _placed(plan: Plan, records: str, drawn: list) -> Weights:
    """The drawn arrays, in _layout's order, as the plan's nested dicts by node and slot."""
    out: Weights = {}
    items = iter(drawn)
    for w in getattr(plan, records):
        out.setdefault(w.node, {})[w.slot] = next(items)
    for step in plan.steps:
        if step.sub is not None:
            out[step.name] = _placed(step.sub, records, next(items))
    return out


def _no_records(plan: Plan) -> Weights:
    """What _init gives a plan that keeps no running state: an empty dict for each network
    in it, nested as the networks are."""
    return {step.name: _no_records(step.sub) for step in plan.steps if step.sub is not None}
