"""Training data: checked against a recipe's inputs from what its source says it will give,
then loaded once and split into training, validation and test examples.

The sources (generated sets, scikit-learn's, .npz and CSV files) live in
compose.data.sources; this module is what the checker and the trainer call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from compose.data import finite, sizes, sources
from compose.data.generated import DATASETS, Dataset
from compose.data.sources import Array, Described, describe, label
from compose.data.sources import load as load_source
from compose.data.transforms import Transforms, fit
from compose.recipe.problems import Problem, RecipeError, Where
from compose.recipe.records import DataSpec, Input, Train

__all__ = ["DATASETS", "Dataset", "Split", "array_problems", "load", "problems", "split"]

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class Split:
    """Arrays by name for training, validation and test (leading axis: examples); a part
    with no examples is an empty dict. `warnings`: what loading left out, in words."""

    train: Arrays
    val: Arrays
    test: Arrays
    warnings: tuple[str, ...] = ()
    transforms: Transforms = Transforms()


def problems(train: Train, inputs: tuple[Input, ...], base: Path) -> list[Problem]:
    """Every problem with the data: a source that cannot give it, arrays that do not fit the
    inputs, data too large for memory, NaN or infinity in it (unless dropped), a training
    set emptier than one batch.

    Reads what a source says of itself (headers, argument tables) and, when that fits, a
    file's values (a CSV is parsed and cached, a .npz archive's arrays streamed);
    relative paths start at `base`, the recipe's folder.
    """
    spec = train.data
    main, out = describe(spec, base)
    held: dict[str, Described] = {}
    for key, part in _held_sources(spec):
        held[key], found = describe(part, base)
        out.extend(found)
    parts = [d for d in (main, *held.values()) if d is not None]
    out.extend(_memory_problems(spec, parts))
    left_out = {}  # examples `non_finite: drop` leaves out, by source ("" the main one)
    names = {i.name for i in inputs}
    for key, part in [("", spec), *_held_sources(spec)] if not out else ():
        if (main if key == "" else held[key]) is not None:
            found, left_out[key] = finite.problems(spec, part, base, names)
            out.extend(found)
    if main is not None:
        out.extend(_count_problems(train, main, inputs, left_out.get("", 0)))
        out.extend(_standardize_problems(spec, main, inputs))
        out.extend(_fit_problems(main, inputs, spec.where))
    for key, part in _held_sources(spec):
        if held[key] is not None:
            out.extend(_fit_problems(held[key], inputs, part.where))
            if _count(held[key], inputs) - left_out.get(key, 0) <= 0:
                out.append(Problem(part.where, f"expected {key} examples, got none"))
    return out


def array_problems(
    arrays: Mapping[str, Any], inputs: tuple[Input, ...], *, what: str = "data"
) -> list[Problem]:
    """Problems with arrays given from Python (by input name, examples first): an input
    without an array, a per-example shape unlike the declared one, counts that differ.
    `what` names them in messages ("validation data")."""
    described = Described(
        {
            k: Array(tuple(np.shape(a)), np.dtype(np.float32), f"{what} array '{k}'")
            for k, a in arrays.items()
        },
        what,
    )
    return _fit_problems(described, inputs, None)


def load(
    spec: DataSpec, names: list[str], base: Path, *, transforms: Transforms | None = None
) -> Split:
    """The named arrays, split as the spec says (relative paths start at `base`), those
    named in `standardize` z-scored by the training part's statistics, which the split's
    `transforms` keeps (given `transforms`, a trained run's, those are applied instead).

    Each source is read once (a CSV the check parsed is not parsed again). Raises
    RecipeError when a source cannot give them.
    """
    wanted = set(names)
    arrays, warnings = finite.kept(spec, spec, base, _load(spec, base, wanted))
    parts = split(
        arrays,
        val=_fraction(spec.val),
        test=_fraction(spec.test),
        shuffle=spec.shuffle,
        seed=spec.seed,
    )
    held = {}
    for key, part in _held_sources(spec):
        held[key], more = finite.kept(spec, part, base, _load(part, base, wanted))
        warnings += more
    parts = Split(
        parts.train, held.get("val", parts.val), held.get("test", parts.test), tuple(warnings)
    )
    columns = tuple((k, c) for k, c in sources.csv_columns(spec, base) if k in wanted)
    made = transforms or fit(parts.train, [n for n in spec.standardize if n in wanted], columns)
    scaled = made.scaled
    return Split(scaled(parts.train), scaled(parts.val), scaled(parts.test), parts.warnings, made)


def split(
    arrays: Mapping[str, np.ndarray], *, val: float, test: float, shuffle: bool, seed: int
) -> Split:
    """Training, validation and test parts: fractions `val` and `test` of the examples
    held out (rounded), after a shuffle seeded by `seed` when `shuffle`.

    >>> parts = split({"x": np.arange(10)}, val=0.2, test=0.1, shuffle=False, seed=0)
    >>> parts.train["x"].tolist(), parts.val["x"].tolist(), parts.test["x"].tolist()
    ([0, 1, 2, 3, 4, 5, 6], [7, 8], [9])
    """
    n = _length(arrays)
    n_train, n_val, _ = split_sizes(n, val, test)
    order = np.random.default_rng(seed).permutation(n) if shuffle else None

    def part(lo: int, hi: int) -> Arrays:
        if hi <= lo:
            return {}
        if order is None:
            return {k: a[lo:hi] for k, a in arrays.items()}
        return {k: a[order[lo:hi]] for k, a in arrays.items()}

    cut = n_train + n_val
    return Split(part(0, n_train), part(n_train, cut), part(cut, n))


def split_sizes(n: int, val: float, test: float) -> tuple[int, int, int]:
    """How many of n examples train, validate and test when fractions are held out."""
    n_val, n_test = int(round(n * val)), int(round(n * test))
    return n - n_val - n_test, n_val, n_test


def _length(arrays: Mapping[str, np.ndarray]) -> int:
    lengths = {k: len(a) for k, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"expected arrays of one length, got {lengths}")
    return next(iter(lengths.values()), 0)


def _fraction(part: float | DataSpec) -> float:
    return 0.0 if isinstance(part, DataSpec) else part


def _held_sources(spec: DataSpec) -> list[tuple[str, DataSpec]]:
    """The `val` and `test` given as sources of their own."""
    return [(k, p) for k in ("val", "test") if isinstance(p := getattr(spec, k), DataSpec)]


def _load(spec: DataSpec, base: Path, names: set[str]) -> Arrays:
    arrays = load_source(spec, base, names)
    missing = sorted(names - set(arrays))
    if missing:
        message = f"{label(spec)} has no array named {', '.join(missing)}"
        raise RecipeError([Problem(spec.where, message)])
    return arrays


# checks -------------------------------------------------------------------------------


def _shape(shape: tuple[int, ...]) -> str:
    return str(tuple(shape))


def _fit_problems(
    described: Described, inputs: tuple[Input, ...], where: Where | None
) -> list[Problem]:
    """Each input's array present, of the declared per-example shape, all of one count
    (counts that differ are said at `where`, or at the input when None)."""
    arrays = described.arrays
    given = ", ".join(f"{k} {_shape(a.shape[1:])}" for k, a in arrays.items())
    out, first = [], None
    for inp in inputs:
        a = arrays.get(inp.name)
        if a is None:
            out.append(
                Problem(
                    inp.where,
                    f"input '{inp.name}': {described.label} has no array of that name "
                    f"(it gives {given or 'none'})",
                )
            )
        elif not a.shape:
            message = (
                f"input '{inp.name}': expected {a.what} to have a leading axis of examples, "
                "got a scalar"
            )
            out.append(Problem(inp.where, message))
        elif a.shape[1:] != inp.shape:
            out.append(
                Problem(
                    inp.where,
                    f"input '{inp.name}': declared {list(inp.shape)}, but {a.what} gives "
                    f"{_shape(a.shape[1:])} per example",
                )
            )
        elif first is None:
            first = (inp.name, a)
        elif a.shape[0] != first[1].shape[0]:
            message = (
                f"input '{inp.name}': {a.what} has {a.shape[0]} examples, "
                f"but {first[1].what} has {first[1].shape[0]}"
            )
            out.append(Problem(where or inp.where, message))
    return out


def _count(described: Described, inputs: tuple[Input, ...]) -> int:
    """The number of examples (of the first array an input reads, else of any)."""
    arrays = described.arrays
    named = [arrays[i.name] for i in inputs if i.name in arrays and arrays[i.name].shape]
    shaped = named or [a for a in arrays.values() if a.shape]
    return shaped[0].shape[0] if shaped else 0


def _count_problems(
    train: Train, main: Described, inputs: tuple[Input, ...], left_out: int = 0
) -> list[Problem]:
    """Training examples left after leaving out `left_out` and holding out, and enough of
    them for one batch."""
    spec = train.data
    n = _count(main, inputs)
    n_train, _, _ = split_sizes(n - left_out, _fraction(spec.val), _fraction(spec.test))
    held = ", ".join(
        f"{key}: {part}"
        for key, part in (("val", spec.val), ("test", spec.test))
        if not isinstance(part, DataSpec) and (part or key == "val")
    )
    dropped = f"{left_out:,} left out holding NaN or infinity" if left_out else ""
    if n_train <= 0:
        key = "val" if spec.val else "test"
        after = f"holding out {held}" + (f" and {dropped}" if dropped else "")
        message = f"expected training examples left after {after}, got none of {n}"
        return [Problem(spec.where_of(key), message)]
    if n_train < train.batch:
        after = ", ".join(filter(None, [held, dropped]))
        after = f", after {after}" if after else ""
        return [
            Problem(
                train.where.get("batch", spec.where),
                f"expected a batch of at most the {n_train} training examples "
                f"of {main.label} (of {n}{after}), got {train.batch}",
            )
        ]
    return []


def _memory_problems(spec: DataSpec, parts: list[Described]) -> list[Problem]:
    limit, total = sizes.memory_limit(), sum(d.nbytes for d in parts)
    if limit is None or total <= limit:
        return []
    message = (
        f"{label(spec)}: expected data that fits in memory (at most {sizes.text(limit)}, "
        f"half of this machine's), got an estimated {sizes.text(total)}"
    )
    return [Problem(spec.where, message)]


def _standardize_problems(
    spec: DataSpec, main: Described, inputs: tuple[Input, ...]
) -> list[Problem]:
    known = [i.name for i in inputs if i.name in main.arrays]
    unknown = [name for name in spec.standardize if name not in known]
    if not unknown:
        return []
    message = (
        f"expected inputs to standardize ({', '.join(known)}), "
        f"got {', '.join(repr(n) for n in unknown)}"
    )
    return [Problem(spec.where_of("standardize"), message)]
