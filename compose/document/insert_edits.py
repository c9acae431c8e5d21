"""Putting a new node into a wire: the wire from A into B's port becomes A -> new -> B.

    doc.insert_node("norm", "layer_norm", into="logit")          # bend -> norm -> logit
    doc.insert_node("act", "relu", into="loss", port="pred")     # a port of several

The new node is written just before B, fed by what fed B's port, and B's port is wired
to it: one edit, so one undo takes both back. A dangling branch (a new node fed by A that
nothing reads yet) is `add_node(name, block, wires=A, after=A)`.
"""

from __future__ import annotations

from typing import Any

from compose.document.layout import NODES
from compose.document.node_edits import block_spec, instance_spec
from compose.document.records import Port, Refused
from compose.document.rendering import Plain
from compose.document.rules import node_spec
from compose.document.splice import Edit, Group
from compose.document.view import View


def insert_node(
    view: View,
    name: str,
    block: str | None = None,
    *,
    into: str,
    port: str | None = None,
    network: str | None = None,
    hypers: dict[str, Any] | None = None,
) -> Edit:
    """Node `name` (of `block`, or an instance of `network` with `hypers` as its
    parameters) put into the wire that feeds `port` of node `into`."""
    node_spec(view, into)
    wire = wire_into(view, into, port)
    if network is not None:
        spec = instance_spec(view, name, network, wire.ref, hypers, None, name)
    else:
        spec = block_spec(view, name, block, wires=wire.ref, hypers=hypers)
    order = list(view.specs)
    before = order[order.index(into) - 1] if order.index(into) > 0 else None
    below = wire.path[2:]  # the wire's place inside node `into`: ("in",), ("in", 0), ...

    def rewire(root: Any, kit: Plain) -> None:
        owner = root[NODES][into]
        for key in below[:-1]:
            owner = owner[key]
        if isinstance(owner, list):
            owner[below[-1]] = kit.value(name)
        else:
            kit.insert(owner, below[-1], kit.value(name))

    def add(root: Any, kit: Plain) -> None:
        nodes = root[NODES]
        value = kit.value(spec, flow=kit.flow_like(nodes))
        kit.insert(nodes, name, value, after=before if before in nodes else None)

    what = network if network is not None else block
    label = f"insert '{name}' ({what}) between {wire.ref} and {into}.{wire.name}"
    added = Edit(label, (Group(NODES, before or into),), add)
    return Edit(label, (Group(NODES, into),), rewire, then=added)


def wire_into(view: View, node: str, port: str | None) -> Port:
    """The wired port `port` of `node` (the only wired one when `port` is None)."""
    found = next(n for n in view.nodes if n.name == node)
    wired = [p for p in found.ports if p.ref is not None]
    if port is None:
        if len(wired) == 1:
            return wired[0]
        if not wired:
            raise Refused(
                f"node '{node}': expected a wired input to insert into, got none",
                path=("nodes", node, "in"),
            )
        names = ", ".join(p.name for p in wired)
        raise Refused(
            f"node '{node}': expected one of its wired inputs to insert into ({names}), got "
            "no port",
            path=("nodes", node, "in"),
        )
    chosen = next((p for p in wired if p.name == port), None)
    if chosen is None:
        names = ", ".join(p.name for p in wired) or "none"
        raise Refused(
            f"node '{node}': expected one of its wired inputs ({names}), got '{port}'",
            path=("nodes", node, "in"),
        )
    return chosen
