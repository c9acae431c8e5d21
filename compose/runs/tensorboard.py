"""TensorBoard event files, written as training goes (tensorboardX, the `tensorboard` extra).

Turned on by a recipe's `train.log: {tensorboard: DIR}` (DIR relative to the run folder and
inside it: a recipe from anyone writes nowhere else) or by `compose run --tensorboard DIR`
(`compose.train(tensorboard=DIR)`: DIR as the user names it, a folder for many runs, each
in a subfolder named as its run folder). A run's folder of event files holds:

    scalars     every number of each metrics.jsonl line, named by its key, at its step
    histograms  at each line of the norms log (compose.runs.norms_log: the same steps,
                the same model after the step and the batch it trained on, seen by
                compose.model.inspection as the norms are): gradients/NODE (the loss
                gradient at the node's output, for each node the norms log gives a
                gradient), weights/NODE.SLOT and weight_gradients/NODE.SLOT
    text        recipe: the resolved recipe, as the run folder keeps it

A population writes each variant as a run of its own (DIR/VARIANT, named as its folder in
variants/), with its scalars, its recipe, and its settings as hyperparameters (TensorBoard's
HParams view), ended with how the variant ended; it measures no histograms (a population's
compiled calls measure nothing inside, compose.trainer.steps), nor does a run over several
hosts (the first host, which writes, does not hold all the arrays). A resumed run writes a new
event file that tells TensorBoard to drop what an earlier one logged after the checkpoint.

Events are written as each compiled call ends, through a file opened by
compose.runtime.files (never through a link); tensorboardX makes the records.
"""

from __future__ import annotations

import itertools
import math
import os
import socket
import struct
import time
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO

import jax
import numpy as np

from compose.model.inspection import flat_weights, inspect
from compose.recipe.problems import Problem, RecipeError, Where
from compose.recipe.source import dump_text
from compose.runs.norms_log import LOG_POINTS_PER_LINE
from compose.runs.population_folder import folder_name, variant_document
from compose.runtime.files import make_folder, open_append
from compose.trainer.listener import Listener

if TYPE_CHECKING:
    from compose.checker.checked import Checked
    from compose.trainer.session import Result, Session

EXTRA = "tensorboard"
INSTALL = f'pip install "blockcompose[{EXTRA}]"'
BINS = 30  # a histogram's bins between its least and greatest value
RECIPE_TAG = "recipe"
# How a variant ended, as the HParams view says it (tensorboard.plugins.hparams api.proto)
STATUS = {"finished": "STATUS_SUCCESS", "early_stopped": "STATUS_SUCCESS"}
STATUS.update(failed="STATUS_FAILURE", stopped="STATUS_ABORTED", interrupted="STATUS_ABORTED")
_files = itertools.count()  # event files this process made: each name its own


def tensorboardx(where: Where) -> Any:
    """The tensorboardX module; a located problem naming the extra when it is missing."""
    try:
        import tensorboardX.summary
    except ImportError:
        message = "expected tensorboardX to write TensorBoard logs, got it not installed"
        hint = f'install the {EXTRA} extra: {INSTALL} (or pip install -e ".[{EXTRA}]")'
        raise RecipeError([Problem(where, message, hint)]) from None
    return tensorboardX


def log_place(
    checked: Checked, folder: str | Path | None, asked: str | Path | None
) -> tuple[Path, tuple[str, ...]] | None:
    """(a folder, the names of the folders below it to make one at a time, never through a
    link) where a run's event files go: `asked` (the command line's, or Python's) with a
    folder named as the run folder, else the recipe's `train.log.tensorboard` inside the
    run folder; None when neither asks, or the recipe asks with no run folder to hold it.
    Raises RecipeError when tensorboardX is missing."""
    train = checked.recipe.train
    own = train.tensorboard if train is not None else None
    if asked is None and (own is None or folder is None):
        return None
    if asked is not None:
        tensorboardx(Where(f"--tensorboard {asked}"))
        name = Path(folder).resolve().name if folder is not None else checked.recipe.name
        return Path(asked), (name,)
    tensorboardx(train.where.get("log.tensorboard", train.where["train"]))
    return Path(folder), tuple(p for p in PurePosixPath(own).parts if p != ".")


def unplaced_note(checked: Checked, folder: str | Path | None, asked: Any) -> str | None:
    """What a run says when its recipe asks for TensorBoard logs it has nowhere to write."""
    train = checked.recipe.train
    if asked is None and folder is None and train is not None and train.tensorboard:
        return (
            f"train.log.tensorboard: no TensorBoard logs are written: {train.tensorboard} is "
            "inside the run folder, and this run has none (give it one, or a tensorboard folder)"
        )
    return None


