"""Built-in data sets, generated from a seed, as named arrays matched to a recipe's inputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from blocks import Hyper
from compose.problems import Problem, did_you_mean, shown
from compose.recipe import Call, Input, Train

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class Dataset:
    """A named data set: its arguments and a function making its arrays (leading axis: examples)."""

    name: str
    doc: str
    make: Callable[..., Arrays]
    args: tuple[Hyper, ...] = ()


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
    y = np.eye(classes, dtype=np.float32)[label]
    return {"x": x.astype(np.float32), "y": y}


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
    x (1, 8, 8) channels first, y one-hot (10,). A stand-in until real image data arrives."""
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


_unit = lambda v: None if 0 <= v < 1 else "a fraction in [0, 1)"  # noqa: E731
_pos = lambda v: None if v > 0 else "a positive value"  # noqa: E731

VAL = Hyper("val", float, 0.0, "fraction held out for validation", check=_unit)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset("xor", "the four points of XOR: x (2,), y (1,)", _xor),
        Dataset(
            "spiral",
            "interleaved spiral arms: x (2,), y one-hot (classes,)",
            _spiral,
            (
                Hyper("n", int, 1000, "number of points", check=_pos),
                Hyper(
                    "noise",
                    float,
                    0.1,
                    "standard deviation of added noise",
                    check=lambda v: None if v >= 0 else "a value >= 0",
                ),
                Hyper(
                    "classes",
                    int,
                    2,
                    "number of arms",
                    check=lambda v: None if v >= 2 else "2 or more",
                ),
                Hyper("turns", float, 1.0, "turns of each arm", check=_pos),
                Hyper("seed", int, 0, "seed of the generator"),
            ),
        ),
        Dataset(
            "segment_digits",
            "seven-segment digits on an 8x8 canvas, shifted, noisy: x (1, 8, 8), y one-hot (10,)",
            _segment_digits,
            (
                Hyper("n", int, 1500, "number of images", check=_pos),
                Hyper(
                    "noise",
                    float,
                    0.3,
                    "standard deviation of added noise",
                    check=lambda v: None if v >= 0 else "a value >= 0",
                ),
                Hyper("seed", int, 0, "seed of the generator"),
            ),
        ),
    )
}


def _args(call: Call) -> tuple[Dataset | None, dict, list[Problem]]:
    dataset = DATASETS.get(call.name)
    if dataset is None:
        hint = did_you_mean(call.name, DATASETS)
        return None, {}, [Problem(call.where, f"unknown dataset '{call.name}'", hint)]
    known = {a.name: a for a in dataset.args + (VAL,)}
    values = {a.name: a.default for a in known.values()}
    out = []
    for key, value in call.args:
        arg = known.get(key)
        if arg is None:
            out.append(
                Problem(
                    call.where_of(key),
                    f"dataset '{call.name}' takes no argument '{key}'",
                    did_you_mean(str(key), known),
                )
            )
        elif expected := arg.problem(value):
            out.append(
                Problem(
                    call.where_of(key),
                    f"dataset '{call.name}': expected '{key}' to be {expected}, got {shown(value)}",
                )
            )
        else:
            values[key] = value
    return dataset, values, out


def problems(train: Train, inputs: tuple[Input, ...]) -> list[Problem]:
    """Every problem with a data source: arrays that do not fit the inputs, a training set
    emptier than one batch."""
    call = train.data
    dataset, values, out = _args(call)
    if out or dataset is None:
        return out
    arrays = dataset.make(**{k: v for k, v in values.items() if k != "val"})
    n = len(next(iter(arrays.values())))
    n_train = _train_size(n, values["val"])
    if n_train == 0:
        out.append(
            Problem(
                call.where_of("val"),
                f"expected training examples left after "
                f"holding out val: {values['val']}, got none of {n}",
            )
        )
    elif n_train < train.batch:
        where = train.where.get("batch", call.where)
        out.append(
            Problem(
                where,
                f"expected a batch of at most the {n_train} training examples "
                f"of dataset '{call.name}' (of {n}, after val: {values['val']}), "
                f"got {train.batch}",
            )
        )
    given = ", ".join(f"{k} {tuple(a.shape[1:])}" for k, a in arrays.items())
    for inp in inputs:
        if inp.name not in arrays:
            out.append(
                Problem(
                    inp.where,
                    f"input '{inp.name}': dataset '{call.name}' has no "
                    f"array of that name (it gives {given})",
                )
            )
        elif arrays[inp.name].shape[1:] != inp.shape:
            out.append(
                Problem(
                    inp.where,
                    f"input '{inp.name}': declared {list(inp.shape)}, but "
                    f"dataset '{call.name}' gives {tuple(arrays[inp.name].shape[1:])} "
                    "per example",
                )
            )
    return out


def _train_size(n: int, val: float) -> int:
    """How many of n examples train when the fraction `val` is held out for validation."""
    return n - int(round(n * val))


def load(call: Call, names: list[str]) -> tuple[Arrays, Arrays]:
    """The training and validation arrays for the named inputs (validation may be empty)."""
    dataset, values, found = _args(call)
    if found:
        raise ValueError("; ".join(str(p) for p in found))
    val = values.pop("val")
    arrays = {k: v for k, v in dataset.make(**values).items() if k in names}
    n = len(next(iter(arrays.values())))
    cut = _train_size(n, val)
    return {k: a[:cut] for k, a in arrays.items()}, {k: a[cut:] for k, a in arrays.items()}
