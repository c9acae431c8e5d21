"""Recipes to models: load, check, build and train networks written as YAML graphs of blocks.

recipe = compose.load("recipes/xor.yaml")
model = compose.build(recipe, key=jax.random.key(0))
model({"x": jnp.array([0.0, 1.0])})          # {"prob": Array([0.97], ...)}

Names are imported on first use, so `compose --help` and signal handling start before
JAX is loaded.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_HOMES = {
    "build": "compose.api",
    "check": "compose.api",
    "load": "compose.api",
    "load_run": "compose.api",
    "loads": "compose.api",
    "default_dir": "compose.run_folder",
    "ChangedOnDisk": "compose.document",
    "Document": "compose.document",
    "Init": "compose.document",
    "Instance": "compose.document",
    "Refused": "compose.document",
    "health": "compose.diagnostics",
    "Inspection": "compose.inspector",
    "inspect": "compose.inspector",
    "Listener": "compose.listener",
    "Composed": "compose.model",
    "class_labels": "compose.plane",
    "class_probabilities": "compose.plane",
    "grid_values": "compose.plane",
    "plane": "compose.plane",
    "square": "compose.plane",
    "Problem": "compose.problems",
    "RecipeError": "compose.problems",
    "Where": "compose.problems",
    "Recipe": "compose.recipe",
    "Checked": "compose.report",
    "Result": "compose.session",
    "Session": "compose.session",
    "train": "compose.train",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'compose' has no attribute '{name}'")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


class _Package(types.ModuleType):
    """Keeps `compose.check` and `compose.train` the functions: importing the submodules
    of the same names would otherwise bind the modules here (they stay in sys.modules)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _HOMES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
