"""Reading CSV tables: parsed once per version of a file, then kept in a small cache.

A file is read only if it is a regular file that fits in memory (compose.data.regular),
its lines at most LONGEST_LINE characters. Its cells are never echoed in messages, and
its first row is named back (as the columns it has) only when it reads as a header.
"""

from __future__ import annotations

import array
import csv
import io
import itertools
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from compose.data import csv_cells, sizes
from compose.data.regular import FileProblem, open_regular
from compose.recipe.problems import did_you_mean

# A CSV source's columns, as the cache keys them: (input, ((column, onehot, classes), ...)).
ColumnsKey = tuple[tuple[str, tuple[tuple[str, bool, tuple[str, ...] | None], ...]], ...]
CACHE_SIZE = 4  # parsed CSV files kept, so that check and training parse a file once
OVERFLOW = csv_cells.FLOAT32_OVERFLOW
LONGEST_LINE = 1 << 24  # characters: a line is read whole before its cells are split
Issues = tuple[tuple[str, str | None, int], ...]


@dataclass(frozen=True)
class Table:
    """A parsed CSV source: an array per input (rows, values per row), or the issues that
    stop it, each said of the file (input None) or of one listed column (input, index).
    `not_finite` says, in the same way, the columns holding NaN or infinity (the arrays
    hold them too: whether that stops the data is the data section's `non_finite`);
    `lines` is each row's line in the file; `classes` the class names, in order, of each
    input that is one one-hot column, and `column_classes` of each one-hot column."""

    arrays: dict[str, np.ndarray]
    issues: Issues = ()
    not_finite: Issues = ()
    lines: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    classes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    column_classes: dict[str, tuple[str, ...]] = field(default_factory=dict)


_CACHE: OrderedDict[tuple, Table] = OrderedDict()  # least recently used first
_LOCK = threading.Lock()  # the editor may check while a run loads


def read_csv(path: Path, columns: ColumnsKey, shown: str) -> Table:
    """The CSV file's arrays for these columns; parsed once per version of the file."""
    try:
        seen = path.stat()
        version = (seen.st_dev, seen.st_ino, seen.st_mtime_ns, seen.st_size)
        key = (str(path.resolve()), *version, columns, shown)  # messages name `shown`
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
        with open_regular(path, shown) as raw, _text(raw) as f:
            rows = csv.reader(_lines(f, shown), skipinitialspace=True)
            header = [cell.strip() for cell in next(rows, [])]
            if not header:
                return _file_issue(
                    f"{shown}: expected a header row naming the columns, got an empty file"
                )
            found = _find_columns(header, columns, shown, rows)
            if found.issues:
                return found
            return _read_rows(rows, header, columns, shown)
    except FileProblem as err:
        return _file_issue(str(err))
    except OSError as err:
        return _file_issue(f"cannot read {shown}: {err.strerror or err}")
    except UnicodeDecodeError as err:
        return _file_issue(
            f"{shown}: expected UTF-8 text, got the byte 0x{err.object[err.start]:02x}"
        )
    except csv.Error as err:
        return _file_issue(f"{shown}: expected CSV, got {err}")


def _text(raw: io.BufferedReader) -> io.TextIOWrapper:
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _lines(f: io.TextIOWrapper, shown: str) -> Iterator[str]:
    """The file's lines, refusing one longer than LONGEST_LINE before it is all in memory."""
    while line := f.readline(LONGEST_LINE + 1):
        if len(line) > LONGEST_LINE:
            raise FileProblem(
                f"{shown}: expected lines of at most {LONGEST_LINE:,} characters, got a longer one"
            )
        yield line


def _file_issue(message: str) -> Table:
    return Table({}, ((message, None, 0),))


def _find_columns(header: list[str], columns: ColumnsKey, shown: str, rows) -> Table:
    """Issues with the header: a listed column it lacks, or names twice. The header is
    named back only when it reads as one (with the rows under it); else it is not shown."""
    issues = []
    unlike = None  # why the first row is not a header, once a column is missing
    for name, listed in columns:
        for i, (column, _, _) in enumerate(listed):
            count = header.count(column)
            if count == 0:
                if unlike is None:
                    unlike = csv_cells.not_a_header(header, _first_rows(rows))
                message = f"input '{name}': {shown} has no column '{column}'"
                if unlike:
                    message += (
                        f" and does not read as a CSV file with a header row ({unlike}); "
                        "its first row is not shown"
                    )
                hint = "" if unlike else did_you_mean(column, header)
                issues.append((message + (f" ({hint})" if hint else ""), name, i))
            elif count > 1:
                message = f"input '{name}': {shown} names column '{column}' {count} times"
                issues.append((message, name, i))
    return Table({}, tuple(issues))


def _first_rows(rows) -> list[tuple[int, list[str]]]:
    """The next FIRST_ROWS rows that are not blank, each with its line."""
    first = ((rows.line_num, row) for row in rows if row)
    return list(itertools.islice(first, csv_cells.FIRST_ROWS))


