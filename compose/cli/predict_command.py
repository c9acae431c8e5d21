"""`compose predict RUN --data FILE [--out FILE]`: a trained run's predictions for every
example of a file, its saved transformations applied (compose.runs.predicting): CSV in,
CSV out (the file's columns, then the outputs'), or .npz in, .npz out. A CSV file is read
and written a chunk at a time, with a progress bar on a terminal's stderr."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compose.cli.signals import StopOnSignal

SUFFIX = ".predictions"  # DATA.csv -> DATA.predictions.csv, unless --out says


def add_arguments(predict: argparse.ArgumentParser) -> None:
    predict.add_argument("run_dir", metavar="RUN_DIR", help="a run folder")
    predict.add_argument(
        "--data", required=True, metavar="FILE", help="a .csv file of the training file's "
        "columns, or a .npz archive of arrays by input name"
    )  # fmt: skip
    predict.add_argument(
        "--out", metavar="FILE", help="file to write (default: DATA.predictions.csv or .npz)"
    )
    predict.add_argument(
        "--batch", type=int, default=4096, metavar="N", help="examples per model call"
    )
    predict.add_argument("--quiet", action="store_true", help="no progress bar")


def default_out(data: Path) -> Path:
    """Where predictions go unless told: beside the data, `.predictions` before its suffix."""
    return data.with_name(data.stem + SUFFIX + data.suffix)


def predict(args: argparse.Namespace, signals: StopOnSignal) -> int:
    """Predict, and say how many examples went where; 2 for data that does not fit."""
    from compose.runs.predicting import predict_file
    from compose.runs.trained import load_run

    data = Path(args.data)
    out = Path(args.out) if args.out else default_out(data)
    if args.batch < 1:
        print(f"compose predict: --batch: expected a positive number, got {args.batch}",
              file=sys.stderr)  # fmt: skip
        return 2
    if out.exists() and data.exists() and out.resolve() == data.resolve():
        print(f"compose predict: --out {out}: expected a file other than the data",
              file=sys.stderr)  # fmt: skip
        return 2
    notes: list[str] = []
    run = load_run(args.run_dir, notes=notes)
    for note in notes:
        print(f"warning: {note}", file=sys.stderr)
    with _Bar(f"predict {data.name}", enabled=not args.quiet) as bar:
        count = predict_file(run, data, out, batch=args.batch, progress=bar.update)
    print(f"{count:,} predictions: {out}")
    return 0


class _Bar:
    """A progress bar of bytes read, on stderr when it is a terminal."""

    def __init__(self, name: str, *, enabled: bool):
        from rich.console import Console
        from rich.markup import escape
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        console = Console(file=sys.stderr)
        self.progress = Progress(
            TextColumn(escape(name)), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=console, disable=not (enabled and console.is_terminal),
        )  # fmt: skip
        self.task = self.progress.add_task(name, total=None)

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def update(self, done: int, total: int) -> None:
        self.progress.update(self.task, completed=done, total=total)
