"""The table `compose run --vary` prints: one row per variant, best first, in 100 columns.

Rows are sorted by the metric early stopping watched (its `mode` says whether best is
lowest or highest), else by the training loss, and the line above the table says which.
Its columns: the variant's name, that metric, the other final metrics, the step its
weights are from (with early stopping) and the step it stopped at (when any variant
stopped before the others). Why a variant stopped is said once under the table for all
that stopped for the same reason, not on every row. Columns that do not fit in WIDTH are
left out (the line under the table names them: the run folder's summary.json has them all).
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

WIDTH = 100  # columns the table fits in
GAP = "  "


def variant_table(population: Any) -> str:
    """The table of `population`'s results (a finished compose.trainer.population.Population),
    one line each, ending in a newline."""
    results, rule = population.results, population.spec.early_stop
    metric, best_high = (rule.metric, rule.mode == "max") if rule else ("loss", False)
    keys = list(next(iter(results.values())).metrics)
    keys = ([metric] if metric in keys else []) + [k for k in keys if k != metric]
    columns = [[k] + [_number(r.metrics.get(k)) for r in results.values()] for k in keys]
    names = ["variant", *results]
    extra = []
    if any(r.best_step is not None for r in results.values()):
        extra.append(["best step"] + [_step(r.best_step) for r in results.values()])
    stops = _stops(population)
    if stops:
        extra.append(["stopped"] + [stops.get(name, "-") for name in results])
    columns, left_out = _fitting(names, columns, extra)
    values = [r.metrics.get(metric) for r in results.values()]
    order = sorted(range(len(values)), key=lambda i: _rank(values[i], best_high))
    widths = [max(len(cell) for cell in column) for column in columns]
    room = WIDTH - sum(w + len(GAP) for w in widths)  # names longer than this are cut
    name_width = min(max(map(len, names)), max(room, len("variant")))
    lines = [_heading(len(results), metric, bool(rule), best_high, metric in keys)]
    for row in [0, *(i + 1 for i in order)]:
        name = names[row] if len(names[row]) <= name_width else names[row][: name_width - 3] + "..."
        cells = [f"{column[row]:>{width}}" for column, width in zip(columns, widths, strict=True)]
        lines.append(GAP.join([f"{name:<{name_width}}", *cells]).rstrip())
    notes = _reasons(population, rule)
    if left_out:
        notes.append(f"left out for width: {', '.join(left_out)} (the run's summary.json has them)")
    lines += [part for note in notes for part in textwrap.wrap(note, WIDTH)]
    return "".join(f"{line}\n" for line in lines)


def _heading(count: int, metric: str, watched: bool, best_high: bool, shown: bool) -> str:
    """The line above the table: how the rows are ordered."""
    order = "highest" if best_high else "lowest"
    if not shown:
        return f"{count} variants:"
    why = " (what early stopping watched)" if watched else ""
    return f"{count} variants by {metric}{why}, {order} first:"


def _rank(value: Any, best_high: bool) -> tuple:
    """A row's place by its value (highest first when `best_high`); one without it last."""
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return (1, 0.0)
    return (0, -value if best_high else value)


def _stops(population: Any) -> dict[str, str]:
    """Variant -> the step it stopped at before the end, marked "not finite" for a failure
    when some variants stopped early and others failed."""
    early, failed = population.early_stopped, population.failures
    both = bool(early) and bool(failed)
    out = {name: str(step) for name, step in early.items()}
    out.update({name: f"{step} not finite" if both else str(step) for name, step in failed.items()})
    return out


def _reasons(population: Any, rule: Any) -> list[str]:
    """Why the variants in the "stopped" column stopped, one line per reason."""
    lines = []
    if population.early_stopped:  # the rule is gone when a resumed run turned it off
        said = f", {rule.metric} did not improve for {rule.patience} evaluations" if rule else ""
        lines.append(f"stopped: early stop{said}; best weights kept")
    if population.failures:
        marked = " (marked not finite)" if population.early_stopped else ""
        lines.append(
            f"stopped{marked}: the loss stopped being finite; it keeps its last good weights"
        )
    return lines


def _fitting(names: list[str], columns: list[list[str]], extra: list[list[str]]) -> tuple:
    """(the columns that fit in WIDTH beside the names, the names of those left out): the
    last metrics go first; the first (the order's) and `extra` stay."""
    name_width = max(map(len, names))
    left_out: list[str] = []

    def width(cols):
        return name_width + sum(len(GAP) + max(map(len, c)) for c in cols)

    while len(columns) > 1 and width(columns + extra) > WIDTH:
        left_out.insert(0, columns.pop()[0])
    return columns + extra, left_out


def _number(value: Any) -> str:
    """Four significant digits (never `-0`), or "-" for none."""
    return f"{value + 0.0:.4g}" if isinstance(value, (int, float)) else "-"


def _step(step: int | None) -> str:
    return "-" if step is None else str(step)
