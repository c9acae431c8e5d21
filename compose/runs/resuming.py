"""What a resumed run may change, and the recipe a run folder keeps.

A run goes on from its checkpoint with the model, optimizer, data and seed it was trained
with: its weights and optimizer state, and the order of its batches, are theirs. What only
says how long to train and what to watch or keep may change when it is resumed (`--set
train.steps=4000`, `--set train.early_stop=null`); anything else is a located problem that
names the setting, instead of an error deep in reading the checkpoint or a run that quietly
goes on as another.

A run trained on arrays given from Python keeps them in its folder (`data.npz`, and
`val.npz`, `test.npz` when given), named by the folder's recipe relative to the folder, so
that `compose inspect` and `compose run --resume` read the same data wherever the folder is.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from compose.data import npz
from compose.data.regular import FileProblem
from compose.recipe.problems import Problem, RecipeError, Where
from compose.recipe.records import Recipe
from compose.recipe.source import load_file
from compose.recipe.standalone import DATA_FILE_KEYS, resolved_document
from compose.runs.names import DATA_FILES, RECIPE
from compose.runtime.files import write_atomic
from compose.trainer.training_data import as_numpy

# The train section's keys a resumed run may change: how long it trains, what it watches
# and how it logs and keeps checkpoints; the devices it runs on.
CHANGEABLE = ("steps", "epochs", "early_stop", "log_every", "validate", "checkpoint", "devices")
FREE = ("name", "about")  # words only
SHOWN = 80  # characters of a value a problem shows


def folder_document(
    recipe: Recipe, folder: str | Path, given: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The recipe as the run folder keeps it: self-contained (resolved_document), with
    the arrays `given` by part ("train", "val", "test"; None: the recipe's own source) as
    the folder's npz files, and data files inside the folder named relative to it."""
    document = resolved_document(recipe)
    train = document.get("train")
    if not isinstance(train, dict):
        return document
    if given and given.get("train") is not None:
        source: dict[str, Any] = {"npz": DATA_FILES["train"], "shuffle": False}
        for part in ("val", "test"):
            if given.get(part) is not None:
                source[part] = {"npz": DATA_FILES[part]}
        train["data"] = source
    else:
        _relative_inside(train.get("data"), Path(folder).resolve())
    return document


def _relative_inside(spec: Any, folder: Path) -> None:
    """Name each data file of a source (and of its val and test) that lies in `folder`
    relative to it, so that the folder can move."""
    if not isinstance(spec, dict):
        return
    for key in DATA_FILE_KEYS:
        if isinstance(spec.get(key), str) and Path(spec[key]).is_relative_to(folder):
            spec[key] = str(Path(spec[key]).relative_to(folder))
    for part in ("val", "test"):
        _relative_inside(spec.get(part), folder)


def write_arrays(folder: Path, given: Mapping[str, Any], names: list[str]) -> None:
    """Write the arrays `given` by part into the folder's npz files, as training reads them."""
    for part, arrays in given.items():
        if arrays is None:
            continue
        buffer = io.BytesIO()
        np.savez(buffer, **as_numpy(arrays, names))
        write_atomic(folder / DATA_FILES[part], buffer.getvalue())


def refuse_changes(
    recipe: Recipe, folder: str | Path, given: Mapping[str, Any] | None = None
) -> None:
    """Raise RecipeError naming each setting of `recipe` that differs from the recipe of
    the run in `folder` and that a resumed run cannot change, and arrays `given` that
    differ from those the run kept."""
    folder = Path(folder)
    path = folder / RECIPE
    if not path.is_file():
        return  # resuming is refused later, with the reason
    kept = load_file(path).data
    now = folder_document(recipe, folder, given)
    problems = [
        _problem(recipe, folder, where, old, new)
        for where, old, new in _differences(kept, now, ())
        if not _changeable(where)
    ]
    names = [i.name for i in recipe.inputs]
    for part, arrays in (given or {}).items():
        if arrays is not None and not _same_arrays(folder / DATA_FILES[part], arrays, names):
            where = dataclasses.replace(_where(recipe, ("train", "data")), path="train.data")
            message = (
                f"data: expected the {part} arrays the run in {folder} was trained with "
                f"(its {DATA_FILES[part]}), got others"
            )
            problems.append(Problem(where, message, _HINT.format(folder=folder)))
    if problems:
        raise RecipeError(problems)


_HINT = "to train with it, start a new run from these weights: --init-from {folder}"


def _changeable(path: tuple) -> bool:
    return (len(path) >= 1 and path[0] in FREE) or (
        len(path) >= 2 and path[0] == "train" and path[1] in CHANGEABLE
    )


def _differences(old: Any, new: Any, path: tuple) -> list[tuple[tuple, Any, Any]]:
    """(path, old value, new value) of each place where two documents differ: a key of
    a section (train, nodes, ...), else the deepest mapping whose keys differ, or the
    value that does."""
    if (
        isinstance(old, dict)
        and isinstance(new, dict)
        and (old.keys() == new.keys() or len(path) < 2)
    ):
        found = []
        for key in [*old, *(k for k in new if k not in old)]:
            found += _differences(old.get(key, _NOTHING), new.get(key, _NOTHING), (*path, key))
        return found
    return [] if old == new else [(path, old, new)]


_NOTHING = object()


def _problem(recipe: Recipe, folder: Path, path: tuple, old: Any, new: Any) -> Problem:
    dotted = ".".join(str(p) for p in path)
    where = dataclasses.replace(_where(recipe, path), path=dotted)
    message = (
        f"expected {_shown(old)}, as the run in {folder} was trained, got {_shown(new)}: "
        "a resumed run keeps its model, optimizer, data and seed, and may change only "
        + ", ".join(f"train.{key}" for key in CHANGEABLE)
    )
    return Problem(where, message, _HINT.format(folder=folder))


def _where(recipe: Recipe, path: tuple) -> Where:
    """Where `path` was written in `recipe`: its train key, its node, else the recipe."""
    if len(path) >= 2 and path[0] == "train" and recipe.train is not None:
        return recipe.train.where.get(path[1], recipe.train.where.get("train", recipe.where))
    if len(path) >= 2 and path[0] == "nodes" and recipe.node(str(path[1])) is not None:
        return recipe.node(str(path[1])).where
    return recipe.where


def _shown(value: Any) -> str:
    if value is _NOTHING:
        return "nothing"
    text = json.dumps(value, default=str)
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."


def _same_arrays(path: Path, arrays: Mapping[str, Any], names: list[str]) -> bool:
    """Whether the npz file at `path` holds `arrays` (as training reads them), read as any
    data file is (compose.data.npz: each array's size from its header first)."""
    if not path.is_file() or path.is_symlink():
        return False
    given = as_numpy(arrays, [n for n in names if n in arrays])  # a missing one: prepare says
    try:
        if set(npz.headers(path, path.name)) != set(given):
            return False
        kept = npz.load(path, set(given), path.name)
    except FileProblem as err:
        raise RecipeError([Problem(Where(str(path)), str(err))]) from None
    return all(np.array_equal(kept[name], array) for name, array in given.items())
