"""Which node keeps a model from ONNX: each node converted and run alone, in execution
order, until one fails; inside a network instance that fails, its own nodes likewise."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import jax

from compose.checker.plan import Plan, Step, Value
from compose.export.onnx_model import Unconvertible, check, convert
from compose.model.composed import Extras, Weights, run
from compose.model.inference import Signature


@dataclass(frozen=True)
class Culprit:
    """A node that does not export: its path of names (an instance's node after the
    instance's), each with its block or "network NAME", and why."""

    path: tuple[str, ...]
    blocks: tuple[str, ...]
    reason: str


def culprit(
    plan: Plan, weights: Weights, state: Weights, networks: dict[str, str]
) -> Culprit | None:
    """The first of `plan`'s needed steps that does not export alone, or None when each
    does (the failure is then in how they are put together). `networks` names the network
    each instance node uses, for the message."""
    for step in plan.needed(plan.outputs):
        reason = _fails(plan, step, weights, state)
        if reason is None:
            continue
        if step.sub is None:
            return Culprit((step.name,), (step.block,), reason)
        inner_weights, inner_state = weights[step.name], (state or {}).get(step.name, {})
        if step.repeat:  # the copies share a plan: the first stands for all
            inner_weights, inner_state = jax.tree.map(lambda a: a[0], (inner_weights, inner_state))
        inner = culprit(step.sub, inner_weights, inner_state, {})
        network = f"network {networks.get(step.name, '?')}"
        if inner is None:
            return Culprit((step.name,), (network,), reason)
        return Culprit((step.name, *inner.path), (network, *inner.blocks), inner.reason)
    return None


def _fails(plan: Plan, step: Step, weights: Weights, state: Weights) -> str | None:
    """Why `step` alone does not export, fed what it reads as inputs; None when it does."""
    alone, sig = _alone(plan, step)
    if not sig.inputs:  # weights only (a parameter): a constant of the graph, not a node to blame
        return None

    def function(*inputs: jax.Array) -> tuple[jax.Array]:
        def one(*example: jax.Array) -> tuple[jax.Array]:
            feed = dict(zip((n for n, _ in sig.inputs), example, strict=True))
            return (run(alone, weights, feed, alone.outputs, Extras(state=state))[step.name],)

        return jax.vmap(one)(*inputs)

    try:
        check(convert(function, sig, name=step.name), function, sig)
    except Unconvertible as err:
        return str(err)
    return None


def _alone(plan: Plan, step: Step) -> tuple[Plan, Signature]:
    """A plan of `step` only, the values it reads from inputs and other nodes made inputs
    of their own (the weights it reads stay weights), and its signature."""
    shapes = dict(plan.inputs) | {s.name: s.out_shape for s in plan.steps}
    fed: dict[str, Any] = {}

    def as_input(value: Value) -> Value:
        if value.kind == "weight":
            return value
        fed.setdefault(value.name, shapes[value.name])
        return replace(value, kind="input")

    args = tuple(as_input(v) for v in step.args)
    slots = tuple((slot, as_input(v)) for slot, v in step.weights)
    alone = replace(step, args=args, weights=slots)
    output = Value("node", step.name)
    mini = Plan(inputs=tuple(fed.items()), steps=(alone,), learned=(), outputs=(output,), loss=None)
    return mini, Signature(tuple(fed.items()), ((step.name, step.out_shape),))
