"""Training progress on stderr, as a listener: a bar on a terminal, plain lines elsewhere.

On a terminal: name, bar, step/total, the epoch, steps/s, time left, then as many metrics
as fit the width (80 columns show the loss, unless the epoch's text is long). Piped to a
file or a CI log: one plain line per log point, which stays readable where a bar would be
noise, its metrics carried onto indented lines after it where they would pass WIDTH columns.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Column

from compose.cli.variant_table import WIDTH
from compose.recipe.problems import printable
from compose.runtime.shown import number
from compose.trainer.listener import Listener
from compose.trainer.session import Result, Session

FIXED_WIDTH = 54  # what the name, bar, counts, rate and time take at 80 columns (not the epoch)


class TrainingProgress(Listener):
    """Shows a session's progress; a context manager that starts and stops the display."""

    def __init__(self, name: str, *, enabled: bool = True, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.console = Console(file=self.stream)
        self.live = enabled and self.console.is_terminal
        self.name = printable(name)  # a recipe's name, shown as text, never as terminal codes
        self.last_step, self.last_seconds = 0, 0.0
        self.progress = Progress(
            TextColumn("[bold]{task.description}", table_column=Column(max_width=12)),
            BarColumn(bar_width=12),
            MofNCompleteColumn(),
            TextColumn("{task.fields[epoch]}"),
            TextColumn("{task.fields[rate]}/s"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[shown]}", table_column=Column(no_wrap=True)),
            console=self.console,
            disable=not self.live,
        )
        self.task = self.progress.add_task(
            escape(self.name), total=None, rate="-", shown="", epoch=""
        )

    def __enter__(self) -> TrainingProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.stop()

    def started(self, session: Session) -> None:
        self.last_step, self.last_seconds = session.step, session.seconds
        self.progress.update(self.task, total=session.total, completed=session.step)

    def logged(self, session: Session, record: dict[str, Any]) -> None:
        steps = record["step"] - self.last_step
        seconds = record["seconds"] - self.last_seconds
        rate = f"{steps / seconds:,.0f}" if seconds > 0 else "-"
        self.last_step, self.last_seconds = record["step"], record["seconds"]
        values = [
            f"{k} {number(v)}"
            for k, v in record.items()
            if k not in ("step", "seconds") and isinstance(v, float)
        ]
        epoch = f"epoch {epochs(session.data, record['step'], session.total)}"
        if self.live:
            room = max(0, self.console.width - FIXED_WIDTH - len(epoch) - 1)
            self.progress.update(
                self.task, completed=record["step"], rate=rate, shown=fit(values, room),
                epoch=epoch,
            )  # fmt: skip
        elif self.enabled:
            line = f"{self.name} step {record['step']}/{session.total} ({epoch}) {rate} steps/s"
            print("\n".join(wrapped(line, values)), file=self.stream, flush=True)

    def finished(self, session: Session, result: Result) -> None:
        self.progress.update(self.task, completed=session.step)


def fit(values: list[str], width: int) -> str:
    """As many of `values` as fit in `width` characters, two spaces apart."""
    shown = ""
    for value in values:
        candidate = f"{shown}  {value}" if shown else value
        if len(candidate) > width:
            break
        shown = candidate
    return shown


def wrapped(head: str, values: list[str], width: int = WIDTH) -> list[str]:
    """`head`, then the values two spaces apart, in lines of at most `width` columns (the
    lines after the first indented by four); a value is never split, nor moved off the
    first line when that line holds only the head."""
    lines, line = [], head
    for value in values:
        if len(line) + 2 + len(value) > width and line.strip() != head.strip():
            lines.append(line)
            line = f"    {value}"
        else:
            line += f"  {value}"
    return [*lines, line]


def epochs(data, step: int, total: int) -> str:
    """`3.0/5`: the passes over the training examples that `step` of `total` steps make
    (`data`: the session's TrainingData)."""
    return f"{data.epochs(step):.1f}/{counted(data.epochs(total))}"


def counted(epochs: float) -> str:
    """A number of epochs: whole, `5`, or to a tenth, `666.7`."""
    return f"{epochs:.0f}" if float(epochs).is_integer() else f"{epochs:.1f}"
