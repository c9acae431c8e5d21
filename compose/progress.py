"""A progress bar for training: steps, steps/s, loss and metrics, on stderr."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from compose.report import Checked


class TrainingProgress:
    """Context manager; pass `update` as the trainer's `on_log`."""

    def __init__(self, checked: Checked, *, enabled: bool = True):
        self.last_step, self.last_seconds = 0, 0.0
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} steps/s"),
            TextColumn("{task.fields[shown]}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=not enabled,
        )
        self.task = self.progress.add_task(
            escape(checked.recipe.name), total=checked.recipe.train.steps, rate="-", shown=""
        )

    def __enter__(self) -> TrainingProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.stop()

    def start(self, total: int) -> None:
        """The number of steps, once the trainer knows it (epochs depend on the data)."""
        self.progress.update(self.task, total=total)

    def update(self, record: dict[str, Any]) -> None:
        steps = record["step"] - self.last_step
        seconds = record["seconds"] - self.last_seconds
        rate = f"{steps / seconds:,.0f}" if seconds > 0 else "-"
        self.last_step, self.last_seconds = record["step"], record["seconds"]
        shown = "  ".join(
            f"{k} {v:.4f}" for k, v in record.items() if k not in ("step", "seconds", "batch_loss")
        )
        self.progress.update(self.task, completed=record["step"], rate=rate, shown=shown)
