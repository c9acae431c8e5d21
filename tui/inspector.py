"""The inspector: everything about the selected box, its hyperparameters as typed fields."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Label, Select, Static, Switch

from tui import catalog
from tui.field import Field
from tui.health import NodeReport
from tui.healthview import NodeHealthView
from tui.scene import Box, shape_text

NUMBER_KINDS = {int: "integer", float: "number"}


class Inspector(VerticalScroll):
    """Shows one box: block and its help, output shape, inputs and their sources, weights,
    hyperparameters (one typed field each; Enter sets) and the problems found on it."""

    box: reactive[Box | None] = reactive(None, recompose=True)

    class Changed(Message):
        """The user set field `name` of box `box` to `value` (as typed, or a bool/choice)."""

        def __init__(self, box: str, name: str, value: Any) -> None:
            self.box, self.name, self.value = box, name, value
            super().__init__()

    focus_field: bool | str = False  # after the next recompose, focus the first field (or this id)
    health: NodeReport | None = None  # the box's health while training (set before `box`)

    def show_health(self, report: NodeReport | None) -> None:
        """Show the selected box's latest health (in place: fields keep their focus)."""
        self.health = report
        for view in self.query(NodeHealthView):
            view.show(report)

    async def recompose(self) -> None:
        focused = self.screen.focused
        # a field of ours focused (Tab set the one before it): the same field, remade
        within = focused is not None and focused.id and self in focused.ancestors
        await super().recompose()
        wanted, self.focus_field = self.focus_field or (within and focused.id), False
        fields = [f for f in self.fields() if wanted is True or f.id == wanted]
        if wanted and fields:
            fields[0].focus()

    def reset(self, field_id: str | None) -> None:
        """Show the document's values again (after a refused edit), focusing `field_id`."""
        self.focus_field = field_id or False
        self.refresh(recompose=True)

    def compose(self):
        box = self.box
        if box is None:
            yield Static("nothing selected: a adds a node, + an input", id="empty")
            return
        yield Static(Text(box.name, style="bold"), id="inspect-name")
        yield Static(self._kind_line(box), id="inspect-block")
        yield Static(f"output {shape_text(box.shape)}", id="inspect-shape")
        if box.kind != "input":
            yield NodeHealthView(self.health, id="inspect-health")
        if box.kind == "input":
            shape = box.record.shape
            written = ", ".join(map(str, shape)) if isinstance(shape, list) else str(shape)
            yield from self._field(
                "shape", written, "text", "the per-example shape, e.g. 2 or 8, 8"
            )
        elif box.kind == "inner":
            yield from self._inner(box)
        elif box.record is not None:
            yield from self._ports(box)
            yield from self._settings(box)
        if box.problems:
            yield Label("problems", classes="section")
            for problem in box.problems:
                yield Static(Text(problem.text), classes="problem")

    def _kind_line(self, box: Box) -> Text:
        if box.kind == "input":
            return Text("input of the recipe", style="cyan")
        if box.kind == "network":
            state = "open: its nodes below, f folds it" if box.open else "folded: f opens it"
            return Text(f"{box.block} ({state})", style="yellow")
        if box.kind == "inner" and box.expandable:
            state = "open below, f folds it" if box.open else "f opens it"
            return Text(f"{box.block} ({state})", style="yellow")
        help_line = catalog.one_line(box.block)
        if not help_line:
            return Text(f"unknown block '{box.block}'", style="red")
        return Text.assemble((box.block, "bold"), ": ", help_line)

    def _ports(self, box: Box):
        node = box.record
        inputs = [p for p in node.ports if p.kind == "input"]
        weights = [p for p in node.ports if p.kind == "weight"]
        if inputs:
            yield Label("inputs (w wires)", classes="section")
            for port in inputs:
                yield Static(f"  {port.name} <- {port.ref or 'not wired'} {shape_text(port.shape)}")
        if weights:
            yield Label("weights", classes="section")
            for port in weights:
                yield Static(f"  {port.name} {shape_text(port.shape)} {port.source}")
        if node.report is not None and node.report.children:
            yield from self._children(box)

    def _children(self, box: Box):
        report = box.report
        copies = f"one body for {report.repeat} copies, " if report.repeat else ""
        state = "drawn below" if box.open else "f opens"
        yield Label(f"inside ({copies}{state})", classes="section")
        for child in report.children:
            yield Static(f"  {child.name} {child.block} {shape_text(child.out_shape)}")

    def _inner(self, box: Box):
        """A node inside an open network instance, as checked: read-only here."""
        report = box.report
        yield Static(
            f"inside '{box.owner}': read-only here (edit the network in the file)", classes="doc"
        )
        block = catalog.block(report.block)
        names = list(block.inputs) if block is not None else []
        if report.refs:
            yield Label("inputs (names inside the network)", classes="section")
        for i, (ref, shape) in enumerate(zip(report.refs, report.in_shapes, strict=False)):
            port = (
                f"{names[0]}{i}"
                if block is not None and block.variadic and names
                else names[i]
                if i < len(names)
                else f"input {i}"
            )
            yield Static(f"  {port} <- {ref} {shape_text(shape)}")
        if report.weights:
            yield Label("weights", classes="section")
            for weight in report.weights:
                yield Static(f"  {weight.slot} {shape_text(weight.shape)} {weight.source}")
        if report.children:
            yield from self._children(box)

    def _settings(self, box: Box):
        settings = box.record.settings
        if not settings:
            return
        title = "hyperparameters" if box.kind != "network" else "parameters"
        yield Label(f"{title} (Enter sets)", classes="section")
        for setting in settings:
            hyper = setting.hyper
            if hyper is None:
                yield from self._field(setting.name, _written(setting.value), "text", "")
                continue
            default = (
                "required" if catalog.required(hyper) else f"default {_written(hyper.default)}"
            )
            doc = f"{catalog.kind_name(hyper)}, {default}: {hyper.doc}"
            if hyper.kind is bool:
                field = Switch(value=bool(setting.value), id=f"field-{hyper.name}")
                field.tooltip = hyper.doc
                yield Horizontal(Label(hyper.name, classes="field-name"), field, classes="field")
                yield Static(f"  {doc}", classes="doc")
            elif hyper.choices:
                field = Select(
                    [(str(c), c) for c in hyper.choices],
                    value=setting.value if setting.value in hyper.choices else Select.NULL,
                    id=f"field-{hyper.name}",
                    compact=True,
                )
                field.tooltip = hyper.doc
                yield Horizontal(Label(hyper.name, classes="field-name"), field, classes="field")
                yield Static(f"  {doc}", classes="doc")
            else:
                value = "" if setting.value is None else _written(setting.value)
                kind = NUMBER_KINDS.get(hyper.kind, "text")
                yield from self._field(hyper.name, value, kind, doc)

    def _field(self, name: str, value: str, kind: str, doc: str):
        field = Field(value, type=kind, id=f"field-{name}", compact=True)
        field.tooltip = doc or None
        yield Horizontal(Label(name, classes="field-name"), field, classes="field")
        if doc:
            yield Static(f"  {doc}", classes="doc")

    def fields(self) -> list[Any]:
        """The editable fields, in order (what `e` focuses first)."""
        return list(self.query("Input, Switch, Select"))

    # -- edits, as messages up to the app --------------------------------------------------

    @on(Input.Submitted)
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        if self.box and event.input.id:
            self.post_message(self.Changed(self.box.name, event.input.id[6:], event.value))

    @on(Switch.Changed)
    def _switched(self, event: Switch.Changed) -> None:
        event.stop()
        current = self._current(event.switch.id)
        if self.box and event.switch.id and event.value != current:
            self.post_message(self.Changed(self.box.name, event.switch.id[6:], event.value))

    @on(Select.Changed)
    def _chosen(self, event: Select.Changed) -> None:
        event.stop()
        if self.box is None or not event.select.id or event.value is Select.NULL:
            return
        if event.value != self._current(event.select.id):
            self.post_message(self.Changed(self.box.name, event.select.id[6:], event.value))

    def _current(self, field_id: str | None) -> Any:
        settings = getattr(self.box.record, "settings", ()) if self.box else ()
        name = (field_id or "")[6:]
        return next((s.value for s in settings if s.name == name), None)


def _written(value: Any) -> str:
    """A value as a recipe writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_written, value)) + "]"
    return str(value)
