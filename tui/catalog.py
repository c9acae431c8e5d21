"""The blocks the palette offers and the inspector describes, read from the block registry.

The registry is the one source for a block's doc line and its typed hyperparameters
(blocks/block.py's Hyper records); this is the only module of the editor that reads it.
"""

from __future__ import annotations

from typing import Any

from blocks import BLOCKS, REQUIRED


def names() -> list[str]:
    """Every block's name, in the registry's order."""
    return list(BLOCKS)


def block(name: str) -> Any | None:
    """The block record named `name`, or None."""
    return BLOCKS.get(name)


def one_line(name: str) -> str:
    """A block's help in one line: the first sentence of its doc, as `compose blocks` says."""
    found = BLOCKS.get(name)
    if found is None:
        return ""
    return found.doc.split(". ")[0].rstrip(".") + "."


def hypers(name: str) -> list[Any]:
    """The block's hyperparameter records (name, kind, default, doc, choices)."""
    found = BLOCKS.get(name)
    return list(found.hypers) if found else []


def required(hyper: Any) -> bool:
    return hyper.default is REQUIRED


def kind_name(hyper: Any) -> str:
    """The type a field takes, in words: integer, number, true/false, text, or a list."""
    names = {int: "integer", float: "number", bool: "true/false", str: "text", tuple: "list"}
    return names.get(hyper.kind, hyper.kind.__name__)


def matches(text: str) -> list[str]:
    """Block names that match a filter: names starting with it first, then names or docs
    containing it (case does not matter)."""
    text = text.strip().lower()
    if not text:
        return names()
    first = [n for n in BLOCKS if n.lower().startswith(text)]
    rest = [
        n for n in BLOCKS if n not in first and (text in n.lower() or text in BLOCKS[n].doc.lower())
    ]
    return first + rest
