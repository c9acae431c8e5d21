"""A field of the editor's forms (a hyperparameter, a train setting): one typed line."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class Field(Input):
    """Textual's Input, with what Enter and Tab do in a form said in its BINDINGS (the
    help lists them): Enter sets the field, Tab goes to the next."""

    BINDINGS = [
        Binding("enter", "submit", "set the field", show=False),
        Binding("tab", "app.focus_next", "next field", show=False),
    ]
