"""`train()`: a training session run to its end in one call, with a run folder if asked.

The session (compose.trainer.session) does the work; this is the short way for Python users and
the command line: it adds the run folder and checkpoints as listeners, and turns Ctrl-C
into an interrupted run instead of a lost one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from compose.checker.checked import Checked
from compose.checker.graph import check
from compose.model.composed import Composed
from compose.recipe.problems import Problem, RecipeError
from compose.recipe.records import Recipe
from compose.recipe.source import dump_text
from compose.recipe.standalone import resolved_document
from compose.runs.checkpoint import Checkpoints, resume_from
from compose.runs.folder import RunFolder
from compose.runs.hosts import Unwritten, pause, writes
from compose.runs.names import WEIGHTS
from compose.runs.norms_log import NormLog
from compose.runs.population_folder import PopulationFolder
from compose.runs.reading import check_run
from compose.runs.resuming import folder_document, refuse_changes
from compose.runs.tensorboard import TensorBoard, log_place, unplaced_note
from compose.runs.trained import load_run
from compose.runs.transforms_file import SavedTransforms
from compose.trainer.init_check import InitCheck
from compose.trainer.listener import Listener
from compose.trainer.population import Population
from compose.trainer.result import INTERRUPTED
from compose.trainer.session import Result, Session


def train(
    recipe: Recipe | Checked,
    *,
    data: Mapping[str, Any] | None = None,
    val: Mapping[str, Any] | None = None,
    test: Mapping[str, Any] | None = None,
    folder: str | Path | None = None,
    resume: bool = False,
    init_from: str | Path | None = None,
    listeners: Sequence[Listener] = (),
    on_log: Callable[[dict[str, Any]], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_failure: str = "end",
    tensorboard: str | Path | None = None,
) -> Result:
    """Train the recipe's model as its train section says, and return the result.

    data, val, test: arrays by input name (numpy or jax) instead of the recipe's data
    source, kept in the run folder (data.npz, named by its recipe). folder: write a run
    folder there (refused if it holds anything, unless `resume`, which goes on from its
    newest checkpoint; a setting a resumed run cannot change is refused, see
    compose.runs.resuming). on_log receives each logged
    record, on_start the number of steps. on_failure: what a step that is not finite
    does, "end" the run or "pause" it for whoever steers the session from another thread
    (see Session). tensorboard: a folder for TensorBoard logs, the run's in a subfolder
    named as its run folder (compose.runs.tensorboard; the recipe's `train.log` asks for
    them inside the run folder). Raises RecipeError for a bad recipe.
    """
    checked = recipe if isinstance(recipe, Checked) else check(recipe)
    if checked.problems:
        raise RecipeError(checked.problems)
    session = make_session(
        checked,
        data=data,
        val=val,
        test=test,
        folder=folder,
        resume=resume,
        init_from=init_from,
        on_failure=on_failure,
        tensorboard=tensorboard,
        listeners=[*listeners, *([Callbacks(on_log, on_start)] if on_log or on_start else [])],
    )
    try:
        session.prepare(resume=resume_from(folder) if resume else None)
        result = session.run()
    except KeyboardInterrupt:
        if not session.prepared:
            raise
        result = session.finish(f"{INTERRUPTED} by Ctrl-C")
    return replace(result, folder=Path(folder) if folder else None)


def make_session(
    checked: Checked,
    *,
    folder: str | Path | None = None,
    resume: bool = False,
    listeners: Sequence[Listener] = (),
    tensorboard: str | Path | None = None,
    **options: Any,
) -> Session:
    """A session whose listeners start with the initialisation check (compose.trainer.init_check),
    then the run folder and checkpoints (if `folder`) and the TensorBoard log (if asked:
    see logs); `init_from` (a run folder, else the recipe's `train.init_from`) gives it the
    trained model it starts from. Resuming, a setting that a resumed run cannot change is
    a RecipeError."""
    if checked.recipe.train is None:
        return Session(checked, **options)  # it raises the located problem
    given = {part: options.get(key) for part, key in GIVEN.items()}
    given = given if given["train"] is not None else None
    if folder is not None and resume:
        check_run(Path(folder))  # what is read, checked before anything is written
        refuse_changes(checked.recipe, folder, given)
    options["init_from"] = trained_start(checked, options.get("init_from"))
    written: list[Listener] = []
    train = checked.recipe.train
    if folder is not None and writes():  # one host writes the run folder
        text = dump_text(folder_document(checked.recipe, folder, given))
        written = [
            RunFolder(folder, text, resume=resume, given=given),
            Checkpoints(folder, train.checkpoint_every, pause=pause(train)),
            NormLog(folder),
            SavedTransforms(folder),
        ]
    elif folder is not None:  # the other hosts make the same calls (compose.runs.hosts)
        written = [Unwritten(train.checkpoint_every, norms=True)]
    written += logs(checked, folder, tensorboard, given)
    # The initialisation check goes first, so its warnings reach the run folder's summary.
    session = Session(checked, listeners=[InitCheck(), *written, *listeners], **options)
    if note := unplaced_note(checked, folder, tensorboard):
        session.warnings.append(note)
    return session


def logs(
    checked: Checked, folder: str | Path | None, tensorboard: str | Path | None, given=None
) -> list[Listener]:
    """The TensorBoard log, when the recipe's `train.log` or `tensorboard` asks for one and
    there is a place for it (compose.runs.tensorboard), written by the first host."""
    place = log_place(checked, folder, tensorboard)
    if place is None or not writes():
        return []
    document = (
        folder_document(checked.recipe, folder, given)
        if folder is not None
        else resolved_document(checked.recipe)
    )
    return [TensorBoard(*place, document)]


GIVEN = {"train": "data", "val": "val", "test": "test"}  # parts of the data, by option


class Callbacks(Listener):
    """Plain functions as a listener: `on_log(record)` and `on_start(total steps)`."""

    def __init__(self, on_log=None, on_start=None):
        self.on_log, self.on_start = on_log, on_start

    def started(self, session: Session) -> None:
        if self.on_start:
            self.on_start(session.total)

    def logged(self, session: Session, record: dict[str, Any]) -> None:
        if self.on_log:
            self.on_log(record)


def make_population(
    checked: Checked,
    vary: Mapping[str, Sequence[Any]],
    *,
    folder: str | Path | None = None,
    resume: bool = False,
    listeners: Sequence[Listener] = (),
    tensorboard: str | Path | None = None,
    **options: Any,
) -> Population:
    """A population of the recipe's variants (compose.trainer.population), writing its folder and
    checkpoints (if `folder`; `resume`: it is this population's, being continued). The
    folder's recipe holds the variants in `train.vary`, so `--resume` finds them there."""
    if folder is not None and resume:
        check_run(Path(folder))
        refuse_changes(checked.recipe, folder)
    written: list[Listener] = []
    train = checked.recipe.train
    if folder is not None and writes():
        document = folder_document(checked.recipe, folder)
        if isinstance(document.get("train"), dict):
            document["train"]["vary"] = {key: list(values) for key, values in vary.items()}
        written = [
            PopulationFolder(folder, document, resume=resume),
            Checkpoints(folder, train.checkpoint_every, pause=pause(train))
            if train
            else Checkpoints(folder),
            SavedTransforms(folder),
        ]
    elif folder is not None and train is not None:
        written = [Unwritten(train.checkpoint_every, norms=False)]
    written += logs(checked, folder, tensorboard)
    population = Population(checked, vary, listeners=[*written, *listeners], **options)
    if note := unplaced_note(checked, folder, tensorboard):
        population.warnings.append(note)
    return population


def trained_start(checked: Checked, folder: str | Path | None) -> Composed | None:
    """The trained model a run starts from: the run folder given (relative to the working
    directory), else the recipe's `train.init_from` (relative to the recipe), else None."""
    spec = checked.recipe.train
    source = folder or spec.init_from
    if not source:
        return None
    path = Path(source)
    if not path.is_absolute() and not folder:
        path = Path(checked.recipe.file).parent / path
    if not (path / WEIGHTS).exists():
        where = spec.where.get("init_from", spec.where["train"])
        message = f"init_from: expected a run folder with {WEIGHTS}, got {path}"
        raise RecipeError([Problem(where, message)])
    return load_run(path).model
