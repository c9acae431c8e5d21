"""Each kind of data source: what it will give, said cheaply (`describe`), where its values
are not finite (`non_finite`), and its arrays (`load`). Generated and scikit-learn sets
describe themselves from their arguments, a .npz archive from its headers; a CSV file is
parsed (once: compose.data.files caches it)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compose.data import files as data_files
from compose.data import npz
from compose.data import sklearn_sets as data_sklearn
from compose.data.generated import DATASETS, Dataset
from compose.data.regular import FileProblem
from compose.data.transforms import CsvColumn
from compose.recipe.data_section import COMMON
from compose.recipe.numbers import hyper_problem
from compose.recipe.problems import Problem, RecipeError, Where, did_you_mean, shown
from compose.recipe.records import Column, DataSpec

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class Array:
    """One array a source will give: its shape (examples first), its dtype, and how
    messages name it (`data/points.npz array 'x'`)."""

    shape: tuple[int, ...]
    dtype: np.dtype
    what: str


@dataclass(frozen=True)
class Described:
    """What a source will give: its arrays by name, and how messages name the source."""

    arrays: dict[str, Array]
    label: str

    @property
    def nbytes(self) -> int:
        """The arrays' size in memory."""
        return sum(math.prod(a.shape) * a.dtype.itemsize for a in self.arrays.values())


@dataclass(frozen=True)
class NonFinite:
    """Values of a source that are not finite, as one problem says them: where in the
    recipe, the message, and which examples hold them (a mask over the source's examples)."""

    where: Where
    message: str
    rows: np.ndarray


def label(spec: DataSpec) -> str:
    """The source as messages name it: `dataset 'spiral'`, `data/points.npz`."""
    if spec.kind in ("dataset", "sklearn"):
        return f"{spec.kind} '{spec.source}'"
    return spec.source


def describe(spec: DataSpec, base: Path) -> tuple[Described | None, list[Problem]]:
    """What the source will give, or the problems that stop it; nothing big is read."""
    return _KINDS[spec.kind][0](spec, base)


def non_finite(
    spec: DataSpec, base: Path, names: set[str]
) -> tuple[list[NonFinite], list[Problem]]:
    """Where the named arrays of a source that describes itself hold NaN or infinity (a
    .npz archive's arrays are read a chunk at a time), and the problems reading them."""
    return _KINDS[spec.kind][2](spec, base, names)


def rows_named(spec: DataSpec, base: Path, rows: np.ndarray, most: int = 10) -> str:
    """A source's examples (their indices, ascending) as messages name them: a CSV file's
    lines, else the indices; the first `most`, then how many more."""
    named = [int(r) for r in rows[:most]]
    word = ("index", "indices")
    if spec.kind == "csv":
        table, _ = _read_csv(spec, base)
        named, word = [int(line) for line in table.lines[named]], ("line", "lines")
    text = ", ".join(map(str, named))
    if len(rows) > most:
        text += f" and {len(rows) - most:,} more"
    return f"{word[len(rows) > 1]} {text}"


def load(spec: DataSpec, base: Path, names: set[str]) -> Arrays:
    """The source's named arrays (those it has), float data as float32.

    Raises RecipeError when the source has problems (it is described first, cheaply).
    """
    described, problems = describe(spec, base)
    if problems:
        raise RecipeError(problems)
    arrays = _KINDS[spec.kind][1](spec, base, names & set(described.arrays))
    for name, a in arrays.items():
        said = described.arrays[name].shape
        if a.shape != said:
            message = (
                f"{label(spec)}: expected '{name}' of shape {said}, as described, got {a.shape}"
            )
            raise RecipeError([Problem(spec.where, message)])
    return {name: _float32(a) for name, a in arrays.items()}


def _float32(a: np.ndarray) -> np.ndarray:
    """Float (and boolean) data as float32; integers stay as they are."""
    return a.astype(np.float32, copy=False) if a.dtype.kind in "fb" else a


