"""Reading data files: NumPy .npz archives (headers alone to check, arrays to train) and
CSV tables (parsed once per file version, then kept in a small cache).

Nothing here executes code from a file: .npz arrays are read with `allow_pickle=False`
and arrays of Python objects are refused from their header.
"""

from __future__ import annotations

import array
import csv
import math
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compose.data import sizes
from compose.recipe.problems import did_you_mean

Shape = tuple[int, ...]
# A CSV source's columns, as the cache keys them: (input, ((column, onehot, classes), ...)).
ColumnsKey = tuple[tuple[str, tuple[tuple[str, bool, tuple[str, ...] | None], ...]], ...]
CACHE_SIZE = 4  # parsed CSV files kept, so that check and training parse a file once
NUMERIC = "biuf"  # dtype kinds read as numbers: bool, signed, unsigned, float


class FileProblem(Exception):
    """A file that cannot give data; the message says what was expected and what was found."""


def npz_headers(path: Path, shown: str) -> dict[str, tuple[Shape, np.dtype]]:
    """Each array's shape and dtype in a .npz archive, from its .npy header alone."""
    try:
        with zipfile.ZipFile(path) as archive:
            return {
                info.filename[: -len(".npy")]: _npy_header(archive, info, shown)
                for info in archive.infolist()
                if info.filename.endswith(".npy")
            }
    except OSError as err:
        raise FileProblem(f"cannot read {shown}: {err.strerror or err}") from None
    except zipfile.BadZipFile as err:
        raise FileProblem(
            f"expected a NumPy .npz archive, got {shown}, which is not one ({err})"
        ) from None


def _npy_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str):
    name = info.filename[: -len(".npy")]
    try:
        with archive.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError(f"unsupported .npy version {version}")
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as err:
        raise FileProblem(f"{shown} array '{name}': expected a .npy header, got {err}") from None
    if dtype.hasobject:
        raise FileProblem(
            f"{shown} array '{name}': expected numbers, got Python objects, which are never loaded"
        )
    if dtype.kind not in NUMERIC:
        raise FileProblem(f"{shown} array '{name}': expected numbers, got dtype {dtype}")
    return tuple(shape), dtype


def npz_load(path: Path, names: set[str], shown: str) -> dict[str, np.ndarray]:
    """The named arrays of a .npz archive (those it has), never unpickling anything."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files if name in names}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise FileProblem(f"cannot read {shown}: {err}") from None


@dataclass(frozen=True)
class Table:
    """A parsed CSV source: an array per input (rows, values per row), or the issues that
    stop it, each said of the file (input None) or of one listed column (input, index)."""

    arrays: dict[str, np.ndarray]
    issues: tuple[tuple[str, str | None, int], ...] = ()


_CACHE: OrderedDict[tuple, Table] = OrderedDict()  # least recently used first
_LOCK = threading.Lock()  # the editor may check while a run loads


def read_csv(path: Path, columns: ColumnsKey, shown: str) -> Table:
    """The CSV file's arrays for these columns; parsed once per version of the file."""
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, columns)
    except OSError as err:
        return Table({}, ((f"cannot read {shown}: {err.strerror or err}", None, 0),))
    with _LOCK:
        table = _CACHE.get(key)
        if table is not None:
            _CACHE.move_to_end(key)
            return table
    table = _parse_csv(path, columns, shown)
    with _LOCK:
        _CACHE[key] = table
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return table


def _parse_csv(path: Path, columns: ColumnsKey, shown: str) -> Table:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = csv.reader(f, skipinitialspace=True)
            header = [cell.strip() for cell in next(rows, [])]
            if not header:
                return _file_issue(
                    f"{shown}: expected a header row naming the columns, got an empty file"
                )
            found = _find_columns(header, columns, shown)
            if found.issues:
                return found
            return _read_rows(rows, header, columns, shown)
    except OSError as err:
        return _file_issue(f"cannot read {shown}: {err.strerror or err}")
    except UnicodeDecodeError as err:
        return _file_issue(
            f"{shown}: expected UTF-8 text, got the byte 0x{err.object[err.start]:02x}"
        )
    except csv.Error as err:
        return _file_issue(f"{shown}: expected CSV, got {err}")


def _file_issue(message: str) -> Table:
    return Table({}, ((message, None, 0),))


def _find_columns(header: list[str], columns: ColumnsKey, shown: str) -> Table:
    """Issues with the header: a listed column it lacks, or names twice."""
    issues = []
    for name, listed in columns:
        for i, (column, _, _) in enumerate(listed):
            count = header.count(column)
            if count == 0:
                hint = did_you_mean(column, header)
                message = f"input '{name}': {shown} has no column '{column}'"
                issues.append((message + (f" ({hint})" if hint else ""), name, i))
            elif count > 1:
                message = f"input '{name}': {shown} names column '{column}' {count} times"
                issues.append((message, name, i))
    return Table({}, tuple(issues))


