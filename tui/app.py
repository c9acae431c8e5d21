"""The editor app: the graph, the palette, the inspector, the problems and training.

Attributes go down (the app hands each widget the scene it shows), messages come up (a
widget says what the user chose, the app acts on it and re-checks).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Input, Static, TabbedContent, TabPane

import compose
from tui import catalog
from tui.collector import freeze_long_lived
from tui.graph import GraphView
from tui.health import HealthWatch, Look, box_of, report
from tui.inspector import Inspector
from tui.palette import Palette
from tui.plane import Pictures, PlaneWatch
from tui.problems import ProblemList
from tui.scene import Scene, empty_scene, scene_of, shape_text
from tui.screens import Confirm, HelpScreen, Pick, Prompt
from tui.training import (
    WATCH_SECONDS,
    Forward,
    FreezePrepared,
    Started,
    TrainPanel,
    failure_note,
    paused_text,
)
from tui.values import Unreadable, ints, typed, words

TABS = {
    "node": "tab-node",
    "blocks": "tab-blocks",
    "problems": "tab-problems",
    "train": "tab-train",
}


def open_document(path: Path) -> tuple[Any, Scene]:
    """The document for `path` (a missing file starts a new recipe) and its scene; a file
    that is not a recipe at all gives no document and a scene of its problems."""
    try:
        doc = compose.Document.open(path)
    except compose.RecipeError as err:
        return None, empty_scene(err.problems)
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        return None, empty_scene([f"{path}: cannot read: {reason}"])
    return doc, scene_of(doc)


class EditorApp(App[int]):
    """`compose edit RECIPE`: see, check, edit and train a recipe from the keyboard."""

    CSS_PATH = "editor.tcss"
    TITLE = "compose edit"

    BINDINGS = [
        Binding("q,ctrl+q", "quit", "Quit"),
        Binding("question_mark,f1", "help", "Help"),
        Binding("ctrl+s", "save", "Save"),
        Binding("a", "add", "Add"),
        Binding("t", "train", "Train"),
        Binding("f", "fold", "Open/fold", tooltip="Open or fold the selected network instance"),
        Binding("space", "pause", "Pause", tooltip="Pause or resume training"),
        Binding("n", "step", "Step one training step (paused)", show=False),
        Binding("x", "stop", "Stop training", show=False),
        Binding("slash", "filter", "Filter the blocks", show=False),
        Binding("plus", "add_input", "Add or reshape an input", show=False),
        Binding("r", "rename", "Rename the selected box", show=False),
        Binding("d,delete", "delete", "Delete the selected box", show=False),
        Binding("e", "edit_field", "Edit the selected node's first field", show=False),
        Binding("w", "wire", "Wire an input or weight of the selected node", show=False),
        Binding("o", "output", "Make the selected node an output, or not", show=False),
        Binding("m", "loss", "Make the selected node the loss", show=False),
        Binding("ctrl+z,u", "undo", "Undo", show=False),
        Binding("ctrl+y,U", "redo", "Redo", show=False),
        Binding("g,escape", "focus_graph", "Back to the graph", show=False),
        Binding("i,1", "tab('node')", "Inspector tab", show=False),
        Binding("b,2", "tab('blocks')", "Blocks tab (palette)", show=False),
        Binding("p,3", "tab('problems')", "Problems tab", show=False),
        Binding("c,4", "tab('train')", "Train tab: curves and settings", show=False),
    ]

    def __init__(self, path: str | Path, *, overrides: Sequence[str] = ()) -> None:
        super().__init__()
        self.path = Path(path)
        self.overrides = tuple(overrides)  # apply to training runs, not to the document
        self.doc: Any = None
        self.scene: Scene = empty_scene(())
        self.session: Any = None  # the training session, while one runs
        self.training = False
        self._asked: set[str] = set()  # pause/stop asked before the session was ready
        self.look: Look | None = None  # the latest health of the model training
        self.history: dict[str, list[float]] = {}  # log10 gradient norm a look, by node
        self.failure: Any = None  # where training stopped, or is paused, on a value not finite
        self._watching: Any = None  # the timer that watches the session while it trains
        self._watchers: tuple[Forward, HealthWatch] | None = None  # the running session's
        self._tries = 0  # times the step paused on was refused
        self._inspector_behind = False  # the selection moved while another tab was shown
        self._inspect_due = False  # the inspector follows the selection after the graph
        self.expanded: set[str] = set()  # network instances drawn open, by box name
        self.folder: Path | None = None  # the run folder of the last training run

    @property
    def dirty(self) -> bool:
        """Whether there are changes not yet saved."""
        return self.doc is not None and self.doc.modified

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield GraphView(id="graph")
            with TabbedContent(id="side", initial="tab-node"):
                with TabPane("Node", id="tab-node"):
                    yield Inspector(id="inspector")
                with TabPane("Blocks", id="tab-blocks"):
                    yield Palette(id="palette")
                with TabPane("Problems", id="tab-problems"):
                    yield ProblemList(id="problems")
                with TabPane("Train", id="tab-train"):
                    yield TrainPanel(id="train")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.doc, scene = open_document(self.path)
        self.show(scene)
        self.query_one(GraphView).focus()
        # What start-up made stays: once the first screen is drawn, collect and freeze
        # it, so that no later collection need walk it again (tui/collector.py)
        self.call_after_refresh(freeze_long_lived, collect=True)

    # -- showing a scene ----------------------------------------------------------------------

    def show(
        self, scene: Scene, *, keep: str | None = None, note: str = "", edited: bool = True
    ) -> None:
        """Hand a freshly checked scene to every widget (`edited` False: the same check,
        drawn with other instances open)."""
        self.scene = scene
        doc = scene.document
        graph = self.query_one(GraphView)
        if edited:
            self.query_one(Palette).set_networks([n.name for n in doc.networks] if doc else [])
            self.query_one(ProblemList).show(scene)
            self.query_one(TrainPanel).show_settings(doc.data.get("train") if doc else None)
            if (self.look is not None or self.failure is not None) and not self.training:
                self.look, self.failure = None, None  # it described the recipe before this edit
        graph.states, graph.failed = self._states(), self._failed_box()  # drawn by show
        graph.show(scene, keep=keep)
        self._inspect(graph.selected)
        self._update_status(note)

    def _scene(self) -> Scene:
        """The document's scene, with the instances still there drawn open."""
        self.expanded = {e for e in self.expanded if self.doc.node(e.partition("/")[0])}
        return scene_of(self.doc, self.expanded)

    def _states(self) -> dict[str, str]:
        """Each box's health at the latest look: a top-level box's (a network instance takes
        its worst node's) and each node's inside (for instances drawn open)."""
        if self.look is None:
            return {}
        return {**{row.path: row.state for row in self.look.rows}, **self.look.states}

    def _failed_box(self) -> str | None:
        """The box of the node training stopped on: its own, if drawn, else its instance's."""
        node = self.failure.node if self.failure is not None else None
        if not node:
            return None
        box = node if self.scene.box(node) is not None else box_of(node)
        return box if self.scene.box(box) is not None else None

    def _inspect(self, name: str | None) -> None:
        """Show box `name` in the inspector, with its health while training; while another
        tab is shown, only note that the inspector is behind (a key press that moves the
        selection then redraws the graph alone, not the hidden inspector's widgets)."""
        self._inspector_behind = self.query_one(TabbedContent).active != TABS["node"]
        if self._inspector_behind:
            return
        inspector = self.query_one(Inspector)
        inspector.health = self._report(name)
        inspector.box = self.scene.box(name)

    def _report(self, name: str | None):
        if name is None:
            return None
        history = self.history.get(name, ())
        return report(name, self.look, history, self.failure, paused=self.training)

    def _update_status(self, note: str = "") -> None:
        count = len(self.scene.problems)
        problems = f"{count} problem{'s' * (count != 1)} (p lists)" if count else "no problems"
        selected = self.query_one(GraphView).selected
        if not note and self.failure is not None:  # said until the next edit or run
            note = failure_note(self.failure, paused=self.training)
        parts = [note, problems, f"selected: {selected}" if selected else ""]
        # One row, always (editor.tcss): a new line needs no layout of the whole screen,
        # which while training costs a key press several milliseconds more
        self.query_one("#status", Static).update("  ".join(p for p in parts if p), layout=False)
        self.sub_title = f"{self.path}{' (modified)' if self.dirty else ''}"

    @on(GraphView.Selected)
    def _selected(self, event: GraphView.Selected) -> None:
        self._update_status()
        if not self._inspect_due:  # presses faster than the inspector is made: the last
            self._inspect_due = True
            self.call_after_refresh(self._inspect_selected)

    def _inspect_selected(self) -> None:
        """Show the selected box in the inspector, once the graph is drawn with it: a key
        press moves the selection on the screen first, then the inspector (remade for
        the box, its health histograms included) follows."""
        self._inspect_due = False
        self._inspect(self.query_one(GraphView).selected)

    @on(ProblemList.Jump)
    def _jump(self, event: ProblemList.Jump) -> None:
        self.query_one(GraphView).select(event.name)
        self.action_tab("node")
        self.query_one(GraphView).focus()

    # -- moving around ------------------------------------------------------------------------

    def action_focus_graph(self) -> None:
        self.query_one(GraphView).focus()

    def action_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = TABS[name]
        if name == "node" and self._inspector_behind:
            self._inspect(self.query_one(GraphView).selected)
        if name == "problems":
            self.query_one(ProblemList).focus()
        elif name == "blocks":
            self.query_one("#palette-filter", Input).focus()
        elif name == "train":
            self.query_one("#train-dataset", Input).focus()

    def action_filter(self) -> None:
        self.action_tab("blocks")

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.key_groups()))

    def key_groups(self) -> list[tuple[str, list[Binding]]]:
        """Every key, by where it works: what the help screen lists."""
        return [
            (
                "everywhere (outside a text field)",
                [b for b in self.BINDINGS if isinstance(b, Binding)],
            ),
            ("in the graph", list(GraphView.BINDINGS)),
            (
                "in the palette",
                [Binding("enter", "", "add the highlighted block"), *Palette.BINDINGS],
            ),
            (
                "in the inspector and train settings",
                [Binding("enter", "", "set the field"), Binding("tab", "", "next field")],
            ),
            ("in the problems list", [Binding("enter", "", "select the problem's node")]),
            (
                "in a question",
                [
                    Binding("y", "", "yes"),
                    Binding("n,escape", "", "no, or cancel"),
                    Binding("enter", "", "done"),
                ],
            ),
        ]

    async def action_quit(self) -> None:
        if not self.dirty:
            self._leave()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self._leave()

        question = "The recipe has unsaved changes."
        self.push_screen(Confirm(question, "quit without saving", "stay (ctrl+s saves)"), answered)

    def _leave(self) -> None:
        if self.session is not None:
            self.session.stop("the editor closed")
        self._asked.add("stop")
        self.exit(0)

    # -- editing ------------------------------------------------------------------------------

    def edit(self, operation: str, *args: Any, select: str | None = None, **kwargs: Any) -> bool:
        """Apply one document operation, re-check and show; a refused edit changes nothing
        and says why. True when the edit was made."""
        if self.doc is None:
            self._refused("the file is not a recipe that can be edited: fix it as text first")
            return False
        try:
            getattr(self.doc, operation)(*args, **kwargs)
        except (compose.Refused, Unreadable) as err:
            self._refused(str(err))
            return False
        except Exception as err:  # a bug in an operation must not take the editor down
            self._refused(f"{operation} failed: {type(err).__name__}: {err}")
            return False
        label = self.doc.undo_label or operation
        self.show(self._scene(), keep=select, note=label)
        return True

    def _refused(self, reason: str) -> None:
        self.notify(reason, title="refused", severity="error")
        self._update_status(f"refused: {reason}")

    def _selected_box(self, *kinds: str):
        box = self.scene.box(self.query_one(GraphView).selected)
        if box is not None and box.kind == "inner" and "inner" not in kinds:
            self._update_status(
                f"'{box.name}' is inside network instance '{box.owner}': read-only here "
                "(the network is edited in the file); f folds it"
            )
            return None
        if box is None or (kinds and box.kind not in kinds):
            what = " or ".join(kinds) if kinds else "box"
            self._update_status(f"select a {what} first (arrow keys)")
            return None
        return box

    def action_add(self) -> None:
        self.action_filter()

    @on(Palette.Picked)
    def _picked(self, event: Palette.Picked) -> None:
        if self.doc is None:
            self._refused("the file is not a recipe that can be edited")
            return
        taken = {b.name for b in self.scene.boxes}
        name = (
            event.name
            if event.name not in taken
            else next(
                f"{event.name}{k}" for k in range(2, 10_000) if f"{event.name}{k}" not in taken
            )
        )
        box = self.scene.box(self.query_one(GraphView).selected)
        if box is not None and box.kind == "inner":  # add after the instance it is inside
            box = self.scene.box(box_of(box.name))
        source = box.name if box is not None and box.kind != "broken" else None
        after = box.name if box is not None and box.kind != "input" else None
        operation = "add_node" if event.kind == "block" else "add_instance"
        if not self.edit(operation, name, event.name, wires=source, after=after, select=name):
            return
        self.action_tab("node")
        settings = self.doc.node(name).settings if self.doc.node(name) else ()
        if any(not s.written and s.hyper and catalog.required(s.hyper) for s in settings):
            self.query_one(Inspector).focus_field = True  # a required field: type it next
        else:
            self.query_one(GraphView).focus()

    @on(Inspector.Changed)
    def _changed(self, event: Inspector.Changed) -> None:
        box = self.scene.box(event.box)
        if box is None or self.doc is None:
            return
        try:
            if box.kind == "input":
                if not self.edit("set_input", box.name, ints(event.value), select=box.name):
                    self.query_one(Inspector).reset("field-shape")
                return
            setting = next((s for s in box.record.settings if s.name == event.name), None)
            kind = setting.hyper.kind if setting is not None and setting.hyper else None
            value = event.value
            if isinstance(value, str):
                value = None if value.strip() == "" else typed(value, kind)
        except Unreadable as err:
            self._refused(f"{box.name}.{event.name}: {err}")
            self.query_one(Inspector).reset(f"field-{event.name}")
            return
        if not self.edit("set_hyper", box.name, event.name, value, select=box.name):
            self.query_one(Inspector).reset(f"field-{event.name}")

    def action_add_input(self) -> None:
        def answered(text: str | None) -> None:
            if not text:
                return
            name, _, shape = text.partition(":")
            try:
                self.edit("set_input", name.strip(), ints(shape), select=name.strip())
            except Unreadable as err:
                self._refused(f"input '{name.strip()}': {err}")

        self.push_screen(
            Prompt("Input name and shape, e.g. x: 2 or image: 1, 8, 8", "", placeholder="x: 2"),
            answered,
        )

    def action_rename(self) -> None:
        box = self._selected_box("input", "block", "network", "broken")
        if box is None:
            return

        def answered(new: str | None) -> None:
            if new and new != box.name:
                self.edit("rename", box.name, new, select=new)

        self.push_screen(Prompt(f"Rename '{box.name}' to:", box.name), answered)

    def action_delete(self) -> None:
        box = self._selected_box()
        if box is None:
            return
        if box.kind == "input":
            self.edit("remove_input", box.name)
        else:
            self.edit("delete_node", box.name)

    def action_edit_field(self) -> None:
        behind = self._inspector_behind
        self.action_tab("node")
        if behind:  # its fields are being made: focus the first once they are
            self.query_one(Inspector).focus_field = True
            return
        fields = self.query_one(Inspector).fields()
        if fields:
            fields[0].focus()

    def action_wire(self) -> None:
        box = self._selected_box("block", "network", "broken")
        if box is None or self.doc is None:
            return
        ports = box.record.ports
        if not ports:
            self._update_status(f"'{box.name}' has no inputs or weights to wire")
            return
        items = [(p.name, f"{p.name} ({p.kind}) <- {p.ref or p.source}") for p in ports]

        def port_chosen(port: str | None) -> None:
            if port is None:
                return
            try:
                choices = self.doc.sources(box.name, port)
            except compose.Refused as err:
                self._refused(str(err))
                return
            options = [
                (c.ref, f"{c.ref}  {c.kind} {_shape(c.shape)}")
                for c in choices
                if c.kind != "network"
            ]
            options += [
                (f"network:{c.ref}", f"a new instance of network {c.ref}")
                for c in choices
                if c.kind == "network"  # only a weight slot offers them
            ]
            options.append(("", "(unwire)"))

            def source_chosen(ref: str | None) -> None:
                if ref is None:
                    return
                if ref.startswith("network:"):
                    self._wire_new_instance(box.name, port, ref[8:], choices)
                else:
                    self.edit("wire", box.name, port, ref or None, select=box.name)

            self.push_screen(Pick(f"Wire {box.name}.{port} to:", options), source_chosen)

        if len(ports) == 1:
            port_chosen(ports[0].name)
        else:
            self.push_screen(Pick(f"Which input or weight of '{box.name}'?", items), port_chosen)

    def _wire_new_instance(self, node: str, slot: str, network: str, choices) -> None:
        """Ask where each input of a new instance of `network` comes from (what may feed
        `node`), then add it and wire it into `node`'s weight slot `slot` in one edit."""
        taken = {b.name for b in self.scene.boxes}
        name = next(
            n for n in [network, *(f"{network}{k}" for k in range(2, 10_000))] if n not in taken
        )
        found = next((n for n in self.doc.networks if n.name == network), None)
        inputs = list(found.inputs) if found is not None else []
        options = [
            (c.ref, f"{c.ref}  {c.kind} {_shape(c.shape)}")
            for c in choices
            if c.kind in ("input", "node", "instance")
        ]
        wires: dict[str, str] = {}

        def ask_next() -> None:
            if len(wires) == len(inputs):
                self.edit(
                    "wire_instance", node, slot, name, network, wires=wires or None, select=node
                )
                return
            wanted = inputs[len(wires)]
            question = f"New instance '{name}' of {network}: its input '{wanted}' from:"
            self.push_screen(Pick(question, options), chosen)

        def chosen(ref: str | None) -> None:
            if ref:  # Escape: nothing is added
                wires[inputs[len(wires)]] = ref
                ask_next()

        ask_next()

    def action_fold(self) -> None:
        """Open the selected network instance (its nodes drawn below it), or fold it (or
        the one the selected node is inside) back into one box."""
        graph = self.query_one(GraphView)
        box = self.scene.box(graph.selected)
        if box is None or self.doc is None:
            self._update_status("select a network instance first (arrow keys)")
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
            self._update_status(
                f"'{box.name}' cannot be opened: it has problems, so it was not checked inside"
            )
            return
        else:
            self._update_status(f"'{box.name}' is not a network instance: f opens one")
            return
        self.show(self._scene(), keep=target, note=note, edited=False)

    def action_output(self) -> None:
        box = self._selected_box("block", "network", "broken")
        if box is None or self.doc is None:
            return
        outputs = [w.ref for w in self.doc.wires if w.node is None and w.port == "output"]
        wanted = (
            [o for o in outputs if o != box.name] if box.name in outputs else outputs + [box.name]
        )
        self.edit("set_outputs", wanted, select=box.name)

    def action_loss(self) -> None:
        box = self._selected_box("block", "network", "broken")
        if box is not None:
            self.edit("set_loss", box.name, select=box.name)

    @on(TrainPanel.Setting)
    def _train_setting(self, event: TrainPanel.Setting) -> None:
        panel = self.query_one(TrainPanel)
        value = event.value.strip()
        try:
            if event.name in ("optimizer", "rate"):
                name, rate = panel.setting("optimizer").strip(), panel.setting("rate").strip()
                if not name:
                    self._refused("train.optimizer: expected an optax optimizer's name, e.g. adam")
                    return
                args = {"learning_rate": typed(rate, float)} if rate else {}
                self.edit("set_train", "optimizer", {name: args})
            elif event.name == "dataset":
                self.edit("set_train", ("data", "dataset"), value or None)
            elif event.name == "folder":  # not the recipe's: where the next run is written
                default = f"runs/{self.doc.recipe.name}-DATE-TIME" if self.doc else "runs/..."
                self._update_status(f"the next run is written to {value or default}")
            elif event.name == "metrics":
                self.edit("set_train", "metrics", words(value) or None)
            else:
                self.edit("set_train", event.name, typed(value, int) if value else None)
        except Unreadable as err:
            self._refused(f"train.{event.name}: {err}")

    def action_undo(self) -> None:
        if self.doc is not None and self.doc.undo_label is not None:
            label = self.doc.undo_label
            self.doc.undo()
            self.show(self._scene(), note=f"undone: {label}")
        else:
            self._update_status("nothing to undo")

    def action_redo(self) -> None:
        if self.doc is not None and self.doc.redo_label is not None:
            label = self.doc.redo_label
            self.doc.redo()
            self.show(self._scene(), note=f"redone: {label}")
        else:
            self._update_status("nothing to redo")

    def action_save(self, force: bool = False) -> None:
        if self.doc is None:
            self._refused("nothing to save: the file is not a recipe the editor can read")
            return
        try:
            saved = self.doc.save(force=force)
        except compose.ChangedOnDisk as err:

            def answered(overwrite: bool | None) -> None:
                if overwrite:
                    self.action_save(force=True)

            question = f"{err.path}: {err.reason}."
            self.push_screen(Confirm(question, "overwrite it", "keep it (nothing saved)"), answered)
            return
        except OSError as err:
            self._refused(f"cannot save {self.path}: {err.strerror or err}")
            return
        self._update_status(f"saved {saved}")

    # -- training -----------------------------------------------------------------------------

    def action_train(self) -> None:
        if self.training:
            if self.session is not None and self.session.paused:
                self._resume()
            else:
                self.notify("training is already running: space pauses, x stops")
            return
        checked = self._checked_for_training()
        if checked is None:
            return
        metrics = checked.recipe.train.metrics
        panel = self.query_one(TrainPanel)
        # The run folder `compose run` would write (--out, else runs/NAME-DATE-TIME here)
        asked = panel.setting("folder").strip()
        folder = Path(asked) if asked else compose.default_dir(checked.recipe.name)
        self.folder = folder
        panel.reset(metrics[0] if metrics else None)
        panel.status(f"preparing: data, model, compiling... (run folder {folder})")
        self.query_one(TabbedContent).active = TABS["train"]
        self.training, self._asked = True, set()
        self.look, self.history, self.failure = None, {}, None
        self.query_one(GraphView).set_health({})
        self.run_worker(
            lambda: self._train(checked, folder),
            thread=True,
            group="training",
            exit_on_error=False,
        )

    def _checked_for_training(self) -> Any:
        """The checked recipe to train (the document as it is now, overrides applied), or
        None, having said why not."""
        if self.doc is None or self.scene.problems:
            self._update_status("cannot train: fix the recipe's problems first")
            self.action_tab("problems")
            return None
        checked = self.doc.checked
        if self.overrides:
            try:
                file = str(self.doc.path or self.path)
                checked = compose.check(
                    compose.loads(self.doc.text, file=file, overrides=self.overrides)
                )
            except compose.RecipeError as err:
                self._update_status(f"cannot train: {err.problems[0]}")
                return None
            if checked.problems:
                self._update_status(f"cannot train: {checked.problems[0]}")
                return None
        if checked.recipe.train is None:
            self._update_status("cannot train: the recipe has no train section (c sets it)")
            return None
        return checked

    def _train(self, checked: Any, folder: Path) -> None:
        """In the worker thread: train as `compose run` does (the same session, run folder,
        checkpoints and norms log, by `compose.train`), and report how it ended."""
        forward = Forward(self)
        health = HealthWatch(lambda looks: self._tell(self.training_health, looks))
        self._watchers = (forward, health)
        listeners = [
            Started(self._started),
            forward,
            health,
            PlaneWatch(lambda pictures: self._tell(self.training_pictures, pictures)),
            FreezePrepared(),  # last: after the others have made what they keep
        ]
        try:
            # A step that is not finite pauses the run, for the user to look inside and stop.
            result = compose.train(checked, folder=folder, listeners=listeners, on_failure="pause")
            self._tell(
                self.training_finished,
                dict(result.metrics),
                result.stopped,
                result.steps,
                result.failure,
            )
        except compose.RecipeError as err:
            self._tell(self.training_failed, "\n".join(str(p) for p in err.problems))
        except Exception as err:  # a failure while training is shown, never raised
            self._tell(self.training_failed, f"{type(err).__name__}: {err}")

    def _started(self, session: Any) -> None:
        """In the worker thread, once the session is prepared: steer it from now on."""
        self.session = session
        if "pause" in self._asked:
            session.pause()
        if "stop" in self._asked:
            session.stop()
        self._tell(self.training_started, session.total)

    def _tell(self, callback, *args) -> None:
        try:
            self.call_from_thread(callback, *args)
        except RuntimeError:  # the app has closed meanwhile: nobody to tell
            pass

    def training_started(self, total: int) -> None:
        self._watching = self.set_interval(WATCH_SECONDS, self._watch_session)
        paused = self.session is not None and self.session.paused
        self.query_one(TrainPanel).status(
            f"training {total} steps into {self.folder}"
            + (": paused (n steps, space resumes)" if paused else "")
        )
        self._update_status(f"training into {self.folder}")

    def training_logged(self, records: list[dict], total: int) -> None:
        self.query_one(TrainPanel).logged(records, total)
        if self.failure is not None:
            self._say_paused_on_failure()
        elif self.session is not None and self.session.paused:
            self.query_one(TrainPanel).status(f"paused at step {records[-1]['step']}/{total}")

    def _watch_session(self) -> None:
        """Ten times a second while training: has the session paused itself on a step
        that was not finite (a new failure each time it refuses the step), or has the
        refused step gone through after all? The session tells its listeners neither."""
        session = self.session
        if session is None:
            return
        failure = session.failure
        if failure is not None and session.paused and failure is not self.failure:
            self._paused_on(failure)
        elif failure is None and self.failure is not None:
            self.failure, self._tries = None, 0
            graph = self.query_one(GraphView)
            graph.set_health(graph.states, None)
            self._update_status("the refused step went through: training goes on")

    def _paused_on(self, failure: Any) -> None:
        """The session paused on `failure`: select and mark its node, say what happened
        and what the keys do, and look at the refused step's batch (off this thread)."""
        self._tries += 1
        self._show_failure(failure)
        self._say_paused_on_failure()
        self._update_status()
        session, watchers = self.session, self._watchers
        if watchers is not None:
            self.run_worker(lambda: _catch_up(session, *watchers), thread=True, group="look")

    def _show_failure(self, failure: Any) -> None:
        """Keep `failure`, draw its node on red and select it, and show its report."""
        self.failure = failure
        graph = self.query_one(GraphView)
        box = self._failed_box()
        graph.set_health(graph.states, box)
        if box is not None:
            graph.select(box)
        self.query_one(Inspector).show_health(self._report(graph.selected))

    def _say_paused_on_failure(self) -> None:
        total = self.session.total if self.session is not None else 0
        text = paused_text(self.failure, total, tries=self._tries)
        self.query_one(TrainPanel).status(text, "red")

    def training_health(self, looks: list[Look]) -> None:
        """Looks at every node's health (the newest last): add them to each node's history,
        and show the newest: colour the boxes, fill the table, and show the selected node's
        numbers, history and histograms."""
        for look in looks:
            for row in look.rows:
                if row.grad_norm and math.isfinite(row.grad_norm):
                    self.history.setdefault(row.path, []).append(math.log10(row.grad_norm))
        self.look = look = looks[-1]
        graph = self.query_one(GraphView)
        graph.set_health(self._states(), graph.failed)
        self.query_one(TrainPanel).health(look)
        if self.query_one(TabbedContent).active == TABS["node"]:  # else when it is shown
            self.query_one(Inspector).show_health(self._report(graph.selected))

    @on(TabbedContent.TabActivated)
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == TABS["node"] and self._inspector_behind:  # shown by a click
            self._inspect(self.query_one(GraphView).selected)
        elif event.pane.id == TABS["node"] and (self.look or self.failure) is not None:
            self.query_one(Inspector).show_health(self._report(self.query_one(GraphView).selected))

    def training_pictures(self, pictures: Pictures | None) -> None:
        self.query_one(TrainPanel).pictures(pictures)

    def training_finished(
        self, metrics: dict, stopped: str, steps: int, failure: Any = None
    ) -> None:
        self._end_watch()
        self.query_one(TrainPanel).finished(metrics, stopped, steps, self.folder)
        if failure is not None:
            self._show_failure(failure)
            self._update_status()
            return
        shown = "  ".join(f"{k} {v:.4f}" for k, v in metrics.items() if not k.startswith("val_"))
        self._update_status(f"trained: {shown}  run folder {self.folder}")

    def training_failed(self, message: str) -> None:
        self._end_watch()
        self.query_one(TrainPanel).status(message, "red")
        self._update_status("training failed")

    def _end_watch(self) -> None:
        """Training has ended: stop watching the session."""
        self.training, self.session, self._watchers = False, None, None
        if self._watching is not None:
            self._watching.stop()
            self._watching = None

    def action_pause(self) -> None:
        if not self.training:
            self.notify("nothing is training: t starts")
            return
        if self.session is None:
            self._asked ^= {"pause"}
            return
        if self.session.paused:
            self._resume()
        else:
            self.session.pause()
            self.query_one(TrainPanel).status(f"pausing at step {self.session.step}...")

    def _resume(self) -> None:
        self.session.resume()
        said = "resumed" if self.failure is None else self._trying_again()
        self.query_one(TrainPanel).status(said)

    def _trying_again(self) -> str:
        """Say that the refused step is being tried again (it will most likely be refused
        again, and the session pause again)."""
        said = f"trying step {self.failure.step} again..."
        self._update_status(said)
        return said

    def action_step(self) -> None:
        if self.session is None:
            self.notify("step works while training is paused: t trains, space pauses")
            return
        if not self.session.paused:
            self.session.pause()
        self.session.step_once()
        if self.failure is not None:
            self.query_one(TrainPanel).status(self._trying_again())

    def action_stop(self) -> None:
        """Stop training; stopped on a failure, the run ends as `compose run` ends it (its
        run folder says the failure), with the last good weights."""
        if self.session is not None:
            failure = self.session.failure
            self.session.stop(failure.message if failure is not None else "stopped")
        elif self.training:
            self._asked.add("stop")


def _shape(shape: Any) -> str:
    return shape_text(shape) if shape is not None else ""


def _catch_up(session: Any, forward: Forward, health: HealthWatch) -> None:
    """In a thread of the app's, while the session is paused on a failure: hand over the
    log points not yet sent, and look at the refused step's batch."""
    forward.flush(session)
    health.look_at_failure(session)


def run(path: str | Path, *, overrides: Sequence[str] = ()) -> int:
    """Open the editor on a recipe file; returns the exit status."""
    app = EditorApp(path, overrides=overrides)
    app.run()
    return app.return_code or 0
