"""Reading a recipe's `train.data` into a `DataSpec`: which source, how to split it.

Only the form is checked here (a known kind of source, fractions, column lists); whether
the data set exists, its files read and its arrays fit the inputs is compose.data.loading's check.
"""

from __future__ import annotations

import difflib
from typing import Any

from blocks import Hyper
from compose.recipe.reader import Reader
from compose.recipe.records import Column, DataSpec

KINDS = {
    "dataset": "a generated data set's name, like spiral",
    "npz": "a .npz file, like data/points.npz",
    "csv": "a .csv file, like data/points.csv",
    "sklearn": "a scikit-learn data set's name, like digits",
}
LIKE = (
    "a data source like {dataset: xor}, {npz: FILE}, {csv: FILE, columns: ...} or {sklearn: digits}"
)
COMMON = ("val", "test", "shuffle", "seed", "standardize", "non_finite")
NON_FINITE = ("error", "drop")  # NaN or infinity in the data: a problem, or its examples left out
EXTRA = {"npz": (), "csv": ("columns",), "sklearn": ()}  # a dataset's own keys are its arguments
COLUMNS_LIKE = "a mapping of inputs to columns, like {x: [x1, x2], y: {onehot: label}}"

_fraction = lambda v: None if 0 <= v < 1 else "a fraction in [0, 1)"  # noqa: E731
_seed = lambda v: None if 0 <= v < 2**32 else "0 to 2**32 - 1"  # noqa: E731


def read_data(
    reader: Reader, value: Any, path: tuple, *, held_out: bool = False
) -> DataSpec | None:
    """The data source at `path`; problems go to the reader. A `held_out` source (a `val:`
    or `test:` of its own) takes no split keys of its own."""
    spec = reader.mapping(value, path, LIKE)
    if spec is None:
        return None
    spec = {k: v for k, v in spec.items() if v is not None}  # null unsets a key
    kinds = [k for k in spec if k in KINDS]
    if len(kinds) != 1:
        _no_kind(reader, spec, path, kinds)
        return None
    kind = kinds[0]
    source = spec[kind]
    if not (isinstance(source, str) and source):
        reader.expect(path + (kind,), KINDS[kind], source)
        return None
    common = _common_keys(kind, held_out)
    if kind in EXTRA:  # a generated set's arguments are checked against the set, later
        reader.known_keys(spec, path, (kind, *EXTRA[kind], *common), f"the {kind} source")
    else:
        for key in [k for k in spec if k in COMMON and k not in common]:
            reader.bad(path + (key,), f"'{key}' is set once, on the training data", key=True)
    columns = _columns(reader, spec, path) if kind == "csv" else ()
    if columns is None:
        return None
    split = _split_keys(reader, spec, path, common)
    return DataSpec(
        kind=kind,
        source=source,
        where=reader.at(path + (kind,)),
        args=tuple(
            (k, v) for k, v in spec.items() if kind == "dataset" and k not in (kind, *COMMON)
        ),
        columns=columns,
        arg_where={k: reader.at(path + (k,), key=True) for k in spec},
        **split,
    )


def _common_keys(kind: str, held_out: bool) -> tuple[str, ...]:
    """The split keys a source takes: all of them, or for a held-out source only a generated
    set's seed."""
    if not held_out:
        return COMMON
    return ("seed",) if kind == "dataset" else ()


def _no_kind(reader: Reader, spec: dict, path: tuple, kinds: list[str]) -> None:
    if kinds:
        reader.bad(path, f"expected one data source, got {' and '.join(kinds)}")
        return
    misspelt = [k for k in spec if difflib.get_close_matches(str(k), KINDS, n=1, cutoff=0.6)]
    for key in misspelt:
        hint = f"did you mean '{difflib.get_close_matches(str(key), KINDS, n=1, cutoff=0.6)[0]}'?"
        reader.bad(path + (key,), f"unknown kind of data source '{key}'", hint, key=True)
    if not misspelt:
        reader.expect(path, LIKE, spec)


