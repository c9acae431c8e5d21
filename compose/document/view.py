"""What the editor reads from one state of a document, built from its text, not its recipe.

A `View` holds the located reading, the parsed recipe and the check, and builds the records
of compose.document.records on first use; a node the parser could not read is still listed,
with its problems. The helpers read the plain data: which names a node wires, which nodes
depend on which.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from blocks import BLOCKS, Block
from compose.checker.checked import Checked, NodeReport
from compose.checker.plan import Shape
from compose.document.records import (
    DocInput,
    DocNetwork,
    DocNode,
    DocWire,
    Issue,
    Port,
    Setting,
)
from compose.recipe.problems import Problem, Where
from compose.recipe.records import Recipe
from compose.recipe.source import Source, dotted


def block_of(spec: Any) -> Block | None:
    name = spec.get("block") if isinstance(spec, dict) else None
    return BLOCKS.get(name) if isinstance(name, str) else None


def in_ports(spec: Any, names: tuple[str, ...], *, variadic: bool = False) -> dict:
    """port -> (value, path below the node) for each wire written in the node's `in`."""
    value = spec.get("in") if isinstance(spec, dict) else None
    if isinstance(value, str):
        return {names[0] if names else "in": (value, ("in",))}
    if isinstance(value, list):
        if variadic and names:
            return {f"{names[0]}{i}": (v, ("in", i)) for i, v in enumerate(value)}
        return {
            names[i] if i < len(names) else f"#{i}": (v, ("in", i)) for i, v in enumerate(value)
        }
    if isinstance(value, dict):
        return {str(k): (v, ("in", k)) for k, v in value.items()}
    return {}


def refs_of(spec: Any) -> list[tuple[str, str, tuple]]:
    """(port or slot, ref, path below the node) for every name a node wires."""
    if not isinstance(spec, dict):
        return []
    out = [(p, v, path) for p, (v, path) in in_ports(spec, ()).items() if isinstance(v, str)]
    block = block_of(spec)
    for slot in block.slots if block else ():
        value = spec.get(slot.name)
        if isinstance(value, str):
            out.append((slot.name, value, (slot.name,)))
        elif isinstance(value, dict) and "network" in value:
            out += [
                (slot.name, v, (slot.name,) + path)
                for _, (v, path) in in_ports(value, ()).items()
                if isinstance(v, str)
            ]
    return out


def dependents(nodes: dict, name: str) -> set[str]:
    """The nodes whose value depends on node or input `name`, directly or not."""
    users: dict[str, set[str]] = {}
    for node, spec in nodes.items():
        for _, ref, _ in refs_of(spec):
            users.setdefault(ref.partition(".")[0], set()).add(node)
    found, todo = set(), [name]
    while todo:
        for user in users.get(todo.pop(), ()):
            if user not in found:
                found.add(user)
                todo.append(user)
    return found


def chain(nodes: dict, start: str, goal: str) -> list[str]:
    """Names from `start` to `goal` along what each node wires (start depends on goal)."""
    paths = {start: [start]}
    todo = [start]
    while todo:
        node = todo.pop(0)
        for _, ref, _ in refs_of(nodes.get(node)):
            dep = ref.partition(".")[0]
            if dep not in paths:
                paths[dep] = paths[node] + [dep]
                if dep == goal:
                    return paths[dep]
                todo.append(dep)
    return [start, goal]


def network_inputs(data: Any, spec: Any) -> tuple[str, ...]:
    """The input names of the network a node instantiates, where the document says them."""
    network = spec.get("network") if isinstance(spec, dict) else None
    body = network if isinstance(network, dict) else None
    networks = data.get("networks") if isinstance(data, dict) else None
    if isinstance(network, str) and isinstance(networks, dict):
        body = networks.get(network)
    inputs = body.get("inputs") if isinstance(body, dict) else None
    return tuple(str(k) for k in inputs) if isinstance(inputs, dict) else ()


