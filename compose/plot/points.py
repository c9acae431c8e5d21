"""The training (or test) points a picture draws on top of a model: numbers only."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from compose.data import loading as datasets
from compose.model.plane import Plane
from compose.recipe.problems import RecipeError
from compose.recipe.records import Recipe

MAX_POINTS = 1000  # points drawn at most (evenly spaced through the data)


def training_points(
    recipe: Recipe, found: Plane, base: Path, part: str = "train"
) -> tuple[np.ndarray | None, np.ndarray | None, str]:
    """(points (n, d), their targets or None, "") of the recipe's data (`part`: train or
    test), MAX_POINTS at most evenly spaced through it; (None, None, why) without."""
    if recipe.train is None:
        return None, None, "the recipe has no training data to cover"
    names = [found.input] + ([found.label] if found.label else [])
    try:
        arrays = getattr(datasets.load(recipe.train.data, names, base), part)
    except (RecipeError, OSError, ValueError) as err:
        why = "; ".join(map(str, err.problems)) if isinstance(err, RecipeError) else str(err)
        return None, None, f"the training data cannot be read: {why}"
    n = len(arrays.get(found.input, ()))  # a part the data does not have is empty
    if n == 0:
        return None, None, f"the data has no {part} part"
    keep = np.unique(np.linspace(0, n - 1, min(n, MAX_POINTS)).astype(np.int64))
    points = np.asarray(arrays[found.input], np.float32)[keep]
    target = np.asarray(arrays[found.label])[keep] if found.label else None
    return points, target, ""
