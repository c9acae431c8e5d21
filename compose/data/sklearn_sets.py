"""scikit-learn's small bundled data sets (no download): x (features,), y one-hot (classes,).

scikit-learn is an optional extra; it is imported only to load, never to check a recipe,
whose shapes come from the table below.
"""

from __future__ import annotations

import importlib.util

import numpy as np

SETS = {  # name -> (examples, features, classes)
    "digits": (1797, 64, 10),
    "iris": (150, 4, 3),
    "wine": (178, 13, 3),
    "breast_cancer": (569, 30, 2),
}
SCALE = {"digits": 16.0}  # pixels 0..16 -> [0, 1]
INSTALL = "pip install 'blockcompose[sklearn]', or pip install scikit-learn"


def installed() -> bool:
    """Whether scikit-learn can be imported (found without importing it)."""
    return importlib.util.find_spec("sklearn") is not None


def shapes(name: str) -> tuple[int, dict[str, tuple[int, ...]]]:
    """The number of examples and each array's per-example shape."""
    n, features, classes = SETS[name]
    return n, {"x": (features,), "y": (classes,)}


def make(name: str) -> dict[str, np.ndarray]:
    """The data set's arrays, in scikit-learn's order (sorted by class for some)."""
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")()
    x = np.asarray(bunch.data, np.float32) / SCALE.get(name, 1.0)
    y = np.eye(SETS[name][2], dtype=np.float32)[bunch.target]
    return {"x": x, "y": y}
