"""Problems with a recipe, each with its place, and the one error that carries them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Where:
    """A place in a recipe: file, 1-based line and column, and the key path (`nodes.hidden.out`)."""

    file: str
    line: int = 0
    col: int = 0
    path: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}" if self.line else self.file


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a recipe, said as: where, what, expected, got, hint."""

    where: Where
    message: str
    hint: str = ""
    via: tuple[str, ...] = ()  # the network instances, outermost first, it was found through

    def __str__(self) -> str:
        path = f" {self.where.path}:" if self.where.path else ""
        notes = [self.hint] if self.hint else []
        if self.via:
            notes.append("in " + " > ".join(self.via))
        hint = "".join(f" ({note})" for note in notes)
        return printable(f"{self.where}:{path} {self.message}{hint}")


class RecipeError(Exception):
    """A recipe cannot be used; holds every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A hint naming the closest known name, or listing the few there are."""
    known = sorted(set(known))
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if known and len(known) <= 8:
        return "known: " + ", ".join(known)
    return ""


def printable(text: str, *, lines: bool = False) -> str:
    """`text` with every character a terminal would act on written as an escape (`\\x1b`,
    `\\r`, `\\u202e`), so that a recipe's names and keys cannot recolour, rewrite or reorder
    what is shown; with `lines`, newlines are kept. Applied where text is output.

    >>> printable("h\\x1b[31mred\\r")
    'h\\\\x1b[31mred\\\\r'
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or (lines and c == "\n") else repr(c)[1:-1] for c in text)


def shown(value: object) -> str:
    """A value as the user wrote it, short enough for one line."""
    text = repr(value) if isinstance(value, str) else str(value)
    if value is None:
        text = "nothing"
    if isinstance(value, bool):
        text = "true" if value else "false"
    return text if len(text) <= 60 else text[:57] + "..."
