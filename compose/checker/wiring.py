"""A graph's wiring: every reference names something, an order to run the nodes in, and
outputs and a loss that the graph gives."""

from __future__ import annotations

import graphlib

from blocks import BLOCKS
from compose.checker.graph_state import GraphState
from compose.recipe.problems import did_you_mean
from compose.recipe.records import Node, WeightSpec, Wire


def wirings(node: Node) -> list[tuple[Wire | WeightSpec, str]]:
    """Each input wire and wired weight of `node`, with the reference it names."""
    return [(w, w.ref) for w in node.wires] + [(w, w.ref) for w in node.weights if w.ref]


def check_refs(graph: GraphState) -> None:
    """Every reference (input, wired weight, output, loss) names an input, node or weight."""
    known = _known_refs(graph)
    broken = graph.recipe.broken
    for node in graph.recipe.nodes:
        for item, ref in wirings(node):
            why = None if ref.partition(".")[0] in broken else _ref_problem(graph, ref)
            if why:
                label = (
                    f"input '{item.port}'" if isinstance(item, Wire) else f"weight '{item.slot}'"
                )
                graph.bad(
                    item.where,
                    f"{graph.label(node)}: {label}: expected "
                    f"an input, node or node.weight, got {why}",
                    did_you_mean(ref, known),
                )
    values = [i.name for i in graph.recipe.inputs] + list(graph.nodes)
    ends = list(graph.recipe.outputs) + ([graph.recipe.loss] if graph.recipe.loss else [])
    for wire in ends:
        why = None if wire.ref.partition(".")[0] in broken else _ref_problem(graph, wire.ref)
        if why:
            graph.bad(wire.where, f"expected a node, got {why}", did_you_mean(wire.ref, values))


def _known_refs(graph: GraphState) -> list[str]:
    names = [i.name for i in graph.recipe.inputs] + list(graph.nodes)
    names += [
        f"{n.name}.{s.name}" for n in graph.nodes.values() if n.block for s in BLOCKS[n.block].slots
    ]
    return names


def _ref_problem(graph: GraphState, ref: str) -> str | None:
    """What is wrong with `ref` ("'xx', which names no input or node"), or None."""
    node, dot, slot = ref.partition(".")
    if not dot:
        ok = node in graph.nodes or any(i.name == node for i in graph.recipe.inputs)
        return None if ok else f"'{ref}', which names no input or node"
    if node not in graph.nodes:
        return f"'{ref}', but '{node}' names no node"
    if not graph.nodes[node].block:
        return f"'{ref}', but node '{node}' is a network: wire its output as '{node}'"
    block = BLOCKS[graph.nodes[node].block]
    if block.slot(slot) is None:
        slots = ", ".join(s.name for s in block.slots) or "none"
        return (
            f"'{ref}', but node '{node}' ({block.name}) has no weight '{slot}' "
            f"(its weights: {slots})"
        )
    return None


def execution_order(graph: GraphState) -> list[str]:
    """Execution order: dependencies first, otherwise the recipe's own order; [] after a
    cycle, which is reported."""
    position = {name: i for i, name in enumerate(graph.nodes)}
    sorter = graphlib.TopologicalSorter()
    for node in graph.recipe.nodes:
        deps = {r.partition(".")[0] for _, r in wirings(node)}
        sorter.add(node.name, *sorted(d for d in deps if d in graph.nodes))
    try:
        sorter.prepare()
    except graphlib.CycleError as err:
        cycle = err.args[1]
        first = graph.nodes[cycle[0]]
        graph.bad(
            first.where,
            f"{graph.label(first)}: expected an acyclic graph, got the cycle {' -> '.join(cycle)}",
        )
        return []
    order = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=position.__getitem__)
        order.extend(ready)
        sorter.done(*ready)
    return order


def check_ends(graph: GraphState) -> None:
    """The outputs have values, and the loss is a node giving a per-example scalar."""
    for wire in graph.recipe.outputs:
        graph.available(wire.ref, wire.where, "")
    loss = graph.recipe.loss
    if loss and graph.available(loss.ref, loss.where, ""):
        node = graph.nodes.get(loss.ref)
        shape = graph.shapes[loss.ref]
        if node is None:
            kind = "weight" if "." in loss.ref else "input"
            graph.bad(loss.where, f"expected a node, got the {kind} '{loss.ref}'")
        elif shape != ():
            graph.bad(
                loss.where,
                f"expected {graph.label(node)} to give a per-example scalar (), got shape {shape}",
                "reduce it, e.g. with an mse or cross_entropy block",
            )
