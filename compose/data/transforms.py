"""What training does to the data before the model sees it, as one small immutable record
that training and prediction both apply, so that a model is used on the values it learned.

A CSV file's columns become inputs (a number per column, or one value per class for a
one-hot column, with its class names in order), then each input the data section names
in `standardize` is z-scored with the training part's mean and deviation. The record is
kept in the run folder as strict JSON (compose.runs.transforms_file) and read back as
plain numbers and names: nothing in it is ever executed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class Scale:
    """One input's standardisation: (value - mean) / deviation, per value of an example.
    mean, deviation: float64 arrays of one example's shape, read-only; a value that was
    constant in training has deviation 1 (it is only centred)."""

    mean: np.ndarray
    deviation: np.ndarray

    def applied(self, values: np.ndarray) -> np.ndarray:
        """`values` (examples first) standardised, as float32; computed in float64, as
        training computes it, so that prediction gives training's numbers exactly."""
        return ((values - self.mean) / self.deviation).astype(np.float32)

    def restored(self, values: np.ndarray) -> np.ndarray:
        """Standardised `values` back in the units of the data: a prediction of a target
        that training standardised, as float32."""
        return (values * self.deviation + self.mean).astype(np.float32)


@dataclass(frozen=True)
class CsvColumn:
    """A CSV column an input reads: a number, or with `classes`, a one-hot value per class."""

    name: str
    classes: tuple[str, ...] | None = None

    @property
    def width(self) -> int:
        """How many values of an example the column gives."""
        return 1 if self.classes is None else len(self.classes)


@dataclass(frozen=True)
class Transforms:
    """Every transformation training applied: `columns`, a CSV file's columns by input
    (empty for other sources), and `scales`, the standardisation of each input named in
    `standardize`."""

    columns: tuple[tuple[str, tuple[CsvColumn, ...]], ...] = ()
    scales: tuple[tuple[str, Scale], ...] = ()

    def scaled(self, arrays: Mapping[str, np.ndarray]) -> Arrays:
        """The arrays by input name with each standardised input z-scored."""
        scales = dict(self.scales)
        return {k: scales[k].applied(a) if k in scales else a for k, a in arrays.items()}

    def classes(self, name: str) -> tuple[str, ...] | None:
        """The class names of input `name` when it is one one-hot CSV column, else None."""
        columns = dict(self.columns).get(name, ())
        return columns[0].classes if len(columns) == 1 else None

    def as_json(self) -> dict[str, Any]:
        """Plain data for strict JSON: the columns by input, the scales by input."""
        return {
            "columns": {
                name: [
                    {"column": c.name, **({"onehot": list(c.classes)} if c.classes else {})}
                    for c in columns
                ]
                for name, columns in self.columns
            },
            "standardize": {
                name: {"mean": s.mean.tolist(), "deviation": s.deviation.tolist()}
                for name, s in self.scales
            },
        }


def fit(train: Mapping[str, np.ndarray], names: list[str], columns=()) -> Transforms:
    """The transformations of training data: each of `names` standardised by the mean and
    standard deviation of its training examples (float64), beside the CSV `columns`."""
    scales = []
    for name in names:
        if name in train:
            data = np.asarray(train[name], np.float64)
            std = data.std(axis=0)
            scales.append((name, _scale(data.mean(axis=0), np.where(std > 0, std, 1.0))))
    return Transforms(tuple(columns), tuple(scales))


def _scale(mean: Any, deviation: Any) -> Scale:
    mean, deviation = np.array(mean, np.float64), np.array(deviation, np.float64)
    mean.flags.writeable = deviation.flags.writeable = False
    return Scale(mean, deviation)


def from_json(value: Any, shapes: Mapping[str, tuple[int, ...]]) -> Transforms:
    """The record written by `as_json`, checked against the inputs' per-example `shapes`.

    Raises ValueError saying what is wrong, in words that follow "expected"."""
    if not isinstance(value, dict) or set(value) != {"columns", "standardize"}:
        raise ValueError("an object of columns and standardize")
    columns, scales = value["columns"], value["standardize"]
    if not isinstance(columns, dict) or not isinstance(scales, dict):
        raise ValueError("columns and standardize to be objects by input name")
    read_columns = []
    for name, listed in columns.items():
        if name not in shapes or not isinstance(listed, list):
            raise ValueError(f"columns of the run's inputs, got {_said(name)}")
        read = tuple(_column(name, c) for c in listed)
        if sum(c.width for c in read) != int(np.prod(shapes[name])) or len(shapes[name]) != 1:
            raise ValueError(f"columns of input '{name}' giving its shape {shapes[name]}")
        read_columns.append((name, read))
    read_scales = []
    for name, scale in scales.items():
        if name not in shapes or not isinstance(scale, dict) or set(scale) != {"mean", "deviation"}:
            raise ValueError(
                f"standardize to hold a mean and deviation by input, got {_said(name)}"
            )
        try:
            mean, deviation = (np.array(scale[k], np.float64) for k in ("mean", "deviation"))
        except (TypeError, ValueError):
            raise ValueError(f"numbers for the standardisation of '{name}'") from None
        shape = tuple(shapes[name])
        if mean.shape != shape or deviation.shape != shape:
            raise ValueError(f"a mean and deviation of input '{name}''s shape {shape}")
        if not (np.isfinite(mean).all() and (deviation > 0).all() and np.isfinite(deviation).all()):
            raise ValueError(f"finite means and positive deviations for '{name}'")
        read_scales.append((name, _scale(mean, deviation)))
    return Transforms(tuple(read_columns), tuple(read_scales))


def _column(name: str, value: Any) -> CsvColumn:
    if not isinstance(value, dict) or not isinstance(value.get("column"), str):
        raise ValueError(f"each column of input '{name}' named")
    if set(value) - {"column", "onehot"}:
        raise ValueError(f"a column of input '{name}' with only its name and classes")
    classes = value.get("onehot")
    if classes is None:
        return CsvColumn(value["column"])
    if not isinstance(classes, list) or not classes or not all(isinstance(c, str) for c in classes):
        raise ValueError(f"the classes of column '{value['column']}' as a list of names")
    return CsvColumn(value["column"], tuple(classes))


def _said(name: Any) -> str:
    text = repr(name)
    return text if len(text) <= 40 else text[:37] + "..."
