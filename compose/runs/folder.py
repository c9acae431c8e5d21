"""A training run's folder, written by a listener on the session as training goes.

    recipe.yaml     the resolved recipe: it loads and builds wherever the folder is moved
    summary.json    where the run stands: rewritten before each metrics line is added,
                    so it is never behind metrics.jsonl
    metrics.jsonl   one JSON record per log point, flushed as written
    model.eqx       the weights the summary speaks of (the best ones, with early stopping)
    checkpoint.ckpt everything needed to resume (see compose.runs.checkpoint)
    data.npz        the arrays given from Python, when the run was given its data
                    (and val.npz, test.npz): the recipe names them (compose.runs.resuming)

Every file is replaced whole (written beside, then renamed), so a crash at any moment
leaves each file either as it was or as it should be. A folder that holds anything else
is never written into unless it is this run's own, being resumed.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compose.recipe.problems import Problem, RecipeError, Where
from compose.runs.checkpoint import serialised
from compose.runs.names import METRICS, RECIPE, SUMMARY, WEIGHTS
from compose.runs.resuming import write_arrays
from compose.runtime.files import to_json, write_atomic
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
    """Raise RecipeError unless `path` is a new or empty folder for a new run."""
    if path.exists() and not path.is_dir():
        raise RecipeError([Problem(Where(str(path)), "expected a folder for the run, got a file")])
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
        self.path.mkdir(parents=True, exist_ok=True)
        if self.given and not self.resume:  # resumed, the folder holds them already
            write_arrays(self.path, self.given, [i.name for i in session.checked.recipe.inputs])
        write_atomic(self.path / RECIPE, self.recipe_text.encode())
        self._summary(session, "running")
        keep_up_to(self.path / METRICS, session.step)
        self._metrics = open(self.path / METRICS, "a", encoding="utf-8")

    def logged(self, session: Session, record: dict[str, Any]) -> None:
        if session.step != self._summarised:  # once a compiled call, before its first line:
            self._summary(session, "running")
        self._metrics.write(to_json(record) + "\n")
        self._metrics.flush()

    def finished(self, session: Session, result: Result) -> None:
        write_atomic(self.path / WEIGHTS, serialised(result.model))
        self._summary(session, result.status, result)
        self._metrics.close()

    def _summary(self, session: Session, status: str, result: Result | None = None) -> None:
        summary: dict[str, Any] = {"status": status, "steps": session.step, "of": session.total}
        summary["seconds"] = session.seconds
        if result is None:
            summary["last"] = session.records[-1] if session.records else session.record
        else:
            summary["metrics"] = result.metrics
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
    lines = []
    if path.exists():
        lines = [
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if (at := _step(line)) is not None and at <= step
        ]
    write_atomic(path, "".join(f"{line}\n" for line in lines).encode())


def _step(line: str) -> int | None:
    try:
        record = json.loads(line)
    except ValueError:  # a line cut short by a crash
        return None
    return record.get("step") if isinstance(record, dict) else None
