"""Numbers and times as people read them: never `-0`, and durations in a fitting unit.

Python writes a negative zero, or a small negative number rounded to zero, with its sign
(`f"{-0.0:.4g}"` is `-0`, `f"{-0.004:.1f}"` is `-0.0`); a reader takes that for a value
below zero. Every number a command or the editor shows goes through `number`.
"""

from __future__ import annotations

from typing import Any


def number(value: Any, spec: str = ".4g") -> str:
    """`value` formatted by `spec` (as `format` does), without the sign of a zero.

    >>> number(-0.0), number(-0.004, ".1f"), number(-0.004, ">6.1f"), number(-0.25, ".1f")
    ('0', '0.0', '   0.0', '-0.2')
    """
    text = format(value, spec)
    if "-" in text and _zero(text):
        text = format(abs(value), spec)
    return text


def _zero(text: str) -> bool:
    """Whether formatted `text` reads as zero (a sign, digits all 0, a point, an exponent)."""
    digits = text.strip().lstrip("-+").split("e")[0].split("E")[0].rstrip("%")
    return bool(digits) and set(digits) <= set("0.,")


def duration(seconds: float) -> str:
    """A time in a unit that fits it: `850 ms`, `3.1 s`, `2 min 5 s`, `1 h 4 min`.

    >>> duration(0.0042), duration(0.85), duration(3.14), duration(125), duration(3840)
    ('4 ms', '850 ms', '3.1 s', '2 min 5 s', '1 h 4 min')
    >>> duration(0.0001), duration(-0.0)
    ('under 1 ms', 'under 1 ms')
    """
    if seconds < 0.0005:
        return "under 1 ms"
    if seconds < 0.9995:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 59.95:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    return f"{minutes // 60} h {minutes % 60} min"
