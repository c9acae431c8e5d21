"""A training run's folder, written by a listener on the session as training goes.

    recipe.yaml     the resolved recipe: it loads and builds wherever the folder is moved
    summary.json    where the run stands: rewritten before each metrics line is added,
                    so it is never behind metrics.jsonl
    metrics.jsonl   one JSON record per log point, flushed as written
    model.eqx       the weights the summary speaks of (the best ones, with early stopping),
                    sealed by their SHA-256 (compose.runs.seal)
    checkpoint.ckpt everything needed to resume (see compose.runs.checkpoint)
    data.npz        the arrays given from Python, when the run was given its data
                    (and val.npz, test.npz): the recipe names them (compose.runs.resuming)

Every file is replaced whole (written beside, then renamed: compose.runtime.files), so a
crash at any moment leaves each file either as it was or as it should be; nothing is
written through a link. A folder that holds anything else is never written into unless
it is this run's own, being resumed, and then only once what is read of it is checked.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compose.recipe.problems import Problem, RecipeError, Where
from compose.runs.checkpoint import serialised
from compose.runs.names import METRICS, RECIPE, SUMMARY, WEIGHTS
from compose.runs.reading import log_lines
from compose.runs.resuming import write_arrays
from compose.runs.seal import seal
from compose.runtime.files import make_folder, not_a_folder, open_append, to_json, write_atomic
from compose.trainer.listener import Listener

if TYPE_CHECKING:
    from compose.trainer.session import Result, Session


def default_dir(name: str, *, root: str | Path = "runs") -> Path:
    """`runs/NAME-YYYYmmdd-HHMMSS`, with a counter if that exists already."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "run"  # stays inside `root`
    stem = Path(root) / f"{safe}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, n = stem, 1
    while path.exists():
        n += 1
        path = stem.with_name(f"{stem.name}-{n}")
    return path


def refuse_unless_new(path: Path) -> None:
    """Raise RecipeError unless `path` is a new or empty folder for a new run (a link the
    user names to one is followed)."""
    got = not_a_folder(path)
    if got:
        raise RecipeError([Problem(Where(str(path)), f"expected a folder for the run, got {got}")])
    if path.is_dir() and any(path.iterdir()):
        held = sorted(p.name for p in path.iterdir())
        shown = ", ".join(held[:4]) + (", ..." if len(held) > 4 else "")
        hint = f"to go on with it: compose run --resume {path}" if (path / SUMMARY).exists() else ""
        raise RecipeError(
            [
                Problem(
                    Where(str(path)),
                    f"expected a new or empty folder for the run, got one holding {shown}",
                    hint,
                )
            ]
        )


def is_run(path: Path) -> bool:
    """Whether `path` is a run folder (it has a recipe and a summary)."""
    return (path / RECIPE).is_file() and (path / SUMMARY).is_file()


class RunFolder(Listener):
    """Writes one run's recipe, metrics, summary and weights into `path`.

    recipe_text: the resolved recipe. resume: the folder is this run's, being continued;
    metrics logged after the checkpoint it resumes from are dropped. given: the arrays the
    run was given by part ("train", "val", "test"), which the recipe names as the folder's
    npz files, written there when it starts.
    """

    def __init__(self, path: str | Path, recipe_text: str, *, resume: bool = False, given=None):
        self.path = Path(path)
        self.recipe_text, self.resume, self.given = recipe_text, resume, given
        self._summarised: int | None = None  # the step the summary was last written at
        if not resume:
            refuse_unless_new(self.path)

    def started(self, session: Session) -> None:
        kept = kept_lines(self.path / METRICS, session.step)  # read (and checked) first
        make_folder(self.path)
        if self.given and not self.resume:  # resumed, the folder holds them already
            write_arrays(self.path, self.given, [i.name for i in session.checked.recipe.inputs])
        write_atomic(self.path / RECIPE, self.recipe_text.encode())
        self._summary(session, "running")
        write_atomic(self.path / METRICS, kept)
        self._metrics = open_append(self.path / METRICS)

    def logged(self, session: Session, record: dict[str, Any]) -> None:
        if session.step != self._summarised:  # once a compiled call, before its first line:
            self._summary(session, "running")
        self._metrics.write((to_json(record) + "\n").encode())
        self._metrics.flush()

    def finished(self, session: Session, result: Result) -> None:
        write_atomic(self.path / WEIGHTS, seal(serialised(result.model)))
        self._summary(session, result.status, result)
        self._metrics.close()

    def _summary(self, session: Session, status: str, result: Result | None = None) -> None:
        summary: dict[str, Any] = {"status": status, "steps": session.step, "of": session.total}
        summary["seconds"] = session.seconds
        if getattr(session, "data", None) is not None:  # passes over the training examples
            summary["epochs"] = session.data.epochs(session.step)
        if result is None:
            summary["last"] = session.records[-1] if session.records else session.record
        else:
            summary["metrics"] = result.metrics
            if result.confusion is not None:  # by set, with each class's precision, recall, F1
                summary["confusion"] = result.confusion.summary()
            if result.stopped:
                summary["stopped"] = result.stopped
            if result.best_step is not None:
                summary["best_step"] = result.best_step
            if result.notes:
                summary["notes"] = list(result.notes)
            if result.failure:
                summary["failure"] = {"step": result.failure.step, "node": result.failure.node}
        taken = getattr(session, "taken_from", None)
        if taken and (taken[1] or taken[2]):
            summary["init_from"] = {"taken": taken[1], "initialised": taken[2]}
        if getattr(session, "warnings", None):  # the initialisation check's, resuming's
            summary["warnings"] = list(session.warnings)
        write_atomic(self.path / SUMMARY, (to_json(summary, indent=2) + "\n").encode())
        self._summarised = session.step


def keep_up_to(path: Path, step: int) -> None:
    """Cut a JSON-lines log back to its records of steps up to `step` (resuming: what the
    checkpoint has reached); a log that is not there starts empty."""
    write_atomic(path, kept_lines(path, step))


def kept_lines(path: Path, step: int) -> bytes:
    """The lines of a JSON-lines log whose records are of steps up to `step`, as written
    (compose.runs.reading.log_lines checks them; a line cut short by a crash is left out)."""
    return b"".join(line + b"\n" for line, record in log_lines(path) if record["step"] <= step)
