"""Generated data sets, made from a seed: the built-in ones and those packages install.

Each says how many examples and which per-example shapes it gives without making them
(`shapes`), so checking a recipe costs nothing; `make` builds the arrays when training.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from blocks import Hyper
from blocks.plugins import entry_point_plugins
from compose.recipe.data_section import COMMON

Arrays = dict[str, np.ndarray]
Shape = tuple[int, ...]
GROUP = "blockcompose.datasets"


@dataclass(frozen=True)
class Dataset:
    """A named generated data set.

    `make(**args)` gives arrays by name (leading axis: examples); `shapes(**args)` gives,
    without making anything, the number of examples and each array's per-example shape.
    `args` are its arguments; one named `seed` receives the source's `seed`. `check(**args)`
    says what is wrong with a combination of arguments, if anything.
    """

    name: str
    doc: str
    make: Callable[..., Arrays]
    shapes: Callable[..., tuple[int, dict[str, Shape]]]
    args: tuple[Hyper, ...] = ()
    check: Callable[..., str | None] | None = None


def _n(default: int) -> Hyper:
    return Hyper(
        "n",
        int,
        default,
        "number of examples",
        exclusive_minimum=0,
    )


def _noise(default: float, doc: str = "standard deviation of added noise") -> Hyper:
    return Hyper("noise", float, default, doc, minimum=0)


def _length(default: int) -> Hyper:
    return Hyper(
        "length",
        int,
        default,
        "positions in each sequence",
        minimum=2,
    )


SEED = Hyper("seed", int, 0, "seed of the generator (the source's `seed`)")
PLANE = lambda n, **_: (n, {"x": (2,), "y": (1,)})  # noqa: E731


def _xor() -> Arrays:
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    return {"x": x, "y": (x[:, :1] != x[:, 1:]).astype(np.float32)}


def _spiral(n: int, noise: float, classes: int, turns: float, seed: int) -> Arrays:
    """`classes` interleaved spiral arms in the plane; y is one-hot, shape (classes,)."""
    rng = np.random.default_rng(seed)
    label = np.arange(n) % classes
    radius = rng.uniform(0.05, 1.0, n)
    angle = 2 * np.pi * (turns * radius + label / classes)
    x = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x += noise * rng.standard_normal((n, 2))
    return {"x": x.astype(np.float32), "y": _one_hot(label, classes)}


def _one_hot(label: np.ndarray, classes: int) -> np.ndarray:
    """Rows (n, classes) of float32, 1 at each `label` (n,): only the n x classes that
    `shapes` promised, where np.eye(classes)[label] would first make classes x classes."""
    out = np.zeros((len(label), classes), np.float32)
    out[np.arange(len(label)), label] = 1.0
    return out


_SEGMENTS = {  # (rows, cols) of each of the seven segments inside a 7-high, 4-wide box
    "a": (slice(0, 1), slice(0, 4)),
    "b": (slice(0, 4), slice(3, 4)),
    "c": (slice(3, 7), slice(3, 4)),
    "d": (slice(6, 7), slice(0, 4)),
    "e": (slice(3, 7), slice(0, 1)),
    "f": (slice(0, 4), slice(0, 1)),
    "g": (slice(3, 4), slice(0, 4)),
}
_LIT = ("abcdef", "bc", "abged", "abgcd", "fgbc", "afgcd", "afgedc", "abc", "abcdefg", "abcdfg")


def _segment_digits(n: int, noise: float, seed: int) -> Arrays:
    """Seven-segment digits on an 8x8 canvas, shifted by up to a pixel or two, with noise:
    x (1, 8, 8) channels first, y one-hot (10,)."""
    glyphs = np.zeros((10, 7, 4), np.float32)
    for digit, lit in enumerate(_LIT):
        for segment in lit:
            glyphs[(digit, *_SEGMENTS[segment])] = 1.0
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 10, n)
    rows, cols = rng.integers(0, 2, n), rng.integers(1, 4, n)
    x = np.zeros((n, 1, 8, 8), np.float32)
    for i in range(n):
        x[i, 0, rows[i] : rows[i] + 7, cols[i] : cols[i] + 4] = glyphs[label[i]]
    x += noise * rng.standard_normal(x.shape).astype(np.float32)
    return {"x": x, "y": np.eye(10, dtype=np.float32)[label]}


# TensorFlow Playground's classification sets (playground.tensorflow.org, dataset.ts):
# points within [-6, 6]^2, the label 1 or 0 (the playground's 1 or -1), classes alternating.
_RADIUS = 5.0


def _plane(x: np.ndarray, label: np.ndarray) -> Arrays:
    return {"x": x.astype(np.float32), "y": label.astype(np.float32)[:, None]}


def _circle(n: int, noise: float, seed: int) -> Arrays:
    """A disc of label 1 inside a ring of label 0; noise moves the point the label is
    decided at, so it mislabels points near the gap."""
    rng = np.random.default_rng(seed)
    inside = np.arange(n) % 2 == 0
    r = np.where(inside, rng.uniform(0, 0.5, n), rng.uniform(0.7, 1.0, n)) * _RADIUS
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    jitter = rng.uniform(-_RADIUS, _RADIUS, (n, 2)) * noise
    return _plane(x, np.hypot(*(x + jitter).T) < 0.5 * _RADIUS)


def _quadrants(n: int, noise: float, seed: int) -> Arrays:
    """The playground's XOR: label 1 where both coordinates have one sign, kept 0.3 off
    the axes; noise moves the point the label is decided at."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-_RADIUS, _RADIUS, (n, 2))
    x += np.where(x > 0, 0.3, -0.3)
    jitter = rng.uniform(-_RADIUS, _RADIUS, (n, 2)) * noise
    moved = x + jitter
    return _plane(x, moved[:, 0] * moved[:, 1] >= 0)


