"""Resource limits, checked before anything is built: a recipe that passes them can run.

A few lines of YAML can ask for more than any machine has, in three ways, one bound each:
- nodes: every network instance is expanded with its own nodes, so networks that use
  networks grow exponentially with depth; past MAX_NODES the check alone would take
  minutes (and XLA's compile far longer), so the size is counted first, without checking;
- one array: fewer than MAX_VALUES values (XLA indexes with int32), counting the leading
  axes along which `repeat` stacks its copies' weights;
- memory: the weights, their gradients and one batch's activations must fit in the memory
  of the device that trains (half of this machine's when that is the CPU).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import jax

from compose.checker.plan import Plan, Shape
from compose.data import sizes
from compose.recipe.networks import Context, resolve
from compose.recipe.problems import Problem
from compose.recipe.records import Node, Recipe

MAX_VALUES = 2**31  # values in one array: past this, XLA's int32 indexing fails
MAX_NODES = 20_000  # nodes once networks are expanded: about a second to check
BYTES = 4  # float32
SMALL = 2**30  # below this estimate, no device is asked how much memory it has


# -- nodes ----------------------------------------------------------------------------------
class _TooMuchWork(Exception):
    """The count itself went past MAX_NODES distinct bodies (parameters differ per use)."""


class _Expansion:
    """Counts the nodes of a recipe with its networks expanded, reading each body once
    (per set of parameters), so that the count costs what the recipe's text does."""

    def __init__(self, context: Context):
        self.context = context
        self.sizes: dict[tuple[str, str], int] = {}

    def inside(self, node: Node, scope: Recipe, stack: tuple) -> int:
        """Nodes inside `node` once expanded (0 for a block; a body's nodes, all the way
        down, for a network instance). A body that does not resolve counts 0: the check
        says why."""
        if not node.use:
            return 0
        context = Context(stack, self.context.files)
        resolved, _ = resolve(node, scope, context)
        if resolved is None:
            return 0
        key = (resolved.key, repr(node.use.params))
        if key not in self.sizes:
            if len(self.sizes) >= MAX_NODES:
                raise _TooMuchWork
            body = resolved.recipe
            inner = stack + ((resolved.key, resolved.name),)
            self.sizes[key] = len(body.nodes) + sum(self.inside(n, body, inner) for n in body.nodes)
        return self.sizes[key]


def expansion_problems(
    recipe: Recipe, context: Context, label: Callable[[Node], str]
) -> list[Problem]:
    """A problem when `recipe`, its networks expanded, has more than MAX_NODES nodes,
    placed at the node that expands the most."""
    count = _Expansion(context)
    inside: dict[str, int] = {}
    total, exact = f"more than {MAX_NODES:,}", False
    try:
        for node in recipe.nodes:
            inside[node.name] = count.inside(node, recipe, context.stack)
    except _TooMuchWork:  # the node being counted is the one to blame
        most = node.name
    else:
        if len(recipe.nodes) + sum(inside.values()) <= MAX_NODES:
            return []
        total, exact = f"{len(recipe.nodes) + sum(inside.values()):,}", True
        most = max(inside, key=inside.__getitem__)
    if exact and inside[most] == 0:  # a flat recipe that big
        where, prefix, share = recipe.where, "", ""
    else:
        node = recipe.node(most)
        where, prefix = node.where, f"{label(node)}: "
        share = f"; this node expands to {inside[most]:,} of them" if exact else ""
    message = (
        f"{prefix}expected at most {MAX_NODES:,} nodes with the networks expanded "
        f"(each instance has its own), got {total}{share}"
    )
    hint = "`repeat: N` chains N copies of one network and checks it once"
    return [Problem(where, message, hint)]


