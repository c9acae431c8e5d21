"""Recipes to models: load, check, build and train networks written as YAML graphs of blocks.

recipe = compose.load("recipes/xor.yaml")
model = compose.build(recipe, key=jax.random.key(0))
model({"x": jnp.array([0.0, 1.0])})          # {"prob": Array([0.97], ...)}

The public names are listed in `__init__.pyi`, where readers and type checkers find their
homes; lazy_loader imports each on first use, so `compose --help` and signal handling start
before JAX is loaded.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
