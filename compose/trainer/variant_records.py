"""A population's log points: the same grid, and the same carrying, as one model's.

Each variant's records are made as a run's are (compose.trainer.records): its own Tally
carries the per-step values of its steps after its last log point from call to call, and
into the checkpoint, so that each of its records holds the means of exactly the steps
since the one before, wherever calls ended. The population's record at a log point holds
every variant's row ("variants") and the mean over the variants that reached that point.
A variant that stopped has the row `{"stopped_at": step}`; one whose loss stopped being
finite first gets a last row of the steps it took after its last log point, as a failed
run's last record, at the first of the population's log points after them, with its own
"step" (it is in no mean: its steps are not the point's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from compose.trainer.records import Tally, filled, log_points

Row = dict[str, Any]  # one variant's values at a log point
NOT_VALUES = ("step", "seconds")


def own_rows(
    tally: Tally, values: Mapping[str, Any], steps: list[int], start: int, end: int
) -> tuple[dict[int, Row], Tally]:
    """({log point step: the variant's row}, its tally after the call) for a variant that
    took steps start .. end - 1 of a call: `steps` its log points in (start, end], `values`
    its per-step values, shape (steps,) or longer."""
    points = log_points(steps, tally.since, start, end)
    records, tally = filled(points, values, tally, 0.0, 0.0)
    rows = {r["step"]: {k: v for k, v in r.items() if k not in NOT_VALUES} for r in records}
    return rows, tally


def reached(tally: Tally) -> int:
    """The step that a tally's carried values go up to."""
    return tally.since + max((len(v) for v in tally.values.values()), default=0)


def last_row(tally: Tally) -> tuple[Row, Tally]:
    """(the row of a failed variant's steps after its last log point, with its "step", and
    the empty tally after it), from a tally that holds some."""
    end = reached(tally)
    points = log_points([end], tally.since, end, end)
    records, rest = filled(points, {k: v[:0] for k, v in tally.values.items()}, tally, 0.0, 0.0)
    row = {k: v for k, v in records[0].items() if k != "seconds"}
    return row, rest


def row_reached(row: Row) -> bool:
    """Whether a variant's row holds its values at the record's own step: no
    `stopped_at`, no "step" of its own."""
    return "stopped_at" not in row and "step" not in row


def reached_or_none(rows: Sequence[Row]) -> list[Row | None]:
    """Each row of a variant that reached the log point, None for the others."""
    return [r if row_reached(r) else None for r in rows]


def means(rows: Sequence[Row]) -> dict[str, float]:
    """The mean over the rows of each value they all have (rows of variants that
    reached the log point)."""
    rows = [r for r in rows if row_reached(r)]
    keys = [k for k in (rows[0] if rows else {}) if all(k in r for r in rows)]
    return {k: float(np.mean([r[k] for r in rows])) for k in keys}


def record(step: int, rows: Mapping[str, Row], seconds: float) -> dict[str, Any]:
    """The population's record at a log point: the means, the time, each variant's row."""
    return {"step": step, **means(list(rows.values())), "seconds": seconds, "variants": rows}
