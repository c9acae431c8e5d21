"""Curves of a run against the step: loss and metrics (metrics.jsonl), and norms (norms.jsonl).

Records are the run folder's JSON lines as read by compose.plot.run_plots.read_jsonl: each has an
integer "step"; a value written as null (it was not finite) is left out of its curve.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from matplotlib import colormaps

from compose.plot.figures import BLUE, ORANGE, figure

PANEL = (4.2, 3.2)  # inches per panel of curves
COLUMNS = 3  # panels per row at most
LEGEND_CAP = 12  # more curves than this in a panel are told apart by colour only
SKIPPED = ("step", "seconds")  # record keys that are not curves
HEALTHY_UPDATE = 1e-3  # the usual update/weight ratio per step (see compose.model.norms)

Records = Sequence[dict[str, Any]]


def quantities(records: Iterable[dict[str, Any]]) -> list[str]:
    """The logged quantities, validation folded into its training name, in logged order.

    >>> quantities([{"step": 1, "loss": 1.0, "accuracy": 0.5, "val_loss": 1.1, "seconds": 0.1}])
    ['loss', 'accuracy']
    """
    seen: dict[str, None] = {}
    for record in records:
        for key in record:
            if key not in SKIPPED:
                seen.setdefault(key.removeprefix("val_"), None)
    return sorted(seen, key=lambda name: name != "loss")  # the loss first, then as logged


def curve(records: Records, key: str) -> tuple[np.ndarray, np.ndarray]:
    """(steps, values) of `key` in `records`, leaving out records without a finite number."""
    pairs = [(r["step"], r[key]) for r in records if _number(r.get(key))]
    steps, values = zip(*pairs, strict=True) if pairs else ((), ())
    return np.asarray(steps, np.int64), np.asarray(values, np.float64)


def log_scale(name: str, values: np.ndarray) -> bool:
    """Whether a panel reads best with a log axis: a positive quantity, not an accuracy,
    spanning a factor of ten or more."""
    if name.endswith("accuracy") or values.size == 0 or np.min(values) <= 0:
        return False
    return bool(np.max(values) / np.min(values) >= 10)


def curves_figure(series: Sequence[tuple[str, Records]], *, title: str = "") -> Any:
    """One panel per logged quantity (loss with val_loss, accuracy with val_accuracy, ...).

    series: (name, records) pairs; the run's own is named "" and drawn bold, the others
    are a population's variants, drawn thin with the band between their lowest and
    highest values at each step (a population's own records are the variants' means).
    """
    names = quantities(r for _, records in series for r in records)
    columns = min(len(names), COLUMNS) or 1
    rows = math.ceil(len(names) / columns) or 1
    fig = figure(PANEL[0] * columns, PANEL[1] * rows)
    variants = [records for name, records in series if name]
    own = next((records for name, records in series if not name), [])
    for i, name in enumerate(names):
        ax = fig.add_subplot(rows, columns, i + 1)
        drawn: list[np.ndarray] = []
        for key, colour, label in ((name, BLUE, "training"), (f"val_{name}", ORANGE, "validation")):
            if variants:
                drawn += _population(ax, variants, key, colour, label)
            steps, values = curve(own, key)
            if values.size:
                mean = f"{label}: mean of the variants" if variants else label
                ax.plot(steps, values, color=colour, linewidth=1.6, label=mean)
                drawn.append(values)
        if drawn and log_scale(name, np.concatenate(drawn)):
            ax.set_yscale("log")
        ax.set(title=name, xlabel="step", ylabel=name)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    return fig


def _population(ax: Any, variants: list[Records], key: str, colour: str, label: str) -> list:
    """Each variant's curve of `key`, thin, and the band between their extremes."""
    curves = [curve(records, key) for records in variants]
    curves = [(s, v) for s, v in curves if v.size]
    for steps, values in curves:
        ax.plot(steps, values, color=colour, linewidth=0.7, alpha=0.45)
    if len(curves) >= 2:
        common = sorted(set.intersection(*(set(s.tolist()) for s, _ in curves)))
        if common:
            stacked = np.stack([v[np.searchsorted(s, common)] for s, v in curves])
            ax.fill_between(
                common,
                stacked.min(axis=0),
                stacked.max(axis=0),
                color=colour,
                alpha=0.18,
                linewidth=0,
                label=f"{label}: {len(curves)} variants, lowest to highest",
            )
    return [v for _, v in curves]


