"""The records of a compiled call's log points: each the means of the values over its steps.

A call may pass several log points. What needs no results (the points' steps, where each
one's steps begin and how many they are) is made while XLA computes; after it, one
`np.add.reduceat` per value fills the records column by column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from compose.model.norms import multiples


class LogPoints(NamedTuple):
    """The log points of a call of `steps` steps: their records, and where each one's
    steps begin (`cuts`, from the call's start), how many they are (`counts`) and what
    fraction of the call's steps end there (`fractions`)."""

    records: list[dict[str, Any]]
    steps: int
    cuts: np.ndarray
    counts: np.ndarray
    fractions: np.ndarray


def log_points(start: int, end: int, every: int) -> LogPoints:
    """The log points in (start, end] (multiples of `every`, and `end`), their records
    holding their step only (`filled` adds what the call gives)."""
    steps = [*range((start // every + 1) * every, end, every), end] if end > start else []
    ends = np.array(steps, dtype=np.int64) - start
    cuts = np.append(0, ends[:-1])
    records = [{"step": step} for step in steps]
    return LogPoints(records, end - start, cuts, ends - cuts, ends / max(end - start, 1))


def filled(points: LogPoints, values: Mapping[str, Any], before: float, spent: float) -> list:
    """The records of `points` with the means of the values (arrays, shape (steps,)) over
    each one's own steps, and its time: `before` the call, plus the call's `spent` seconds
    interpolated by the steps."""
    if not points.records:
        return []
    columns = {}
    for name, v in ordered(values).items():
        sums = np.add.reduceat(np.asarray(v, np.float64)[: points.steps], points.cuts)
        columns[name] = (sums / points.counts).tolist()
    columns["seconds"] = (before + spent * points.fractions).tolist()
    for name, column in columns.items():  # column by column: cheaper than row by row
        for record, value in zip(points.records, column, strict=True):
            record[name] = value
    return points.records


def norm_rows(probed, every: int, start: int, end: int) -> dict[int, list[float]]:
    """The norms rows of the steps taken, (start, end], by step: the call's rows, one per
    multiple of `every` it passed, in order (rows after a step that was refused are
    dropped)."""
    steps = multiples(every, start, end)
    if not steps:
        return {}
    rows = np.asarray(probed)[: len(steps)].tolist()
    return dict(zip(steps, rows, strict=True))


def ordered(values: Mapping[str, Any]) -> dict[str, Any]:
    """Loss first, then the metrics in name order."""
    return {k: values[k] for k in sorted(values, key=lambda k: (k != "loss", k))}
