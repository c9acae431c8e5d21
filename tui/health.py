"""Per-node health while training: what a look inside the model makes of each node, judged
here and shown by the graph (a colour per box), the health table and the inspector.

The looks are taken in the training thread (tui/healthwatch.py); nothing here knows Textual:
a look holds plain records, and a node's report holds the lines the inspector shows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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

    grad_norm: the norm of the mean batch loss's gradient at its output, over the batch
    (compose's one grad norm; None: no gradient reaches it, `note` says why); weight_norm:
    the norm of its learned weights together (None: it has none); update: how far those
    weights moved per step since the previous look, relative to their norm at that look
    (compose's update ratio, per step); dead, saturated: fractions (None where they do not
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
    loss: str | None = None  # the loss node: its gradient norm is 1/sqrt(batch), no history

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


def judge(
    health: Any, *, step: int, seen: Any = None, steps: int = 0, loss: str | None = None
) -> Look:
    """A look from a `compose.Health`: each node's row and state, each box's state.

    steps: steps since the weights `health` compared with (its update ratios are then
    divided by it, to read per step); 0 when there were none. loss: the loss node's path,
    whose gradient norm is kept out of the history."""
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
    return Look(step, tuple(rows), states, tuple(f.message for f in health.flags), seen, loss)


def _state(node: Any, flags: Sequence[Any]) -> str:
    kinds = {f.kind for f in flags}
    numbers = [node.mean, node.std] + ([node.grad_norm] if node.grad_norm is not None else [])
    if kinds & BAD or not all(map(math.isfinite, numbers)):
        return "bad"
    if kinds & WARNING:
        return "warning"
    return "idle" if node.grad_norm is None else "healthy"


def _weights(records: Sequence[Any], steps: int) -> tuple[float | None, float | None]:
    """(norm of a node's weights together, their update per step relative to their norm
    before it: the steps' norms over the update ratios' denominators, summed the same way)."""
    if not records:
        return None, None
    norm = math.sqrt(sum(w.norm**2 for w in records))
    if not steps or any(w.update_norm is None for w in records):
        return norm, None
    moved = math.sqrt(sum(w.update_norm**2 for w in records))
    before = math.sqrt(sum(_norm_before(w) ** 2 for w in records))
    return norm, (moved / before / steps) if before else None


def _norm_before(weight: Any) -> float:
    """The norm of a weight before its step: 0 where it has no ratio (it was all zero),
    its own where it did not move, else the step's norm over the ratio."""
    if weight.update_ratio is None:
        return 0.0
    return weight.update_norm / weight.update_ratio if weight.update_norm else weight.norm


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


@dataclass
class RunHealth:
    """What the latest training run has said of the model: its newest look, each node's
    gradient norm at every look (log10, for the inspector's history) and the failure it
    stopped, or is paused, on (a compose.Failure)."""

    look: Look | None = None
    history: dict[str, list[float]] = field(default_factory=dict)
    failure: Any = None

    def add(self, looks: Sequence[Look]) -> Look:
        """Keep `looks` (the newest last) in each node's history; the newest is the look."""
        for look in looks:
            for row in look.rows:
                if row.path == look.loss:  # constant by construction: a flat line says nothing
                    continue
                if row.grad_norm and math.isfinite(row.grad_norm):
                    self.history.setdefault(row.path, []).append(math.log10(row.grad_norm))
        self.look = looks[-1]
        return self.look

    def known(self) -> bool:
        """Whether there is a look, or a failure, to show."""
        return self.look is not None or self.failure is not None

    def states(self) -> dict[str, str]:
        """Each box's health at the newest look: a top-level box's (a network instance takes
        its worst node's) and each node's inside (for instances drawn open)."""
        if self.look is None:
            return {}
        return {**{row.path: row.state for row in self.look.rows}, **self.look.states}

    def failed_box(self, scene: Any) -> str | None:
        """The box of `scene` (a tui.scene.Scene) that the node training stopped on is
        drawn in: its own, if drawn, else its instance's."""
        node = self.failure.node if self.failure is not None else None
        if not node:
            return None
        box = node if scene.box(node) is not None else box_of(node)
        return box if scene.box(box) is not None else None

    def report(self, name: str | None, *, paused: bool) -> NodeReport | None:
        """What the inspector shows of box `name`'s health (`paused`: on the failure)."""
        if name is None:
            return None
        history = self.history.get(name, ())
        return report(name, self.look, history, self.failure, paused=paused)


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
    return f"{value + 0.0:.2g}"  # + 0.0: a negative zero shows as 0, not -0


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"
