"""A field of the editor's forms (a hyperparameter, a train setting): one typed line."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.widgets import Input


class Field(Input):
    """Textual's Input, as a form's field: what it held when focused is kept, so that
    leaving it without Enter or Tab (Escape, a click elsewhere) puts that value back.
    Enter sets the field (when it changed) and returns to the graph, so the next key is a
    command again; Tab sets it and goes to the next field."""

    BINDINGS = [
        Binding("enter", "set_field", "set the field, back to the graph", show=False),
        Binding("tab", "set_field(True)", "set the field, to the next field", show=False),
        Binding("escape", "cancel", "put the field's value back, back to the graph", show=False),
    ]

    before = ""  # the value when the field was focused: what Escape puts back

    def _on_focus(self, event: events.Focus) -> None:
        self.before = self.value
        super()._on_focus(event)
        # The field being typed into is always on the screen (a tab just shown is laid
        # out after this: scroll once it is)
        self.call_after_refresh(self.scroll_visible, animate=False)

    def _on_blur(self, event: events.Blur) -> None:
        self.value = self.before  # left without setting it: the value in force again
        super()._on_blur(event)

    async def action_set_field(self, to_next: bool = False) -> None:
        if self.value != self.before:
            self.before = self.value
            await self.action_submit()
        if to_next:
            self.screen.focus_next()
        else:
            await self.run_action("app.focus_graph")

    async def action_cancel(self) -> None:
        self.value = self.before
        await self.run_action("app.focus_graph")
