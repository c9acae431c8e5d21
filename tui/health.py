"""Per-node health while training: looked at in the training thread every few log points,
judged here, and shown by the graph (a colour per box), the health table and the inspector.

`HealthWatch` is a `compose.Listener`: at the start, every `every` log points and at the
end it runs `compose.health` (and `compose.inspect`, for the histograms) on the batch the
last step trained on, and hands a `Look` to the app. Nothing here knows Textual: a look
holds plain records, and a node's report holds the lines the inspector shows.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import compose

HEALTH_EVERY = 3  # log points between looks: about 35 a run, a few milliseconds each
# A look holds Python's lock for a few to a few tens of milliseconds, which a key press
# made meanwhile waits for. Looks may take LOOK_SHARE of the time (25 ms a second) once
# LOOK_BURST seconds of them are spent: a short run (XOR, spirals) looks every third log
# point, a long one whose log points come fast a few times a second.
LOOK_SHARE, LOOK_BURST = 0.025, 0.25
TELL_SECONDS = 0.25  # looks reach the screen at most four times a second, together
MAX_VALUES = 20_000  # values a histogram counts at most (evenly spaced through them)

# A box's state, from least to most urgent; the graph draws each in its colour.
STATES = ("idle", "healthy", "warning", "bad")
COLOURS = {"idle": "grey50", "healthy": "green", "warning": "yellow", "bad": "red"}
MEANINGS = {
    "healthy": "healthy",
    "warning": "saturated, vanishing or symmetric",
    "bad": "dead, exploding or not finite",
    "idle": "no gradient (fused, or not on the loss's path)",
}
BAD = {"non_finite", "dead", "exploding"}  # flag kinds that stop learning outright
WARNING = {"saturated", "vanishing", "symmetric", "one_element_softmax"}
BARS = " ▁▂▃▄▅▆▇█"
SAID = {  # a flag's kind in a few words
    "non_finite": "not finite",
    "vanishing": "vanishing gradient",
    "exploding": "exploding gradient",
    "one_element_softmax": "softmax over one element",
    "constant_loss": "flat loss",
}


@dataclass(frozen=True)
class Row:
    """One node at one look: what the health table shows.

    grad_norm: the mean per-example gradient norm at its output (None: no gradient
    reaches it, `note` says why); weight_norm: the norm of its learned weights together
    (None: it has none); update: how far those weights moved per step since the previous
    look, relative to their norm; dead, saturated: fractions (None where they do not
    apply); flags: the sentences compose found about it."""

    path: str
    block: str
    state: str
    grad_norm: float | None
    weight_norm: float | None
    update: float | None
    dead: float | None
    saturated: float | None
    note: str = ""
    flags: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # the flags' kinds (compose.model.health.KINDS)


@dataclass(frozen=True)
class Look:
    """The model looked at once while training: the step, a row per node (graph order, a
    network's nodes after it), each box's state, every flag, and the inspection the
    numbers came from (activations and gradients, for the histograms)."""

    step: int
    rows: tuple[Row, ...]
    states: Mapping[str, str]
    flags: tuple[str, ...] = ()
    seen: Any = None  # compose.Inspection

    def row(self, path: str | None) -> Row | None:
        return next((r for r in self.rows if r.path == path), None)


@dataclass(frozen=True)
class NodeReport:
    """What the inspector shows of one node's health: a title, lines of numbers, the
    gradient norm's history (log10, one value a look), histograms, flags, the failure."""

    title: str
    state: str
    lines: tuple[str, ...] = ()
    history: tuple[float, ...] = ()
    histograms: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (label, drawn rows)
    flags: tuple[str, ...] = ()
    failure: str = ""


def box_of(path: str) -> str:
    """The box a node path or weight name belongs to: `body/z.weight` -> `body`."""
    return path.split("/")[0].split(".")[0]


def judge(health: Any, *, step: int, seen: Any = None, steps: int = 0) -> Look:
    """A look from a `compose.Health`: each node's row and state, each box's state.

    steps: steps since the weights `health` compared with (its update ratios are then
    divided by it, to read per step); 0 when there were none."""
    by_path: dict[str, list[Any]] = {}
    for flag in health.flags:
        if flag.where:
            path = flag.where.rpartition(".")[0] if "." in flag.where else flag.where
            by_path.setdefault(path, []).append(flag)
    weights: dict[str, list[Any]] = {}
    for weight in health.weights:
        weights.setdefault(weight.name.rpartition(".")[0], []).append(weight)
    rows = []
    for node in health.nodes:
        flags = by_path.get(node.path, [])
        norm, update = _weights(weights.get(node.path, []), steps)
        rows.append(
            Row(
                node.path,
                node.block,
                _state(node, flags),
                node.grad_norm,
                norm,
                update,
                node.dead,
                node.saturated,
                node.note,
                tuple(f.message for f in flags),
                tuple(dict.fromkeys(f.kind for f in flags)),
            )
        )
    states: dict[str, str] = {}
    for row in rows:
        box = box_of(row.path)
        if STATES.index(row.state) >= STATES.index(states.get(box, "idle")):
            states[box] = row.state
    return Look(step, tuple(rows), states, tuple(f.message for f in health.flags), seen)


def _state(node: Any, flags: Sequence[Any]) -> str:
    kinds = {f.kind for f in flags}
    numbers = [node.mean, node.std] + ([node.grad_norm] if node.grad_norm is not None else [])
    if kinds & BAD or not all(map(math.isfinite, numbers)):
        return "bad"
    if kinds & WARNING:
        return "warning"
    return "idle" if node.grad_norm is None else "healthy"


def _weights(records: Sequence[Any], steps: int) -> tuple[float | None, float | None]:
    """(norm of a node's weights together, their update per step relative to it)."""
    if not records:
        return None, None
    norm = math.sqrt(sum(w.norm**2 for w in records))
    if not steps or not norm or any(w.update_ratio is None for w in records):
        return norm, None
    moved = math.sqrt(sum((w.update_ratio * w.norm) ** 2 for w in records))
    return norm, moved / norm / steps


# -- what the inspector shows --------------------------------------------------------------


def report(
    name: str,
    look: Look | None,
    history: Sequence[float] = (),
    failure: Any = None,
    *,
    paused: bool = False,
) -> NodeReport | None:
    """The health report of box `name` (None when there is nothing to say about it);
    `paused`: training is paused on `failure` (a compose.Failure), not ended by it."""
    failed = failure is not None and failure.node and box_of(failure.node) == name
    why = failure_said(failure, paused=paused) if failed else ""
    row = look.row(name) if look is not None else None
    if row is None and not failed:
        return None
    if row is None:
        return NodeReport(f"training failed at step {failure.step}", "bad", failure=why)
    weights = (
        f"weight {number(row.weight_norm)}  update {number(row.update)}/step"
        if row.weight_norm is not None
        else "no weights"
    )
    lines = [f"grad {number(row.grad_norm)}  {weights}"]
    if row.dead is not None:
        lines.append(f"dead {percent(row.dead)} of its units")
    if row.saturated is not None:
        lines.append(f"saturated {percent(row.saturated)} of its values")
    if row.note:
        lines.append(f"no gradient: {row.note}")
    histograms = []
    if look.seen is not None and row.path in look.seen.activations:
        histograms.append(("activations", look.seen.activations[row.path]))
        if row.grad_norm is not None:
            histograms.append(("gradients", look.seen.gradients[row.path]))
    drawn = tuple(_drawn(label, values) for label, values in histograms)
    said = {"idle": "no gradient", "bad": "not finite"}.get(row.state, row.state)
    found = ", ".join(SAID.get(kind, kind) for kind in row.kinds)
    title = f"health at step {look.step}: {found or said}"
    return NodeReport(
        title,
        "bad" if failed else row.state,
        tuple(lines),
        tuple(history),
        drawn,
        row.flags,
        why,
    )


def failure_said(failure: Any, *, paused: bool = False) -> str:
    """Where training stopped on a value that was not finite, or paused on it (then
    what stopping keeps)."""
    if not paused:
        return f"training stopped here: {failure.message}"
    return (
        f"training paused here: {failure.message}\nx stops, keeping the last good weights "
        f"(after {failure.step - 1} steps); n or space tries step {failure.step} again"
    )


def _drawn(label: str, values: Any) -> tuple[str, tuple[str, ...]]:
    """A histogram of an array's values (a compose.inspect array: any shape)."""
    # tolist() copies the values to the host without compiling anything, which an
    # operation on the array (ravel, a slice) would, once per shape, in this thread
    flat = list(_flatten(values.tolist()))
    stride = max(1, math.ceil(len(flat) / MAX_VALUES))
    counted = histogram(flat[::stride])
    bad = f", {counted.not_finite} not finite" if counted.not_finite else ""
    if counted.low is None:
        return f"{label}: none finite{bad}", ()
    return (
        f"{label} {number(counted.low)} .. {number(counted.high)}{bad}",
        counted.rows,
    )


def _flatten(nested: Any):
    if isinstance(nested, list):
        for item in nested:
            yield from _flatten(item)
    else:
        yield nested


@dataclass(frozen=True)
class Histogram:
    """Counts of values in equal bins between the lowest and highest finite value, drawn
    as rows of block characters (top row first); not_finite: the values left out."""

    rows: tuple[str, ...]
    counts: tuple[int, ...]
    low: float | None
    high: float | None
    not_finite: int = 0


def histogram(values: Sequence[float], *, bins: int = 28, height: int = 2) -> Histogram:
    """Bin `values` and draw the counts `height` rows high with block characters.

    >>> histogram([0, 1, 1, 2, 2, 2, 2, 2], bins=3, height=1).rows
    ('▂▄█',)
    """
    finite = [v for v in values if math.isfinite(v)]
    left_out = len(values) - len(finite)
    if not finite:
        return Histogram((), (), None, None, left_out)
    low, high = min(finite), max(finite)
    counts = [0] * bins
    if high == low:
        counts[bins // 2] = len(finite)
    else:
        scale = bins / (high - low)
        for v in finite:
            counts[min(bins - 1, int((v - low) * scale))] += 1
    top = max(counts)
    levels = [math.ceil(c * 8 * height / top) for c in counts]
    rows = tuple(
        "".join(BARS[max(0, min(8, level - 8 * (height - 1 - r)))] for level in levels)
        for r in range(height)
    )
    return Histogram(rows, tuple(counts), low, high, left_out)


def number(value: float | None) -> str:
    """A number in a few characters: `0.12`, `1.3e-05`, `-` for none.

    >>> number(0.000123), number(12.5), number(None)
    ('0.00012', '12', '-')
    """
    if value is None:
        return "-"
    if not math.isfinite(value):
        return str(value)
    return f"{value:.2g}"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


# -- the listener, in the training thread ---------------------------------------------------


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
        and tell at once (from a thread of the app's while the session is paused on it:
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
        self._waiting.append(
            judge(health, step=session.step, seen=seen, steps=session.step - since)
        )
