"""Recipes to models: load, check, build and train networks written as YAML graphs of blocks.

recipe = compose.load("recipes/xor.yaml")
model = compose.build(recipe, key=jax.random.key(0))
model({"x": jnp.array([0.0, 1.0])})          # {"prob": Array([0.97], ...)}
"""

from compose.api import build, check, load, load_run, loads
from compose.inspector import Inspection, inspect
from compose.listener import Listener
from compose.model import Composed
from compose.problems import Problem, RecipeError, Where
from compose.recipe import Recipe
from compose.report import Checked
from compose.session import Result, Session
from compose.train import train

__all__ = [
    "Checked",
    "Composed",
    "Inspection",
    "Listener",
    "Problem",
    "Recipe",
    "RecipeError",
    "Result",
    "Session",
    "Where",
    "build",
    "check",
    "inspect",
    "load",
    "load_run",
    "loads",
    "train",
]
