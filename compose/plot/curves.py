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

from compose.plot.figures import BLUE, ORANGE, figure, title_lines

PANEL = (4.2, 3.2)  # inches per panel of curves
COLUMNS = 3  # panels per row at most
LEGEND_CAP = 12  # more curves than this in a panel are told apart by colour only
LEGEND_ROW = 0.17  # inches a row of a population's legend adds under its panels
LEGEND_ENTRY = 2.8  # inches across one entry of it takes, at most
LEGEND_HANDLE = 0.6  # inches an entry's line and the space around it take
LEGEND_CHARACTER = 0.05  # inches an average x-small character takes
FAILED = "#c0392b"  # the step where a run stopped being finite
FEW = 20  # a curve of at most this many points shows each point as a dot
SPREAD = "0.25"  # a population's mean and band: dark grey, apart from the variants' hues
# Record keys that are not curves; `stopped_at` marks a population variant's records
# after it stopped (compose.trainer.population), which older folders logged as lines.
SKIPPED = ("step", "seconds", "stopped_at")
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
    """(steps, values) of `key` in `records`, leaving out records without a finite number
    and those after a population's variant stopped (they say `stopped_at`).

    >>> curve([{"step": 1, "val_loss": 0.5}, {"step": 2, "stopped_at": 1, "val_loss": 0.5}],
    ...       "val_loss")
    (array([1]), array([0.5]))
    """
    pairs = [(r["step"], r[key]) for r in records if _number(r.get(key)) and "stopped_at" not in r]
    steps, values = zip(*pairs, strict=True) if pairs else ((), ())
    return np.asarray(steps, np.int64), np.asarray(values, np.float64)


def log_scale(name: str, values: np.ndarray) -> bool:
    """Whether a panel reads best with a log axis: a positive quantity, not an accuracy,
    spanning a factor of ten or more."""
    if name.endswith("accuracy") or values.size == 0 or np.min(values) <= 0:
        return False
    return bool(np.max(values) / np.min(values) >= 10)


def curves_figure(
    series: Sequence[tuple[str, Records]],
    *,
    title: str = "",
    failure: tuple[int, str] | None = None,
) -> Any:
    """One panel per logged quantity (loss with val_loss, accuracy with val_accuracy, ...).

    series: (name, records) pairs. The run's own is named "", drawn with training and
    validation in two colours. The others are a population's variants (then the run's own
    records, the mean over the variants still training at each step, are not drawn): each
    in a colour of its own, training solid and validation dashed, ending where it stopped,
    named in a legend under the panels (at the end of its line when there are more than
    LEGEND_CAP); and, at each step that every variant reached, their mean (bold) and the
    band from the lowest to the highest, as the legend's title says.

    failure: (step, why) of a run that stopped because a value stopped being finite: a red
    line at that step in each panel, and `why` under them (a loss panel is drawn even with
    no log point before it).
    """
    names = quantities(r for _, records in series for r in records)
    if failure is not None and not names:
        names = ["loss"]
    columns = min(len(names), COLUMNS) or 1
    rows = math.ceil(len(names) / columns) or 1
    variants = [(name, records) for name, records in series if name]
    own = next((records for name, records in series if not name), [])
    entries = _legend_columns(columns, variants)
    fig = figure(PANEL[0] * columns, PANEL[1] * rows + entries[1] * LEGEND_ROW)
    for i, name in enumerate(names):
        ax = fig.add_subplot(rows, columns, i + 1)
        drawn = _population(ax, variants, name) if variants else _run(ax, own, name)
        if drawn and log_scale(name, np.concatenate(drawn)):
            ax.set_yscale("log")
        ax.set(title=name, xlabel="step", ylabel=name)
        ax.grid(alpha=0.3)
        if failure is not None:
            ax.axvline(failure[0], color=FAILED, linestyle="--", linewidth=1.2,
                       label=f"not finite at step {failure[0]}")  # fmt: skip
            ax.set_xlim(0, max(ax.get_xlim()[1], failure[0] + 1))
        if not variants and ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small")
    if variants and fig.axes:
        _population_legend(fig, [name for name, _ in variants], entries[0])
    if failure is not None:
        # a figure's x label takes its room in the constrained layout, as free text does not
        fig.supxlabel(title_lines(failure[1], PANEL[0] * columns), fontsize="small", color=FAILED)
    if title:
        fig.suptitle(title)
    return fig


def spread_definition(count: int) -> str:
    """What a population's mean and band are over, as its picture's legend says it."""
    return f"mean and band: over all {count} variants, at each step every one of them reached"


