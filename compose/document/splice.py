"""An edit applied to a recipe's text: only the lines of the entries it touches change.

Each touched entry (a node, or a top-level key) is cut out with the lines it spans, rendered
by ruamel.yaml before and after the edit (compose.document.rendering), and the change merged into
the lines as the user wrote them: line by line, and within a changed line word by word.
The new lines are read back with compose.recipe.source.load_text and compared with the edit made
on plain data; only if they agree are they spliced in, with the reading's places shifted
into the document's. Anything that does not fit (a section in flow style, a merge
that reads back otherwise) falls back to the whole document, then to ruamel.yaml's own
rendering of it; an edit that no rendering writes faithfully raises WriteError.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, replace

from compose.document.layout import NODES, Indent, Layout, guess_indent, merge, same
from compose.document.rendering import PLAIN, Mutate, render
from compose.recipe.problems import RecipeError
from compose.recipe.source import Source, load_text


class WriteError(Exception):
    """An edit could not be written as text that reads back as intended (a bug: report it)."""


@dataclass(frozen=True)
class Text:
    """The document's text and its reading: plain data and the place of every path."""

    text: str
    source: Source
    indent: Indent = (2, 2, 0)

    @classmethod
    def read(cls, text: str, *, file: str) -> Text:
        """Read `text` with compose's own loader (RecipeError when it is not YAML)."""
        source = load_text(text, file=file)
        return cls(text, source, guess_indent(text, source))


@dataclass(frozen=True)
class Group:
    """One entry an edit rewrites: a node (`section` "nodes") or a top-level key ("")."""

    section: str
    name: str


@dataclass(frozen=True)
class Edit:
    """What an operation does: a label for undo, the entries it rewrites (None: the whole
    document), `mutate(root, kit)` (see compose.document.rendering), `removes`, the one entry
    whose lines are deleted instead of rewritten, and `then`, an edit made after it (two
    entries changed apart, so that each keeps its own lines' layout)."""

    label: str
    groups: tuple[Group, ...] | None
    mutate: Mutate
    removes: Group | None = None
    then: Edit | None = None  # a second part, written after this one: one step to undo


def apply(state: Text, edit: Edit) -> Text:
    """The text after `edit` (and its `then` part)."""
    if edit.removes is not None:
        done = remove(state, edit.removes, edit.mutate)
    else:
        done = rewrite(state, edit.groups, edit.mutate)
    return apply(done, edit.then) if edit.then is not None else done


def rewrite(state: Text, groups: Sequence[Group] | None, mutate: Mutate) -> Text:
    """The text after `mutate`, rewriting only `groups` where the layout allows.

    `groups` None rewrites the whole document. Raises WriteError if no rendering reads back
    as the plain edit says.
    """
    if groups is not None:
        done = _rewrite_groups(state, groups, mutate)
        if done is not None:
            return done
    return _rewrite_all(state, mutate)


def remove(state: Text, group: Group, mutate: Mutate) -> Text:
    """The text without one entry's lines (the comments around it stay), else a rewrite."""
    lines = state.text.splitlines(keepends=True)
    layout = Layout(lines, state.source)
    span = layout.span(group.section, group.name)
    siblings = layout.nodes if group.section == NODES else layout.top
    if span is None or len(siblings) < 2:
        parent = [Group("", NODES)] if group.section == NODES else None
        return rewrite(state, parent, mutate)
    run = _Run(group.section, (group.name,), *span)
    source = _spliced(state.source, run, {}, None, 0)
    return replace(
        state, text="".join(lines[: run.start - 1] + lines[run.end - 1 :]), source=source
    )


@dataclass(frozen=True)
class _Run:
    """Entries of one section, next to each other, rewritten as one fragment: lines
    [start, end) of the text (counted from 1)."""

    section: str
    names: tuple[str, ...]
    start: int
    end: int
    column: int = 1  # where the entries' keys start, and must stay


def _runs(layout: Layout, groups: Sequence[Group]) -> list[_Run] | None:
    """The groups as runs of neighbouring entries, bottom up; None where one has no lines."""
    wanted: dict[str, set[str]] = {}
    for group in groups:
        missing = layout.span(group.section, group.name) is None
        if missing and group.section == NODES:
            group = Group("", NODES)  # nodes in flow style: the whole section
        if layout.span(group.section, group.name) is None:
            return None
        wanted.setdefault(group.section, set()).add(group.name)
    if NODES in wanted.get("", ()):
        wanted.pop(NODES, None)  # the whole section is rewritten anyway
    runs: list[_Run] = []
    for section, names in wanted.items():
        spans = layout.nodes if section == NODES else layout.top
        current: list[str] = []
        for name in list(spans) + [None]:  # document order; None closes the last run
            if name in names:
                current.append(name)
            elif current:
                first, last = spans[current[0]], spans[current[-1]]
                column = layout.column if section == NODES else 1
                runs.append(_Run(section, tuple(current), first[0], last[1], column))
                current = []
    return sorted(runs, key=lambda run: -run.start)


