"""Checking a network instance: resolve its body, wire its inputs, check the body in a
graph of its own, and chain copies when it repeats."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from compose.checker.checked import NodeReport
from compose.checker.graph_state import GraphState
from compose.checker.plan import Shape, Step, Value
from compose.recipe.networks import Context, Resolved, resolve
from compose.recipe.problems import did_you_mean
from compose.recipe.records import Node, Recipe, Wire

# Checks a network body's graph from start to end and gives the steps of its nodes.
Walk = Callable[[GraphState], list[Step]]


def check_instance(graph: GraphState, node: Node, *, walk: Walk) -> Step | None:
    """The step of a network instance, its body checked inside by `walk`; None after a
    problem, reported in `graph` with the instance it came through."""
    resolved, problems = resolve(node, graph.recipe, graph.context)
    if resolved is None:
        graph.problems.extend(problems)
        return None
    body = resolved.recipe
    label = f"node '{node.name}' ({resolved.label})"
    if body.problems:  # a body that could not be read: say why before wiring into it
        graph.pass_on(body.problems, label)
        return None
    ports = _ports(graph, node, body, label)
    if ports is None or not graph.all_available(node.wires, label):
        return None
    args = _arguments(graph, body, ports, label)
    if args is None:
        return None
    inner = GraphState(
        body,
        Context(graph.context.stack + ((resolved.key, resolved.name),), graph.context.files),
        rewriting=graph.rewriting,
    )
    steps = walk(inner)
    if inner.problems:
        graph.pass_on(inner.problems, label)
        return None
    if len(body.outputs) != 1:
        graph.bad(
            node.where, f"{label}: expected a network with one output, got {len(body.outputs)}"
        )
        return None
    plan = inner.plan(steps)
    graph.rewrites.extend(replace(r, node=f"{node.name}/{r.node}") for r in inner.rewrites)
    out_shape = inner.shapes[body.outputs[0].ref]
    repeat = _repeat(graph, node, body, out_shape, label)
    if repeat is None:
        return None
    graph.shapes[node.name] = out_shape
    graph.values[node.name] = Value("node", node.name)
    graph.reports.append(_report(node, resolved, inner, ports, repeat))
    return Step(node.name, "", tuple(args), (), (), sub=plan, repeat=repeat, out_shape=out_shape)


def _ports(graph: GraphState, node: Node, body: Recipe, label: str) -> dict[str, Wire] | None:
    """The instance's wires by the network input each one fills."""
    names = [i.name for i in body.inputs]
    wires = node.wires
    positional = all(w.port.startswith("#") for w in wires)
    single = len(wires) == 1 and wires[0].port == ""
    if (single or positional) and len(wires) != len(names):
        count = len(names)
        graph.bad(
            node.where,
            f"{label}: expected {count} input{'s' * (count != 1)} "
            f"({', '.join(names)}), got {len(wires)}",
        )
        return None
    if single or positional:
        return {name: w for name, w in zip(names, wires, strict=True)}
    named = {w.port: w for w in wires}
    unknown = [w for w in wires if w.port not in names]
    for w in unknown:
        graph.bad(
            w.where,
            f"{label}: expected one of its inputs ({', '.join(names)}), got "
            f"{w.port.lstrip('#') or 'one input'}",
            did_you_mean(w.port, names),
        )
    missing = [n for n in names if n not in named]
    if missing and not unknown:
        graph.bad(
            node.where,
            f"{label}: expected inputs {', '.join(names)}, missing {', '.join(missing)}",
        )
    return None if unknown or missing else named


def _arguments(graph: GraphState, body: Recipe, ports: dict[str, Wire], label: str):
    """The values wired to the body's inputs, in its order; None at the first whose shape
    is not the one the body declares."""
    args = []
    for inp in body.inputs:
        wire = ports[inp.name]
        got = graph.shapes[wire.ref]
        if got != inp.shape:
            graph.bad(
                wire.where,
                f"{label}: input '{inp.name}' is declared {list(inp.shape)}, "
                f"but '{wire.ref}' gives {got}",
            )
            return None
        args.append(graph.values[wire.ref])
    return args


def _repeat(graph: GraphState, node: Node, body: Recipe, out_shape: Shape, label: str):
    """How many copies to chain (0: one copy, no scan); None when the body's output cannot
    feed its own input."""
    repeat = node.use.repeat if node.use.repeat > 1 else 0
    if repeat and (len(body.inputs) != 1 or out_shape != body.inputs[0].shape):
        shapes = ", ".join(str(i.shape) for i in body.inputs)
        graph.bad(
            node.use.where,
            f"{label}: expected a network whose output has the shape of "
            f"its one input, to chain {repeat} copies; it takes {shapes} and gives "
            f"{out_shape}",
        )
        return None
    return repeat


def _report(
    node: Node, resolved: Resolved, inner: GraphState, ports: dict[str, Wire], repeat: int
) -> NodeReport:
    """The instance's summary row, holding its body's rows."""
    body = resolved.recipe
    return NodeReport(
        node.name,
        f"{resolved.name} x{repeat}" if repeat else resolved.name,
        tuple(i.shape for i in body.inputs),
        inner.shapes[body.outputs[0].ref],
        (),
        tuple(inner.reports),
        repeat,
        refs=tuple(ports[i.name].ref for i in body.inputs),
        output=body.outputs[0].ref,
    )
