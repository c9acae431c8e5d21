"""Per-node gradient and weight norms, logged as training goes, into `norms.jsonl`.

Every `every` steps (by default five times the log interval: about twenty lines a run) the
model is looked inside right after that step, on the batch it trained on, as compose.inspect
sees it (random blocks off, running statistics read). The measuring runs inside the compiled
training call (compose.trainer.steps.Probe: a branch the other steps skip), so it neither
ends the call nor copies anything but the line's numbers back. Each line:

    {"step": 100,
     "nodes":   {"hidden": {"grad": 0.12, "act": 0.5}, ..., "loss": {"act": 0.3}},
     "weights": {"hidden.weight": {"norm": 1.3, "grad": 0.04, "update": 0.001}, ...}}

grad: the norm of the mean batch loss's gradient at the node's output (over the batch and
every unit: compose inspect's grad norm; the loss node's own, 1/sqrt(batch) by
construction, is left out); act: the root mean square of the node's activation; norm: a
weight's norm after the step; update: the norm of that one step's change of the weight
over its norm before the step (compose inspect's update ratio; about 1e-3 is the usual
healthy figure).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from compose.model.norms import line, multiples
from compose.runs.folder import keep_up_to
from compose.runs.names import NORMS
from compose.runtime.files import make_folder, open_append, to_json
from compose.trainer.listener import Listener

if TYPE_CHECKING:
    from compose.trainer.session import Result, Session

FILE = NORMS
LOG_POINTS_PER_LINE = 5


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
        make_folder(self.path.parent)
        keep_up_to(self.path, session.step)  # resuming: what the checkpoint has reached
        self._written = session.step
        self._format = LineFormat(session.norm_columns)
        self._file = open_append(self.path)  # closed in finished

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


class LineFormat:
    """Writes a measured row as its line of `norms.jsonl` (with the newline) by one string
    formatting, its numbers with nine significant digits (a float32 read back exactly);
    json took a good part of a short run's time (docs/performance.md). A row holding a
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
