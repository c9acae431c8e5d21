"""The questions `w` asks to wire a node: which of its inputs or weights, where from, and,
for a new instance of a network, where each of that instance's inputs comes from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import compose
from tui.scene import Box, shape_text
from tui.screens import Pick

if TYPE_CHECKING:
    from tui.editing import EditingController


def ask_port(editing: EditingController, box: Box) -> None:
    """Ask which input or weight of node `box` to wire (when it has several), then where
    from (`ask_source`)."""
    ports = box.record.ports
    if not ports:
        editing.app.update_status(f"'{box.name}' has no inputs or weights to wire")
        return
    if len(ports) == 1:
        ask_source(editing, box.name, ports[0].name)
        return
    items = [(p.name, f"{p.name} ({p.kind}) <- {p.ref or p.source}") for p in ports]

    def chosen(port: str | None) -> None:
        if port is not None:
            ask_source(editing, box.name, port)

    editing.app.push_screen(Pick(f"Which input or weight of '{box.name}'?", items), chosen)


def ask_source(editing: EditingController, node: str, port: str) -> None:
    """Ask where `port` of `node` comes from (a node, an input, a new network instance,
    or nothing), and wire it so."""
    try:
        choices = editing.app.doc.sources(node, port)
    except compose.Refused as err:
        editing.refused(str(err))
        return
    options = [source_option(c) for c in choices if c.kind != "network"]
    options += [
        (f"network:{c.ref}", f"a new instance of network {c.ref}")
        for c in choices
        if c.kind == "network"  # only a weight slot offers them
    ]
    options.append(("", "(unwire)"))

    def chosen(ref: str | None) -> None:
        if ref is None:
            return
        if ref.startswith("network:"):
            ask_instance(editing, node, port, ref[8:], choices)
        else:
            said = f"wired {node}.{port} <- {ref}" if ref else f"unwired {node}.{port}"
            editing.edit(compose.Document.wire, node, port, ref or None, select=node, note=said)

    editing.app.push_screen(Pick(f"Wire {node}.{port} to:", options), chosen)


def ask_instance(
    editing: EditingController, node: str, slot: str, network: str, choices: Any
) -> None:
    """Ask where each input of a new instance of `network` comes from (what may feed
    `node`), then add it and wire it into `node`'s weight slot `slot` in one edit."""
    name = editing.app.scene.free_name(network)
    found = next((n for n in editing.app.doc.networks if n.name == network), None)
    inputs = list(found.inputs) if found is not None else []
    options = [source_option(c) for c in choices if c.kind in ("input", "node", "instance")]
    wires: dict[str, str] = {}

    def ask_next() -> None:
        if len(wires) == len(inputs):
            wire = compose.Document.wire_instance
            said = f"wired {node}.{slot} <- a new instance '{name}' of {network}"
            editing.edit(
                wire, node, slot, name, network, wires=wires or None, select=node, note=said
            )
            return
        wanted = inputs[len(wires)]
        question = f"New instance '{name}' of {network}: its input '{wanted}' from:"
        editing.app.push_screen(Pick(question, options), chosen)

    def chosen(ref: str | None) -> None:
        if ref:  # Escape: nothing is added
            wires[inputs[len(wires)]] = ref
            ask_next()

    ask_next()


def source_option(choice: Any) -> tuple[str, str]:
    """A picker's option for a source a port may be wired to (a `compose.Document.sources`
    choice): its reference, then what it is and its shape."""
    shape = shape_text(choice.shape) if choice.shape is not None else ""
    return choice.ref, f"{choice.ref}  {choice.kind} {shape}"


def wire_clicked(editing: EditingController, source: str | None, target: str | None) -> None:
    """The mouse's wiring (tui/graph.py): `source`'s output clicked, then box `target`:
    wire `target`'s input from it (asking which, when it has several)."""
    app = editing.app
    if source is None or target is None:
        said = f"wiring from {source}: click the box it should feed" if source else ""
        app.update_status(said or "wiring given up")
        return
    box = app.scene.box(target)
    ports = list(box.record.ports) if box is not None and box.record is not None else []
    inputs = [p for p in ports if p.kind == "input"]
    if box is None or box.kind not in ("block", "network", "broken") or not inputs:
        editing.refused(f"'{target}' has no input to wire from {source}")
        return

    def chosen(port: str | None) -> None:
        if port is not None:
            said = f"wired {target}.{port} <- {source}"
            editing.edit(compose.Document.wire, target, port, source, select=target, note=said)

    if len(inputs) == 1:
        chosen(inputs[0].name)
        return
    items = [(p.name, f"{p.name} <- {p.ref or 'not wired'}") for p in inputs]
    app.push_screen(Pick(f"Which input of '{target}' does {source} feed?", items), chosen)