# -- one array, and memory --------------------------------------------------------------------
def _arrays(plan: Plan, stack: Shape = ()) -> Iterator[tuple[str, Shape, bool]]:
    """(name, shape as stored, learned?) of every array the model holds, `repeat` stacks
    as leading axes; a network instance's own arrays are named `instance/node.slot`."""
    for w in plan.learned:
        yield f"{w.node}.{w.slot}", stack + w.shape, True
    for w in plan.kept:
        yield f"{w.node}.{w.slot}", stack + w.shape, False
    for step in plan.steps:
        if step.sub is not None:
            copies = (step.repeat,) if step.repeat else ()
            for name, shape, learned in _arrays(step.sub, stack + copies):
                yield f"{step.name}/{name}", shape, learned


def _activations(plan: Plan) -> int:
    """Values one example computes (each kept for the backward pass), `repeat` copies
    counted once each."""
    total = 0
    for step in plan.steps:
        if step.sub is not None:
            total += _activations(step.sub) * max(step.repeat, 1)
        else:
            total += math.prod(step.out_shape)
    return total


def size_problems(plan: Plan, recipe: Recipe, label: Callable[[Node], str]) -> list[Problem]:
    """Problems with what the checked model would hold: stacked arrays of MAX_VALUES values
    or more, and weights, gradients and activations beyond the memory of the device."""
    nodes = {n.name: n for n in recipe.nodes}
    out = []
    per_node: dict[str, int] = {}
    for step in plan.steps:
        node = nodes.get(step.name)
        if step.sub is None or node is None or not node.use:
            continue
        copies = (step.repeat,) if step.repeat else ()
        arrays = list(_arrays(step.sub, copies))
        biggest = max(arrays, key=lambda a: math.prod(a[1]), default=None)
        if biggest and math.prod(biggest[1]) >= MAX_VALUES:  # one copy passed: the stack
            name, shape, _ = biggest
            out.append(
                Problem(
                    node.use.where,
                    f"{label(node)}: expected stacked weights of fewer than 2**31 values, got "
                    f"'{name}' stacked by `repeat` to shape {shape} "
                    f"({math.prod(shape):,} values)",
                    "fewer copies, or a narrower network",
                )
            )
        per_node[step.name] = sum(math.prod(s) for _, s, learned in arrays if learned)
    for w in plan.learned:
        per_node[w.node] = per_node.get(w.node, 0) + math.prod(w.shape)
    params = sum(per_node.values())
    kept = sum(math.prod(s) for _, s, learned in _arrays(plan) if not learned)
    batch = recipe.train.batch if recipe.train else 1
    inputs = sum(math.prod(shape) for _, shape in plan.inputs)
    activations = (inputs + _activations(plan)) * batch
    training = 2 if recipe.train else 1  # gradients, one per weight
    estimate = BYTES * (params * training + kept + activations)
    if estimate < SMALL:
        return out
    limit, what = _device_memory()
    if limit is None or estimate <= limit:
        return out
    heaviest = max(per_node, key=per_node.__getitem__, default=None)
    node = nodes.get(heaviest) if heaviest else None
    where, prefix = (node.where, f"{label(node)}: ") if node else (recipe.where, "")
    parts = f"{params:,} parameters" + (" and their gradients" if recipe.train else "")
    parts += f", and {sizes.text(BYTES * activations)} of activations for a batch of {batch}"
    share = f"; this node holds {per_node[heaviest]:,} of the parameters" if node else ""
    out.append(
        Problem(
            where,
            f"{prefix}expected a model that fits in memory (at most {sizes.text(limit)}, {what}), "
            f"got an estimated {sizes.text(estimate)}: {parts}{share}",
        )
    )
    return out


def _device_memory() -> tuple[int | None, str]:
    """What the device that trains holds: an accelerator's own memory, or half of this
    machine's for the CPU (the rest is for the data, the compiler and everyone else)."""
    device = jax.devices()[0]
    stats = device.memory_stats() if device.platform != "cpu" else None
    if stats and stats.get("bytes_limit"):
        return int(stats["bytes_limit"]), f"what {device.platform} device 0 has"
    return sizes.memory_limit(), "half of this machine's"
