"""Re-checking a document after an edit, through compose's own stages, fast enough to type in.

Most of a check's time would be tracing each block for its output shape; blocks remember
those answers (`Block.output_shape`), so an edit that changes one node traces one node.
"""

from __future__ import annotations

from compose.check import check  # what compose.api.check runs
from compose.parse import parse
from compose.recipe import Recipe
from compose.report import Checked
from compose.source import Source


def recheck(source: Source) -> tuple[Recipe, Checked]:
    """The recipe read from `source` and every problem with it (compose.parse, compose.check)."""
    recipe = parse(source)
    return recipe, check(recipe)
