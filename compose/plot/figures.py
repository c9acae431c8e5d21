"""What every picture shares: a matplotlib Figure drawn by Agg, saved as PNG, and its colours."""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path
from typing import Any

from compose.model import colours
from compose.runtime.files import UnsafePath, refusal, what_is, write_atomic

DPI = 100  # pixels per inch; every size in inches is a whole number of pixels (0.05 in: 5)
CLASS_COLOURS = tuple("#{:02x}{:02x}{:02x}".format(*rgb) for rgb in colours.CLASS_COLOURS)
ORANGE, BLUE = CLASS_COLOURS[:2]  # TensorFlow Playground's negative and positive


def figure(width: float, height: float, *, layout: str | None = "constrained") -> Any:
    """A matplotlib Figure of `width` x `height` inches drawn by Agg (no screen, no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout=layout)
    FigureCanvasAgg(fig)
    return fig


CHARACTER = 0.075  # inches an average character of a medium (10 point) title takes


def title_lines(text: str, width: float) -> str:
    """`text` broken into lines that fit a figure `width` inches wide, at word boundaries.

    >>> title_lines("a picture: each unit over the plane", 2.0)
    'a picture: each unit\\nover the plane'
    """
    import textwrap

    return "\n".join(textwrap.wrap(text, max(12, int(width / CHARACTER) - 2)))


MADE_BY = "blockcompose plot"  # the PNG's Software text: the pictures `compose plot` may replace


def save(fig: Any, path: Path) -> Path:
    """Write `fig` as a PNG of exactly its size in pixels (inches x DPI) and return `path`.

    The PNG says it was drawn by `compose plot` (its Software text), and only such a
    picture is replaced: any other file at `path`, or a link, raises UnsafePath."""
    buffer = io.BytesIO()
    metadata = {"Software": MADE_BY}
    fig.savefig(buffer, dpi=DPI, format="png", metadata=metadata)  # zlib default, not optimize
    got = what_is(path)
    if got == "a file" and not drawn_here(path):
        raise UnsafePath(
            f"{path}: expected a picture compose plot drew (the only files it replaces), got a "
            "file it did not make: give another --out, or move the file"
        )
    if got not in (None, "a file"):
        raise UnsafePath(refusal(path, "a picture compose plot drew"))
    write_atomic(path, buffer.getvalue())
    return path


def drawn_here(path: Path) -> bool:
    """Whether the regular file at `path` is a PNG whose Software text says `compose plot`
    drew it (its text chunks come before the image data, in the first few bytes)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        head = f.read(4096)
    at, wanted = 8, b"Software\0" + MADE_BY.encode()
    if not head.startswith(b"\x89PNG\r\n\x1a\n"):
        return False
    while at + 8 <= len(head):
        size, kind = struct.unpack(">I4s", head[at : at + 8])
        if kind == b"tEXt" and head[at + 8 : at + 8 + size] == wanted:
            return True
        if kind == b"IDAT":
            return False
        at += 12 + size
    return False
