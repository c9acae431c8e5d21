"""Where the keys go: the focus never left on nothing, a field focused said on the status
line, and the question quitting asks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.field import Field
from tui.graph import GraphView
from tui.screens import Confirm

if TYPE_CHECKING:
    from tui.app import EditorApp


def focus_moved(app: EditorApp, widget: Any) -> None:
    """Keys always go somewhere visible: a focused widget that was removed (the inspector
    remade after an edit) hands the focus to the graph, not to nothing; a field focused
    says so on the status line (after a refusal, which is said first)."""
    if widget is None:
        app.call_after_refresh(_graph_if_lost, app)
    elif isinstance(widget, Field) and not app.status_note.startswith("refused"):
        name = (widget.id or "").partition("-")[2]
        app.update_status(f"typing {name}: enter sets, tab next, escape puts it back")


def _graph_if_lost(app: EditorApp) -> None:
    if app.screen is app.screen_stack[0] and app.screen.focused is None:
        app.query_one(GraphView).focus()


def quit_question(*, training: bool, dirty: bool) -> Confirm | None:
    """What quitting asks first: with a run training or unsaved changes; else None."""
    worries = []
    if training:
        worries.append("A training run is under way: quitting stops it.")
    if dirty:
        worries.append("The recipe has unsaved changes.")
    if not worries:
        return None
    yes = "quit" + (" without saving" if dirty else "")
    no = "stay" + (" (ctrl+s saves)" if dirty else "")
    return Confirm("\n".join(worries), yes, no)
