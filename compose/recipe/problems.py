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
    """A hint naming the closest known name, or listing the few there are.

    Short names get little from difflib's ratio (`hl` against `h1` is 0.5), so names
    fewer typos away win: a typo is one character changed, added, dropped or two swapped,
    and a look-alike (`l` for `1`, `O` for `0`) counts as half of one.

    >>> did_you_mean("hl", ["h1", "h2", "a1", "a2", "b1", "b2", "c1", "c2", "d1"])
    "did you mean 'h1'?"
    """
    known = sorted(set(known))
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    costs = {k: cost for k in known if (cost := _typos(name, k)) <= 1} if len(name) > 1 else {}
    best = min(costs.values(), default=2)
    tied = [k for k in known if costs.get(k) == best]
    if best < (_typos(name, close[0]) if close else 2) and (len(tied) == 1 or len(known) > 8):
        close = tied[:3]  # several equally near among few: the list of all says more
    if close:
        names = [f"'{c}'" for c in close]
        either = ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
        return f"did you mean {either}?"
    if known and len(known) <= 8:
        return "known: " + ", ".join(known)
    return ""


_LOOK_ALIKE = [set("l1Ii|"), set("O0o"), set("S5"), set("Z2"), set("B8")]


def _typos(a: str, b: str) -> float:
    """The typos that turn `a` into `b` (optimal string alignment distance), a look-alike
    character counting half; more than 1 is reported as 2."""
    if abs(len(a) - len(b)) > 1:
        return 2
    before, row = None, [float(j) for j in range(len(b) + 1)]
    for i, x in enumerate(a, 1):
        new = [float(i)]
        for j, y in enumerate(b, 1):
            swap = 0.0 if x == y else 0.5 if any({x, y} <= s for s in _LOOK_ALIKE) else 1.0
            best = min(row[j] + 1, new[j - 1] + 1, row[j - 1] + swap)
            if before is not None and i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                best = min(best, before[j - 2] + 1)
            new.append(best)
        before, row = row, new
    return min(row[-1], 2)


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
