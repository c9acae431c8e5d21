"""Reading YAML safely into plain data, keeping the file, line and column of every key.

This module is the only one that imports yaml. It refuses what a recipe must never
contain: Python-object tags (nothing is ever constructed from them), duplicate keys
(PyYAML would silently keep the last one), documents inflated by aliases, an alias inside
itself and nesting deeper than any recipe needs (each would otherwise recurse without end).

Where PyYAML was built with libyaml, its C parser reads the text into events and PyYAML's
own composer (in Python, so the depth limit holds) turns them into nodes: about six times
faster than the pure-Python parser. Text the two parsers read differently (tabs, the
Unicode line breaks, empty values, a question mark in a flow collection's plain scalar),
and any text libyaml refuses, is read again by the pure-Python parser, so the data, the
places and every message are PyYAML's.

Numbers follow YAML 1.2, as every ML configuration writes them: `1e-3`, `5E-2` and `1e6`
are floats (PyYAML's YAML 1.1 resolver wants a dot and a signed exponent, `1.0e-3`, and
reads the others as text). Both loaders resolve scalars with `_Resolver`, which adds
YAML 1.2's exponent forms to PyYAML's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.resolver import Resolver

try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML built without libyaml: every text takes the pure-Python path
    CParser = None

from compose.recipe.problems import Problem, RecipeError, Where, shown

MAX_VALUES = 100_000  # a recipe is hand-written; past this, aliases are inflating it
MAX_DEPTH = 100  # nested collections; a recipe needs about ten, Python's stack about 300
MAX_DIGITS = 1000  # of an integer: Python prints at most 4300, and 0x... reads any length
# Text holding any of these is read by PyYAML alone: libyaml takes tabs where PyYAML
# refuses them, and reads U+0085, U+2028, U+2029 and a byte-order mark differently.
_READ_APART = ("\t", "\x85", "\u2028", "\u2029", "\ufeff")
_PLAIN_TAGS = {
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "seq", "map")
}


@dataclass
class Source:
    """A loaded YAML document: plain data, and where each path in it was written."""

    file: str
    data: Any
    marks: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    overrides: dict[tuple, str] = field(default_factory=dict)

    def where(self, path: tuple, *, key: bool = False) -> Where:
        """The place of the value at `path` (or of its key), falling back to its parents."""
        for set_path, origin in self.overrides.items():
            if path[: len(set_path)] == set_path:
                return Where(origin, path=dotted(path))
        marks = self.key_marks if key else self.marks
        for cut in range(len(path), -1, -1):
            found = marks.get(path[:cut])
            if found:
                return Where(self.file, *found, dotted(path))
        return Where(self.file, 0, 0, dotted(path))


def dotted(path: tuple) -> str:
    """`('nodes', 'hidden', 'out')` -> `nodes.hidden.out`; list items as `[i]`."""
    text = ""
    for part in path:
        index = isinstance(part, int) and not isinstance(part, bool)
        text += f"[{part}]" if index else ("." if text else "") + shown(part).strip("'")
    return text


def load_file(path: str | Path) -> Source:
    """Read and parse one YAML file; a missing file or bad YAML is a RecipeError."""
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        problem = Problem(Where(str(path)), f"cannot read the file: {err.strerror}")
        raise RecipeError([problem]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        col = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        problem = Problem(
            Where(str(path), line, col), f"expected UTF-8 text, got the byte 0x{raw[err.start]:02x}"
        )
        raise RecipeError([problem]) from None
    return load_text(text, file=str(path))


def load_text(text: str, *, file: str = "<recipe>") -> Source:
    """Parse YAML text into plain data with locations, never constructing objects."""
    node = _compose(text, file)
    source = Source(file, None, {(): (1, 1)})
    problems: list[Problem] = []
    source.data = _Reader(source, problems).read(node, ()) if node is not None else None
    if problems:
        raise RecipeError(problems)
    return source


def _compose(text: str, file: str) -> yaml.Node | None:
    """The text's node tree, by libyaml where it reads the text as PyYAML does."""
    if _FAST_LOADER is not None and not any(c in text for c in _READ_APART):
        try:
            return _single_node(_FAST_LOADER, text)
        except (yaml.YAMLError, _TooDeep, _ReadApart, ValueError):
            pass  # PyYAML's own verdict below; ValueError: a surrogate libyaml cannot encode
    try:
        return _single_node(_Loader, text)
    except _TooDeep as deep:
        raise RecipeError([Problem(Where(file, deep.line, deep.col), deep.message)]) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = Where(file, mark.line + 1, mark.column + 1) if mark else Where(file, 1, 1)
        raise RecipeError([Problem(where, f"YAML syntax: {err.problem or err.context}")]) from None
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, err.position) + 1
        col = err.position - (text.rfind("\n", 0, err.position) + 1) + 1
        code = err.character if isinstance(err.character, int) else ord(err.character)
        message = f"expected printable text, got the control character U+{code:04X}"
        raise RecipeError([Problem(Where(file, line, col), message)]) from None
    except yaml.YAMLError as err:
        raise RecipeError([Problem(Where(file, 1, 1), f"YAML: {err}")]) from None


