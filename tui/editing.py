"""The edit actions: each changes the document by one of its operations, then has the app
check and show it again.

`EditingController` acts on the selected box and on what the widgets say the user chose
(a block picked, a field set); it asks the user through the modal screens and leaves the
screen to the app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import compose
from tui import catalog, wiring
from tui.graph import GraphView
from tui.health import box_of
from tui.in_place import InPlace
from tui.inspector import Inspector
from tui.palette import Palette
from tui.scene import Box, Scene, scene_of
from tui.screens import Confirm, Prompt
from tui.training import TrainPanel
from tui.values import Unreadable, ints, typed, words

if TYPE_CHECKING:
    from tui.app import EditorApp


class EditingController:
    """Edits the app's document: each action reads the selection, asks what it must and
    makes one edit (`edit`), which the app shows re-checked; a refused edit says why."""

    def __init__(self, app: EditorApp) -> None:
        self.app = app
        self.expanded: set[str] = set()  # network instances drawn open, by box name
        self.in_place = InPlace(self)  # a node's block, into a wire, inside a network

    def actions(self) -> dict[str, Callable[[], None]]:
        """The actions by the names the bindings give them (`edit('rename')`)."""
        return {
            "save": self.save,
            "fold": self.fold,
            "add_input": self.add_input,
            "rename": self.rename,
            "delete": self.delete,
            "wire": self.wire,
            "output": self.output,
            "loss": self.loss,
            "undo": self.undo,
            "redo": self.redo,
            **self.in_place.actions(),
        }

    def scene(self) -> Scene:
        """The document's scene, with the instances still there drawn open."""
        doc = self.app.doc
        self.expanded = {e for e in self.expanded if doc.node(e.partition("/")[0])}
        return scene_of(doc, self.expanded)

    def edit(
        self,
        operation: Callable[..., Any],
        *args: Any,
        select: str | None = None,
        note: str = "",
        **kwargs: Any,
    ) -> bool:
        """Apply `operation` (a `compose.Document` method) to the document, re-check and
        show, saying `note` (else the document's name for the edit); a refused edit
        changes nothing and says why. True when the edit was made."""
        doc = self.app.doc
        if doc is None:
            self.refused("the file is not a recipe that can be edited: fix it as text first")
            return False
        try:
            operation(doc, *args, **kwargs)
        except (compose.Refused, Unreadable) as err:
            self.refused(str(err))
            return False
        except Exception as err:  # a bug in an operation must not take the editor down
            self.refused(f"{operation.__name__} failed: {type(err).__name__}: {err}")
            return False
        label = note or doc.undo_label or operation.__name__
        self.app.show(self.scene(), keep=select, note=label)
        return True

    def refused(self, reason: str) -> None:
        """Say why an edit was not made: a notification, and on the status line."""
        self.app.notify(reason, title="refused", severity="error")
        self.app.update_status(f"refused: {reason}")

    def _selected_box(self, *kinds: str) -> Box | None:
        """The selected box, if it is of one of `kinds` (any, with none given) and may be
        edited here; else None, having said what to select."""
        box = self.app.scene.box(self.app.query_one(GraphView).selected)
        if box is not None and box.kind == "inner" and "inner" not in kinds:
            self.app.update_status(
                f"'{box.name}' is inside network instance '{box.owner}': read-only here "
                "(the network is edited in the file); f folds it"
            )
            return None
        if box is None or (kinds and box.kind not in kinds):
            what = " or ".join(kinds) if kinds else "box"
            self.app.update_status(f"select a {what} first (arrow keys)")
            return None
        return box

    # -- what the widgets said -----------------------------------------------------------------

    def picked(self, event: Palette.Picked) -> None:
        """Add the block or network instance picked in the palette after the selected box,
        fed by it; then type its first required field, if it has one."""
        app = self.app
        if app.doc is None:
            self.refused("the file is not a recipe that can be edited")
            return
        if event.how != "add":  # ctrl+r, ctrl+b: the selected node's block, or into its wire
            self.in_place.picked(event.name, event.kind, event.how)
            return
        name = app.scene.free_name(event.name)
        box = app.scene.box(app.query_one(GraphView).selected)
        if box is not None and box.kind == "inner":  # add after the instance it is inside
            box = app.scene.box(box_of(box.name))
        source = box.name if box is not None and box.kind != "broken" else None
        after = box.name if box is not None and box.kind != "input" else None
        add = compose.Document.add_node if event.kind == "block" else compose.Document.add_instance
        if not self.edit(add, name, event.name, wires=source, after=after, select=name):
            return
        app.action_tab("node")
        settings = app.doc.node(name).settings if app.doc.node(name) else ()
        if any(not s.written and s.hyper and catalog.required(s.hyper) for s in settings):
            app.query_one(Inspector).focus_field = True  # a required field: type it next
        else:
            app.query_one(GraphView).focus()

    def changed(self, event: Inspector.Changed) -> None:
        """Set the field the inspector says was typed (an input's shape, or a setting)."""
        box = self.app.scene.box(event.box)
        if box is None or self.app.doc is None:
            return
        inspector = self.app.query_one(Inspector)
        try:
            if box.kind == "input":
                shape = ints(event.value)
                if not self.edit(compose.Document.set_input, box.name, shape, select=box.name):
                    inspector.reset("field-shape")
                return
            setting = next((s for s in box.record.settings if s.name == event.name), None)
            kind = setting.hyper.kind if setting is not None and setting.hyper else None
            value = event.value
            if isinstance(value, str):
                value = None if value.strip() == "" else typed(value, kind)
        except Unreadable as err:
            self.refused(f"{box.name}.{event.name}: {err}")
            inspector.reset(f"field-{event.name}")
            return
        if not self.edit(compose.Document.set_hyper, box.name, event.name, value, select=box.name):
            inspector.reset(f"field-{event.name}")

    def train_setting(self, event: TrainPanel.Setting) -> None:
        """Set the train section's setting the Train tab says was typed."""
        panel = self.app.query_one(TrainPanel)
        value = event.value.strip()
        set_train = compose.Document.set_train
        try:
            if event.name in ("optimizer", "rate"):
                name, rate = panel.setting("optimizer").strip(), panel.setting("rate").strip()
                if not name:
                    self.refused("train.optimizer: expected an optax optimizer's name, e.g. adam")
                    return
                args = {"learning_rate": typed(rate, float)} if rate else {}
                self.edit(set_train, "optimizer", {name: args})
            elif event.name == "dataset":
                self.edit(set_train, ("data", "dataset"), value or None)
            elif event.name == "folder":  # not the recipe's: where the next run is written
                doc = self.app.doc
                default = f"runs/{doc.recipe.name}-DATE-TIME" if doc else "runs/..."
                self.app.update_status(f"the next run is written to {value or default}")
            elif event.name == "metrics":
                self.edit(set_train, "metrics", words(value) or None)
            else:
                self.edit(set_train, event.name, typed(value, int) if value else None)
        except Unreadable as err:
            self.refused(f"train.{event.name}: {err}")

    # -- the actions the keys run --------------------------------------------------------------

    def add_input(self) -> None:
        """Ask for an input's name and shape, and add it (or reshape the one so named)."""

        def answered(text: str | None) -> None:
            if not text:
                return
            name, _, shape = text.partition(":")
            name = name.strip()
            try:
                self.edit(compose.Document.set_input, name, ints(shape), select=name)
            except Unreadable as err:
                self.refused(f"input '{name}': {err}")

        self.app.push_screen(
            Prompt("Input name and shape, e.g. x: 2 or image: 1, 8, 8", "", placeholder="x: 2"),
            answered,
        )

    def rename(self) -> None:
        """Ask for the selected box's new name, and rename it (its wires follow)."""
        box = self._selected_box("input", "block", "network", "broken")
        if box is None:
            return

        def answered(new: str | None) -> None:
            if new and new != box.name:
                self.edit(compose.Document.rename, box.name, new, select=new)

        self.app.push_screen(Prompt(f"Rename '{box.name}' to:", box.name), answered)

    def delete(self) -> None:
        box = self._selected_box()
        if box is None:
            return
        kind = "input" if box.kind == "input" else "node"
        remove = compose.Document.remove_input if kind == "input" else compose.Document.delete_node
        self.edit(remove, box.name, note=f"deleted {kind} '{box.name}' (u undoes)")

    def wire(self) -> None:
        """Ask which input or weight of the selected node to wire, and where from."""
        box = self._selected_box("block", "network", "broken")
        if box is not None and self.app.doc is not None:
            wiring.ask_port(self, box)

    def fold(self) -> None:
        """Open the selected network instance (its nodes drawn below it), or fold it (or
        the one the selected node is inside) back into one box."""
        app = self.app
        box = app.scene.box(app.query_one(GraphView).selected)
        if box is None or app.doc is None:
            app.update_status("select a network instance first (arrow keys)")
            return
        if box.open or (not box.expandable and box.owner):
            target = box.name if box.open else box.owner
            self.expanded = {
                e for e in self.expanded if e != target and not e.startswith(f"{target}/")
            }
            note = f"folded {target}"
        elif box.expandable:
            target = box.name
            self.expanded.add(target)
            count = len(box.report.children)
            copies = f", once for its {box.report.repeat} copies" if box.report.repeat else ""
            note = f"opened {target}: its {count} nodes{copies} (f folds it)"
        elif box.kind == "network":
            app.update_status(
                f"'{box.name}' cannot be opened: it has problems, so it was not checked inside"
            )
            return
        else:
            app.update_status(f"'{box.name}' is not a network instance: f opens one")
            return
        app.show(self.scene(), keep=target, note=note, edited=False)

    def output(self) -> None:
        """Make the selected node one of the recipe's outputs, or no longer one."""
        box = self._selected_box("block", "network", "broken")
        if box is None or self.app.doc is None:
            return
        outputs = [w.ref for w in self.app.doc.wires if w.node is None and w.port == "output"]
        wanted = (
            [o for o in outputs if o != box.name] if box.name in outputs else outputs + [box.name]
        )
        self.edit(compose.Document.set_outputs, wanted, select=box.name)

    def loss(self) -> None:
        box = self._selected_box("block", "network", "broken")
        if box is not None:
            self.edit(compose.Document.set_loss, box.name, select=box.name)

    def undo(self) -> None:
        doc = self.app.doc
        if doc is not None and doc.undo_label is not None:
            label = doc.undo_label
            doc.undo()
            self.app.show(self.scene(), note=f"undone: {label}")
        else:
            self.app.update_status("nothing to undo")

    def redo(self) -> None:
        doc = self.app.doc
        if doc is not None and doc.redo_label is not None:
            label = doc.redo_label
            doc.redo()
            self.app.show(self.scene(), note=f"redone: {label}")
        else:
            self.app.update_status("nothing to redo")

    def save(self, force: bool = False) -> None:
        """Save the recipe; changed on disk since it was read, ask before overwriting."""
        app = self.app
        if app.doc is None:
            self.refused("nothing to save: the file is not a recipe the editor can read")
            return
        try:
            saved = app.doc.save(force=force)
        except compose.ChangedOnDisk as err:

            def answered(overwrite: bool | None) -> None:
                if overwrite:
                    self.save(force=True)

            question = f"{err.path}: {err.reason}."
            app.push_screen(Confirm(question, "overwrite it", "keep it (nothing saved)"), answered)
            return
        except OSError as err:
            self.refused(f"cannot save {app.path}: {err.strerror or err}")
            return
        app.update_status(f"saved {saved.name}")
