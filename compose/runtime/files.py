"""Files written safely, and strict JSON: what every writer of a run folder, a picture or a
recipe uses.

A file is replaced whole: written to a temporary file beside it, created exclusively under
an unpredictable name (never through a link someone planted there), flushed to disk, then
renamed over it, so a crash at any moment leaves it either as it was or as it should be.
A target that is a link is refused, never written through, and so is one that is not a
regular file. Logs are appended to through a descriptor opened without following a link,
and only when it is a regular file. Folders below the one a user named are made or
entered one at a time, refusing a link at each.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

# Where a system lacks a flag it goes without it (O_NOFOLLOW: the link check before still
# refuses a link that was there when looked at).
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOSE_ON_EXEC = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
_NO_WAIT = getattr(os, "O_NONBLOCK", 0)  # a named pipe would wait for a reader


class UnsafePath(OSError):
    """A path the tool will not write: a link, something that is not a regular file (or a
    folder, where one is made), or below one. The message starts with the path."""


def what_is(path: Path) -> str | None:
    """What is at `path` in words, not following a link ("a symbolic link to X", "a
    folder", "a named pipe", ...), "a file" for a regular file, None for nothing."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return "a path below a file"
    if stat.S_ISLNK(mode):
        return f"a symbolic link to {os.readlink(path)}"
    return kind(mode)


def kind(mode: int) -> str:
    """A file's kind in words, from its mode."""
    for test, name in (
        (stat.S_ISREG, "a file"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def refuse_unless_file(path: Path) -> os.stat_result | None:
    """Raise UnsafePath unless `path` is a regular file or nothing (then None); a link is
    refused, never followed."""
    try:
        seen: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        seen = None
    if seen is None or not stat.S_ISREG(seen.st_mode):
        raise UnsafePath(refusal(path, "a file to write"))
    return seen


def write_atomic(path: Path, data: bytes, *, keep: Path | None = None) -> None:
    """Replace `path` by `data` all at once: a crash leaves the old file or the new, whole.
    A new file gets the usual mode (0o666 less the umask); a replaced one keeps its own.

    With `keep`, the old file is moved there first (the previous checkpoint). Raises
    UnsafePath when `path` or `keep` is a link or not a regular file."""
    with replacing(path, keep=keep) as out:
        out.write(data)


@contextlib.contextmanager
def replacing(path: Path, *, keep: Path | None = None) -> Iterator[BinaryIO]:
    """A binary file to write that replaces `path` whole when the block ends without an
    error (written beside it under an unpredictable name, then renamed over it), also for
    output too large to hold in memory; on an error `path` is left as it was. With `keep`,
    the old file is moved there first. Raises UnsafePath when `path` or `keep` is a link
    or not a regular file."""
    path = Path(path)
    old = refuse_unless_file(path)
    if keep is not None:
        refuse_unless_file(keep)
    temporary = path.with_name(f".{path.name}.{os.urandom(8).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_FOLLOW | _CLOSE_ON_EXEC
    handle = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if old is not None:
            os.chmod(temporary, stat.S_IMODE(old.st_mode))
        if keep is not None and old is not None:
            os.replace(path, keep)  # a rename: it moves the entry, never writes through
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(path.parent)


def open_append(path: Path) -> BinaryIO:
    """`path` opened for appending in binary (made if missing), never through a link, and
    only when it is a regular file; raises UnsafePath otherwise."""
    path = Path(path)
    refuse_unless_file(path)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NO_FOLLOW | _NO_WAIT | _CLOSE_ON_EXEC
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as err:  # a link or a pipe put there after the look
        raise UnsafePath(refusal(path, "a file to append to")) from err
    try:
        seen = os.fstat(fd)
        if not stat.S_ISREG(seen.st_mode):
            raise UnsafePath(f"{path}: expected a file to append to, got {kind(seen.st_mode)}")
        if _NO_WAIT:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "ab")
    except BaseException:
        os.close(fd)
        raise


def make_folder(root: Path, *names: str) -> Path:
    """The folder `root/names...`, made where missing; `root` is the user's own (a link
    to a folder there is followed), each of `names` below it must be a folder of its own:
    a link or a file there raises UnsafePath."""
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = path / name
        try:
            path.mkdir()
            continue
        except FileExistsError:
            pass
        if what_is(path) != "a folder":
            raise UnsafePath(refusal(path, "a folder"))
    return path


def not_a_folder(path: Path) -> str | None:
    """What is at a path a user named for a folder to write into, when it cannot be one:
    "a file", "a symbolic link to nothing", "a path below a file"...; None for a folder
    (or a link to one: the user's own) or nothing there."""
    got = what_is(path)
    if got is None or path.is_dir():
        return None
    if got.startswith("a symbolic link"):
        return "a symbolic link to " + (kind(path.stat().st_mode) if path.exists() else "nothing")
    return got


def refusal(path: Path, expected: str) -> str:
    """`PATH: expected EXPECTED, got WHAT IS THERE`, saying that a link is not followed."""
    got = what_is(path) or "nothing"
    why = " (a link is never written through)" if got.startswith("a symbolic link") else ""
    return f"{path}: expected {expected}, got {got}{why}"


def _sync_folder(folder: Path) -> None:
    """Make the renames themselves durable (where the system allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def to_json(value: Any, **kwargs: Any) -> str:
    """Strict JSON: a NaN or infinite number is written as null."""
    return json.dumps(json_ready(value), allow_nan=False, **kwargs)


def json_ready(value: Any) -> Any:
    """Plain data for strict JSON: tuples as lists, a NaN or infinite number as None."""
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