class TensorBoard(Listener):
    """Writes a run's (or a population's variants') TensorBoard event files below `root`,
    in the folder `names` says (see the module's docstring). `document`: the resolved
    recipe as plain data, as the run folder keeps it."""

    def __init__(self, root: str | Path, names: tuple[str, ...], document: Mapping[str, Any]):
        self.root, self.names, self.document = Path(root), names, document
        self.every: int | None = None  # the norms log's steps, once started (one model)
        self._events: dict[str, Events] = {}  # by variant name; "" for one model
        self._tbx: Any = None  # tensorboardX, once started
        self._tags: dict[str, set[str]] = {}  # a variant's metrics logged, by its name
        self._measured = 0  # the last step histograms were written for

    def started(self, session: Session) -> None:
        self._tbx = tbx = tensorboardx(Where(str(self.root)))
        folder = make_folder(self.root, *self.names)
        purge = session.step + 1 if session.step else None  # resumed: drop what is later
        variants = getattr(session, "variants", None)
        plan = session.checked.plan
        runs = {
            v.name: (make_folder(folder, folder_name(v)), variant_document(self.document, v, plan))
            for v in variants or ()
        }
        if not variants:
            runs = {"": (folder, self.document)}
            if jax.process_count() == 1:  # over several hosts, the arrays are not all here
                self.every = session.log_interval * LOG_POINTS_PER_LINE  # the norms log's
        for name, (own, document) in runs.items():
            events = self._events[name] = Events(own, purge)
            text = "\n".join("    " + line for line in dump_text(document).splitlines())
            events.add(session.step, tbx.summary.text(RECIPE_TAG, text))  # a code block
            if name:  # the variant's settings, as the HParams view's hyperparameters
                settings = dict(next(v for v in variants if v.name == name).settings)
                events.add(session.step, tbx.summary.hparams(settings, {})[1])
                self._tags[name] = set()
            events.flush()
        self._measured = session.step

    def logged(self, session: Session, record: dict[str, Any]) -> None:
        """Each number of the record (a variant's own, as its metrics.jsonl has it)."""
        step, summary = record["step"], self._tbx.summary
        rows = record.get("variants") if getattr(session, "variants", None) else None
        rows = {"": record} if rows is None else rows
        for name, values in rows.items():
            if "stopped_at" in values:  # it takes no more steps: its log ends where it stopped
                continue
            values = {**values, "seconds": record["seconds"]}
            events = self._events[name]
            for key, value in values.items():
                if key != "step" and _is_number(value):
                    events.add(step, summary.scalar(key, value))
                    self._tags.get(name, set()).add(key)

    def advanced(self, session: Session) -> None:
        """The histograms of a norms-log step the call ended at; everything on disk."""
        if self.every and session.step % self.every == 0 and session.step > self._measured:
            self._histograms(session)
        self._measured = max(self._measured, session.step)
        for events in self._events.values():
            events.flush()

    def finished(self, session: Session, result: Result) -> None:
        """A variant's end: the hyperparameters and the metrics the HParams view shows of
        it (each metric logged but the time), and how it ended."""
        results = getattr(session, "results", None) or {}
        for name, events in self._events.items():
            if name in self._tags:
                settings = dict(next(v for v in session.variants if v.name == name).settings)
                shown = dict.fromkeys(sorted(self._tags[name] - {"seconds"}), 0.0)
                events.add(session.step, self._tbx.summary.hparams(settings, shown)[0])
                status = results[name].status if name in results else result.status
                events.add(session.step, _session_end(status))
            events.close()
        self._events = {}

    def _histograms(self, session: Session) -> None:
        """Gradients at the nodes and of the weights, and the weights, as the norms line of
        this step measures them: the model after the step, on the batch the step took."""
        events, step, model = self._events[""], session.step, session.model
        seen = inspect(model, session.batch(step - 1))
        weights = flat_weights(model.weights)
        arrays = []
        for part, name, field in session.norm_columns:
            if part == "nodes" and field == "grad":
                arrays.append((f"gradients/{name}", seen.gradients[name]))
            elif part == "weights" and field == "norm":
                arrays.append((f"weights/{name}", weights[name]))
                arrays.append((f"weight_gradients/{name}", seen.weight_gradients[name]))
        for tag, array in arrays:
            values = np.asarray(array, np.float64).reshape(-1)
            if values.size and np.all(np.isfinite(values)):  # else none, as the log's null
                events.add(step, self._tbx.summary.histogram(tag, values, BINS))


class Events:
    """One event file (TFRecord framing: length, its checksum, the Event, its checksum),
    appended to as training goes, opened never through a link."""

    def __init__(self, folder: Path, purge: int | None = None):
        from tensorboardX.proto import event_pb2
        from tensorboardX.record_writer import masked_crc32c

        self._event, self._crc = event_pb2.Event, masked_crc32c
        now = time.time()
        made = f"{int(now)}.{socket.gethostname()}.{os.getpid()}.{next(_files):06d}"
        name = f"events.out.tfevents.{made}"  # TensorBoard reads them in the order of names
        self._file: BinaryIO = open_append(folder / name)
        self._write(self._event(wall_time=now, file_version="brain.Event:2"))
        if purge is not None:  # TensorBoard drops what earlier files hold from this step on
            start = event_pb2.SessionLog(status=event_pb2.SessionLog.START)
            self._write(self._event(wall_time=now, step=purge, session_log=start))

    def add(self, step: int, summary: Any) -> None:
        self._write(self._event(wall_time=time.time(), step=step, summary=summary))

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def _write(self, event: Any) -> None:
        data = event.SerializeToString()
        header = struct.pack("<Q", len(data))
        self._file.write(header + struct.pack("<I", self._crc(header)))
        self._file.write(data + struct.pack("<I", self._crc(data)))


def _session_end(status: str) -> Any:
    """The HParams view's end of a variant: how it ended (STATUS by the result's status)."""
    from tensorboardX.proto.api_pb2 import Status
    from tensorboardX.proto.plugin_hparams_pb2 import HParamsPluginData, SessionEndInfo
    from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata

    end = SessionEndInfo(status=Status.Value(STATUS.get(status, "STATUS_UNKNOWN")))
    content = HParamsPluginData(session_end_info=end, version=0).SerializeToString()
    plugin = SummaryMetadata.PluginData(plugin_name="hparams", content=content)
    tag = "_hparams_/session_end_info"
    return Summary(value=[Summary.Value(tag=tag, metadata=SummaryMetadata(plugin_data=plugin))])


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
