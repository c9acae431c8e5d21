"""Looking at every node's health while training, in the training process's thread.

`HealthWatch` is a `compose.Listener`: at the start, every `every` log points and at the
end it runs `compose.health` (and `compose.inspect`, for the histograms) on the batch the
last step trained on, judges it (tui/health.py) and hands the `Look` to the app.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import compose
from tui.health import Look, judge

HEALTH_EVERY = 3  # log points between looks: about 35 a run, a few milliseconds each
# A look takes a few to a few tens of milliseconds from training (and a call ended early
# for it). Looks may take LOOK_SHARE of the time (25 ms a second) once LOOK_BURST seconds
# of them are spent: a short run (XOR, spirals) looks every third log point, a long one
# whose log points come fast a few times a second.
LOOK_SHARE, LOOK_BURST = 0.025, 0.25
TELL_SECONDS = 0.25  # looks reach the screen at most four times a second, together


@dataclass
class HealthWatch(compose.Listener):
    """Looks at the model at the start, every `log_points` log points (while looking has
    taken at most `share` of the time, after a first `burst` of seconds) and at the end,
    and hands the looks to `tell(looks)` (in the training thread: `tell` passes them to
    the app's) at most every `seconds`, those since the last time together; at once at the
    start, at the end and while paused. Looking costs a few milliseconds of the training
    thread; showing is what the screen must keep up with.

    The model can be looked at only between the session's compiled calls, which may span
    many log points: until the first `burst` is spent, `every` asks the session to end a
    call where the next look is due (a short run looks every third log point, as at XOR's
    2000 steps); after it, the calls span as far as the session likes, and the looks are
    taken at their ends."""

    tell: Callable[[list[Look]], None]
    log_points: int = HEALTH_EVERY
    seconds: float = TELL_SECONDS
    share: float = LOOK_SHARE
    burst: float = LOOK_BURST
    broken: str = ""  # why looking failed (then it stops looking)
    _count: int = 0
    _previous: tuple[Any, int] | None = field(default=None, repr=False)
    _looked: int = -1
    _budget: float = 0.0  # seconds of looking left
    _budgeted: float = 0.0  # when the budget was last topped up (time.perf_counter)
    _interval: int | None = None  # the session's steps between log points
    _spent: bool = False  # the first burst is spent: calls are no longer ended for looks
    _waiting: list[Look] = field(default_factory=list, repr=False)
    _told: float = 0.0
    _failure_looked: int = -1  # the refused step looked at (one look at it is enough)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def every(self) -> int | None:  # type: ignore[override]
        """A Listener's `every`: the steps between looks until the first burst is spent,
        so that the session's calls end where one is due; then None."""
        if self._interval is None or self._spent:
            return None
        return self._interval * self.log_points

    def started(self, session: Any) -> None:
        with self._lock:
            self._look_now(session, session.batch(session.step))  # compiles: not counted
            self._budget, self._budgeted = self.burst, time.perf_counter()
            self._interval = session.log_interval
            self._send()

    def logged(self, session: Any, record: dict[str, Any]) -> None:
        with self._lock:
            self._count += 1
            # The log points of one compiled chunk all arrive at its end: one look is enough
            due = self._count >= self.log_points and session.step != self._looked
            if due and self._may_look():
                self._count = 0
                self._look(session, session.batch(max(session.step - 1, 0)))
            if session.paused or time.perf_counter() - self._told >= self.seconds:
                self._send()

    def finished(self, session: Any, result: Any) -> None:
        with self._lock:
            if result.failure is not None:
                self._look_at_failure(session)
            elif session.step != self._looked:
                self._look(session, session.batch(max(session.step - 1, 0)))
            self._send()

    def look_at_failure(self, session: Any) -> None:
        """Look at the batch of the step the session refused, with the last good weights,
        and tell at once (from the steering thread while the session is paused on it:
        a paused session tells its listeners nothing)."""
        with self._lock:
            self._look_at_failure(session)
            self._send()

    def _look_at_failure(self, session: Any) -> None:
        if session.step != self._failure_looked:
            self._failure_looked = session.step
            self._look(session, session.batch(session.step))

    def _send(self) -> None:
        if self._waiting:
            looks, self._waiting = self._waiting, []
            self.tell(looks)
            self._told = time.perf_counter()

    def _may_look(self) -> bool:
        """Whether looking is within its share of the time: a budget of seconds, topped up
        by `share` of the time passing, at most `burst`."""
        now = time.perf_counter()
        self._budget = min(self.burst, self._budget + self.share * (now - self._budgeted))
        self._budgeted = now
        self._spent = self._spent or self._budget <= 0
        return self._budget > 0

    def _look(self, session: Any, batch: Mapping[str, Any]) -> None:
        """Look, and take the time it took from the budget."""
        began = time.perf_counter()
        self._look_now(session, batch)
        self._budget -= time.perf_counter() - began

    def _look_now(self, session: Any, batch: Mapping[str, Any]) -> None:
        """Look at the model on `batch`: compose's health and inspection, judged."""
        if self.broken:
            return
        previous, since = self._previous or (None, session.step)
        try:
            health = compose.health(
                session.model, batch, rewrites=session.checked.rewrites, previous=previous
            )
            seen = compose.inspect(session.model, batch)
        except Exception as err:  # looking inside must never stop the training it watches
            self.broken = f"health could not be computed: {type(err).__name__}: {err}"
            self._waiting.append(Look(session.step, (), {}, (self.broken,)))
            return
        self._previous, self._looked = (session.model, session.step), session.step
        loss = session.model.plan.loss
        self._waiting.append(
            judge(
                health,
                step=session.step,
                seen=seen,
                steps=session.step - since,
                loss=loss.name if loss is not None else None,
            )
        )