_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")
_EXPECTED = re.compile(r"expected (.+?), got (.+)$", re.DOTALL)
_NODE = re.compile(r"node '([^']+)'")


def key_path(text: str) -> tuple:
    """`nodes.hidden.in[0]` -> ("nodes", "hidden", "in", 0)."""
    return tuple(int(i) if i else k for i, k in _TOKEN.findall(text))


def issue(problem: Problem, file: str, nodes: dict) -> Issue:
    """A problem with its node: found through an instance, or at a path under `nodes`."""
    path = key_path(problem.where.path)
    node = None
    if problem.via:
        found = _NODE.match(problem.via[0])
        node = found.group(1).split("/")[0] if found else None
    elif problem.where.file == file and len(path) > 1 and path[0] == "nodes":
        node = path[1] if path[1] in nodes else None
    else:
        found = _NODE.match(problem.message)
        name = found.group(1).split("/")[0] if found else None
        node = name if name in nodes else None
    parts = _EXPECTED.search(problem.message)
    return Issue(
        node=node,
        path=path,
        message=problem.message,
        expected=parts.group(1) if parts else None,
        got=parts.group(2) if parts else None,
        hint=problem.hint,
        where=problem.where,
        text=str(problem),
        problem=problem,
    )


class View:
    """Records of one state of the document, built on first use."""

    def __init__(self, source: Source, recipe: Recipe, checked: Checked):
        self.source = source
        self.recipe = recipe
        self.checked = checked
        data = source.data if isinstance(source.data, dict) else {}
        self.data = data
        nodes = data.get("nodes")
        self.specs: dict = nodes if isinstance(nodes, dict) else {}

    def where(self, path: tuple, *, key: bool = False) -> Where | None:
        """Where `path` (or its key) is written; None where it is not."""
        found = (self.source.key_marks if key else self.source.marks).get(path)
        if found is None:
            return None
        fast = all(isinstance(p, str) and p.isidentifier() for p in path)
        return Where(self.source.file, *found, ".".join(path) if fast else dotted(path))

    @cached_property
    def problems(self) -> tuple[Issue, ...]:
        return tuple(issue(p, self.source.file, self.specs) for p in self.checked.problems)

    @cached_property
    def reports(self) -> dict[str, NodeReport]:
        return {r.name: r for r in self.checked.nodes}

    @cached_property
    def shapes(self) -> dict[str, Shape]:
        """Checked shapes by name: inputs, node outputs and `node.slot` weights."""
        out = {i.name: i.shape for i in self.recipe.inputs}
        for report in self.checked.nodes:
            out[report.name] = report.out_shape
            out.update((f"{report.name}.{w.slot}", w.shape) for w in report.weights)
        return out

    @cached_property
    def nodes(self) -> tuple[DocNode, ...]:
        by_node: dict[str, list[Issue]] = {}
        for found in self.problems:
            if found.node is not None:
                by_node.setdefault(found.node, []).append(found)
        return tuple(
            self._node(name, spec, tuple(by_node.get(name, ())))
            for name, spec in self.specs.items()
        )

    @cached_property
    def inputs(self) -> tuple[DocInput, ...]:
        inputs = self.data.get("inputs")
        if not isinstance(inputs, dict):
            return ()
        return tuple(
            DocInput(
                str(name),
                shape,
                self.source.where(("inputs", name), key=True),
                tuple(p for p in self.problems if p.path[:2] == ("inputs", name)),
            )
            for name, shape in inputs.items()
        )

    @cached_property
    def networks(self) -> tuple[DocNetwork, ...]:
        networks = self.data.get("networks")
        if not isinstance(networks, dict):
            return ()
        return tuple(
            DocNetwork(
                str(name),
                network_inputs(self.data, {"network": name}),
                self.source.where(("networks", name), key=True),
            )
            for name in networks
        )

    @cached_property
    def wires(self) -> tuple[DocWire, ...]:
        out = [
            DocWire(node.name, port.name, port.ref, port.path, port.where or node.where)
            for node in self.nodes
            for port in node.ports
            if port.ref
        ]
        for node in self.nodes:  # the inputs of networks made in a node's weight slots
            for port in node.ports:
                value = self.specs[node.name].get(port.name) if port.kind == "weight" else None
                if isinstance(value, dict) and "network" in value:
                    for ref, below in in_ports(value, ()).values():
                        path = port.path + below
                        if isinstance(ref, str):
                            where = self.where(path) or node.where
                            out.append(DocWire(node.name, port.name, ref, path, where))
        outputs = self.data.get("outputs")
        items = [outputs] if isinstance(outputs, str) else outputs
        for i, ref in enumerate(items if isinstance(items, list) else []):
            if isinstance(ref, str):
                path = ("outputs",) if isinstance(outputs, str) else ("outputs", i)
                out.append(DocWire(None, "output", ref, path, self.source.where(path)))
        if isinstance(self.data.get("loss"), str):
            loss = self.data["loss"]
            out.append(DocWire(None, "loss", loss, ("loss",), self.source.where(("loss",))))
        return tuple(out)

    def _node(self, name: str, spec: Any, problems: tuple[Issue, ...]) -> DocNode:
        spec = spec if isinstance(spec, dict) else {}
        report = self.reports.get(name)
        base = ("nodes", name)
        where = self.where(base, key=True) or self.source.where(base, key=True)
        if "network" in spec:
            network = spec["network"] if isinstance(spec["network"], str) else ""
            names = network_inputs(self.data, spec)
            settings = tuple(
                Setting(str(k), v, True, self.where(base + (k,)))
                for k, v in spec.items()
                if k not in ("network", "in")
            )
            ports = self._ports(base, spec, names, (), report)
            return DocNode(str(name), None, network, settings, ports, where, problems, report)
        block = block_of(spec)
        settings = ()
        if block:
            settings = tuple(
                Setting(
                    h.name,
                    spec.get(h.name, None if h.required else h.default),
                    h.name in spec,
                    self.where(base + (h.name,)),
                    h,
                )
                for h in block.hypers
            )
        names = block.inputs if block else ()
        slots = tuple(s.name for s in block.slots) if block else ()
        ports = self._ports(
            base, spec, names, slots, report, variadic=bool(block and block.variadic)
        )
        kind = spec.get("block") if isinstance(spec.get("block"), str) else None
        return DocNode(str(name), kind, None, settings, ports, where, problems, report)

    def _ports(self, base, spec, names, slots, report, *, variadic=False) -> tuple[Port, ...]:
        written = in_ports(spec, names, variadic=variadic)
        order = list(written) if variadic else list(names) + [p for p in written if p not in names]
        if variadic and len(order) < 2 and names:
            order += [f"{names[0]}{i}" for i in range(len(order), 2)]
        ports = []
        for port in order:
            value, below = written.get(port, (None, ("in",)))
            ref = value if isinstance(value, str) else None
            path = base + below
            source = ref if ref else "not wired"
            ports.append(
                Port(port, "input", ref, source, path, self.where(path), self.shapes.get(ref))
            )
        weights = {w.slot: w for w in report.weights} if report else {}
        for slot in slots:
            value = spec.get(slot)
            path = base + (slot,)
            ref = value if isinstance(value, str) else None
            if slot in weights:
                source, shape = weights[slot].source, weights[slot].shape
            else:
                source, shape = _weight_source(value), None
            ports.append(Port(slot, "weight", ref, source, path, self.where(path), shape))
        return tuple(ports)


def _weight_source(value: Any) -> str:
    if isinstance(value, str):
        return f"tied to {value}" if "." in value else f"from {value}"
    if isinstance(value, dict) and "network" in value:
        return f"network {value['network']}" if isinstance(value["network"], str) else "network"
    if isinstance(value, dict) and "init" in value:
        return f"learned, {value['init']}"
    return "learned"
