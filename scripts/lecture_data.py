"""Writes the small data files some lecture recipes read (recipes/lecture/data/*.npz).

Each set is drawn from a fixed seed with numpy alone, so running this again gives the same
files byte for byte; the files are kept in the repository so that the recipes and their
tests need no step before them. Run from the repository's root:

    python scripts/lecture_data.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).parents[1] / "recipes" / "lecture" / "data"


def square(n: int, low: float, high: float, rng: np.random.Generator) -> np.ndarray:
    """n points (n, 2) whose larger coordinate in size lies in [low, high): the square of
    side 2 * high with the square of side 2 * low cut out (none cut out for low = 0)."""
    points = []
    while sum(len(p) for p in points) < n:
        x = rng.uniform(-high, high, size=(4 * n, 2))
        points.append(x[np.max(np.abs(x), axis=1) >= low])
    return np.concatenate(points)[:n].astype(np.float32)


def products(n: int, low: float, high: float, seed: int) -> dict[str, np.ndarray]:
    """Claim 8: x (2,) in a square ring, y (1,) = x1 * x2 exactly."""
    x = square(n, low, high, np.random.default_rng(seed))
    return {"x": x, "y": (x[:, :1] * x[:, 1:]).astype(np.float32)}


def intervals(n: int, seed: int) -> dict[str, np.ndarray]:
    """Claim 11: x (1,) uniform in [-3, 3), y (3,) one-hot: class 0 below -1, class 1 from
    -1 to 1, class 2 above 1."""
    x = np.random.default_rng(seed).uniform(-3.0, 3.0, size=(n, 1))
    label = (x[:, 0] >= -1.0).astype(int) + (x[:, 0] > 1.0).astype(int)
    return {"x": x.astype(np.float32), "y": np.eye(3, dtype=np.float32)[label]}


def rotations(n: int, seed: int) -> dict[str, np.ndarray]:
    """Claim 12: a family of tasks, one per angle theta: x (2,) uniform in [-1, 1)^2, the
    task t (2,) = (cos theta, sin theta), y (2,) = x rotated by theta."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    theta = rng.uniform(0.0, 2 * np.pi, size=n)
    c, s = np.cos(theta), np.sin(theta)
    y = np.stack([c * x[:, 0] - s * x[:, 1], s * x[:, 0] + c * x[:, 1]], axis=1)
    t = np.stack([c, s], axis=1)
    return {k: v.astype(np.float32) for k, v in {"x": x, "t": t, "y": y}.items()}


SETS = {
    "08_products.npz": lambda: products(1000, 0.0, 1.0, seed=8),
    "08_products_1_2.npz": lambda: products(500, 1.0, 2.0, seed=81),
    "08_products_2_3.npz": lambda: products(500, 2.0, 3.0, seed=82),
    "11_intervals.npz": lambda: intervals(600, seed=11),
    "12_rotations.npz": lambda: rotations(2000, seed=12),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, make in SETS.items():
        np.savez(OUT / name, **make())
        print(OUT / name)


if __name__ == "__main__":
    main()