def _gauss(n: int, noise: float, seed: int) -> Arrays:
    """Two Gaussian clouds, label 1 around (2, 2), 0 around (-2, -2); variance 0.5 + 7 noise."""
    rng = np.random.default_rng(seed)
    label = np.arange(n) % 2 == 0
    centre = np.where(label, 2.0, -2.0)[:, None]
    x = centre + np.sqrt(0.5 + 7 * noise) * rng.standard_normal((n, 2))
    return _plane(x, label)


def _moons(n: int, noise: float, seed: int) -> Arrays:
    """Two interleaved half circles (scikit-learn's make_moons): label 0 the upper arc,
    1 the lower; Gaussian noise of standard deviation `noise`."""
    rng = np.random.default_rng(seed)
    lower = np.arange(n) % 2 == 1
    t = rng.uniform(0, np.pi, n)
    upper_arc = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower_arc = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    x = np.where(lower[:, None], lower_arc, upper_arc) + noise * rng.standard_normal((n, 2))
    return _plane(x, lower)


def _sine(n: int, low: float, high: float, noise: float, seed: int) -> Arrays:
    """x uniform in [low, high), y = sin(x) plus Gaussian noise: a 1-D regression."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, (n, 1))
    y = np.sin(x) + noise * rng.standard_normal((n, 1))
    return {"x": x.astype(np.float32), "y": y.astype(np.float32)}


def _parity(n: int, length: int, seed: int) -> Arrays:
    """Random bit strings x (length,) of 0 and 1; y (1,) is 1 where the count of ones is odd."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, (n, length))
    return {"x": x.astype(np.float32), "y": (x.sum(axis=1) % 2).astype(np.float32)[:, None]}


