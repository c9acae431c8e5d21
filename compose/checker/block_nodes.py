"""Checking a block node: its inputs' shapes against the block's rule, and each weight
slot's shape and source (learned, wired to another value, or running state)."""

from __future__ import annotations

import math

from blocks import BLOCKS, INITIALIZERS
from compose.checker.checked import NodeReport, WeightReport
from compose.checker.graph_state import GraphState
from compose.checker.limits import MAX_VALUES
from compose.checker.plan import Learned, Shape, Step, Value
from compose.recipe.records import Node, WeightSpec


def check_block(graph: GraphState, node: Node) -> Step | None:
    """The step of a block node, with its output and weights recorded in `graph`; None
    after a problem."""
    block = BLOCKS[node.block]
    label = graph.label(node)
    if not graph.all_available(node.wires, label):
        return None
    shapes = [graph.shapes[w.ref] for w in node.wires]
    found = _shapes(graph, node, label, shapes)
    if found is None:
        return None
    slot_shapes, out_shape = found
    found = _weights(graph, node, label, shapes, slot_shapes)
    if found is None:
        return None
    weights, reports = found
    reports += _running_state(graph, node, shapes)
    for spec in node.weights:
        if spec.slot not in slot_shapes:
            graph.bad(
                spec.where,
                f"{label}: expected no '{spec.slot}' with these settings, got a source for it",
            )
    graph.shapes[node.name] = out_shape
    graph.values[node.name] = Value("node", node.name)
    refs = tuple(w.ref for w in node.wires)
    graph.reports.append(
        NodeReport(node.name, block.name, tuple(shapes), out_shape, tuple(reports), refs=refs)
    )
    args = tuple(graph.values[w.ref] for w in node.wires)
    return Step(node.name, block.name, args, tuple(weights), node.hypers, out_shape=out_shape)


def _shapes(
    graph: GraphState, node: Node, label: str, shapes: list[Shape]
) -> tuple[dict[str, Shape], Shape] | None:
    """(each weight slot's shape, the output's shape) by the block's own rules; None when
    the block rejects these inputs or a weight would be too large."""
    block = BLOCKS[node.block]
    hypers = dict(node.hypers)
    expected = block.check(shapes, hypers) if block.check else None
    if expected:
        inputs = ", ".join(f"{w.ref} {graph.shapes[w.ref]}" for w in node.wires)
        graph.bad(node.where, f"{label}: inputs {inputs}: expected {expected}")
        return None
    try:
        slot_shapes = block.slot_shapes(shapes, hypers)
        out_shape = block.output_shape(shapes, hypers)
    except Exception as err:  # a block's own shape rule rejected these inputs
        graph.bad(node.where, f"{label}: cannot apply to inputs {shapes}: {err}")
        return None
    too_big = [(n, s) for n, s in slot_shapes.items() if math.prod(s) >= MAX_VALUES]
    for slot_name, shape in too_big:
        graph.bad(
            node.where,
            f"{label}: expected weights of fewer than 2**31 values, got "
            f"'{slot_name}' of shape {shape} ({math.prod(shape):,} values)",
        )
    return None if too_big else (slot_shapes, out_shape)


def _weights(graph: GraphState, node: Node, label: str, shapes, slot_shapes):
    """([(slot, value)], [WeightReport]) of the node's trained slots, each recorded in
    `graph` as `node.slot`; None at the first slot whose source does not fit."""
    weights, reports = [], []
    for slot_name, shape in slot_shapes.items():
        spec = node.weight(slot_name)
        if spec and spec.ref:
            value = _wired(graph, label, slot_name, shape, shapes, spec)
            source = f"tied to {spec.ref}" if "." in spec.ref else f"from {spec.ref}"
            if graph.shapes.get(spec.ref, shape) != shape:
                source += f" {graph.shapes[spec.ref]} reshaped"
            params = 0
        else:
            value, source = _learn(graph, node, slot_name, shape, spec)
            params = math.prod(shape)
        if value is None:
            return None
        graph.shapes[f"{node.name}.{slot_name}"] = shape
        graph.values[f"{node.name}.{slot_name}"] = value
        weights.append((slot_name, value))
        ref = spec.ref if spec else None
        reports.append(WeightReport(slot_name, shape, source, params, ref))
    return weights, reports


def _running_state(graph: GraphState, node: Node, shapes) -> list[WeightReport]:
    """The node's state slots (batch norm's statistics), kept in `graph` but not trained."""
    block = BLOCKS[node.block]
    reports = []
    for slot_name, shape in block.slot_shapes(shapes, dict(node.hypers), state=True).items():
        slot = next(s for s in block.state if s.name == slot_name)
        start = (("value", slot.initial),)  # state starts at a value: no draw, no fan axes
        graph.kept.append(Learned(node.name, slot_name, shape, "constant", start, -1, -2))
        reports.append(WeightReport(slot_name, shape, "running state, not trained", 0))
    return reports


def _learn(graph: GraphState, node: Node, slot_name: str, shape: Shape, spec: WeightSpec | None):
    """(the learned weight's value, its source in words), recorded in `graph`."""
    slot = BLOCKS[node.block].slot(slot_name)
    init = spec.init if spec else slot.init
    init_args = spec.init_args if spec else slot.init_args
    graph.learned.append(
        Learned(node.name, slot_name, shape, init, init_args, slot.fan_in, slot.fan_out)
    )
    args = ", ".join(f"{k}={v}" for k, v in init_args)
    return Value("weight", node.name, slot_name), f"learned, {INITIALIZERS[init].name}" + (
        f"({args})" if args else ""
    )


def _wired(graph: GraphState, label, slot_name, shape, in_shapes, spec: WeightSpec) -> Value | None:
    """The value a weight slot is wired to, reshaped when only its size matches."""
    if not graph.available(spec.ref, spec.where, label):
        return None
    got = graph.shapes[spec.ref]
    value = graph.values[spec.ref]
    if got == shape:
        return value
    if math.prod(got) == math.prod(shape):
        return Value(value.kind, value.name, value.slot, reshape=shape)
    inputs = ", ".join(str(s) for s in in_shapes)
    graph.bad(
        spec.where,
        f"{label}: for input shape {inputs}, weight '{slot_name}' needs "
        f"{shape} ({math.prod(shape)} values), but it was wired to '{spec.ref}' "
        f"which gives {got} ({math.prod(got)} values)",
    )
    return None
