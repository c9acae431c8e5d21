"""Editing inside a network instance: the network's definition as a document of its own.

    inner = open_network(doc, "body")    # the definition node `body` instantiates
    inner.set_hyper("a", "out", 8)       # edited, checked and undone on its own
    inner.commit()                       # written back into doc's text: one step of its undo
    inner.save()                         # commit, then save doc's file

A network under `networks:` or written inline in the node is edited as the lines of its
definition (dedented, comments kept) and written back in their place, re-indented; a
definition in flow style is written back as data. A network in its own .yaml file is that
file's `Document`, saved to that file; `doc.recheck()` then reads it again. The definition
is checked as the instance reads it: with the instance's parameters and the recipe's other
networks in scope, so its shapes are the ones the instance has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compose.checker.checked import Checked
from compose.document.document import Document
from compose.document.layout import same
from compose.document.recheck import recheck_network
from compose.document.records import Refused
from compose.document.rendering import Plain
from compose.document.rules import node_spec, unknown
from compose.document.splice import Edit, Text, apply
from compose.recipe.problems import RecipeError
from compose.recipe.records import Recipe
from compose.recipe.source import Source, dump_text


def open_network(outer: Document, node: str) -> Document:
    """The document of the network that instance `node` of `outer` makes."""
    spec = node_spec(outer._view, node)
    network = spec.get("network")
    if network is None:
        raise Refused(f"node '{node}': expected a network instance, got a block node")
    params = {
        k: v
        for k, v in spec.items()
        if k not in ("network", "in", "repeat") and not (isinstance(v, str) and v[:1] == "$")
    }
    if isinstance(network, str) and network.endswith((".yaml", ".yml")):
        base = outer.path.parent if outer.path is not None else Path()
        return Document.open(base / network)
    if isinstance(network, str):
        names = [n.name for n in outer.networks]
        if network not in names:
            raise unknown(f"node '{node}'", "a network or a .yaml file", network, names)
        return NetworkDocument(outer, ("networks", network), params, f"network '{network}'")
    if isinstance(network, dict):
        label = f"node '{node}''s network"
        return NetworkDocument(outer, ("nodes", node, "network"), params, label)
    raise Refused(f"node '{node}': expected a network or a .yaml file, got {network!r}")


class NetworkDocument(Document):
    """A network's definition inside `outer`'s text, at key path `body`."""

    def __init__(self, outer: Document, body: tuple, params: dict[str, Any], label: str):
        self.outer, self.body, self.params, self.label = outer, body, params, label
        lines = body_lines(outer.text, outer._view.source, body)
        if lines is None:  # flow style: edited as its data written out
            text = dump_text(_data_at(outer.data, body))
        else:
            first, end, column = lines
            text = "".join(
                _dedent(line, column - 1) for line in _lines(outer.text)[first - 1 : end - 1]
            )
        super().__init__(text, path=None)
        self._saved = self.text

    @property
    def _file(self) -> str:  # relative network files are found beside the recipe's file
        return f"{self.outer._file}#{'.'.join(map(str, self.body))}"

    @property
    def modified(self) -> bool:
        """Whether there are changes not yet in the recipe's file: here, or in the recipe."""
        return self.text != self._saved or self.outer.modified

    def _check(self, source: Source) -> tuple[Recipe, Checked]:
        own = self.body[1] if self.body[0] == "networks" else None
        scope = tuple(n for n in self.outer.recipe.networks if n.name != own)
        return recheck_network(source, self.params, scope)

    def commit(self) -> Checked:
        """Write the definition back into the recipe's text (one step of its undo), and
        return the recipe's check."""
        if self.text == self._saved:
            return self.outer.checked
        outer = self.outer
        wanted = self.data
        after = _replaced_lines(outer, self.body, self.text, wanted)
        if after is None:
            after = apply(outer._text, _data_edit(self.body, wanted))
        outer._push(after, f"edit {self.label}")
        self._saved = self.text
        return outer.checked

    def save(self, path: str | Path | None = None, *, force: bool = False) -> Path:
        """Commit, then save the recipe's file (`path`: save it there)."""
        self.commit()
        return self.outer.save(path, force=force)

    def changed_on_disk(self) -> bool:
        return self.outer.changed_on_disk()

    def reload(self) -> Checked:
        raise ValueError("a network's definition is reloaded with its recipe")


def body_lines(text: str, source: Source, path: tuple) -> tuple[int, int, int] | None:
    """(first, end, column): the lines [first, end) (counted from 1) of the block mapping
    at `path`, whose keys start at `column`; None when it is not a block mapping."""
    key, value = source.key_marks.get(path), source.marks.get(path)
    if key is None or value is None or value[0] <= key[0]:
        return None
    if not isinstance(_data_at(source.data, path), dict):
        return None
    lines = _lines(text)
    column = value[1]
    first = end = key[0] + 1
    for number in range(first, len(lines) + 1):
        line = lines[number - 1]
        if line.strip() and not line.lstrip().startswith("#") and _indent(line) < column - 1:
            break
        end = number + 1
    while end > first and _outside(lines[end - 2], column):
        end -= 1  # blank lines and less indented comments after it belong to what follows
    return first, end, column


def _outside(line: str, column: int) -> bool:
    return not line.strip() or (line.lstrip().startswith("#") and _indent(line) < column - 1)


def _replaced_lines(outer: Document, body: tuple, text: str, wanted: Any) -> Text | None:
    """The recipe's text with the lines of the definition at `body` replaced by `text`
    re-indented, if that reads back as `wanted`; else None."""
    lines = body_lines(outer.text, outer._view.source, body)
    if lines is None:
        return None
    first, end, column = lines
    old = _lines(outer.text)
    pad = " " * (column - 1)
    new = [pad + line if line.strip() else line for line in _lines(text)]
    full = "".join(old[: first - 1] + new + old[end - 1 :])
    try:
        read = Text.read(full, file=outer._file)
    except RecipeError:
        return None
    if not same(_data_at(read.source.data, body), wanted):
        return None
    expected = dict(outer.data)
    rest = {k: v for k, v in read.source.data.items() if k != body[0]}
    if not same(rest, {k: v for k, v in expected.items() if k != body[0]}):
        return None
    return Text(read.text, read.source, outer._text.indent)


def _data_edit(body: tuple, wanted: Any) -> Edit:
    """The edit that writes the definition at `body` as `wanted` (its layout not kept)."""

    def mutate(root: Any, kit: Plain) -> None:
        owner = root
        for key in body[:-1]:
            owner = owner[key]
        value = kit.mapping(flow=False)
        for key, part in (wanted or {}).items():
            if key in ("nodes", "networks") and isinstance(part, dict):
                inner = kit.mapping(flow=False)
                for name, spec in part.items():
                    kit.insert(inner, name, kit.value(spec))
                kit.insert(value, key, inner)
            else:
                kit.insert(value, key, kit.value(part))
        kit.insert(owner, body[-1], value)

    return Edit(f"edit {'.'.join(map(str, body))}", None, mutate)


def _data_at(data: Any, path: tuple) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _dedent(line: str, width: int) -> str:
    return line[width:] if line[:width].strip() == "" and len(line) > width else line.lstrip(" ")
