"""Blocks from other installed packages, registered through an entry point.

A package adds a block by declaring it in its own pyproject.toml:

    [project.entry-points."blockcompose.blocks"]
    cube = "my_package.cube:cube"      # the name must equal the Block's name

Once installed, `block: cube` works in recipes, with the same checks, `compose blocks`
entry and schema as a built-in block. Recipes still only name registered blocks: a
recipe can never point at arbitrary Python.
"""

from __future__ import annotations

import importlib.metadata
import warnings
from collections.abc import Mapping

from blocks.block import Block

GROUP = "blockcompose.blocks"


def plugin_blocks(builtin: Mapping[str, Block]) -> tuple[dict[str, Block], dict[str, str]]:
    """The blocks installed packages declare, and the package each came from.

    A plugin that fails to load, is not a Block, is named unlike its entry point or takes a
    name already used is skipped with a warning, so one broken package cannot stop the rest.
    """
    found: dict[str, Block] = {}
    origins: dict[str, str] = {}
    for entry in importlib.metadata.entry_points(group=GROUP):
        package = entry.dist.name if entry.dist else "an unknown package"
        where = f"block '{entry.name}' from {package} ({entry.value})"
        try:
            block = entry.load()
        except Exception as err:  # a broken plugin must not break every recipe
            warnings.warn(f"{where}: could not be loaded: {err}", stacklevel=2)
            continue
        if not isinstance(block, Block):
            problem = f"expected a blocks.Block, got {type(block).__name__}"
        elif block.name != entry.name:
            problem = f"expected the entry point's name to be the block's, got '{block.name}'"
        elif block.name in builtin or block.name in found:
            problem = "expected a new name, got one that is already registered"
        elif block.name_problem():
            problem = block.name_problem()
        else:
            found[block.name], origins[block.name] = block, package
            continue
        warnings.warn(f"{where}: {problem}; skipped", stacklevel=2)
    return found, origins
