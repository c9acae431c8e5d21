"""The status line: what the last key did, the problems and the selection, in one row."""

from __future__ import annotations

from rich.text import Text


def status_line(note: str, problems: int, selected: str | None, width: int) -> Text:
    """One row of at most `width` cells: `note` first, then the count of problems and the
    selected box; when they do not all fit (an 80-column terminal), the selection (which
    the graph shows) is left out, then the note is cut with an ellipsis."""
    counted = f"{problems} problem{'s' * (problems != 1)} (p lists)" if problems else "no problems"
    tail = "  ".join(p for p in (counted, f"selected: {selected}" if selected else "") if p)
    if len(note) + 2 + len(tail) > width:  # the graph shows the selection: say the note
        tail = counted
    room = max(0, width - len(tail) - 2)
    if len(note) > room:
        note = note[: max(0, room - 1)] + "…" if room > 1 else ""
    line = Text.assemble(note, "  " if note else "", (tail, "bold" if problems else ""))
    line.truncate(width, overflow="ellipsis")
    return line
