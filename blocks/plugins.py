"""Blocks from other installed packages, registered through an entry point.

A package adds a block by declaring it in its own pyproject.toml:

    [project.entry-points."blockcompose.blocks"]
    cube = "my_package.cube:cube"      # the name must equal the Block's name

Its `apply` keeps the one block contract, `apply(inputs, weights, hypers, *, key=None,
state=None, batch_axis=None) -> (output, new_state)`; `blocks.plain` adapts a body that
needs only its inputs, weights and hyperparameters. Once installed, `block: cube` works in
recipes, with the same checks, `compose blocks` entry and schema as a built-in block.
Recipes still only name registered blocks: a recipe can never point at arbitrary Python.
`entry_point_plugins` finds other named records the same way (compose's generated data
sets, `blockcompose.datasets`).
"""

from __future__ import annotations

import importlib.metadata
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from blocks.block import Block

GROUP = "blockcompose.blocks"


def plugin_blocks(builtin: Mapping[str, Block]) -> tuple[dict[str, Block], dict[str, str]]:
    """The blocks installed packages declare, and the package each came from.

    A plugin that fails to load, is not a Block, is named unlike its entry point, takes a
    name already used or an `apply` of another signature is skipped with a warning, so one
    broken package cannot stop the rest.
    """
    return entry_point_plugins(
        GROUP,
        "block",
        (Block, "blocks.Block"),
        builtin,
        lambda b: b.name_problem() or b.apply_problem(),
    )


def entry_point_plugins(
    group: str,
    what: str,
    kind: tuple[type, str],
    builtin: Mapping[str, Any],
    problem: Callable[[Any], str | None] = lambda _: None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The named records (of `kind`: a type with a `name`, and how to call it) that packages
    declare under the entry point `group`, and the package each came from; `what` names one
    in warnings ("block").

    One that fails to load, is not of that type, is named unlike its entry point, takes a name
    already used or has a `problem` is skipped with a warning.
    """
    found: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for entry in importlib.metadata.entry_points(group=group):
        package = entry.dist.name if entry.dist else "an unknown package"
        where = f"{what} '{entry.name}' from {package} ({entry.value})"
        try:
            record = entry.load()
        except Exception as err:  # a broken plugin must not break every recipe
            warnings.warn(f"{where}: could not be loaded: {err}", stacklevel=3)
            continue
        if not isinstance(record, kind[0]):
            wrong = f"expected a {kind[1]}, got {type(record).__name__}"
        elif record.name != entry.name:
            wrong = f"expected the entry point's name to be the {what}'s, got '{record.name}'"
        elif record.name in builtin or record.name in found:
            wrong = "expected a new name, got one that is already registered"
        else:
            wrong = problem(record)
        if not wrong:
            found[record.name], origins[record.name] = record, package
            continue
        warnings.warn(f"{where}: {wrong}; skipped", stacklevel=3)
    return found, origins