def _read_rows(rows, header: list[str], columns: ColumnsKey, shown: str) -> Table:
    """Every row's used cells: numbers where a number is wanted, text for one-hot columns."""
    used = sorted({header.index(c) for _, listed in columns for c, _, _ in listed})
    onehot = {header.index(c) for _, listed in columns for c, hot, _ in listed if hot}
    numbers = {i: array.array("d") for i in used if i not in onehot}
    texts: dict[int, list[str]] = {i: [] for i in onehot}
    lines = array.array("q")
    bad: dict[int, list] = {}  # column -> [first line, first cell, count]
    ragged: list = []  # [first line, its cell count, count]
    for row in rows:
        if not row:
            continue  # a blank line
        if len(row) != len(header):
            ragged = ragged or [rows.line_num, len(row), 0]
            ragged[2] += 1
            continue
        lines.append(rows.line_num)
        for i, values in numbers.items():
            values.append(_number(row[i], i, rows.line_num, bad))
        for i, values in texts.items():
            values.append(row[i].strip())
    issues = _row_issues(ragged, bool(lines), len(header), shown)
    issues += _number_issues(bad, header, columns, shown)
    arrays = {}
    for name, listed in columns:
        parts = []
        for i, (column, hot, classes) in enumerate(listed):
            index = header.index(column)
            if not hot:
                parts.append(np.asarray(numbers[index], np.float32)[:, None])
                continue
            encoded, issue = _onehot(texts[index], classes, lines, column, shown)
            if issue:
                issues.append((f"input '{name}': {issue}", name, i))
            parts.append(encoded)
        arrays[name] = np.concatenate(parts, axis=1) if parts else np.zeros((len(lines), 0))
        arrays[name].flags.writeable = False  # shared through the cache
    return Table({} if issues else arrays, tuple(issues))


def _row_issues(ragged: list, has_rows: bool, cells: int, shown: str) -> list:
    """Issues with the rows as a whole: some not as long as the header, or none at all."""
    if ragged:
        line, got, count = ragged
        more = f" (and {count - 1} more rows)" if count > 1 else ""
        message = f"{shown} line {line}: expected {cells} cells, as the header has, got {got}{more}"
        return [(message, None, 0)]
    if not has_rows:
        return [(f"{shown}: expected rows of data after the header, got none", None, 0)]
    return []


def _number_issues(bad: dict, header: list[str], columns: ColumnsKey, shown: str) -> list:
    """For each listed column read as numbers, the first cell that is not a finite number."""
    issues = []
    for name, listed in columns:
        for i, (column, hot, _) in enumerate(listed):
            index = header.index(column)
            if index in bad and not hot:
                line, cell, count = bad[index]
                got = _cell(cell)
                more = f" (and {count - 1} more in that column)" if count > 1 else ""
                message = (
                    f"input '{name}': expected a number in {shown} line {line}, "
                    f"column '{column}', got {got}{more}"
                )
                issues.append((message, name, i))
    return issues


def _number(cell: str, column: int, line: int, bad: dict) -> float:
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    if math.isfinite(value):
        return value
    record = bad.setdefault(column, [line, cell.strip(), 0])
    record[2] += 1
    return 0.0


def _onehot(cells: list[str], classes, lines, column: str, shown: str):
    """(one-hot rows (rows, classes), an issue or ""): classes as given, else the sorted
    values found (as numbers when every value is one)."""
    if classes is None:
        found = set(cells) - {""}
        classes = sorted(found, key=float) if all(map(_is_number, found)) else sorted(found)
    if too_big := _onehot_size_issue(len(cells), len(classes), column, shown):
        return np.zeros((len(cells), 0), np.float32), too_big
    index = {c: k for k, c in enumerate(classes)}
    codes = np.array([index.get(cell, -1) for cell in cells], np.int64)
    encoded = np.zeros((len(cells), len(classes)), np.float32)
    known = codes >= 0
    encoded[np.flatnonzero(known), codes[known]] = 1.0
    missing = np.flatnonzero(~known)
    if len(missing) == 0:
        return encoded, ""
    got = _cell(cells[missing[0]])
    known = ", ".join(classes[:8]) + (", ..." if len(classes) > 8 else "")
    more = f" (and {len(missing) - 1} more in that column)" if len(missing) > 1 else ""
    return encoded, (
        f"expected one of the classes {known} in {shown} line {lines[missing[0]]}, "
        f"column '{column}', got {got}{more}"
    )


def _cell(text: str) -> str:
    """A cell as messages describe it: a data file's values are never echoed (they may be
    long, binary or private); its line and column say where it is."""
    if text == "":
        return "an empty cell"
    return f"text of {len(text):,} character{'s' * (len(text) != 1)}"


def _onehot_size_issue(rows: int, classes: int, column: str, shown: str) -> str:
    """Why a one-hot of `rows` x `classes` float32 is not made, if it would not fit."""

    limit, nbytes = sizes.memory_limit(), rows * classes * 4
    if limit is None or nbytes <= limit:
        return ""
    return (
        f"expected a one-hot column that fits in memory (at most {sizes.text(limit)}, half "
        f"of this machine's), got {classes:,} classes in {shown} column '{column}' over "
        f"{rows:,} rows: an estimated {sizes.text(nbytes)}"
    )


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