def norms_figure(lines: Records, *, title: str = "") -> Any:
    """Three panels from norms.jsonl: the gradient norm at each node's output, each node's
    activation size (root mean square), and each weight's update per step relative to its
    norm (or, before any update is logged, each weight's gradient norm)."""
    nodes = _entries(lines, "nodes")
    weights = _entries(lines, "weights")
    has_update = any(_number(e.get("update")) for line in lines for e in _each(line, "weights"))
    panels = [
        ("nodes", nodes, "grad", "gradient norm at each node's output", "gradient norm"),
        ("nodes", nodes, "act", "activation of each node (RMS)", "root mean square"),
        (
            ("weights", weights, "update", "weight update per step / weight norm", "ratio")
            if has_update
            else ("weights", weights, "grad", "gradient norm of each weight", "gradient norm")
        ),
    ]
    fig = figure(PANEL[0] * len(panels), PANEL[1] + 0.7)
    for i, (part, names, field, heading, unit) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        curves = {name: _norm_curve(lines, part, name, field) for name in names}
        ratio = field == "update"  # read against 1e-3, on a log axis whatever its span
        _norm_panel(ax, curves, reference=HEALTHY_UPDATE if ratio else None, always_log=ratio)
        ax.set(title=heading, xlabel="step", ylabel=unit)
    if title:
        fig.suptitle(title)
    return fig


def _norm_panel(
    ax: Any,
    curves: dict[str, tuple[np.ndarray, ...]],
    *,
    reference: float | None = None,
    always_log: bool = False,
) -> None:
    """One curve per name (more than ten coloured first, dark, to last, light); a log axis when the
    values span a factor of ten (then only positive values are drawn); curves that are 0
    throughout (a node the loss does not depend on) are named in a note instead."""
    zero = [name for name, (_, v) in curves.items() if v.size and not np.any(v)]
    shown = {name: c for name, c in curves.items() if c[1].size and name not in zero}
    positive = np.concatenate([v[v > 0] for _, v in shown.values()] or [np.zeros(0)])
    log = positive.size > 0 and (always_log or positive.max() / positive.min() >= 10)
    if len(curves) <= 10:  # few enough to tell apart by hue
        colours = colormaps["tab10"](np.arange(len(curves)))
    else:
        colours = colormaps["viridis"](np.linspace(0.0, 0.85, len(curves)))
    for name, colour in zip(curves, colours, strict=True):
        if name in shown:
            steps, values = shown[name]
            keep = values > 0 if log else np.ones(values.shape, bool)
            ax.plot(steps[keep], values[keep], color=colour, linewidth=1.3, label=name)
    if log:
        ax.set_yscale("log")
    if reference is not None and shown:
        ax.axhline(reference, color="0.4", linestyle="--", linewidth=0.9)
        ax.annotate(f"{reference:g}", (0.01, reference), xycoords=("axes fraction", "data"))
    ax.grid(alpha=0.3)
    note = f"always 0: {', '.join(zero)}" if zero else None
    if 0 < len(shown) <= LEGEND_CAP:
        ncols = 2 if len(shown) > 6 else 1
        ax.legend(fontsize="x-small", ncols=ncols, title=note, title_fontsize="x-small")
    elif shown or note:
        notes = ["dark: first, light: last"] if shown else []
        text = "\n".join(notes + ([note] if note else []))
        ax.text(0.02, 0.02, text, transform=ax.transAxes, fontsize="x-small")


def _each(line: dict[str, Any], part: str) -> Iterable[dict[str, Any]]:
    entries = line.get(part)
    return (e for e in entries.values() if isinstance(e, dict)) if isinstance(entries, dict) else ()


def _entries(lines: Records, part: str) -> list[str]:
    """The names under `part` ("nodes" or "weights") in the order they first appear."""
    seen: dict[str, None] = {}
    for line in lines:
        if isinstance(line.get(part), dict):
            for name in line[part]:
                seen.setdefault(name, None)
    return list(seen)


def _norm_curve(lines: Records, part: str, name: str, field: str) -> tuple[np.ndarray, ...]:
    pairs = [
        (line["step"], entry[field])
        for line in lines
        if isinstance(entries := line.get(part), dict)
        and isinstance(entry := entries.get(name), dict)
        and _number(entry.get(field))
    ]
    steps, values = zip(*pairs, strict=True) if pairs else ((), ())
    return np.asarray(steps, np.int64), np.asarray(values, np.float64)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
