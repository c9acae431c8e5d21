"""Re-checking a document after an edit, through compose's own stages, fast enough to type in.

Most of a check's time would be tracing each block for its output shape; blocks remember
those answers (`Block.output_shape`), so an edit that changes one node traces one node.
"""

from __future__ import annotations

from compose.checker.checked import Checked
from compose.checker.graph import check  # what compose.check runs
from compose.recipe.parse import parse
from compose.recipe.records import Recipe
from compose.recipe.source import Source


def recheck(source: Source) -> tuple[Recipe, Checked]:
    """The recipe read from `source` and every problem with it (compose.recipe.parse, then
    compose.check)."""
    recipe = parse(source)
    return recipe, check(recipe)
