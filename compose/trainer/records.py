"""The records of a compiled call's log points: each the means of the values over its steps.

Log points fall on the log grid only (compose.trainer.schedule.Schedule.log_steps), while
calls end wherever something needs the model (a checkpoint, a listener, a pause, a single
step, the length a call may have): those depend on timing, the grid does not. So each
record's means cover exactly the steps since the record before, however the calls fell:
the per-step values of the steps after the last log point are carried to the next call
(a `Tally`, which checkpoints keep too). A set metric's per-step values are statistics
(per-class counts, target moments: compose.checker.set_metrics): a record's metric is
made from their means over its steps, the metric of all its steps' examples together.
What needs no results (the points' steps, where each one's steps begin and how many they
are) is made while XLA computes; after it, one `np.add.reduceat` per value fills the
records column by column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from compose.checker import set_metrics
from compose.model.norms import multiples


@dataclass(frozen=True)
class Tally:
    """The per-step values (float64, by name, shape (steps,)) of the steps after `since`,
    the step of the last log point: what the next log point's means include. A record's
    mean is then the same sum over the same values in the same order, however the calls
    split them."""

    since: int = 0
    values: Mapping[str, np.ndarray] = field(default_factory=dict)

    def header(self) -> dict[str, Any]:
        """As plain JSON values (float64 numbers read back exactly), for a checkpoint."""
        return {"since": self.since, "values": {k: v.tolist() for k, v in self.values.items()}}

    @staticmethod
    def from_header(header: Mapping[str, Any] | None, step: int) -> Tally:
        """The tally a checkpoint at `step` kept (none: the last log point was `step`)."""
        if not header:
            return Tally(step)
        values = {k: np.asarray(v, np.float64) for k, v in header["values"].items()}
        if any(len(v) != step - header["since"] for v in values.values()):
            raise ValueError(f"expected the values of steps {header['since']} to {step}")
        return Tally(header["since"], values)


class LogPoints(NamedTuple):
    """The log points of a call of steps start .. end - 1: their records, and counted from
    `tally.since` (the steps carried in), where each one's steps begin (`cuts`) and how many
    they are (`counts`); `fractions`: how far into the call's steps each one is."""

    records: list[dict[str, Any]]
    since: int
    start: int
    end: int
    cuts: np.ndarray
    counts: np.ndarray
    fractions: np.ndarray


def log_points(steps: list[int], since: int, start: int, end: int) -> LogPoints:
    """The log points at `steps` (in (start, end], in order) of a call of steps start ..
    end - 1, after the last one at `since`; their records hold their step only (`filled`
    adds what the call gives)."""
    ends = np.array(steps, dtype=np.int64) - since
    cuts = np.append(0, ends[:-1])
    fractions = (np.array(steps, dtype=np.float64) - start) / max(end - start, 1)
    return LogPoints([{"step": s} for s in steps], since, start, end, cuts, ends - cuts, fractions)


def filled(
    points: LogPoints, values: Mapping[str, Any], tally: Tally, before: float, spent: float
) -> tuple[list[dict[str, Any]], Tally]:
    """(the records of `points` with the means of the values over each one's own steps,
    the tally after them). values: the call's, by name, shape (steps,) or longer (the
    steps after `points.end` are not taken); tally: the steps carried in. A record's time
    is `before` the call plus the call's `spent` seconds, interpolated by the steps."""
    carried = points.start - tally.since
    joined = {}
    for name, v in ordered(values).items():
        v = np.asarray(v, np.float64)[: points.end - points.start]
        carried_in = tally.values.get(name, np.full((carried, *v.shape[1:]), np.nan))
        joined[name] = np.concatenate([carried_in, v])
    if not points.records:
        return [], Tally(tally.since, joined)
    last = points.records[-1]["step"] - points.since
    means = {}
    for name, column in {**joined, **set_metrics.squares(joined)}.items():
        sums = np.add.reduceat(column[:last], points.cuts, axis=0)
        means[name] = sums / points.counts.reshape(-1, *[1] * (sums.ndim - 1))
    columns = {k: v.tolist() for k, v in ordered(set_metrics.finished(means)).items()}
    columns["seconds"] = (before + spent * points.fractions).tolist()
    for name, column in columns.items():  # column by column: cheaper than row by row
        for record, value in zip(points.records, column, strict=True):
            record[name] = value
    rest = Tally(points.records[-1]["step"], {k: v[last:] for k, v in joined.items()})
    return points.records, rest


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
