"""Changing the graph in place: a node's block, a block put into a wire, and the inside of a
network instance edited as a document of its own.

`B` asks for the selected node's new block; `I` asks which wire into the selected node (when
it has several) and what to put into it; in the palette, ctrl+r makes the highlighted block
the selected node's and ctrl+b puts it into the wire. `E` opens the selected network
instance's definition in place of the recipe (its own undo; ctrl+s writes it back and saves
the recipe, or its own file); backspace comes back, writing it back as one step of the
recipe's undo, and the recipe is checked again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import compose
from tui.graph import GraphView
from tui.health import box_of
from tui.screens import Confirm, Pick, Prompt

if TYPE_CHECKING:
    from tui.editing import EditingController


@dataclass
class _Outer:
    """What the editor showed before it went into a network: to come back to."""

    doc: Any
    node: str
    expanded: set[str]
    title: str


class InPlace:
    """The in-place actions of the editing controller (`actions()` by binding name)."""

    def __init__(self, editing: EditingController) -> None:
        self.editing = editing
        self.app = editing.app
        self.outer: list[_Outer] = []  # the documents around the one shown, innermost last

    def actions(self) -> dict[str, Any]:
        return {
            "change_block": self.change_block,
            "insert": self.insert,
            "open_network": self.open_network,
            "back": self.back,
        }

    # -- a node's block ----------------------------------------------------------------------

    def change_block(self, block: str | None = None) -> None:
        """Make the selected node a `block` node (asked for when None), keeping its name,
        wires and the settings that still apply; the status line says what was dropped."""
        box = self.editing._selected_box("block", "network", "broken")
        if box is None:
            return
        if block is not None:
            self.editing.edit(compose.Document.set_block, box.name, block, select=box.name)
            return
        now = box.record.block or ""

        def answered(name: str | None) -> None:
            if name:
                self.change_block(name)

        question = f"Change the block of '{box.name}' ({now or box.record.network}) to:"
        self.app.push_screen(Prompt(question, now, placeholder="a block, e.g. relu"), answered)

    # -- into a wire -------------------------------------------------------------------------

    def insert(self, block: str | None = None, kind: str = "block") -> None:
        """Put a new node into a wire into the selected node (which one asked for when it
        has several), of `block` (asked for when None); the new node is selected."""
        box = self.editing._selected_box("block", "network", "broken")
        if box is None:
            return
        wired = [p for p in box.record.ports if p.ref is not None]
        if not wired:
            self.editing.refused(f"'{box.name}' has no wired input to insert into")
            return
        if len(wired) == 1:
            self._insert_into(box.name, wired[0].name, wired[0].ref, block, kind)
            return
        items = [(p.name, f"{p.ref} -> {box.name}.{p.name}") for p in wired]
        refs = {p.name: p.ref for p in wired}

        def chosen(port: str | None) -> None:
            if port is not None:
                self._insert_into(box.name, port, refs[port], block, kind)

        self.app.push_screen(Pick(f"Insert into which wire into '{box.name}'?", items), chosen)

    def _insert_into(self, node: str, port: str, ref: str, block: str | None, kind: str) -> None:
        if block is not None:
            name = self.app.scene.free_name(block.rpartition("/")[2].split(".")[0])
            how = {"network": block} if kind == "network" else {"block": block}
            self.editing.edit(
                compose.Document.insert_node, name, into=node, port=port, select=name, **how
            )
            return
        networks = {n.name for n in self.app.doc.networks}

        def answered(text: str | None) -> None:
            if text:
                network = text in networks or text.endswith((".yaml", ".yml"))
                self._insert_into(node, port, ref, text, "network" if network else "block")

        question = f"Insert into the wire {ref} -> {node}.{port}: a block or network"
        self.app.push_screen(Prompt(question, placeholder="e.g. layer_norm"), answered)

    def picked(self, name: str, kind: str, how: str) -> None:
        """The palette's ctrl+r (`how` "replace") or ctrl+b ("insert") on `name`."""
        if how == "replace":
            if kind == "network":
                self.editing.refused("a node's block changes to a block: pick a block")
            else:
                self.change_block(name)
        else:
            self.insert(name, kind)

    # -- inside a network --------------------------------------------------------------------

    def open_network(self) -> None:
        """Edit the selected network instance's definition (or that of the instance the
        selected node is inside) in place of the recipe."""
        app = self.app
        box = app.scene.box(app.query_one(GraphView).selected)
        inner_name = None
        if box is not None and box.kind == "inner":
            instance, _, inner_name = box.name.partition("/")
            box = app.scene.box(box_of(box.name)) or app.scene.box(instance)
            inner_name = inner_name.split("/")[0]
        if box is None or box.kind != "network":
            app.update_status("select a network instance first: E edits inside it")
            return
        try:
            inner = compose.open_network(app.doc, box.name)
        except compose.Refused as err:
            self.editing.refused(str(err))
            return
        except (compose.RecipeError, OSError) as err:
            self.editing.refused(f"cannot open the network of '{box.name}': {err}")
            return
        self.outer.append(_Outer(app.doc, box.name, set(self.editing.expanded), app.title))
        what = inner.label if hasattr(inner, "label") else str(inner.path)
        app.title = f"compose edit: {what} (backspace returns)"
        self.editing.expanded = set()
        self._swap(inner, keep=inner_name, note=f"editing {what} of '{box.name}': {self._how}")

    @property
    def _how(self) -> str:
        return "its own undo; ctrl+s saves; backspace returns"

    def back(self, *, asked: bool = False) -> None:
        """Come back from a network's definition to the document around it, writing the
        definition back (a network file with unsaved changes: asked first)."""
        app = self.app
        if not self.outer:
            app.update_status("not inside a network: E edits inside the selected instance")
            return
        inner = app.doc
        around = self.outer[-1].doc
        written = around.revision
        if hasattr(inner, "commit"):
            try:
                inner.commit()
            except compose.RecipeError as err:
                self.editing.refused(f"cannot write the network back: {err}")
                return
        elif inner.modified and not asked:

            def answered(save: bool | None) -> None:
                if save:
                    try:
                        inner.save()
                    except (compose.ChangedOnDisk, OSError) as err:
                        self.editing.refused(f"not saved: {err}")
                        return
                self.back(asked=True)

            question = f"{inner.path} has unsaved changes."
            app.push_screen(Confirm(question, "save them", "leave them unsaved"), answered)
            return
        label = around.undo_label if around.revision != written else None  # written back
        outer = self.outer.pop()
        outer.doc.recheck()
        app.title = outer.title
        note = f"back from '{outer.node}'" + (f": {label} (u undoes)" if label else "")
        self.editing.expanded = outer.expanded
        self._swap(outer.doc, keep=outer.node, note=note)

    def _swap(self, doc: Any, *, keep: str | None, note: str) -> None:
        """Show `doc` in place of the document shown."""
        self.app.doc = doc
        self.app.show(self.editing.scene(), keep=keep, note=note)
