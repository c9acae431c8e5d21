"""NumPy .npz archives: each array's shape and dtype from its .npy header, its values
streamed to find any that are not finite, and the arrays themselves; nothing is unpickled.

An archive is a zip file, which says how many bytes each member unpacks to; each member's
.npy header says its array's shape and dtype. Both are read, and must agree and fit in
memory, before any array's data is unpacked, so an archive that unpacks to far more than
it holds (a zip bomb) is refused from its directory. Array `NAME` is the member
`NAME.npy`, the one rule for checking and training; an archive that also holds a member
named plain `NAME` (which `numpy.load` would read instead), or a member twice, is refused.
"""

from __future__ import annotations

import math
import threading
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

try:
    import lzma
except ImportError:  # a Python built without it reads no lzma members either
    lzma = None

import numpy as np

from compose.data import sizes
from compose.data.regular import FileProblem, open_regular

Shape = tuple[int, ...]
NUMERIC = "biuf"  # dtype kinds read as numbers: bool, signed, unsigned, float
CHUNK = 1 << 20  # bytes of an array looked at at once when looking for values not finite
# What reading a damaged archive raises: zipfile's own, and its decompressors' (zlib's,
# lzma's; bz2's are OSError).
_ERRORS = (OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zipfile.BadZipFile)
_ERRORS += (zlib.error, *([lzma.LZMAError] if lzma else []))


@dataclass(frozen=True)
class Header:
    """What a member's .npy header says: the array's shape and dtype, its memory order,
    and where its data starts in the member."""

    shape: Shape
    dtype: np.dtype
    fortran: bool
    offset: int

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


@dataclass(frozen=True)
class Scanned:
    """An array's values that are not finite: which of its `examples` hold one (a bit per
    example along the leading axis, packed, as scans are kept), how many values, and the
    first one's index and kind (`NaN`, `infinity`, `-infinity`)."""

    packed: np.ndarray
    examples: int
    count: int
    first: Shape
    kind: str

    @property
    def rows(self) -> np.ndarray:
        """A mask over the examples, (examples,): True where one holds a value not finite."""
        return np.unpackbits(self.packed, count=self.examples).astype(bool)


def headers(path: Path, shown: str) -> dict[str, tuple[Shape, np.dtype]]:
    """Each array's shape and dtype, from the archive's directory and .npy headers alone."""
    out = {}
    with _archive(path, shown) as archive:
        for name, info in _members(archive, shown).items():
            header = _header(archive, info, shown)
            out[name] = (header.shape, header.dtype)
    return out


def load(path: Path, names: set[str], shown: str) -> dict[str, np.ndarray]:
    """The named arrays the archive has, each checked from its header before it is read."""
    out = {}
    with _archive(path, shown) as archive:
        members = _members(archive, shown)
        for name in sorted(names & members.keys()):
            _header(archive, members[name], shown)
            with _member(archive, members[name], shown) as f:
                out[name] = np.lib.format.read_array(f, allow_pickle=False)
    return out


_FOUND: OrderedDict[tuple, Scanned | None] = OrderedDict()  # least recently used first
_LOCK = threading.Lock()  # the editor may check while a run loads
KEPT = 16  # arrays whose scan is kept, so that checking again reads nothing


def not_finite(path: Path, names: set[str], shown: str) -> dict[str, Scanned]:
    """The named float arrays' values that are not finite, read a chunk at a time (never a
    whole array); an array's result is kept while its file is unchanged."""
    out = {}
    with _archive(path, shown) as archive:
        members = _members(archive, shown)
        version = _version(path)
        for name in sorted(names & members.keys()):
            key = (*version, name)
            with _LOCK:
                kept = key in _FOUND
                found = _FOUND.get(key)
                if kept:
                    _FOUND.move_to_end(key)
            if not kept:
                found = _scan(archive, members[name], shown)
                with _LOCK:
                    _FOUND[key] = found
                    while len(_FOUND) > KEPT:
                        _FOUND.popitem(last=False)
            if found is not None:
                out[name] = found
    return out


def _version(path: Path) -> tuple:
    seen = path.stat()
    return (str(path.resolve()), seen.st_dev, seen.st_ino, seen.st_mtime_ns, seen.st_size)


