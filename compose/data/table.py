"""A table of the training file's columns made into the model's inputs, by the columns a
run's transformations name (compose.data.transforms): a number per column, a one-hot
value per class of a class column, as training read them.

A table is a CSV file's rows (the cells as written, with their lines) or columns given
from Python (name -> array). A column the inputs need and the table lacks, a cell that is
not a number, a class the run never saw: each is a located problem naming the column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from compose.data import csv_cells
from compose.data.transforms import CsvColumn, Transforms
from compose.recipe.problems import Problem, RecipeError, Where

Arrays = dict[str, np.ndarray]
OVERFLOW = csv_cells.FLOAT32_OVERFLOW
_EXPECTED = {"not a number": "a number", "too large": "a number within float32's range"}
_EXPECTED["not finite"] = "a finite number"


def columns_of(transforms: Transforms, names: Sequence[str]) -> list[tuple[str, tuple]]:
    """(input, its CsvColumns) for each of `names` read from CSV columns, in that order."""
    columns = dict(transforms.columns)
    return [(name, columns[name]) for name in names if name in columns]


def missing(transforms: Transforms, names: Sequence[str], header: Sequence[str], shown: str):
    """A problem for each column the inputs `names` read that the table lacks, naming the
    input's shape and what the table's columns would give it."""
    out = []
    for name, columns in columns_of(transforms, names):
        lacking = [c.name for c in columns if c.name not in header]
        if not lacking:
            continue
        shape = (sum(c.width for c in columns),)
        got = (sum(c.width for c in columns if c.name in header),)
        listed = ", ".join(c.name for c in columns)
        message = (
            f"input '{name}': expected column{'s' * (len(lacking) > 1)} "
            f"{', '.join(repr(c) for c in lacking)} (the run's input '{name}' of shape "
            f"{shape} reads {listed}), got a table without {'them' if len(lacking) > 1 else 'it'}"
            f" (its columns give {got})"
        )
        out.append(Problem(Where(shown), message))
    return out


def from_cells(
    transforms: Transforms,
    names: Sequence[str],
    header: Sequence[str],
    rows: list[list[str]],
    lines: Sequence[int],
    shown: str,
) -> Arrays:
    """The inputs `names` from CSV rows (cells as written, each row's line in `lines`).
    Raises RecipeError at the first cell of each column that does not fit."""
    index = {c: i for i, c in enumerate(header)}
    problems: list[Problem] = []

    def cells(column: CsvColumn) -> list[str]:
        i = index[column.name]
        return [row[i] for row in rows]

    arrays = _encoded(transforms, names, cells, lambda c, k, m: problems.append(
        Problem(Where(shown, lines[k], index[c.name] + 1), f"column '{c.name}': {m}")
    ))  # fmt: skip
    if problems:
        raise RecipeError(problems)
    return arrays


def from_columns(
    transforms: Transforms, names: Sequence[str], table: Mapping[str, Any], shown: str
) -> Arrays:
    """The inputs `names` from columns given by name (each an array of rows; a class
    column's values as the file wrote them, numbers or text). Raises RecipeError."""
    problems = missing(transforms, names, list(table), shown)
    lengths = {len(np.asarray(table[c.name])) for _, cs in columns_of(transforms, names)
               for c in cs if c.name in table}  # fmt: skip
    if len(lengths) > 1:
        problems.append(Problem(Where(shown), f"expected columns of one length, got {lengths}"))
    if problems:
        raise RecipeError(problems)

    def cells(column: CsvColumn) -> list[str]:
        values = np.asarray(table[column.name])
        if values.ndim != 1:
            message = (
                f"column '{column.name}': expected one value per row, "
                f"got an array of shape {values.shape}"
            )
            raise RecipeError([Problem(Where(shown), message)])
        return [str(v).strip() for v in values.tolist()]

    arrays = _encoded(transforms, names, cells, lambda c, k, m: problems.append(
        Problem(Where(shown), f"column '{c.name}', row {k}: {m}")
    ))  # fmt: skip
    if problems:
        raise RecipeError(problems)
    return arrays


def _encoded(transforms, names, cells, said) -> Arrays:
    """Each input's columns made into its values; `said(column, row, message)` is told of
    the first cell of a column that does not fit."""
    arrays = {}
    for name, columns in columns_of(transforms, names):
        parts = []
        for column in columns:
            values = cells(column)
            parts.append(_numbers(values, column, said) if column.classes is None
                         else _onehot(values, column, said))  # fmt: skip
        arrays[name] = np.concatenate(parts, axis=1) if parts else np.zeros((0, 0), np.float32)
    return arrays


def _numbers(cells: list[str], column: CsvColumn, said) -> np.ndarray:
    """A column of numbers as float32 (rows, 1), read as training reads them."""
    joined = "".join(cells)
    values = None
    if joined.isascii() and "_" not in joined:  # numpy's reading of plain decimal text
        try:
            values = np.array(cells, np.float64)
        except ValueError:
            values = None
    if values is None or not (np.abs(values) < OVERFLOW).all():  # find the first odd cell
        values = np.zeros(len(cells), np.float64)
        first = None
        for k, cell in enumerate(cells):
            kind, values[k] = csv_cells.number(cell.strip())
            if kind != "number" and first is None:
                first = (k, kind, cell.strip())
        if first is not None:
            k, kind, cell = first
            said(column, k, f"expected {_EXPECTED[kind]}, got {csv_cells.described(cell, kind)}")
    return values.astype(np.float32)[:, None]


def _onehot(cells: list[str], column: CsvColumn, said) -> np.ndarray:
    """A class column as one-hot float32 (rows, classes), by the run's classes in order."""
    index = {c: k for k, c in enumerate(column.classes)}
    codes = np.array([index.get(cell.strip(), -1) for cell in cells], np.int64)
    encoded = np.zeros((len(cells), len(column.classes)), np.float32)
    known = codes >= 0
    encoded[np.flatnonzero(known), codes[known]] = 1.0
    if not known.all():
        k = int(np.flatnonzero(~known)[0])
        shown = ", ".join(column.classes[:8]) + (", ..." if len(column.classes) > 8 else "")
        got = csv_cells.described(cells[k].strip())
        said(column, k, f"expected one of the classes the run was trained on ({shown}), got {got}")
    return encoded
