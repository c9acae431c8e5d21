"""Where things are in a recipe's text, and how to merge a re-rendered part back into it.

Plain text work, no YAML library: the line each entry spans (from compose.recipe.source's places),
the indentation the text uses, and a three-way merge that keeps what the user wrote.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from compose.recipe.source import Source

NODES = "nodes"
Indent = tuple[int, int, int]  # ruamel.yaml's mapping, sequence and dash offset
_WORD = re.compile(r"\s+|\w+|.")


def guess_indent(text: str, source: Source) -> Indent:
    """The indentation the text uses, read from where its keys and list items are, so that
    lines an edit writes line up with the rest (mapping 2 and lists `  - a` when unsure)."""
    lines = text.splitlines()
    mapping = sequence = offset = None
    for path, (line, col) in source.key_marks.items():
        parent = source.key_marks.get(path[:-1]) if len(path) > 1 else None
        if parent and line > parent[0] and not lines[line - 1][: col - 1].strip():
            mapping = col - parent[1]
            break
    for path, (line, col) in source.marks.items():
        if not path or type(path[-1]) is not int:
            continue
        parent = source.key_marks.get(path[:-1])
        here = lines[line - 1]
        if parent and line > parent[0] and here[col - 3 : col - 1] == "- " and col >= 3:
            if not here[: col - 3].strip():
                sequence, offset = col - parent[1], col - 2 - parent[1]
                break
    mapping = mapping if mapping and mapping > 0 else 2
    if sequence is None or offset is None or offset < 0:
        sequence, offset = mapping + 2, mapping
    return (mapping, max(sequence, offset + 2), offset)


def merge(ours: Sequence, base: Sequence, theirs: Sequence, *, refine: bool = True) -> list | None:
    """`ours` with the changes from `base` to `theirs`, or None where they cannot be placed.

    `base` is ruamel.yaml's rendering of the text `ours`; `theirs` its rendering after the
    edit. Lines that the edit did not change keep their written form; with `refine`, a
    changed line is itself merged word by word, so that alignment and comment columns on it
    survive.
    """
    size = len(base)
    low: list[int | None] = [None] * (size + 1)
    high: list[int | None] = [None] * (size + 1)
    pair: dict[int, int] = {}

    def mark(i: int, j: int) -> None:
        low[i] = j if low[i] is None else min(low[i], j)
        high[i] = j if high[i] is None else max(high[i], j)

    matcher = difflib.SequenceMatcher(None, base, ours, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1 + 1):
                mark(i1 + k, j1 + k)
            pair.update((i1 + k, j1 + k) for k in range(i2 - i1))
        else:  # inserted, deleted or reflowed: only the ends correspond
            mark(i1, j1)
            mark(i2, j2)
    out: list = []
    cursor = 0
    edits = difflib.SequenceMatcher(None, base, theirs, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in edits:
        if tag == "equal":
            continue
        start = high[i1]
        end = low[i2] if i2 > i1 else start
        if start is None or end is None or start < cursor or end < start:
            return None
        out.extend(ours[cursor:start])
        lined_up = [pair.get(i) for i in range(i1, i2)] == list(range(start, end))
        if refine and tag == "replace" and i2 - i1 == j2 - j1 and lined_up:
            for k in range(i2 - i1):
                mine, was, now = ours[start + k], base[i1 + k], theirs[j1 + k]
                words = None
                if mine != was:
                    words = merge(_words(mine), _words(was), _words(now), refine=False)
                out.append(now if words is None else "".join(words))
        else:
            out.extend(theirs[j1:j2])
        cursor = end
    out.extend(ours[cursor:])
    return out


def _words(line: str) -> list[str]:
    """A line as words, runs of blanks and single marks: what a change aligns on."""
    return _WORD.findall(line)


def same(a: Any, b: Any) -> bool:
    """Plain data equal in value, type and key order (1 is not 1.0, nor true)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


def _is_content(line: str) -> bool:
    text = line.strip()
    return bool(text) and not text.startswith("#") and text not in ("---", "...")


class Layout:
    """The lines of each top-level entry and each node, where the text is laid out in blocks.

    An entry's lines run from its key to its last line that is not blank or a comment: the
    blank lines and comments between entries belong to none, so edits leave them in place.
    """

    def __init__(self, lines: list[str], source: Source):
        self.lines = lines
        self.top: dict[str, tuple[int, int]] = {}
        self.nodes: dict[str, tuple[int, int]] = {}
        self.column = 1  # where the node keys start
        data = source.data
        if not isinstance(data, dict) or not data:
            return
        keys = list(data)
        starts = [source.key_marks.get((k,)) for k in keys]
        if not all(s and s[1] == 1 for s in starts) or not _rising([s[0] for s in starts]):
            return
        limits = [s[0] for s in starts[1:]] + [len(lines) + 1]
        self.top = {
            k: (s[0], self._end(s[0], limit))
            for k, s, limit in zip(keys, starts, limits, strict=True)
        }
        nodes = data.get(NODES)
        if not isinstance(nodes, dict) or not nodes:
            return
        names = list(nodes)
        marks = [source.key_marks.get((NODES, n)) for n in names]
        if not all(marks) or len({m[1] for m in marks}) != 1 or marks[0][1] == 1:
            return
        lines_at = [m[0] for m in marks]
        if not _rising([starts[keys.index(NODES)][0]] + lines_at):
            return
        self.column = marks[0][1]
        section_limit = limits[keys.index(NODES)]
        for name, start, limit in zip(names, lines_at, lines_at[1:] + [section_limit], strict=True):
            self.nodes[name] = (start, self._end(start, limit))

    def _end(self, start: int, limit: int) -> int:
        """One past the last content line in [start, limit) (lines count from 1)."""
        for line in range(limit - 1, start, -1):
            if _is_content(self.lines[line - 1]):
                return line + 1
        return start + 1

    def span(self, section: str, name: str) -> tuple[int, int] | None:
        """The lines [start, end) of node `name` (`section` "nodes") or top-level key `name`."""
        return (self.nodes if section == NODES else self.top).get(name)


def _rising(values: list[int]) -> bool:
    return all(a < b for a, b in zip(values, values[1:], strict=False))
