"""Rendering recipe entries with ruamel.yaml: the one home of ruamel.yaml in compose.

PyYAML (compose.recipe.source) stays the reader that gives plain data with places; ruamel.yaml only
writes. An edit is a function `mutate(root, kit)` over a mapping that holds some of the
document; `render` runs it on a ruamel.yaml round-trip tree of some lines of the text (which
keeps their comments and styles) and returns the rendering before and after, for
compose.document.splice to merge into the text as written. The same edit runs on plain data
through `PLAIN`, which says what PyYAML must read back. New values are written so that any
YAML reader reads them as meant, a YAML 1.1 one (PyYAML's own `safe_load`) included:
`1.0e-05`, not `1e-05`; `'on'`, not `on`. Values already in the text keep their spelling.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.representer import RoundTripRepresenter

from compose.document.layout import Indent
from compose.recipe.problems import RecipeError
from compose.recipe.source import load_text

END = object()  # `insert(..., after=END)`: after the last key
Mutate = Callable[[Any, "Plain"], None]


class Plain:
    """Edits plain data: dicts, lists and scalars, as PyYAML reads them."""

    def value(self, value: Any, *, flow: bool = True) -> Any:
        """A new value for the tree: a copy in the tree's own types."""
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value

    def mapping(self, *, flow: bool = True) -> dict:
        return {}

    def flow_like(self, mapping: Any) -> bool:
        """Whether a new value in `mapping` should be written in flow style, like its siblings."""
        return True

    def block(self, mapping: Any) -> None:
        """Write `mapping` in block style (a section that was `{}` gets its first key)."""

    def insert(self, mapping: dict, key: Any, value: Any, *, after: Any = END) -> None:
        """Add `key` after the key `after` (None: first; END: last), or replace its value."""
        if key in mapping:
            mapping[key] = value
            return
        items = list(mapping.items())
        items.insert(_position(items, after), (key, value))
        mapping.clear()
        mapping.update(items)

    def delete(self, mapping: dict, key: Any) -> None:
        mapping.pop(key, None)

    def rename(self, mapping: dict, old: Any, new: Any) -> None:
        """Rename a key in place, keeping its position and value."""
        items = [(new if k == old else k, v) for k, v in mapping.items()]
        mapping.clear()
        mapping.update(items)


class Ruamel(Plain):
    """Edits a ruamel.yaml round-trip tree, keeping comments and styles where it can."""

    def value(self, value: Any, *, flow: bool = True) -> Any:
        if isinstance(value, dict):
            out = CommentedMap((k, self.value(v)) for k, v in value.items())
            out.fa.set_flow_style() if flow else out.fa.set_block_style()
            return out
        if isinstance(value, (list, tuple)):
            out = CommentedSeq(self.value(v) for v in value)
            out.fa.set_flow_style() if flow else out.fa.set_block_style()
            return out
        if isinstance(value, str) and type(value) is str:
            return _New(value)
        return value

    def mapping(self, *, flow: bool = True) -> CommentedMap:
        out = CommentedMap()
        out.fa.set_flow_style() if flow else out.fa.set_block_style()
        return out

    def flow_like(self, mapping: Any) -> bool:
        for value in mapping.values():
            if isinstance(value, CommentedMap):
                return value.fa.flow_style() is not False
        return True

    def block(self, mapping: Any) -> None:
        if isinstance(mapping, CommentedMap):
            mapping.fa.set_block_style()

    def insert(self, mapping: Any, key: Any, value: Any, *, after: Any = END) -> None:
        if key in mapping:
            mapping[key] = value
            return
        mapping.insert(_position(list(mapping.items()), after), _key(key), value)

    def delete(self, mapping: Any, key: Any) -> None:
        if key in mapping:
            mapping.ca.items.pop(key, None)
            del mapping[key]

    def rename(self, mapping: Any, old: Any, new: Any) -> None:
        position = list(mapping).index(old)
        comment = mapping.ca.items.pop(old, None)
        value = mapping.pop(old)
        mapping.insert(position, _key(new), value)
        if comment is not None:
            mapping.ca.items[new] = comment


def _key(key: Any) -> Any:
    return _New(key) if type(key) is str else key


def _position(items: list, after: Any) -> int:
    if after is END:
        return len(items)
    if after is None:
        return 0
    keys = [k for k, _ in items]
    return keys.index(after) + 1 if after in keys else len(items)


PLAIN = Plain()


RUAMEL = Ruamel()


class _New(str):
    """A string an edit wrote (strings read from the file keep ruamel.yaml's own treatment)."""


class _Representer(RoundTripRepresenter):
    """ruamel.yaml's round-trip representer, writing new values as YAML 1.1 reads them too."""


def _represent_float(representer: RoundTripRepresenter, value: float) -> Any:
    # Recipes read 1e-05 as a number (YAML 1.2); a YAML 1.1 reader wants a dot and a
    # signed exponent (1.0e-05), which YAML 1.2 reads too.
    if math.isnan(value):
        text = ".nan"
    elif math.isinf(value):
        text = ".inf" if value > 0 else "-.inf"
    else:
        text = repr(value)
        if "e" in text:
            mantissa, exponent = text.split("e")
            mantissa += "" if "." in mantissa else ".0"
            text = f"{mantissa}e{exponent if exponent[0] in '+-' else '+' + exponent}"
    return representer.represent_scalar("tag:yaml.org,2002:float", text)


def _represent_new(representer: RoundTripRepresenter, value: _New) -> Any:
    text = str(value)
    if misread(text):  # yes, on, 1.5, a: b ... would not read back as this string
        return representer.represent_scalar("tag:yaml.org,2002:str", text, style="'")
    return representer.represent_str(text)


_Representer.add_representer(float, _represent_float)
_Representer.add_representer(_New, _represent_new)


@lru_cache(maxsize=4096)
def misread(text: str) -> bool:
    """Whether PyYAML would read `text`, written plain, as something other than this string."""
    try:
        return load_text(text).data != text
    except RecipeError:
        return True


def render(text: str, mutate: Mutate, indent: Indent) -> tuple[list[str], list[str]]:
    """ruamel.yaml's rendering of `text`, and of it after `mutate`, as lines.

    Raises whatever ruamel.yaml raises for text it reads otherwise than PyYAML did.
    """
    yaml = _yaml(indent)
    root = yaml.load(text) if text.strip() else None
    if not isinstance(root, CommentedMap):  # nothing yet: a recipe starts
        root = CommentedMap()
    base = _dump(yaml, root) if root else []
    if not root:
        root.fa.set_block_style()
    mutate(root, RUAMEL)
    return base, _dump(yaml, root)


def _yaml(indent: Indent) -> YAML:
    yaml = YAML(typ="rt")
    yaml.Representer = _Representer
    yaml.width = 1 << 16  # never fold: a folded line would change text the edit did not touch
    yaml.preserve_quotes = True
    mapping, sequence, offset = indent
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _dump(yaml: YAML, root: Any) -> list[str]:
    out = io.StringIO()
    yaml.dump(root, out)
    return out.getvalue().splitlines(keepends=True)


def starter(name: str) -> str:
    """The text of a new recipe called `name`."""
    root = CommentedMap()
    root["name"] = _New(name)
    return "".join(_dump(_yaml((2, 2, 0)), root))
