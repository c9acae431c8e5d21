"""Opening a data file: regular files only, of a size that fits in memory, read no further.

A path may name anything: a directory, a named pipe (opening one for reading waits for a
writer), a device (/dev/zero never ends), a link to one of those, or a file that grows or
that the system makes up as it is read (/proc). So the path is looked at before it is
opened, opened without waiting (a pipe swapped in after the look is still seen, not waited
on), looked at again through what was opened, and read through a counter that stops at
the memory limit.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

from compose.data import sizes
from compose.runtime.files import kind


class FileProblem(Exception):
    """A file that cannot give data; the message says what was expected and what was found."""


# Open without waiting (a named pipe would wait for a writer), never as the controlling
# terminal, and not into child processes; where a system lacks a flag, without it.
_NO_WAIT = getattr(os, "O_NONBLOCK", 0)
_CLOSE_ON_EXEC = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)


def _check(mode: int, size: int, shown: str) -> None:
    """Raise FileProblem unless `mode` is a regular file's and `size` fits in memory."""
    if not stat.S_ISREG(mode):
        raise FileProblem(f"expected a regular file, got {shown}, which is {kind(mode)}")
    limit = sizes.memory_limit()
    if limit is not None and size > limit:
        raise FileProblem(_too_big(shown, sizes.text(size), limit))


def _too_big(shown: str, got: str, limit: int) -> str:
    return (
        f"{shown}: expected a file that fits in memory (at most {sizes.text(limit)}, half of "
        f"this machine's), got {got}"
    )


def open_regular(path: Path, shown: str, *, limit: bool = True) -> io.BufferedReader:
    """The file at `path` opened for reading in binary, if it is a regular file that fits
    in memory (a link is followed to what it names); reading past the memory limit (a file
    that grows, or one of /proc's, whose size says 0) raises FileProblem. With `limit`
    false, a file read a part at a time, any size is read.

    Raises FileProblem, saying what the path is, for anything else.
    """
    try:
        _check(os.stat(path).st_mode, 0, shown)  # nothing is opened unless it is a file
        fd = os.open(path, os.O_RDONLY | _NO_WAIT | _CLOSE_ON_EXEC)
    except OSError as err:
        raise FileProblem(f"cannot read {shown}: {err.strerror or err}") from None
    try:
        seen = os.fstat(fd)
        _check(seen.st_mode, seen.st_size if limit else 0, shown)
        if _NO_WAIT:
            os.set_blocking(fd, True)  # a regular file reads the same either way
        return io.BufferedReader(_Capped(fd, sizes.memory_limit() if limit else None, shown))
    except BaseException:
        os.close(fd)
        raise


class _Capped(io.RawIOBase):
    """A file descriptor read, seeked and closed as a raw file, raising FileProblem once a
    read goes past byte `cap` of the file (None: no cap)."""

    def __init__(self, fd: int, cap: int | None, shown: str):
        super().__init__()
        self._file = io.FileIO(fd, "rb", closefd=True)
        self._cap, self._shown, self._at = cap, shown, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._at = self._file.seek(offset, whence)
        return self._at

    def tell(self) -> int:
        return self._at

    def readinto(self, buffer) -> int | None:
        got = self._file.readinto(buffer)
        self._at += got or 0
        if self._cap is not None and self._at > self._cap:
            raise FileProblem(
                _too_big(self._shown, f"more than {sizes.text(self._cap)}", self._cap)
            )
        return got

    def close(self) -> None:
        self._file.close()
        super().close()
