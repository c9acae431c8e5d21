"""What the editor shows of a recipe: its boxes, its wires and the problems on each box.

A scene is made from the records of a `compose.Document` (nodes, inputs, wires and the
problems placed on their nodes, as the last check found them); it knows nothing of YAML or
of widgets, so the graph, the inspector and the tests all read the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui import catalog

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Listed:
    """One problem as the problems list shows it: the line `compose check` prints, and the
    box it is on (None for the train section, outputs, or a file that is not a recipe)."""

    text: str
    node: str | None


@dataclass(frozen=True)
class Box:
    """One box of the diagram: an input, a block node, a network instance (folded) or a
    node whose block is unknown or unreadable (`kind` "broken")."""

    name: str
    kind: str  # "input", "block", "network" or "broken"
    block: str  # the block's name, "network NAME xN", or "?"
    shape: Shape | None  # the checked output shape, None where checking could not reach it
    problems: tuple[Listed, ...] = ()
    record: Any = None  # the document's DocNode or DocInput

    @property
    def label(self) -> str:
        """The second line of the box: block and output shape, e.g. `linear (2,)`."""
        return f"{self.block} {shape_text(self.shape)}"


@dataclass(frozen=True)
class Wire:
    """A connection drawn from `source`'s box to `target`'s; `weight` when it fills a
    weight slot (a hypernetwork's output, or a tie to another node's weight)."""

    source: str
    target: str
    port: str
    weight: bool = False


@dataclass(frozen=True)
class Scene:
    """Everything the editor draws for one state of the document."""

    boxes: tuple[Box, ...]
    wires: tuple[Wire, ...]
    problems: tuple[Listed, ...]
    document: Any = None  # the compose.Document, None when the file is not a recipe at all

    def box(self, name: str | None) -> Box | None:
        return next((b for b in self.boxes if b.name == name), None)


def shape_text(shape: Any) -> str:
    """A shape as `compose check` prints it: `(2,)`, `(8, 8)`, `()`, or `?` when unknown."""
    if shape is None:
        return "?"
    shape = tuple(shape)
    return "(" + ", ".join(map(str, shape)) + ")" if len(shape) != 1 else f"({shape[0]},)"


def empty_scene(problems: Any) -> Scene:
    """The scene of a file that is not a recipe: no boxes, only its problems."""
    return Scene((), (), tuple(Listed(str(p), None) for p in problems))


def scene_of(doc: Any) -> Scene:
    """The boxes and wires of a document, each problem on its box."""
    listed = tuple(Listed(i.text, _owner(i)) for i in doc.problems)
    on: dict[str, list[Listed]] = {}
    for item in listed:
        if item.node is not None:
            on.setdefault(item.node, []).append(item)
    boxes = [
        Box(i.name, "input", "input", doc.shapes.get(i.name), tuple(on.get(i.name, ())), i)
        for i in doc.inputs
    ]
    for node in doc.nodes:
        kind, block = _kind(node)
        boxes.append(Box(node.name, kind, block, node.shape, tuple(on.get(node.name, ())), node))
    names = {b.name for b in boxes}
    wires = []
    for wire in doc.wires:
        source = wire.ref.partition(".")[0]
        if wire.node is None or source not in names or source == wire.node:
            continue
        port = doc.node(wire.node).port(wire.port) if doc.node(wire.node) else None
        weight = (port is not None and port.kind == "weight") or "." in wire.ref
        wires.append(Wire(source, wire.node, wire.port, weight))
    return Scene(tuple(boxes), tuple(wires), listed, doc)


def _owner(issue: Any) -> str | None:
    if issue.node is not None:
        return issue.node
    if len(issue.path) >= 2 and issue.path[0] == "inputs":
        return str(issue.path[1])
    return None


def _kind(node: Any) -> tuple[str, str]:
    if node.network is not None:
        if node.report is not None:  # the checker's label counts the copies: residual x32
            return "network", f"network {node.report.block}"
        repeat = next((s.value for s in node.settings if s.name == "repeat"), 1)
        copies = f" x{repeat}" if isinstance(repeat, int) and repeat > 1 else ""
        return "network", f"network {node.network or '(inline)'}{copies}"
    if node.block and catalog.block(node.block) is not None:
        return "block", node.block
    return "broken", node.block or "?"