@contextmanager
def _archive(path: Path, shown: str) -> Iterator[zipfile.ZipFile]:
    """The archive, opened as a regular file; what fails while reading it, a FileProblem."""
    try:
        with open_regular(path, shown) as f, zipfile.ZipFile(f) as archive:
            yield archive
    except zipfile.BadZipFile as err:
        message = f"expected a NumPy .npz archive, got {shown}, which is not one ({err})"
        raise FileProblem(message) from None
    except _ERRORS as err:
        raise FileProblem(f"cannot read {shown}: {getattr(err, 'strerror', None) or err}") from None


def _members(archive: zipfile.ZipFile, shown: str) -> dict[str, zipfile.ZipInfo]:
    """Each array's member (`NAME.npy` gives array `NAME`), refusing a name two members give."""
    arrays: dict[str, zipfile.ZipInfo] = {}
    plain = set()
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            plain.add(info.filename)
        elif (name := info.filename[: -len(".npy")]) in arrays:
            raise FileProblem(f"{shown}: expected each member once, got '{info.filename}' twice")
        else:
            arrays[name] = info
    if both := sorted(plain & arrays.keys()):
        name = both[0]
        raise FileProblem(
            f"{shown}: expected one member for array '{name}', got both '{name}.npy' and "
            f"'{name}' (numpy.load would read '{name}'), so which is the array is unclear"
        )
    return arrays


@contextmanager
def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> Iterator[IO]:
    """A member opened to read; what fails while reading it names the array."""
    name = info.filename[: -len(".npy")]
    try:
        with archive.open(info) as f:
            yield f
    except _ERRORS as err:
        raise FileProblem(f"{shown} array '{name}': cannot be read ({err})") from None


def _header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> Header:
    """The member's .npy header, once its unpacked size fits in memory and it says numbers
    whose size is the member's."""
    name, limit = info.filename[: -len(".npy")], sizes.memory_limit()
    if limit is not None and info.file_size > limit:
        raise FileProblem(
            f"{shown} array '{name}': expected an array that fits in memory (at most "
            f"{sizes.text(limit)}, half of this machine's), got a member that unpacks to "
            f"{sizes.text(info.file_size)}"
        )
    try:
        with archive.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f"unsupported .npy version {version}")
            read = getattr(np.lib.format, f"read_array_header_{version[0]}_0")
            shape, fortran, dtype = read(f)
            header = Header(tuple(shape), dtype, fortran, f.tell())
    except _ERRORS as err:
        raise FileProblem(f"{shown} array '{name}': expected a .npy header, got {err}") from None
    if dtype.hasobject:
        raise FileProblem(
            f"{shown} array '{name}': expected numbers, got Python objects, which are never loaded"
        )
    if dtype.kind not in NUMERIC:
        raise FileProblem(f"{shown} array '{name}': expected numbers, got dtype {dtype}")
    if any(n < 0 for n in header.shape) or header.offset + header.nbytes != info.file_size:
        raise FileProblem(
            f"{shown} array '{name}': expected a member of {header.offset + header.nbytes:,} "
            f"bytes, as its header says (shape {header.shape}, {dtype}), got "
            f"{info.file_size:,}"
        )
    return header


def _scan(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> Scanned | None:
    """Where a float array's values are not finite, reading CHUNK bytes at a time."""
    h = _header(archive, info, shown)
    if h.dtype.kind != "f" or h.nbytes == 0:
        return None
    shape = h.shape or (1,)
    total, per = math.prod(shape), math.prod(shape[1:])
    rows, count, first, kind = np.zeros(shape[0], bool), 0, (), ""
    step = max(1, CHUNK // h.dtype.itemsize)
    with _member(archive, info, shown) as f:
        f.read(h.offset)
        for start in range(0, total, step):
            size = min(step, total - start) * h.dtype.itemsize
            data = f.read(size)
            if len(data) < size:
                raise FileProblem(f"{shown} array '{info.filename[:-4]}': ends within its data")
            values = np.frombuffer(data, h.dtype)
            bad = np.flatnonzero(~np.isfinite(values))
            if not len(bad):
                continue
            at = bad + start
            rows[at % shape[0] if h.fortran else at // per] = True
            if not count:
                order = "F" if h.fortran else "C"
                first = tuple(int(i) for i in np.unravel_index(at[0], shape, order=order))
                kind = _kind(float(values[bad[0]]))
            count += len(bad)
    return Scanned(np.packbits(rows), len(rows), count, first, kind) if count else None


def _kind(value: float) -> str:
    """A value that is not finite, in words: NaN, infinity or -infinity."""
    return "NaN" if math.isnan(value) else ("infinity" if value > 0 else "-infinity")