def _single_node(loader_class: type, text: str) -> yaml.Node | None:
    loader = loader_class(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


class _TooBig(Exception):
    """Raised at the node that took the document past MAX_VALUES."""

    def __init__(self, mark: yaml.Mark):
        self.mark = mark


class _TooDeep(Exception):
    """Raised at the collection that nests past MAX_DEPTH, or at an alias inside itself."""

    def __init__(self, mark: yaml.Mark, message: str):
        self.line, self.col, self.message = mark.line + 1, mark.column + 1, message


def _too_deep(mark: yaml.Mark) -> _TooDeep:
    return _TooDeep(mark, f"expected collections nested at most {MAX_DEPTH} deep, got deeper")


class _ReadApart(Exception):
    """Raised by the fast loader at an event libyaml places apart from PyYAML."""


class _Limited(Composer):
    """PyYAML's composer, stopped at MAX_DEPTH: it composes nested collections by
    recursion, so 500 nested lists would exhaust Python's stack."""

    depth = 0

    def compose_node(self, parent, index):
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _too_deep(self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Resolver(Resolver):
    """PyYAML's resolver, and YAML 1.2's floats with an exponent and no dot or no sign in
    it (`1e-3`, `5E-2`, `1e6`, `2.5e3`), which YAML 1.1 reads as text. Added after PyYAML's
    own patterns, so nothing they read changes."""


_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


class _Loader(_Limited, yaml.SafeLoader, _Resolver):
    """The pure-Python safe loader: PyYAML's reader, scanner, parser, and resolver with
    YAML 1.2's numbers."""


class _FastLoader(_Limited, _Resolver, CParser or object):
    """libyaml's parser under PyYAML's composer and resolver: the same nodes, and no
    constructor at all (the _Reader below builds the plain data)."""

    flow = 0  # flow collections open around the node being composed

    def __init__(self, stream: str):
        CParser.__init__(self, stream)
        Composer.__init__(self)
        _Resolver.__init__(self)

    def compose_scalar_node(self, anchor):
        event = self.peek_event()
        if not event.style and (not event.value or self.flow and "?" in event.value):
            # PyYAML places an empty value elsewhere (`{a: }`, `? a` on its own) and ends
            # a plain scalar in a flow collection at a question mark (`{a?: 1}`)
            raise _ReadApart()
        return super().compose_scalar_node(anchor)

    def compose_sequence_node(self, anchor):
        return self._flow(super().compose_sequence_node, anchor)

    def compose_mapping_node(self, anchor):
        return self._flow(super().compose_mapping_node, anchor)

    def _flow(self, compose, anchor):
        flow = bool(self.peek_event().flow_style)
        self.flow += flow
        try:
            return compose(anchor)
        finally:
            self.flow -= flow


_FAST_LOADER = _FastLoader if CParser is not None else None


class _Reader:
    """Turns a composed YAML node tree into dicts, lists and scalars."""

    def __init__(self, source: Source, problems: list[Problem]):
        self.source = source
        self.problems = problems
        self.count = 0
        self.scalars = yaml.SafeLoader("")
        self.open: set[int] = set()  # the collections being read, to find one inside itself

    def read(self, node: yaml.Node, path: tuple) -> Any:
        try:
            return self._read(node, path)
        except _TooBig as big:
            self.problems.append(
                Problem(
                    Where(self.source.file, big.mark.line + 1, big.mark.column + 1),
                    f"expected at most {MAX_VALUES} values, got a document that aliases "
                    "expand past that; refused",
                )
            )
            return None
        except _TooDeep as deep:
            where = Where(self.source.file, deep.line, deep.col)
            self.problems.append(Problem(where, deep.message))
            return None

    def _read(self, node: yaml.Node, path: tuple) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _TooBig(node.start_mark)
        mark = node.start_mark
        self.source.marks.setdefault(path, (mark.line + 1, mark.column + 1))
        if node.tag not in _PLAIN_TAGS:
            self._bad_tag(node, path)
            return None
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if id(node) in self.open:  # `a: &a [*a]`: the alias names the list it sits in
            raise _TooDeep(mark, "expected an alias of a finished collection, got one inside it")
        if len(path) >= MAX_DEPTH:  # aliases can nest deeper than the text does
            raise _too_deep(mark)
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self._read(item, path + (i,)) for i, item in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode, path: tuple) -> Any:
        try:
            value = self.scalars.construct_object(node)
        except ValueError:  # an integer of more than 4300 digits
            value = None
        else:
            huge = isinstance(value, int) and value.bit_length() > MAX_DIGITS * 3.33
            if not huge:
                return value
        message = f"expected an integer of at most {MAX_DIGITS} digits, got a longer one"
        self.problems.append(Problem(self.source.where(path), message))
        return None

    def _key(self, node: yaml.ScalarNode, path: tuple) -> Any:
        if node.tag not in _PLAIN_TAGS:
            self._bad_tag(node, path)
            return None
        return self.scalars.construct_object(node)

    def _bad_tag(self, node: yaml.Node, path: tuple) -> None:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        if tag == "!!merge":
            message = "merge keys (<<) are not supported; write the keys out"
            self.problems.append(Problem(self.source.where(path), message))
            return
        self.problems.append(
            Problem(
                self.source.where(path),
                f"expected plain data, got the tag '{tag}'; recipes never create objects",
            )
        )

    def _mapping(self, node: yaml.MappingNode, path: tuple) -> Mapping:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(
                    Problem(self.source.where(path), "expected a plain key, got a collection")
                )
                continue
            key = self._key(key_node, path)
            where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in out:
                first = self.source.key_marks[path + (key,)]
                self.problems.append(
                    Problem(
                        Where(self.source.file, *where, dotted(path + (key,))),
                        f"duplicate key '{key}'; it was first given at {first[0]}:{first[1]}",
                    )
                )
                continue
            self.source.key_marks[path + (key,)] = where
            out[key] = self._read(value_node, path + (key,))
        return out


def override(source: Source, assignment: str) -> list[Problem]:
    """Apply `a.b.c=value` (value read as YAML) to the data; problems point at the `--set`."""
    origin = Where(f"--set {assignment if len(assignment) <= 60 else assignment[:57] + '...'}")
    dotted_path, sep, text = assignment.partition("=")
    if not sep or not dotted_path:
        return [Problem(origin, "expected KEY=VALUE, e.g. train.steps=100")]
    try:
        value = load_text(text, file=origin.file).data
    except RecipeError as err:
        return list(err.problems)
    # ASCII digits only: str.isdigit is true for '²' and int() reads '٣' as 3.
    path = tuple(int(p) if p.isascii() and p.isdigit() else p for p in dotted_path.split("."))
    if not isinstance(source.data, dict):
        return [Problem(origin, "expected a recipe that is a mapping")]
    parent = source.data
    for i, part in enumerate(path[:-1]):
        child = parent.get(part) if isinstance(parent, dict) else None
        if child is None and value is None:  # unsetting a key below one that is not set
            return []
        if child is None and isinstance(parent, dict):
            child = parent[part] = {}
            source.overrides[path[: i + 1]] = origin.file  # made here, so located here
        if not isinstance(child, dict):
            return [Problem(origin, f"expected {dotted(path[: i + 1])} to be a mapping")]
        parent = child
    parent[path[-1]] = value
    source.overrides[path] = origin.file
    return []


def dump_text(data: Any) -> str:
    """Plain data as YAML text, in the order it was written."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None)