def _run(ax: Any, records: Records, name: str) -> list[np.ndarray]:
    """One run's training and validation curves of `name`, in two colours."""
    drawn = []
    for key, colour, label in ((name, BLUE, "training"), (f"val_{name}", ORANGE, "validation")):
        steps, values = curve(records, key)
        if values.size:
            marker = "o" if values.size <= FEW else None
            ax.plot(steps, values, color=colour, linewidth=1.6, label=label, marker=marker,
                    markersize=3)  # fmt: skip
            drawn.append(values)
    return drawn


def _population(ax: Any, variants: list[tuple[str, Records]], name: str) -> list[np.ndarray]:
    """Each variant's curves of `name` in its colour (training solid, validation dashed),
    named by the line (its validation line's label starts with "_", which legends skip)
    and, with many variants, at the end of it; then the mean and the band."""
    colours = line_colours(len(variants))
    drawn, named = [], set()
    for key, style, part in ((name, "-", "training"), (f"val_{name}", "--", "validation")):
        curves = [curve(records, key) for _, records in variants]
        for (variant, _), (steps, values), colour in zip(variants, curves, colours, strict=True):
            if not values.size:
                continue
            label = f"_{variant}: {part}" if variant in named else variant
            ax.plot(steps, values, color=colour, linestyle=style, linewidth=0.9, label=label)
            if variant not in named and len(variants) > LEGEND_CAP:
                ax.annotate(
                    variant, (steps[-1], values[-1]), xytext=(2, 0), textcoords="offset points",
                    color=colour, fontsize="xx-small", va="center",
                )  # fmt: skip
            named.add(variant)
            drawn.append(values)
        drawn += _spread(ax, curves, part, style)
    if len(variants) > LEGEND_CAP and ax.lines:  # room on the right for the names
        low, high = ax.dataLim.x0, ax.dataLim.x1
        ax.set_xlim(right=high + 0.3 * (high - low))
    return drawn


def _spread(ax: Any, curves: list, part: str, style: str) -> list[np.ndarray]:
    """The mean of every curve and the band from the lowest to the highest, at the steps
    all of them have a value (none when a curve has no value at all)."""
    if len(curves) < 2 or not all(values.size for _, values in curves):
        return []
    common = sorted(set.intersection(*(set(steps.tolist()) for steps, _ in curves)))
    if not common:
        return []
    stacked = np.stack([values[np.searchsorted(steps, common)] for steps, values in curves])
    count = len(curves)
    ax.fill_between(
        common, stacked.min(axis=0), stacked.max(axis=0), color=SPREAD,
        alpha=0.16 if part == "training" else 0.08, linewidth=0,
        label=f"{part}: lowest to highest of the {count} variants",
    )  # fmt: skip
    mean = stacked.mean(axis=0)
    ax.plot(common, mean, color=SPREAD, linestyle=style, linewidth=2.2,
            label=f"{part}: mean of the {count} variants")  # fmt: skip
    return [mean]


def _legend_columns(columns: int, variants: list) -> tuple[int, int]:
    """(columns, rows) of a population's legend under `columns` panels: an entry per
    variant (unless they are named at their lines' ends) and four for means and bands."""
    if not variants:
        return 0, 0
    named = len(variants) <= LEGEND_CAP
    entries = (len(variants) if named else 0) + 4
    longest = max((len(name) for name, _ in variants), default=0) if named else 0
    entry = max(LEGEND_ENTRY, LEGEND_HANDLE + LEGEND_CHARACTER * longest)  # long names
    across = max(1, min(entries, int(PANEL[0] * columns // entry)))
    return across, math.ceil(entries / across) + 1  # and a row for the space around it


def _population_legend(fig: Any, variants: list[str], across: int) -> None:
    """One legend under the panels, from the first: each variant (unless there are more
    than LEGEND_CAP, named at their lines' ends instead), the means and the bands."""
    handles, labels = fig.axes[0].get_legend_handles_labels()
    if len(variants) > LEGEND_CAP:
        shown = set(variants)
        kept = [(h, label) for h, label in zip(handles, labels, strict=True) if label not in shown]
        handles, labels = [h for h, _ in kept], [label for _, label in kept]
    if handles:
        fig.legend(
            handles, labels, loc="outside lower center", ncols=across, fontsize="x-small",
            title=spread_definition(len(variants)), title_fontsize="x-small",
        )  # fmt: skip


def line_colours(count: int) -> np.ndarray:
    """`count` colours told apart by hue (ten at most), else from dark (first) to light
    (last)."""
    if count <= 10:
        return colormaps["tab10"](np.arange(count))
    return colormaps["viridis"](np.linspace(0.0, 0.85, count))


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
    for name, colour in zip(curves, line_colours(len(curves)), strict=True):
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
