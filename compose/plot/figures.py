"""What every picture shares: a matplotlib Figure drawn by Agg, saved as PNG, and its colours."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compose.model import colours

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


def save(fig: Any, path: Path) -> Path:
    """Write `fig` as a PNG of exactly its size in pixels (inches x DPI) and return `path`."""
    fig.savefig(
        path, dpi=DPI, format="png", metadata={"Software": None}, pil_kwargs={"optimize": True}
    )
    return path
