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


def matches(text: str, networks: tuple[str, ...] | list[str] = ()) -> list[str]:
    """What a filter offers, best first: block names and, as `network:NAME`, the recipe's
    own `networks`. A name equal to the text comes first, then names that start with it,
    then names that contain it, then blocks whose doc does (a network's doc is the word
    "network"); case does not matter, and each group keeps the registry's order, the
    networks after the blocks. With no text: every block, then every network."""
    text = text.strip().lower()
    offered = [(n, n, BLOCKS[n].doc) for n in BLOCKS]
    offered += [(f"network:{n}", n, "network") for n in networks]
    if not text:
        return [key for key, _, _ in offered]

    def rank(name: str, doc: str) -> int | None:
        name = name.lower()
        tests = (name == text, name.startswith(text), text in name, text in doc.lower())
        return next((i for i, hit in enumerate(tests) if hit), None)

    ranked = [(rank(name, doc), i, key) for i, (key, name, doc) in enumerate(offered)]
    return [key for r, _, key in sorted(x for x in ranked if x[0] is not None)]
