"""Checkpoints: everything a run needs to go on, in one file written atomically.

A checkpoint file is a first line naming the format, a JSON header line (the step, what
the run had reached, and the length of what follows), then the arrays of a pytree
(weights, optimizer state, running state) as Equinox writes them: numpy's own format,
never pickle; the whole file is sealed by its SHA-256 (compose.runs.seal). It is written
beside its final name, flushed to disk and renamed over it, and the one it replaces is
kept as `.prev`, so a crash while writing leaves the previous checkpoint whole, and a
file damaged later fails its checksum instead of loading. Reading checks the checksum,
then every value of the header, before anything of it is used: a run resumes from what
was written, or not at all. (A checkpoint of format 1, whose checksum covered its arrays
but not its header, is still read, its header checked, with a warning saying so.)
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import equinox as eqx
import jax
import numpy as np

from compose.recipe.problems import RecipeError
from compose.runs.checkpoint_header import header_problem
from compose.runs.names import CHECKPOINT, PREVIOUS_CHECKPOINT
from compose.runs.reading import read_file
from compose.runs.seal import Damaged, seal, unseal
from compose.runtime.files import write_atomic
from compose.trainer.listener import Listener

if TYPE_CHECKING:
    from compose.trainer.session import Result, Session

MAGIC = b"blockcompose checkpoint 2\n"
MAGIC_1 = b"blockcompose checkpoint 1\n"  # its header outside the checksum
FILE, PREVIOUS = CHECKPOINT, PREVIOUS_CHECKPOINT
UNSEALED_HEADER = "written by an earlier version: its header is not covered by its checksum"


class CheckpointError(Exception):
    """A checkpoint that cannot be read back: missing, of another format, or damaged
    (`damaged`: its checksum or header says it changed since it was written)."""

    def __init__(self, message: str, *, damaged: bool = False):
        super().__init__(message)
        self.damaged = damaged


def write(folder: Path, tree: Any, header: dict[str, Any]) -> Path:
    """Save `tree`'s arrays and `header` (plain JSON values) as the folder's checkpoint."""
    payload = serialised(tree)
    meta = json.dumps({**header, "bytes": len(payload)}).encode()
    path = folder / FILE
    write_atomic(path, seal(MAGIC + meta + b"\n" + payload), keep=folder / PREVIOUS)
    return path


def serialised(tree: Any) -> bytes:
    """`tree`'s arrays as Equinox writes them to a file (numpy's format, no pickle)."""
    buffer = io.BytesIO()
    eqx.tree_serialise_leaves(buffer, tree)
    return buffer.getvalue()


def arrays(data: bytes, skeleton: Any) -> Any:
    """The tree of `skeleton`'s structure whose arrays Equinox wrote as `data`, each array
    read only when its header gives the skeleton's shape (a damaged header cannot make it
    allocate more than the model holds). Raises ValueError (or Equinox's error) otherwise."""
    return eqx.tree_deserialise_leaves(io.BytesIO(data), skeleton, filter_spec=_leaf)


def _leaf(f: io.BytesIO, like: Any) -> Any:
    if isinstance(like, (jax.Array, jax.ShapeDtypeStruct, np.ndarray)) or eqx.is_array_like(like):
        expected = tuple(getattr(like, "shape", ()))
        at = f.tell()
        version = np.lib.format.read_magic(f)
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f"expected an array of format 1.0 or 2.0, got {version}")
        read_header = np.lib.format.read_array_header_1_0
        if version == (2, 0):
            read_header = np.lib.format.read_array_header_2_0
        shape = read_header(f)[0]
        if tuple(shape) != expected:
            raise ValueError(f"expected an array of shape {expected}, got {tuple(shape)}")
        f.seek(at)
    return eqx.default_deserialise_filter_spec(f, like)


def read(path: Path, skeleton: Any) -> tuple[Any, dict[str, Any]]:
    """(the tree, the header) saved at `path`; `skeleton` is a tree of the same structure,
    or a function making one from the header (what the checkpoint says it holds).

    Raises CheckpointError, naming the file, for anything but a whole checkpoint."""
    tree, meta, _ = _read(Path(path), skeleton)
    return tree, meta


def _read(path: Path, skeleton: Any) -> tuple[Any, dict[str, Any], list[str]]:
    """(tree, header, warnings) of the checkpoint at `path`."""
    meta, payload, warnings = _contents(path)
    try:
        if callable(skeleton):
            skeleton = skeleton(meta)
        tree = arrays(payload, skeleton)
    except Exception as err:  # a checkpoint of a different model
        raise CheckpointError(f"{path}: does not fit this recipe's model ({err})") from None
    return tree, meta, warnings


def _contents(path: Path) -> tuple[dict[str, Any], bytes, list[str]]:
    """(header, arrays' bytes, warnings) of a checkpoint file, its checksum and header
    checked."""
    try:
        raw = read_file(path)
    except RecipeError as err:
        raise CheckpointError("; ".join(map(str, err.problems)), damaged=True) from None
    if raw.startswith(MAGIC):
        try:
            body = unseal(raw)
        except Damaged as err:
            raise _damaged(path, str(err)) from None
        if body is None:
            raise _damaged(path, "cut short: its checksum is missing")
        meta, payload = _header(path, body[len(MAGIC) :])
        warnings = []
    elif raw.startswith(MAGIC_1):
        meta, payload = _header(path, raw[len(MAGIC_1) :])
        if (
            not isinstance(meta.get("sha256"), str)
            or hashlib.sha256(payload).hexdigest() != meta["sha256"]
        ):
            raise _damaged(path, "its arrays do not match their checksum")
        warnings = [f"{path}: {UNSEALED_HEADER}"]
    else:
        raise CheckpointError(f"{path}: expected a blockcompose checkpoint, got another file")
    return meta, payload, warnings


