"""The document's file: noticing that someone else changed it before it is replaced (by
compose.runtime.files.write_atomic, the one writer of every file the tool writes)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Stamp:
    """What a file was when the document last read or wrote it."""

    mtime_ns: int
    size: int
    digest: str


def stamp_of(path: Path) -> Stamp | None:
    """The file's stamp, None when there is no file."""
    try:
        raw = path.read_bytes()
        now = path.stat()
    except FileNotFoundError:
        return None
    return Stamp(now.st_mtime_ns, now.st_size, hashlib.sha256(raw).hexdigest())


def conflict(target: Path, own: Path | None, stamp: Stamp | None) -> str | None:
    """Why writing `target` would lose someone's work, or None.

    `own` is the document's file and `stamp` what it was when last read or written (None:
    it did not exist). Another existing file is never replaced; the own file only if it is
    as the document left it (same time and size, or else the same contents).
    """
    if own is None or target.resolve() != own.resolve():
        return "it already exists" if target.exists() else None
    if not target.exists():
        return None  # deleted: writing it again loses nothing
    if stamp is None:
        return "it was created after the document was opened"
    now = target.stat()
    if (now.st_mtime_ns, now.st_size) == (stamp.mtime_ns, stamp.size):
        return None
    if hashlib.sha256(target.read_bytes()).hexdigest() == stamp.digest:
        return None  # touched, not changed
    return "it changed on disk since it was opened or last saved"
