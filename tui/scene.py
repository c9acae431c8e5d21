"""What the editor shows of a recipe: its boxes, its wires and the problems on each box.

A scene is made from the records of a `compose.Document` (nodes, inputs, wires and the
problems placed on their nodes, as the last check found them); it knows nothing of YAML or
of widgets, so the graph, the inspector and the tests all read the same thing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
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
    """One box of the diagram: an input, a block node, a network instance (folded, or
    open: its nodes drawn below it), a node inside an open instance (`kind` "inner",
    named `instance/node` as compose names it) or a node whose block is unknown or
    unreadable (`kind` "broken")."""

    name: str
    kind: str  # "input", "block", "network", "inner" or "broken"
    block: str  # the block's name, "network NAME xN", or "?"
    shape: Shape | None  # the checked output shape, None where checking could not reach it
    problems: tuple[Listed, ...] = ()
    record: Any = None  # the document's DocNode or DocInput; an inner node's NodeReport
    owner: str = ""  # an inner node's instance (its box's name); "" at the top level
    open: bool = False  # a network instance drawn with its nodes

    @property
    def label(self) -> str:
        """The second line of the box: block and output shape, e.g. `linear (2,)`; an open
        instance's says what its nodes below are: `▾ residual x32` (its body, once)."""
        if self.open:
            return f"▾ {self.block.removeprefix('network ')}"
        return f"{self.block} {shape_text(self.shape)}"

    @property
    def report(self) -> Any:
        """The check's NodeReport of this box (None for an input or an unchecked node)."""
        if self.kind == "inner":
            return self.record
        return getattr(self.record, "report", None)

    @property
    def expandable(self) -> bool:
        """Whether this is a network instance whose nodes can be shown (it was checked)."""
        report = self.report
        return report is not None and bool(report.children)


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

    def free_name(self, wanted: str) -> str:
        """`wanted`, or the first of `wanted2`, `wanted3`, ... that no box has: the name a
        new node or instance gets."""
        taken = {b.name for b in self.boxes}
        return next(
            n for n in [wanted, *(f"{wanted}{k}" for k in range(2, 10_000))] if n not in taken
        )


def shape_text(shape: Any) -> str:
    """A shape as `compose check` prints it: `(2,)`, `(8, 8)`, `()`, or `?` when unknown."""
    if shape is None:
        return "?"
    shape = tuple(shape)
    return "(" + ", ".join(map(str, shape)) + ")" if len(shape) != 1 else f"({shape[0]},)"


def empty_scene(problems: Any) -> Scene:
    """The scene of a file that is not a recipe: no boxes, only its problems."""
    return Scene((), (), tuple(Listed(str(p), None) for p in problems))


def scene_of(doc: Any, expanded: Collection[str] = ()) -> Scene:
    """The boxes and wires of a document, each problem on its box; each network instance
    named in `expanded` (`body`, or `body/inner` inside an open one) drawn open."""
    listed = tuple(Listed(i.text, _owner(i)) for i in doc.problems)
    on: dict[str, list[Listed]] = {}
    for item in listed:
        if item.node is not None:
            on.setdefault(item.node, []).append(item)
    boxes = [
        Box(i.name, "input", "input", doc.shapes.get(i.name), tuple(on.get(i.name, ())), i)
        for i in doc.inputs
    ]
    wires: list[Wire] = []
    outputs: dict[str, str] = {}  # an open instance -> the inner box that gives its output
    for node in doc.nodes:
        kind, block = _kind(node)
        box = Box(node.name, kind, block, node.shape, tuple(on.get(node.name, ())), node)
        boxes.append(_opened(box, expanded))
        if boxes[-1].open:
            _inside(boxes[-1], expanded, boxes, wires, outputs)
    names = {b.name for b in boxes}
    for wire in doc.wires:
        source = wire.ref.partition(".")[0]
        if wire.node is None or source not in names or source == wire.node:
            continue
        port = doc.node(wire.node).port(wire.port) if doc.node(wire.node) else None
        weight = (port is not None and port.kind == "weight") or "." in wire.ref
        wires.append(Wire(_output_of(source, outputs), wire.node, wire.port, weight))
    return Scene(tuple(boxes), tuple(wires), listed, doc)


def _opened(box: Box, expanded: Collection[str]) -> Box:
    return replace(box, open=True) if box.name in expanded and box.expandable else box


def _inside(
    box: Box,
    expanded: Collection[str],
    boxes: list[Box],
    wires: list[Wire],
    outputs: dict[str, str],
) -> None:
    """The nodes of open instance `box`, below it: what reads the network's inputs is
    wired from its box, what the rest of the graph reads of it from its output node."""
    report = box.report
    names = {child.name for child in report.children}
    path = f"{box.name}/"
    for child in report.children:
        block = f"network {child.block}" if child.children else child.block
        inner = _opened(
            Box(path + child.name, "inner", block, child.out_shape, (), child, box.name), expanded
        )
        boxes.append(inner)
        if inner.open:
            _inside(inner, expanded, boxes, wires, outputs)
    for child in report.children:
        feeds = [(f"#{i}", ref, False) for i, ref in enumerate(child.refs)]
        feeds += [(w.slot, w.ref, True) for w in child.weights if w.ref]
        for port, ref, weight in feeds:
            base = ref.partition(".")[0]
            source = path + base if base in names else box.name  # else: a network input
            source = _output_of(source, outputs)
            weight = weight or "." in ref
            wires.append(Wire(source, path + child.name, port, weight))
    if report.output in names:
        outputs[box.name] = path + report.output


def _output_of(name: str, outputs: dict[str, str]) -> str:
    """The box that gives `name`'s value: the output node of an open instance."""
    while name in outputs:
        name = outputs[name]
    return name


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