def _header(path: Path, body: bytes) -> tuple[dict[str, Any], bytes]:
    """(header, arrays' bytes) of a checkpoint's body, the header's every value checked."""
    line_end = body.find(b"\n")
    try:
        meta = json.loads(body[: max(line_end, 0)])
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _damaged(path, "its header is not readable") from None
    if not isinstance(meta, dict) or not {"bytes", "step"} <= set(meta):
        raise _damaged(path, "its header lacks the step or length")
    payload = body[line_end + 1 :]
    problem = header_problem(meta) or (
        "" if meta["bytes"] == len(payload) else f"bytes: {meta['bytes']}, for {len(payload)}"
    )
    if problem:
        raise _damaged(path, f"its header holds {problem}")
    return meta, payload


def _damaged(path: Path, why: str) -> CheckpointError:
    return CheckpointError(f"{path}: damaged ({why})", damaged=True)


def latest(folder: Path, skeleton: Any) -> tuple[Any, dict[str, Any], list[str]]:
    """The newest whole checkpoint in `folder`: (tree, header, warnings about damaged ones).

    Raises CheckpointError when there is none to resume from."""
    warnings, damaged = [], []
    for name in (FILE, PREVIOUS):
        path = folder / name
        if not path.exists() and not path.is_symlink():
            continue
        try:
            tree, meta, more = _read(path, skeleton)
        except CheckpointError as err:
            warnings.append(str(err))
            damaged.append(err.damaged)
            continue
        return tree, meta, warnings + more
    found = "; ".join(warnings) or f"no {FILE} in it"
    raise CheckpointError(
        f"{folder}: expected a checkpoint to resume from, got {found}",
        damaged=bool(damaged) and all(damaged),
    )


def resume_from(folder: str | Path) -> Callable[[Any], tuple[Any, dict[str, Any], list[str]]]:
    """What `Session.prepare(resume=...)` reads: the newest whole checkpoint in `folder`,
    given a skeleton of its arrays or what makes one from its header."""
    return functools.partial(latest, Path(folder))


class Checkpoints(Listener):
    """Writes the session's checkpoint every `every` steps (if set) and when training ends,
    however it ends, so that `compose run --resume` can go on from there.

    The regular checkpoints are written by a thread of their own while training goes on:
    what one holds is taken when it is asked for (the session's arrays, which later steps
    replace but never change). One is written at a time, and at most one every `pause`
    seconds of training (the session's `seconds`: compiling and pauses do not count), the
    start counting as one; a multiple of `every` reached sooner, or while a checkpoint is
    being written, is passed by, and the session's calls need not end there (XOR takes
    500 steps in a millisecond; writing one takes longer, and competes with training for
    the interpreter). So a run shorter than `pause` writes only the one at the end, and a
    crash loses at most about `pause` seconds of training. With `pause` 0 every multiple
    is written, each after the one before. The one at the end waits for the one before
    and is written before training is said to have ended. A write that failed is raised
    at the next one."""

    def __init__(self, folder: str | Path, every: int | None = None, *, pause: float = 1.0):
        self.folder, self.interval, self.pause = Path(folder), every, pause
        self._session: Session | None = None
        self._last = 0.0  # the session's seconds of training at the last regular checkpoint
        self.saved: int | None = None  # the step last saved (or being saved)
        self._asked: queue.SimpleQueue = queue.SimpleQueue()  # (tree, header) to write
        self._idle = threading.Event()
        self._idle.set()
        self._writer: threading.Thread | None = None
        self._failed: BaseException | None = None

    @property
    def every(self) -> int | None:  # type: ignore[override]
        """The steps between checkpoints while one is due, so the session ends a call at
        the next multiple; else None, so that calls in between need not end there."""
        return self.interval if self._due() else None

    def _due(self) -> bool:
        """Whether a checkpoint at the next multiple of `every` would be written."""
        if not self.interval or self.pause <= 0:
            return bool(self.interval)
        trained = math.inf if self._session is None else self._session.seconds
        return self._idle.is_set() and trained - self._last >= self.pause

    def started(self, session: Session) -> None:
        self._session, self._last = session, session.seconds

    def advanced(self, session: Session) -> None:
        at = session.step  # a call ends at a multiple of `every` while one is due
        if self.interval and at % self.interval == 0 and self.saved != at and self._due():
            self._last = session.seconds
            self.save(session, wait=False)

    def finished(self, session: Session, result: Result) -> None:
        if self.saved != session.step:
            self.save(session)
        self.wait()

    def save(self, session: Session, *, wait: bool = True) -> Path:
        """Write the session's checkpoint now (or, without `wait`, on the writing thread)."""
        self.wait()
        self.folder.mkdir(parents=True, exist_ok=True)
        tree, header = session.state_tree(), session.state_header()
        self.saved = session.step
        if wait:
            return write(self.folder, tree, header)
        if self._writer is None:  # one thread for the run, started once (starting costs)
            self._writer = threading.Thread(target=self._write, name="checkpoint", daemon=True)
            self._writer.start()
        self._idle.clear()
        self._asked.put((tree, header))
        return self.folder / FILE

    def wait(self) -> None:
        """Wait for a checkpoint being written; raise what made the last one fail."""
        self._idle.wait()
        failed, self._failed = self._failed, None
        if failed is not None:
            raise failed

    def _write(self) -> None:
        while True:
            tree, header = self._asked.get()
            try:
                write(self.folder, tree, header)
            except BaseException as err:  # handed to the training thread, which can say it
                self._failed = err
            finally:
                self._idle.set()