def _read_rows(rows, header: list[str], columns: ColumnsKey, shown: str) -> Table:
    """Every row's used cells: numbers where a number is wanted, text for one-hot columns."""
    used = sorted({header.index(c) for _, listed in columns for c, _, _ in listed})
    onehot = {header.index(c) for _, listed in columns for c, hot, _ in listed if hot}
    numbers = {i: array.array("d") for i in used if i not in onehot}
    texts: dict[int, list[str]] = {i: [] for i in onehot}
    lines = array.array("q")
    odd: dict[tuple[str, int], list] = {}  # (kind, column) -> [first line, first cell, count]
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
            cell = row[i]
            try:  # the common case, inline: ASCII float() text, a number float32 holds
                value = float(cell) if cell.isascii() and "_" not in cell else None
            except ValueError:
                value = None
            if value is not None and -OVERFLOW < value < OVERFLOW:
                values.append(value)
            else:
                values.append(_number(cell, i, rows.line_num, odd))
        for i, values in texts.items():
            values.append(row[i].strip())
    issues = _row_issues(ragged, bool(lines), len(header), shown)
    issues += _number_issues(odd, header, columns, shown, ("not a number", "too large"))
    arrays, named, by_column = {}, {}, {}
    for name, listed in columns:
        parts = []
        for i, (column, hot, classes) in enumerate(listed):
            index = header.index(column)
            if not hot:
                parts.append(np.asarray(numbers[index], np.float32)[:, None])
                continue
            encoded, issue, classes = _onehot(texts[index], classes, lines, column, shown)
            if issue:
                issues.append((f"input '{name}': {issue}", name, i))
            if len(listed) == 1:
                named[name] = tuple(classes)
            by_column[column] = tuple(classes)
            parts.append(encoded)
        arrays[name] = np.concatenate(parts, axis=1) if parts else np.zeros((len(lines), 0))
        arrays[name].flags.writeable = False  # shared through the cache
    if issues:
        return Table({}, tuple(issues))
    not_finite = _number_issues(odd, header, columns, shown, ("not finite",))
    return Table(arrays, (), tuple(not_finite), np.asarray(lines, np.int64), named, by_column)


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


_EXPECTED = {
    "not a number": "a number",
    "too large": "a number within float32's range (±3.4e38)",
    "not finite": "a finite number",
}


def _number_issues(odd: dict, header: list[str], columns: ColumnsKey, shown: str, kinds) -> list:
    """For each listed column read as numbers, its first cell of each of these kinds."""
    issues = []
    for name, listed in columns:
        for i, (column, hot, _) in enumerate(listed):
            index = header.index(column)
            for kind in kinds:
                if (kind, index) in odd and not hot:
                    line, cell, count = odd[kind, index]
                    got = csv_cells.described(cell, kind)
                    more = f" (and {count - 1} more in that column)" if count > 1 else ""
                    message = (
                        f"input '{name}': expected {_EXPECTED[kind]} in {shown} line {line}, "
                        f"column '{column}', got {got}{more}"
                    )
                    issues.append((message, name, i))
    return issues


def _number(cell: str, column: int, line: int, odd: dict) -> float:
    """The cell's value: a plain number as itself, NaN or infinity as written (noted in
    `odd`), anything else noted in `odd` and read as 0."""
    text = cell.strip()
    kind, value = csv_cells.number(text)
    if kind == "number":
        return value
    record = odd.setdefault((kind, column), [line, text, 0])
    record[2] += 1
    return value if kind == "not finite" else 0.0


def _onehot(cells: list[str], classes, lines, column: str, shown: str):
    """(one-hot rows (rows, classes), an issue or "", the classes): classes as given, else
    the sorted values found (as numbers when every value is one)."""
    if classes is None:
        found = set(cells) - {""}
        every = all(map(csv_cells.is_number, found))
        classes = sorted(found, key=float) if every else sorted(found)
    if too_big := _onehot_size_issue(len(cells), len(classes), column, shown):
        return np.zeros((len(cells), 0), np.float32), too_big, classes
    index = {c: k for k, c in enumerate(classes)}
    codes = np.array([index.get(cell, -1) for cell in cells], np.int64)
    encoded = np.zeros((len(cells), len(classes)), np.float32)
    known = codes >= 0
    encoded[np.flatnonzero(known), codes[known]] = 1.0
    missing = np.flatnonzero(~known)
    if len(missing) == 0:
        return encoded, "", classes
    got = csv_cells.described(cells[missing[0]])
    known = ", ".join(classes[:8]) + (", ..." if len(classes) > 8 else "")
    more = f" (and {len(missing) - 1} more in that column)" if len(missing) > 1 else ""
    issue = (
        f"expected one of the classes {known} in {shown} line {lines[missing[0]]}, "
        f"column '{column}', got {got}{more}"
    )
    return encoded, issue, classes


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