def _described(arrays: dict[str, tuple[tuple[int, ...], np.dtype]], spec: DataSpec, what):
    return Described(
        {k: Array(s, np.dtype(t), what(k)) for k, (s, t) in arrays.items()}, label(spec)
    )


# generated ----------------------------------------------------------------------------


def dataset_args(spec: DataSpec) -> tuple[Dataset | None, dict, list[Problem]]:
    """The generated set, its arguments (defaults filled, `seed` from the source), problems."""
    dataset = DATASETS.get(spec.source)
    if dataset is None:
        hint = did_you_mean(spec.source, DATASETS)
        return None, {}, [Problem(spec.where, f"unknown dataset '{spec.source}'", hint)]
    known = {a.name: a for a in dataset.args if a.name != "seed"}
    values = {a.name: a.default for a in dataset.args}
    if "seed" in values:
        values["seed"] = spec.seed
    out = []
    for key, value in spec.args:
        arg = known.get(key)
        if arg is None:
            hint = did_you_mean(str(key), [*known, *COMMON])
            message = f"dataset '{spec.source}' takes no argument '{key}'"
            out.append(Problem(spec.where_of(key), message, hint))
        elif expected := hyper_problem(arg, value):
            message = (
                f"dataset '{spec.source}': expected '{key}' to be {expected}, got {shown(value)}"
            )
            out.append(Problem(spec.where_of(key), message))
        else:
            values[key] = value
    if not out and dataset.check and (expected := dataset.check(**values)):
        out.append(Problem(spec.where, f"dataset '{spec.source}': expected {expected}"))
    return dataset, values, out


def _describe_dataset(spec: DataSpec, base: Path):
    dataset, values, problems = dataset_args(spec)
    if dataset is None or problems:
        return None, problems
    n, shapes = dataset.shapes(**values)
    arrays = {k: ((n, *s), np.float32) for k, s in shapes.items()}
    return _described(arrays, spec, lambda k: label(spec)), []


def _load_dataset(spec: DataSpec, base: Path, names: set[str]) -> Arrays:
    dataset, values, _ = dataset_args(spec)
    with np.errstate(over="ignore", invalid="ignore"):  # loading says where, if anywhere
        made = dataset.make(**values)
    return {k: np.asarray(a) for k, a in made.items() if k in names}


# scikit-learn -------------------------------------------------------------------------


def _describe_sklearn(spec: DataSpec, base: Path):
    if spec.source not in data_sklearn.SETS:
        hint = did_you_mean(spec.source, data_sklearn.SETS)
        return None, [Problem(spec.where, f"unknown sklearn data set '{spec.source}'", hint)]
    if not data_sklearn.installed():
        message = f"sklearn '{spec.source}' needs scikit-learn, which is not installed"
        return None, [Problem(spec.where, message, data_sklearn.INSTALL)]
    n, shapes = data_sklearn.shapes(spec.source)
    arrays = {k: ((n, *s), np.float32) for k, s in shapes.items()}
    return _described(arrays, spec, lambda k: label(spec)), []


def _load_sklearn(spec: DataSpec, base: Path, names: set[str]) -> Arrays:
    return {k: a for k, a in data_sklearn.make(spec.source).items() if k in names}


# files --------------------------------------------------------------------------------


def _file_problem(spec: DataSpec, base: Path, message: str) -> Problem:
    missing = not Path(spec.source).is_absolute() and not (base / spec.source).exists()
    hint = "a relative path starts at the recipe's folder" if missing else ""
    return Problem(spec.where, message, hint)


def _describe_npz(spec: DataSpec, base: Path):
    try:
        headers = npz.headers(base / spec.source, spec.source)
    except FileProblem as err:
        return None, [_file_problem(spec, base, str(err))]
    return _described(headers, spec, lambda k: f"{spec.source} array '{k}'"), []


def _non_finite_npz(spec: DataSpec, base: Path, names: set[str]):
    try:
        found = npz.not_finite(base / spec.source, names, spec.source)
    except FileProblem as err:
        return [], [Problem(spec.where, str(err))]
    out = []
    for name, scanned in found.items():
        more = f" (and {scanned.count - 1:,} more in that array)" if scanned.count > 1 else ""
        message = (
            f"input '{name}': expected finite numbers in {spec.source} array '{name}', got "
            f"{scanned.kind} at {list(scanned.first)}{more}"
        )
        out.append(NonFinite(spec.where, message, scanned.rows))
    return out, []


