"""The editor app: lays out the graph, the palette, the inspector, the problems and training.

Attributes go down (the app hands each widget the scene it shows), messages come up (a
widget says what the user chose). The app only lays the screen out and shows: the keys and
messages that edit run the editing controller's actions (tui/editing.py), those that train
the training controller's (tui/training_control.py), each a bound method found by the name
its binding gives it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Header, Input, Static, TabbedContent, TabPane

import compose
from tui import wiring
from tui.collector import freeze_long_lived
from tui.editing import EditingController
from tui.focus import focus_moved, quit_question
from tui.footer import KeyFooter
from tui.graph import GraphView
from tui.inspector import Inspector
from tui.keys import key_groups
from tui.palette import Palette
from tui.problems import ProblemList
from tui.scene import Scene, empty_scene, scene_of
from tui.screens import HelpScreen
from tui.status import status_line
from tui.training import TrainPanel
from tui.training_control import TrainingController
from tui.training_process import warm_up

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

    # edit('NAME') runs the editing controller's action NAME, train('NAME') the training
    # controller's (their `actions()`); the help lists these by their descriptions
    BINDINGS = [
        Binding("q,ctrl+q", "quit", "Quit"),
        Binding("question_mark,f1", "help", "Help"),
        Binding("ctrl+s", "edit('save')", "Save"),
        Binding("a", "add", "Add"),
        Binding("t", "train('start')", "Train"),
        Binding(
            "f", "edit('fold')", "Open/fold", tooltip="Open or fold the selected network instance"
        ),
        Binding(
            "z", "overview", "Overview", tooltip="The whole graph, one line a box (z again: boxes)"
        ),
        Binding("space", "train('pause')", "Pause", tooltip="Pause or resume training"),
        Binding("n", "train('step')", "Step one training step (paused)", show=False),
        Binding("x", "train('stop')", "Stop training", show=False),
        Binding("slash", "filter", "Filter the blocks", show=False),
        Binding("plus", "edit('add_input')", "Add or reshape an input", show=False),
        Binding("r", "edit('rename')", "Rename the selected box", show=False),
        Binding("d,delete", "edit('delete')", "Delete the selected box", show=False),
        Binding(
            "e", "edit_field", "Edit the first field of the Node or Train tab shown", show=False
        ),
        Binding("w", "edit('wire')", "Wire an input or weight of the selected node", show=False),
        Binding("o", "edit('output')", "Make the selected node an output, or not", show=False),
        Binding("m", "edit('loss')", "Make the selected node the loss", show=False),
        Binding("B", "edit('change_block')", "Change the selected node's block", show=False),
        Binding("I", "edit('insert')", "Insert a block before the selected node", show=False),
        Binding("E", "edit('open_network')", "Edit inside the selected network", show=False),
        Binding("backspace", "edit('back')", "Back from a network to the recipe", show=False),
        Binding("ctrl+z,u", "edit('undo')", "Undo", show=False),
        Binding("ctrl+y,U", "edit('redo')", "Redo", show=False),
        Binding("g,escape", "focus_graph", "Back to the graph", show=False),
        Binding("i,1", "tab('node')", "Inspector tab", show=False),
        Binding("b,2", "tab('blocks')", "Blocks tab (palette)", show=False),
        Binding("p,3", "tab('problems')", "Problems tab", show=False),
        Binding("c,4", "tab('train')", "Train tab: curves and settings", show=False),
    ]

    def __init__(
        self,
        path: str | Path,
        *,
        overrides: Sequence[str] = (),
        environment: Mapping[str, str] | None = None,
    ) -> None:
        """`environment`: variables the training runs' processes get (the `compose`
        command's compiled-program cache)."""
        super().__init__()
        self.path = Path(path)
        self.overrides = tuple(overrides)  # apply to training runs, not to the document
        self.doc: Any = None
        self.scene: Scene = empty_scene(())
        self.editing = EditingController(self)
        self.trainer = TrainingController(self)
        warm_up(environment)  # training runs in processes forked from a server started now
        self._inspector_behind = False  # the selection moved while another tab was shown
        self._inspect_due = False  # the inspector follows the selection after the graph
        self.status_note = ""  # what the status line says the last key did
        self._shown_selection: str | None = None  # the selection the last scene shown made

    @property
    def dirty(self) -> bool:
        """Whether there are changes not yet saved: in the document shown or, while inside a
        network's definition, in any document around it."""
        around = (outer.doc for outer in self.editing.in_place.outer)
        return self.doc is not None and (self.doc.modified or any(d.modified for d in around))

    @property
    def training(self) -> bool:
        """Whether a training run is under way (paused included)."""
        return self.trainer.training

    @property
    def session(self) -> Any:
        """The training session, while one runs (once it is prepared)."""
        return self.trainer.session

    @property
    def folder(self) -> Path | None:
        """The run folder of the last training run."""
        return self.trainer.folder

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
        yield KeyFooter()

    def on_mount(self) -> None:
        self.doc, scene = open_document(self.path)
        self.show(scene)
        self.query_one(GraphView).focus()
        self.watch(self.screen, "focused", lambda widget: focus_moved(self, widget))
        # What start-up made stays: once the first screen is drawn, collect and freeze
        # it, so that no later collection need walk it again (tui/collector.py)
        self.call_after_refresh(freeze_long_lived, collect=True)

    # -- showing -------------------------------------------------------------------------------

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
            self.trainer.edited()
        run = self.trainer.last_run
        graph.states, graph.failed = run.states(), run.failed_box(scene)
        graph.show(scene, keep=keep)
        self._inspect(graph.selected)
        self._shown_selection = graph.selected
        self.update_status(note)

    def _inspect(self, name: str | None) -> None:
        """Show box `name` in the inspector, with its health while training; while another
        tab is shown, only note that the inspector is behind (a key press that moves the
        selection then redraws the graph alone, not the hidden inspector's widgets)."""
        self._inspector_behind = not self.tab_shown("node")
        if self._inspector_behind:
            return
        inspector = self.query_one(Inspector)
        inspector.health = self.trainer.report(name)
        inspector.box = self.scene.box(name)

    def update_status(self, note: str = "") -> None:
        """Say `note` (else the failure training stopped or paused on, if any), the
        problems and the selection on the status line, and whether the file is modified."""
        selected = self.query_one(GraphView).selected
        self.status_note = note = note or self.trainer.note()
        status = self.query_one("#status", Static)
        width = status.content_size.width or self.size.width - 2
        line = status_line(note, len(self.scene.problems), selected, width)
        # One row, always (editor.tcss): a new line needs no layout of the whole screen,
        # which while training costs a key press several milliseconds more
        status.update(line, layout=False)
        self.sub_title = f"{self.path}{' (modified)' if self.dirty else ''}"

    @on(GraphView.Selected)
    def _selected(self, event: GraphView.Selected) -> None:
        # a selection an edit made (the box after a deleted one) keeps the edit's words
        self.update_status(self.status_note if event.name == self._shown_selection else "")
        self._shown_selection = None
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

    @on(TabbedContent.TabActivated)
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == TABS["node"] and self._inspector_behind:  # shown by a click
            self._inspect(self.query_one(GraphView).selected)
        elif event.pane.id == TABS["node"] and self.trainer.last_run.known():
            selected = self.query_one(GraphView).selected
            self.query_one(Inspector).show_health(self.trainer.report(selected))

    # -- what the widgets said, for the editing controller ------------------------------------

    @on(Palette.Picked)
    def _picked(self, event: Palette.Picked) -> None:
        self.editing.picked(event)

    @on(GraphView.Wiring)
    def _wiring(self, event: GraphView.Wiring) -> None:
        wiring.wire_clicked(self.editing, event.source, event.target)

    @on(Inspector.Changed)
    def _changed(self, event: Inspector.Changed) -> None:
        self.editing.changed(event)

    @on(TrainPanel.Setting)
    def _train_setting(self, event: TrainPanel.Setting) -> None:
        self.editing.train_setting(event)
        # a refused setting: its field shows the value in force again
        self.query_one(TrainPanel).show_settings(self.doc.data.get("train") if self.doc else None)

    # -- the keys -----------------------------------------------------------------------------

    def action_edit(self, name: str) -> None:
        """Run the editing controller's action `name` (a binding's `edit('NAME')`)."""
        self.editing.actions()[name]()

    def action_train(self, name: str) -> None:
        """Run the training controller's action `name` (a binding's `train('NAME')`)."""
        self.trainer.actions()[name]()

    def action_overview(self) -> None:
        """Toggle the overview: the graph zoomed out to one line a box, over the whole
        width (the side panel comes back with z, or with a tab's key)."""
        graph = self.query_one(GraphView)
        on = not graph.overview
        self.query_one("#side").display = not on
        graph.focus()
        self.call_after_refresh(graph.set_overview, on)
        self.update_status("overview: one line a box (z: boxes)" if on else "boxes (z: overview)")

    def action_focus_graph(self) -> None:
        self.query_one(GraphView).focus()

    def action_tab(self, name: str) -> None:
        """Show tab `name`; the problems list takes the focus (Enter there selects a
        problem's node), the palette's filter takes it (typing filters the blocks), and
        the Node and Train tabs leave it where it is, so that the next letter is a
        command and never lands in a text field (`e` edits the tab's fields)."""
        self.show_tab(name)
        if name == "problems":
            self.query_one(ProblemList).focus()
        elif name == "blocks":  # the palette: typing filters it
            self.query_one("#palette-filter", Input).focus()

    def show_tab(self, name: str) -> None:
        """Show tab `name` (one of TABS), the focus staying where it is."""
        self.query_one("#side").display = True  # hidden by the overview
        self.query_one(TabbedContent).active = TABS[name]
        if name == "node" and self._inspector_behind:
            self._inspect(self.query_one(GraphView).selected)

    def tab_shown(self, name: str) -> bool:
        """Whether tab `name` (one of TABS) is the one shown."""
        return self.query_one(TabbedContent).active == TABS[name]

    def action_filter(self) -> None:
        self.action_tab("blocks")

    def action_add(self) -> None:
        self.action_filter()

    def action_edit_field(self) -> None:
        """Type into the first field of the tab shown: the train settings' on the Train
        tab, else the selected node's (the Node tab shown)."""
        if self.tab_shown("train"):
            self.query_one("#train-dataset", Input).focus()
            return
        behind = self._inspector_behind
        self.action_tab("node")
        if behind:  # its fields are being made: focus the first once they are
            self.query_one(Inspector).focus_field = True
            return
        fields = self.query_one(Inspector).fields()
        if fields:
            fields[0].focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(key_groups(self.BINDINGS)))

    async def action_quit(self) -> None:
        """Quit; with unsaved changes or a run training (paused included), ask first."""
        question = quit_question(training=self.training, dirty=self.dirty)
        if question is None:
            self._leave()
        else:
            self.push_screen(question, lambda leave: self._leave() if leave else None)

    def on_resize(self) -> None:
        self.call_after_refresh(self.update_status, self.status_note)

    def _leave(self) -> None:
        self.trainer.close()
        self.exit(0)


def run(
    path: str | Path, *, overrides: Sequence[str] = (), environment: Mapping[str, str] | None = None
) -> int:
    """Open the editor on a recipe file; returns the exit status. `environment`: variables
    the training runs' processes get (the `compose` command's compiled-program cache)."""
    app = EditorApp(path, overrides=overrides, environment=environment)
    app.run()
    return app.return_code or 0
