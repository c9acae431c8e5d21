"""transforms.json: what training did to the data (compose.data.transforms), kept in the
run folder so that the model is used on data made as it was trained on.

    {"columns": {"x": [{"column": "sepal_length"}, ...], "y": [{"column": "species",
                 "onehot": ["setosa", "versicolor", "virginica"]}]},
     "standardize": {"x": {"mean": [5.84, ...], "deviation": [0.82, ...]}}}

Written when training starts (into each variant's folder too), as strict JSON; read back
as numbers and names, checked against the run's inputs: damage is a RecipeError naming
the file. A folder from before the file was written has none: nothing is applied, and a
note says so when its recipe reads a CSV file or standardises.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from compose.data.transforms import Transforms, from_json
from compose.recipe.problems import Problem, RecipeError, Where
from compose.recipe.records import Recipe
from compose.runs.names import TRANSFORMS, VARIANTS
from compose.runs.population_folder import folder_name
from compose.runs.reading import read_json
from compose.runtime.files import to_json, write_atomic
from compose.trainer.listener import Listener

if TYPE_CHECKING:
    from compose.trainer.session import Session

NONE_KEPT = (
    "has no transforms.json (written by an earlier version): its data is used as given, "
    "without the columns, classes or standardisation training applied"
)


class SavedTransforms(Listener):
    """Writes the session's transformations into the run folder `path` when it starts
    (and into each variant's folder, for a population)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def started(self, session: Session) -> None:
        transforms = session.data.transforms
        folders = [self.path]
        folders += [self.path / VARIANTS / folder_name(v) for v in getattr(session, "variants", ())]
        for folder in folders:
            write_transforms(folder, transforms)


def write_transforms(folder: Path, transforms: Transforms) -> None:
    """Write `transforms` as the folder's transforms.json."""
    text = to_json(transforms.as_json(), indent=1) + "\n"
    write_atomic(Path(folder) / TRANSFORMS, text.encode())


def read_transforms(folder: Path, recipe: Recipe, *, notes: list[str] | None = None) -> Transforms:
    """The transformations a run folder keeps, checked against its recipe's inputs; none
    for a folder without the file (said in `notes` when its recipe would have made some)."""
    path = Path(folder) / TRANSFORMS
    if not os.path.lexists(path):
        data = recipe.train.data if recipe.train else None
        if notes is not None and data is not None and (data.kind == "csv" or data.standardize):
            notes.append(f"{folder} {NONE_KEPT}")
        return Transforms()
    value = read_json(path)
    try:
        return from_json(value, {i.name: i.shape for i in recipe.inputs})
    except ValueError as err:
        raise RecipeError([Problem(Where(str(path)), f"damaged: expected {err}")]) from None
