"""Per-node gradient and weight norms, logged as training goes, into `norms.jsonl`.

Every `every` steps (by default five times the log interval: about twenty lines a run) the
model is looked inside right after that step, on the batch it trained on, as compose.inspect
sees it (random blocks off, running statistics read). The measuring runs inside the compiled
training call (a steps.Probe: a branch the other steps skip), so it neither ends the call
nor copies anything but the line's numbers back. Each line:

    {"step": 100,
     "nodes":   {"hidden": {"grad": 0.12, "act": 0.5}, ...},
     "weights": {"hidden.weight": {"norm": 1.3, "grad": 0.04, "update": 0.001}, ...}}

grad: the norm of the mean batch loss's gradient at the node's output (over the batch and
every unit); act: the root mean square of the node's activation; norm: a weight's norm
after the step; update: the norm of that one step's change of the weight over its norm
(the per-step update/weight ratio; about 1e-3 is the usual healthy figure). It used to be
the average movement per step since the previous line, which smoothed over the steps in
between (and a wandering weight's back and forth cancelled out); now it is that step's.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import jax
import jax.numpy as jnp

from compose.inspector import flat_paths, flat_weights, inside, paths
from compose.listener import Listener
from compose.model import Composed
from compose.run_folder import keep_up_to, to_json

if TYPE_CHECKING:
    from compose.session import Result, Session

FILE = "norms.jsonl"
LOG_POINTS_PER_LINE = 5
NODE_FIELDS = ("grad", "act")
WEIGHT_FIELDS = ("norm", "grad", "update")


class NormLog(Listener):
    """Writes `norms.jsonl` in `folder`; `every` steps (None: five log intervals), measured
    inside the training calls (the Listener's `norms_every`), which it does not end."""

    def __init__(self, folder: str | Path, every: int | None = None):
        self.path = Path(folder) / FILE
        self.norms_every = every
        self._written = 0  # the step up to which lines are written
        self._format: LineFormat | None = None
        self._file: BinaryIO | None = None  # open from started to finished

    def started(self, session: Session) -> None:
        if self.norms_every is None:
            self.norms_every = session.log_interval * LOG_POINTS_PER_LINE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keep_up_to(self.path, session.step)  # resuming: what the checkpoint has reached
        self._written = session.step
        self._format = LineFormat(session.norm_columns)
        self._file = open(self.path, "ab")  # closed in finished

    def advanced(self, session: Session) -> None:
        """Write every line the call measured: one write a call."""
        self._write(session, session.step)

    def finished(self, session: Session, result: Result) -> None:
        """Write the lines of a call that an interruption kept from `advanced`; close."""
        self._write(session, session.step)
        if self._file is not None:
            self._file.close()
            self._file = None

    def _write(self, session: Session, up_to: int) -> None:
        """Append the lines of the multiples of `every` after the last written, up to
        `up_to` (a line may fall between log points when `every` is not a multiple of the
        log interval)."""
        steps = multiples(self.norms_every, self._written, up_to)
        self._written = max(self._written, up_to)
        rows = ((step, session.norms_row(step)) for step in steps)
        text = "".join(self._format(step, row) for step, row in rows if row is not None)
        if text and self._file is not None:
            self._file.write(text.encode())
            self._file.flush()  # on disk as the call ends, for a run that is killed


def multiples(every: int, after: int, up_to: int) -> range:
    """The steps in (after, up_to] that are multiples of `every`: where lines fall."""
    return range((after // every + 1) * every, up_to + 1, every)


def columns(model: Composed) -> list[tuple[str, str, str]]:
    """What each number of a measured row is, in order: ("nodes", path, field) for every
    node in execution order, then ("weights", "path.slot", field) for every weight, in the
    execution order of its node (slots by name)."""
    order = paths(model.plan)
    rank = {path: i for i, path in enumerate(order)}
    names = sorted(
        flat_weights(model.weights), key=lambda n: (rank.get(n.rpartition(".")[0], len(rank)), n)
    )
    return [("nodes", path, f) for path in order for f in NODE_FIELDS] + [
        ("weights", name, f) for name in names for f in WEIGHT_FIELDS
    ]


def measured(before: Composed, after: Composed, batch: dict[str, jax.Array]) -> jax.Array:
    """One line's numbers for the step that took `before` to `after` on `batch` (arrays with
    a leading batch axis), in the order of columns(after), shape (columns,): traceable, the
    measure of the session's steps.Probe."""
    _, trace, tap_grads, weight_grads = inside(after, batch)
    activations, gradients = flat_paths(trace), flat_paths(tap_grads)
    new, old = flat_weights(after.weights), flat_weights(before.weights)
    weight_gradients = flat_weights(weight_grads)
    nodes = {
        path: {"grad": _norm(gradients[path]), "act": _rms(activations[path])}
        for path in activations
    }
    weights = {}
    for name, weight in new.items():
        norm = _norm(weight)
        moved = _norm(weight - old[name])
        update = jnp.where(norm > 0, moved / norm, jnp.inf)  # none for a zero weight: null
        weights[name] = {"norm": norm, "grad": _norm(weight_gradients[name]), "update": update}
    found = {"nodes": nodes, "weights": weights}
    return jnp.stack([found[part][name][field] for part, name, field in columns(after)])


def line(step: int, row: list[float], names: list[tuple[str, str, str]]) -> dict[str, Any]:
    """The line of `norms.jsonl` for a measured row, its numbers named by columns()."""
    out: dict[str, Any] = {"step": step, "nodes": {}, "weights": {}}
    for (part, name, field), value in zip(names, row, strict=True):
        out[part].setdefault(name, {})[field] = value
    return out


class LineFormat:
    """Writes a measured row as its line of `norms.jsonl` (with the newline) by one string
    formatting, its numbers with nine significant digits (a float32 read back exactly):
    through json, the twenty lines of a 4 ms XOR run took about 0.5 ms. A row holding a
    number that is not finite is written the slow way, the number as null."""

    def __init__(self, names: list[tuple[str, str, str]]):
        self.names = names
        marked = line(-1, [f"\0{i}\0" for i in range(len(names))], names)
        text = json.dumps(marked).replace("%", "%%").replace("-1", "%d", 1)
        self.order = [int(i) for i in re.findall(r'"\\u0000(\d+)\\u0000"', text)]
        self.template = re.sub(r'"\\u0000\d+\\u0000"', "%.9g", text) + "\n"
        if self.order == list(range(len(names))):
            self.order = None  # the usual case: the columns are in the line's order

    def __call__(self, step: int, row: list[float]) -> str:
        if not all(map(math.isfinite, row)):
            return to_json(line(step, row, self.names)) + "\n"
        if self.order is not None:
            row = [row[i] for i in self.order]
        return self.template % (step, *row)


def _norm(array: jax.Array) -> jax.Array:
    return jnp.sqrt(jnp.sum(jnp.square(array.astype(jnp.float32))))


def _rms(array: jax.Array) -> jax.Array:
    return jnp.sqrt(jnp.mean(jnp.square(array.astype(jnp.float32))))
