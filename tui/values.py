"""Reading what was typed into a field as the value its type asks for.

A field knows its type (a hyperparameter's kind, a shape, a train setting), so "2" becomes 2
for an integer and 2.0 for a number; what cannot be read is refused with the reason, like
the document refuses a value its block's check rejects.
"""

from __future__ import annotations

from typing import Any


class Unreadable(ValueError):
    """What was typed is not a value of the kind the field takes; says what was expected."""


def typed(text: str, kind: type | None) -> Any:
    """`text` as a value of `kind` (int, float, bool, str, or tuple for a list of integers);
    with kind None, an integer, a number, true/false, or else the text itself."""
    text = text.strip()
    if kind is None:
        for guess in (int, float, bool):
            try:
                return typed(text, guess)
            except Unreadable:
                pass
        return text
    if kind is bool:
        if text.lower() in ("true", "yes", "on", "1"):
            return True
        if text.lower() in ("false", "no", "off", "0"):
            return False
        raise Unreadable(f"expected true or false, got {text!r}")
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise Unreadable(f"expected an integer, got {text!r}") from None
    if kind is float:
        try:
            return float(text)
        except ValueError:
            raise Unreadable(f"expected a number, got {text!r}") from None
    if kind is tuple:
        return ints(text)
    return text


def ints(text: str) -> list[int]:
    """A list of integers typed as `8, 8`, `[8, 8]` or `8 8`."""
    parts = text.strip().strip("[]").replace(",", " ").split()
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise Unreadable(f"expected integers like 8, 8, got {text!r}") from None


def words(text: str) -> list[str]:
    """A list of names typed as `accuracy, top5_accuracy`."""
    return [w for w in text.strip().strip("[]").replace(",", " ").split() if w]
