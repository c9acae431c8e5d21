"""Re-checking a document after an edit, through compose's own stages, fast enough to type in.

Most of a check's time would be tracing each block for its output shape; blocks remember
those answers (`Block.output_shape`), so an edit that changes one node traces one node.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from compose.checker.checked import Checked
from compose.checker.graph import check  # what compose.check runs
from compose.recipe.parse import NETWORK_KEYS, declared_params, parse, parse_network
from compose.recipe.problems import Problem
from compose.recipe.records import NetworkDef, Recipe
from compose.recipe.source import Source


def recheck(source: Source) -> tuple[Recipe, Checked]:
    """The recipe read from `source` and every problem with it (compose.recipe.parse, then
    compose.check)."""
    recipe = parse(source)
    return recipe, check(recipe)


def recheck_network(
    source: Source, params: dict[str, Any], networks: tuple[NetworkDef, ...]
) -> tuple[Recipe, Checked]:
    """A network's definition read from `source` as its instance reads it (`params` set
    over its defaults, `networks` in scope), and every problem with it."""
    defaults, problems = declared_params(source, ())
    for name in params:
        if name not in defaults:
            where = source.where(("params",), key=True)
            problems.append(Problem(where, f"params: the instance sets '{name}', not declared"))
    data = source.data if isinstance(source.data, dict) else {}
    for key in data:
        if key not in NETWORK_KEYS:
            known = ", ".join(NETWORK_KEYS)
            message = f"expected a key of a network ({known}), got '{key}'"
            problems.append(Problem(source.where((key,), key=True), message))
    values = {**defaults, **{k: v for k, v in params.items() if k in defaults}}
    recipe = parse_network(source, (), values, networks)
    recipe = replace(recipe, problems=tuple(problems) + recipe.problems)
    return recipe, check(recipe)