def _load_npz(spec: DataSpec, base: Path, names: set[str]) -> Arrays:
    try:
        return npz.load(base / spec.source, names, spec.source)
    except FileProblem as err:
        raise RecipeError([Problem(spec.where, str(err))]) from None


def _columns_key(spec: DataSpec) -> data_files.ColumnsKey:
    return tuple(
        (name, tuple((c.name, c.onehot, c.classes) for c in columns))
        for name, columns in spec.columns
    )


def _column_text(columns: tuple[Column, ...]) -> str:
    names = ", ".join(f"onehot {c.name}" if c.onehot else c.name for c in columns)
    return f"column{'s' * (len(columns) > 1)} {names}"


def _read_csv(spec: DataSpec, base: Path) -> tuple[data_files.Table, list[Problem]]:
    table = data_files.read_csv(base / spec.source, _columns_key(spec), spec.source)
    columns = dict(spec.columns)
    problems = [
        Problem(columns[name][i].where, message)
        if name is not None
        else _file_problem(spec, base, message)
        for message, name, i in table.issues
    ]
    return table, problems


def _describe_csv(spec: DataSpec, base: Path):
    table, problems = _read_csv(spec, base)
    if problems:
        return None, problems
    columns = dict(spec.columns)
    arrays = {k: (a.shape, a.dtype) for k, a in table.arrays.items()}
    return _described(arrays, spec, lambda k: f"{spec.source} ({_column_text(columns[k])})"), []


def _non_finite_csv(spec: DataSpec, base: Path, names: set[str]):
    table, problems = _read_csv(spec, base)
    if problems:
        return [], problems
    columns = dict(spec.columns)
    return [
        NonFinite(columns[name][i].where, message, ~np.isfinite(table.arrays[name]).all(axis=1))
        for message, name, i in table.not_finite
        if name in names
    ], []


def class_names(spec: DataSpec, base: Path, name: str) -> tuple[str, ...] | None:
    """The class names of input `name`, in the order of its one-hot values, when the
    source is a CSV file whose column `name` reads as one one-hot column (the recipe's
    `classes`, else the values found); None otherwise."""
    columns = dict(spec.columns).get(name, ()) if spec.kind == "csv" else ()
    if len(columns) != 1 or not columns[0].onehot:
        return None
    if columns[0].classes is not None:
        return columns[0].classes
    table, _ = _read_csv(spec, base)
    return table.classes.get(name)


def csv_columns(spec: DataSpec, base: Path) -> tuple[tuple[str, tuple[CsvColumn, ...]], ...]:
    """A CSV source's columns by input, each one-hot column with its classes in order (the
    recipe's `classes`, else the values found); empty for other sources."""
    if spec.kind != "csv":
        return ()
    table, _ = _read_csv(spec, base)
    return tuple(
        (name, tuple(CsvColumn(c.name, table.column_classes.get(c.name) if c.onehot else None)
                     for c in columns))
        for name, columns in spec.columns
    )  # fmt: skip


def _load_csv(spec: DataSpec, base: Path, names: set[str]) -> Arrays:
    table, _ = _read_csv(spec, base)
    return {k: a for k, a in table.arrays.items() if k in names}


def _made(spec: DataSpec, base: Path, names: set[str]):
    """A generated or bundled set is not made to be checked: its values are looked at as
    it is loaded (compose.data.loading)."""
    return [], []


_KINDS: dict[str, tuple[Callable, Callable, Callable]] = {
    "dataset": (_describe_dataset, _load_dataset, _made),
    "sklearn": (_describe_sklearn, _load_sklearn, _made),
    "npz": (_describe_npz, _load_npz, _non_finite_npz),
    "csv": (_describe_csv, _load_csv, _non_finite_csv),
}
