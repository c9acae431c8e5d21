"""Where compiled calls end, and where log points fall: the log interval, how many
intervals one call may span, the steps at which the model itself is wanted, and the log
grid, which depends on the recipe alone (never on where calls end)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compose.recipe.records import Train

MAX_CHUNK = 10_000  # steps per compiled call at most: a chunk's indices stay small
# A compiled call spans several log intervals when nothing needs the model between them,
# as long as it is expected to take at most CHUNK_SECONDS (pause, stop and a live view
# answer within one call). Its time is estimated before it runs from XLA's count of a
# step's floating-point operations: a fixed cost per step plus the operations at a rate
# a CPU reaches (faster devices end their calls sooner).
CHUNK_SECONDS = 0.2
STEP_SECONDS, FLOPS_PER_SECOND = 2e-6, 1e11


def log_interval(log_every: int | None, total: int) -> int:
    """The regular chunk: `log_every`, else a hundredth of the run, at most MAX_CHUNK."""
    every = log_every or max(1, total // 100)
    return min(every, MAX_CHUNK)


def intervals_per_call(lowered, every: int) -> int:
    """How many log intervals one compiled call may span: as many as fit CHUNK_SECONDS
    by a step's estimated time (from the `lowered` chunk's cost analysis), a power of two
    (few lengths to compile), at least one."""
    try:
        cost = lowered.cost_analysis()
        cost = cost[0] if isinstance(cost, (list, tuple)) else cost
        flops = float(cost.get("flops", 0.0))  # of one step: XLA counts a loop body once
    except Exception:  # no estimate on this backend: one log interval per call
        return 1
    per_step = STEP_SECONDS + max(flops, 0.0) / FLOPS_PER_SECOND
    fits = int(CHUNK_SECONDS / (per_step * every))
    fits = min(fits, MAX_CHUNK // every)
    return 1 << (fits.bit_length() - 1) if fits > 1 else 1


def wanted_every(spec: Train, eval_sets: Mapping[str, Any], early: bool, every: int) -> list:
    """The intervals at whose multiples a call ends because the model is wanted, besides
    what listeners ask: validation, and each log point with early stopping."""
    wanted = [spec.validate_every]
    if early or ("val_" in eval_sets and not spec.validate_every):
        wanted.append(every)
    return [e for e in wanted if e]


@dataclass(frozen=True)
class Schedule:
    """Where calls end. every: steps between log points; span: log intervals a call may
    span; total: the run's steps; wanted: intervals at whose multiples the model itself is
    wanted (validation, each log point with early stopping); listeners: asked each time
    for theirs (their `every`, which may change as they go: checkpoints ask only when
    one is due); validate: steps between validations, whose records are log points too."""

    every: int
    span: int
    total: int
    wanted: Sequence[int] = ()
    listeners: Sequence[Any] = ()
    validate: int | None = None

    def log_steps(self, start: int, end: int) -> list[int]:
        """The log points in (start, end], in order: the multiples of `every` and of
        `validate`, and the last step of the run; never where a call merely ends."""
        steps = set(range((start // self.every + 1) * self.every, end + 1, self.every))
        if self.validate:
            steps.update(
                range((start // self.validate + 1) * self.validate, end + 1, self.validate)
            )
        if start < self.total <= end:
            steps.add(self.total)
        return sorted(steps)

    def next_stop(self, step: int) -> int:
        """Where the call from `step` ends: the next step at which the model is wanted, at
        most `span` log intervals and MAX_CHUNK steps ahead, at most the end. The log points
        before it get their records from the call's per-step values."""
        wanted = [*self.wanted, *(listener.every for listener in self.listeners)]
        stops = [(step // e + 1) * e for e in wanted if e]
        farthest = (step // self.every + self.span) * self.every
        return min([self.total, step + MAX_CHUNK, farthest, *stops])