def _sorted(n: int, length: int, values: int, seed: int) -> Arrays:
    """Integer sequences x (length,) in [0, values): every other one sorted ascending
    (y 1), the rest sorted and then one adjacent pair of unequal values swapped (y 0), so
    only the order tells them apart."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.integers(0, values, (n, length)), axis=1)
    flat = x[:, 0] == x[:, -1]  # all one value: nothing to swap, so change one end
    top = x[:, -1] == values - 1
    x[flat & ~top, -1] += 1
    x[flat & top, 0] -= 1
    label = np.arange(n) % 2 == 0
    rows = np.flatnonzero(~label)
    rising = x[rows, 1:] > x[rows, :-1]  # pairs whose swap unsorts the sequence
    i = np.argmax(rng.random(rising.shape) * rising, axis=1)  # one at random
    x[rows, i], x[rows, i + 1] = x[rows, i + 1], x[rows, i].copy()
    return {"x": x.astype(np.float32), "y": label.astype(np.float32)[:, None]}


def _playground(name: str, doc: str, make: Callable[..., Arrays]) -> Dataset:
    noise = _noise(0.0, "how far labels blur across the boundary (the playground's 0 to 0.5)")
    return Dataset(name, doc + ": x (2,), y (1,) 0 or 1", make, PLANE, (_n(500), noise, SEED))


BUILTIN: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset("xor", "the four points of XOR: x (2,), y (1,)", _xor, lambda: (4, PLANE(4)[1])),
        Dataset(
            "spiral",
            "interleaved spiral arms: x (2,), y one-hot (classes,)",
            _spiral,
            lambda n, classes, **_: (n, {"x": (2,), "y": (classes,)}),
            (
                _n(1000),
                _noise(0.1),
                Hyper(
                    "classes",
                    int,
                    2,
                    "number of arms",
                    minimum=2,
                ),
                Hyper(
                    "turns",
                    float,
                    1.0,
                    "turns of each arm",
                    exclusive_minimum=0,
                ),
                SEED,
            ),
        ),
        Dataset(
            "segment_digits",
            "seven-segment digits on an 8x8 canvas, shifted, noisy: x (1, 8, 8), y one-hot (10,)",
            _segment_digits,
            lambda n, **_: (n, {"x": (1, 8, 8), "y": (10,)}),
            (_n(1500), _noise(0.3), SEED),
        ),
        _playground("circle", "the playground's circle: a disc inside a ring", _circle),
        _playground("quadrants", "the playground's XOR: opposite quadrants alike", _quadrants),
        _playground("gauss", "the playground's two Gaussian clouds", _gauss),
        _playground("moons", "two interleaved half circles", _moons),
        Dataset(
            "sine",
            "a 1-D regression: x (1,) uniform in [low, high), y (1,) = sin(x) + noise",
            _sine,
            lambda n, **_: (n, {"x": (1,), "y": (1,)}),
            (
                _n(1000),
                Hyper("low", float, -3.0, "smallest x"),
                Hyper("high", float, 3.0, "largest x (excluded)"),
                _noise(0.1),
                SEED,
            ),
            lambda low, high, **_: (
                None if low < high else f"low below high, got low {low}, high {high}"
            ),
        ),
        Dataset(
            "parity",
            "bit strings: x (length,) of 0 and 1, y (1,) 1 where the count of ones is odd",
            _parity,
            lambda n, length, **_: (n, {"x": (length,), "y": (1,)}),
            (_n(1000), _length(8), SEED),
        ),
        Dataset(
            "sorted",
            "integer sequences: x (length,) in [0, values), y (1,) 1 where sorted ascending; "
            "the unsorted ones are sorted ones with one adjacent pair swapped",
            _sorted,
            lambda n, length, **_: (n, {"x": (length,), "y": (1,)}),
            (
                _n(1000),
                _length(8),
                Hyper(
                    "values",
                    int,
                    10,
                    "number of distinct values (0 to values - 1)",
                    minimum=2,
                ),
                SEED,
            ),
        ),
    )
}


def _plugin_problem(dataset: Dataset) -> str | None:
    taken = [a.name for a in dataset.args if a.name in COMMON and a.name != "seed"]
    if taken:
        return f"expected argument names other than a source's own keys, got {', '.join(taken)}"
    return None


PLUGINS, PLUGIN_ORIGINS = entry_point_plugins(
    GROUP, "dataset", (Dataset, "compose.data.generated.Dataset"), BUILTIN, _plugin_problem
)
DATASETS: dict[str, Dataset] = {**BUILTIN, **PLUGINS}
