"""Reading a recipe: a file or text, with `key.path=value` overrides applied, parsed.

Loading and checking need no Equinox or JAX: `compose check` imports them only when a
model is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from compose.recipe.parse import parse
from compose.recipe.problems import RecipeError
from compose.recipe.records import Recipe
from compose.recipe.source import Source, load_file, load_text, override


def load(path: str | Path, *, overrides: Sequence[str] = ()) -> Recipe:
    """Read a recipe file; `overrides` are `key.path=value` strings like `train.steps=100`.

    Raises RecipeError when the file is not a readable recipe (bad YAML, not a mapping);
    other problems travel with the recipe, and `check` reports them with the rest.
    """
    return _from_source(load_file(path), overrides)


def loads(text: str, *, file: str = "<recipe>", overrides: Sequence[str] = ()) -> Recipe:
    """Like `load`, from YAML text."""
    return _from_source(load_text(text, file=file), overrides)


def _from_source(source: Source, overrides: Sequence[str]) -> Recipe:
    problems = [p for assignment in overrides for p in override(source, assignment)]
    if problems:
        raise RecipeError(problems)
    return parse(source)