def _split_keys(reader: Reader, spec: dict, path: tuple, common: tuple[str, ...]) -> dict:
    """val, test, shuffle, seed, standardize and non_finite, those of `common` given, as
    DataSpec fields."""
    out: dict[str, Any] = {}
    for key in ("val", "test"):
        if key in common and key in spec:
            value = spec[key]
            if isinstance(value, dict):
                held = read_data(reader, value, path + (key,), held_out=True)
            else:
                held = reader.typed(value, path + (key,), Hyper(key, float, check=_fraction))
            if held is not None:
                out[key] = held
    if "shuffle" in common and "shuffle" in spec:
        shuffle = reader.typed(spec["shuffle"], path + ("shuffle",), Hyper("shuffle", bool))
        out["shuffle"] = True if shuffle is None else shuffle
    if "seed" in common and "seed" in spec:
        out["seed"] = reader.typed(spec["seed"], path + ("seed",), Hyper("seed", int, check=_seed))
        out["seed"] = out["seed"] or 0
    if "standardize" in common and "standardize" in spec:
        names = spec["standardize"]
        names = [names] if isinstance(names, str) else names
        if isinstance(names, list) and all(isinstance(n, str) for n in names):
            out["standardize"] = tuple(names)
        else:
            reader.expect(path + ("standardize",), "a list of array names like [x]", names)
    if "non_finite" in common and "non_finite" in spec:
        hyper = Hyper("non_finite", str, choices=NON_FINITE)
        out["non_finite"] = reader.typed(spec["non_finite"], path + ("non_finite",), hyper)
        out["non_finite"] = out["non_finite"] or "error"
    return out


def _columns(reader: Reader, spec: dict, path: tuple) -> tuple | None:
    """A CSV source's `columns`: each input's columns, in order."""
    if "columns" not in spec:
        reader.bad(
            path + ("csv",),
            f"expected `columns:`, {COLUMNS_LIKE}, got none",
        )
        return None
    path = path + ("columns",)
    mapping = reader.mapping(spec["columns"], path, COLUMNS_LIKE)
    if not mapping:
        if mapping == {}:
            reader.expect(path, COLUMNS_LIKE, mapping)
        return None
    out = []
    for name, items in mapping.items():
        if not reader.identifier(name, path + (name,)):
            continue
        listed = isinstance(items, list)
        if listed and not items:
            reader.expect(path + (name,), "one or more columns", items)
            continue
        columns = [
            _column(reader, item, path + (name,) + ((i,) if listed else ()))
            for i, item in enumerate(items if listed else [items])
        ]
        if None not in columns:
            out.append((name, tuple(columns)))
    return tuple(out) if len(out) == len(mapping) else None


def _column(reader: Reader, item: Any, path: tuple) -> Column | None:
    """A column name, or `{onehot: NAME}` with optional `classes: [a, b, ...]`."""
    if _is_name(item):
        return Column(str(item), reader.at(path))
    if not (isinstance(item, dict) and "onehot" in item):
        reader.expect(path, "a column name, or {onehot: COLUMN}", item)
        return None
    reader.known_keys(item, path, ("onehot", "classes"), "a one-hot column")
    if not _is_name(item["onehot"]):
        reader.expect(path + ("onehot",), "a column name", item["onehot"])
        return None
    classes = item.get("classes")
    if classes is not None:
        if not (isinstance(classes, list) and classes and all(map(_is_scalar, classes))):
            reader.expect(
                path + ("classes",), "a list of the column's values, like [a, b]", classes
            )
            return None
        classes = tuple(str(c) for c in classes)
        if len(set(classes)) < len(classes):
            reader.expect(path + ("classes",), "distinct classes", list(classes))
            return None
    return Column(str(item["onehot"]), reader.at(path + ("onehot",)), True, classes)


def _is_name(value: Any) -> bool:
    """A column name: text, or a number YAML read from a header like `2024`."""
    return (isinstance(value, str) and value != "") or (
        isinstance(value, int) and not isinstance(value, bool)
    )


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)
