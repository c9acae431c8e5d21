"""Every key of the editor, by where it works: what the help screen lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.binding import Binding

from tui.field import Field
from tui.graph import GraphView
from tui.palette import Palette
from tui.problems import ProblemList
from tui.screens import Confirm, Prompt


def key_groups(app_bindings: Sequence[Any]) -> list[tuple[str, list[Binding]]]:
    """The app's keys (`app_bindings`, its BINDINGS), then each place's own BINDINGS."""
    return [
        ("everywhere (outside a text field)", _bindings(app_bindings)),
        ("in the graph", _bindings(GraphView.BINDINGS)),
        ("in the palette", _bindings(Palette.BINDINGS)),
        ("in the inspector and train settings", _bindings(Field.BINDINGS)),
        ("in the problems list", _bindings(ProblemList.BINDINGS)),
        ("in a question", _bindings([*Confirm.BINDINGS, *Prompt.BINDINGS])),
    ]


def _bindings(declared: Sequence[Any]) -> list[Binding]:
    """The Binding records of BINDINGS lists (which may also hold plain tuples), each but
    those whose keys an earlier one has all taken (the screens share Escape)."""
    found: list[Binding] = []
    taken: set[str] = set()
    for binding in declared:
        keys = set(binding.key.split(",")) if isinstance(binding, Binding) else set()
        if keys - taken:
            found.append(binding)
            taken |= keys
    return found