def _rewrite_groups(state: Text, groups: Sequence[Group], mutate: Mutate) -> Text | None:
    lines = state.text.splitlines(keepends=True)
    runs = _runs(Layout(lines, state.source), groups)
    if runs is None:
        return None
    source = state.source
    for run in runs:  # bottom up, so that the runs still to do keep their line numbers
        done = _rewrite_run(lines, source, run, mutate, state.indent)
        if done is None:
            return None
        lines, source = done
    return replace(state, text="".join(lines), source=source)


def _rewrite_run(lines: list[str], source: Source, run: _Run, mutate: Mutate, indent: Indent):
    header = ["nodes:\n"] if run.section == NODES else []
    ours = header + lines[run.start - 1 : run.end - 1]
    if not ours[-1].endswith("\n"):
        ours[-1] += "\n"
    owner = source.data[NODES] if run.section == NODES else source.data
    expected = {name: copy.deepcopy(owner[name]) for name in run.names}
    if header:
        expected = {NODES: expected}
    try:
        base, theirs = render("".join(ours), mutate, indent)
        mutate(expected, PLAIN)
    except Exception:  # a fragment ruamel.yaml reads otherwise: rewrite the whole document
        return None
    for candidate in _candidates(ours, base, theirs):
        if header and candidate[:1] != header:
            continue
        try:
            read = load_text("".join(candidate), file=source.file)
        except RecipeError:
            continue
        if not same(read.data, expected):
            continue
        keys = [p for p in read.key_marks if len(p) == len(header) + 1]
        if any(read.key_marks[p][1] != run.column for p in keys):
            continue  # indented otherwise than its neighbours: it would not fit in
        new = candidate[len(header) :]
        entries = read.data[NODES] if header else read.data
        spliced = _spliced(source, run, entries, read, len(new))
        return lines[: run.start - 1] + new + lines[run.end - 1 :], spliced
    return None


def _candidates(ours, base, theirs):
    for refine in (True, False):
        merged = merge(ours, base, theirs, refine=refine)
        if merged is not None:
            yield merged
    yield theirs


def _spliced(source: Source, run: _Run, entries: dict, read: Source | None, size: int) -> Source:
    """The document's reading with the lines of `run` replaced by `size` lines whose reading
    is `read` (None: removed), holding `entries` in place of the run's."""
    end = run.end
    delta = size - (end - run.start)
    nodes = run.section == NODES
    depth = 2 if nodes else 1
    offset = run.start - depth  # the fragment's line 1 is the `nodes:` header, or its own
    names = set(run.names)

    def moved(marks: dict, new: dict) -> dict:
        out = {}
        for path, (line, col) in marks.items():
            if len(path) >= depth and path[depth - 1] in names and (not nodes or path[0] == NODES):
                continue  # the run's own: read anew below
            out[path] = (line + delta, col) if line >= end else (line, col)
        for path, (line, col) in new.items():
            if len(path) >= depth and (not nodes or path[0] == NODES):
                out[path] = (line + offset, col)
        return out

    marks = moved(source.marks, read.marks if read else {})
    key_marks = moved(source.key_marks, read.key_marks if read else {})
    data = source.data
    if nodes:
        specs = _replaced(data[NODES], run.names, entries)
        data = {**data, NODES: specs}
        if specs:  # a block mapping starts where its first key does
            marks[(NODES,)] = key_marks[(NODES, next(iter(specs)))]
    else:
        data = _replaced(data, run.names, entries)
    return Source(source.file, data, marks, key_marks, dict(source.overrides))


def _replaced(mapping: dict, names: tuple[str, ...], entries: dict) -> dict:
    out = {}
    for key, value in mapping.items():
        if key == names[0]:
            out.update(entries)
        elif key not in names:
            out[key] = value
    return out


def _rewrite_all(state: Text, mutate: Mutate) -> Text:
    ours = state.text.splitlines(keepends=True)
    try:
        base, theirs = render(state.text, mutate, state.indent)
    except Exception as err:  # ruamel.yaml reads this text otherwise than PyYAML did
        raise WriteError(f"ruamel.yaml could not render the recipe: {err}") from err
    expected = copy.deepcopy(state.source.data) if isinstance(state.source.data, dict) else {}
    mutate(expected, PLAIN)
    for candidate in _candidates(ours, base, theirs):
        text = "".join(candidate)
        try:
            read = load_text(text, file=state.source.file)
        except RecipeError:
            continue
        if same(read.data, expected):
            return Text(text, read, state.indent)
    raise WriteError("the edit could not be written as YAML that reads back as intended")
