"""NaN and infinity in training data: a located problem when the data is checked, or, with
the data section's `non_finite: drop`, the examples holding one left out with a warning
that names them.

Loading holds to the same rule for what a check cannot see (a generated set is not made
to be checked; a file may change between the check and the training), so a value that is
not finite never reaches training unasked, where one in the validation part would only
show as a validation loss of null.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from compose.data import sources
from compose.recipe.problems import Problem, RecipeError
from compose.recipe.records import DataSpec

Arrays = dict[str, np.ndarray]
HINT = "or leave out the examples holding one: `non_finite: drop` in train.data"
CHUNK = 1 << 20  # values looked at at once


def problems(
    spec: DataSpec, part: DataSpec, base: Path, names: set[str]
) -> tuple[list[Problem], int]:
    """The problems NaN or infinity in the named arrays of source `part` make under the
    training data `spec`'s `non_finite`, and how many examples dropping them leaves out."""
    found, out = sources.non_finite(part, base, names)
    if spec.non_finite != "drop":
        return out + [Problem(f.where, f.message, HINT) for f in found], 0
    left_out = np.logical_or.reduce([f.rows for f in found]) if found else np.zeros(0, bool)
    return out, int(left_out.sum())


def kept(spec: DataSpec, part: DataSpec, base: Path, arrays: Arrays) -> tuple[Arrays, list[str]]:
    """Source `part`'s arrays, less the examples holding NaN or infinity when the training
    data `spec` drops them (with a warning naming them).

    Raises RecipeError naming the examples when it does not.
    """
    bad = _rows(arrays)
    if bad is None:
        return arrays, []
    rows = np.flatnonzero(bad)
    which = sources.rows_named(part, base, rows)
    what = sources.label(part)
    if spec.non_finite != "drop":
        message = f"{what}: expected finite numbers, got NaN or infinity in {which}"
        raise RecipeError([Problem(part.where, message, HINT)])
    many = "s" * (len(rows) > 1)
    warning = f"{what}: left out {len(rows):,} example{many} holding NaN or infinity ({which})"
    return {k: a[~bad] for k, a in arrays.items()}, [warning]


def _rows(arrays: Arrays) -> np.ndarray | None:
    """A mask of the examples in which some float array has a value that is not finite
    (looked at CHUNK values at a time), or None when there are none."""
    bad = None
    for a in arrays.values():
        if a.dtype.kind != "f" or a.ndim == 0 or not a.size:
            continue
        flat = a.reshape(len(a), -1)
        step = max(1, CHUNK // flat.shape[1])
        rows = np.zeros(len(a), bool)
        for lo in range(0, len(a), step):
            rows[lo : lo + step] = ~np.isfinite(flat[lo : lo + step]).all(axis=1)
        bad = rows if bad is None else bad | rows
    return bad if bad is not None and bad.any() else None
