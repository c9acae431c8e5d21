"""Runs compared: their final metrics gathered by setting, seeds pooled.

A run folder is one sample of one setting; a population's folder gives a setting for each
combination of its varied keys other than the seed, the seeds its samples; a group's
folder (compose.runs.group_folder) gives its members', each named by its own settings
first (`hidden.out=2`, `hidden.out=2,learning_rate=0.1`). With several folders, each
setting is named by its folder too (`a:learning_rate=0.1`); a setting that is all of its
folder (a run, a population of seeds) by the folder's name alone.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compose.recipe.problems import Problem, RecipeError, Where
from compose.runs.folder import is_run
from compose.runs.group_folder import is_group, member_folders
from compose.runs.reading import check_folder, read_summary

OPERATORS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


@dataclass(frozen=True)
class Sample:
    """One trained model: its name in its folder (`seed=3`, or the folder's), how it
    ended, its steps, and its final metrics."""

    name: str
    status: str
    steps: int
    metrics: dict[str, Any]


@dataclass
class Setting:
    """One setting compared: its label and its samples (one per seed)."""

    label: str
    samples: list[Sample] = field(default_factory=list)


@dataclass(frozen=True)
class Threshold:
    """`val_accuracy>=1`: a metric, a comparison and a number a sample reaches or not."""

    metric: str
    op: str
    value: float

    def reached(self, metrics: dict[str, Any]) -> bool:
        got = metrics.get(self.metric)
        return _finite(got) and OPERATORS[self.op](got, self.value)

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.value:g}"


def parse_threshold(text: str) -> Threshold:
    """`METRIC>=NUMBER` (or >, <=, <); ValueError saying what was expected otherwise.

    >>> parse_threshold("val_accuracy>=1")
    Threshold(metric='val_accuracy', op='>=', value=1.0)
    """
    match = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*(>=|<=|>|<)\s*(\S+)\s*", text)
    number = None
    if match:
        try:
            number = float(match.group(3))
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise ValueError(f"expected METRIC>=NUMBER like val_accuracy>=1, got {text!r}")
    return Threshold(match.group(1), match.group(2), number)


def gather(folders: list[Path]) -> list[Setting]:
    """The settings of `folders` (groups, populations or runs) in order, each with its
    samples. Raises RecipeError for a folder that is none of them."""
    settings: dict[str, Setting] = {}
    for folder in folders:
        prefix = f"{folder.name}:" if len(folders) > 1 else ""
        check_folder(folder)
        if is_group(folder):
            parts = [(name, own) for name, own, _ in member_folders(folder)]
        elif is_run(folder):
            parts = [("", folder)]
        else:
            message = "expected a run, population or group folder (with summary.json or group.json)"
            raise RecipeError([Problem(Where(str(folder)), message)])
        for name, own in parts:
            for label, sample in _samples(own):
                label = ",".join(p for p in (name, label) if p)
                label = prefix + label if label else folder.name
                settings.setdefault(label, Setting(label)).samples.append(sample)
    return list(settings.values())


def _samples(folder: Path) -> list[tuple[str, Sample]]:
    """(the setting's label without its seed, the sample) of each model of a run or
    population folder; a run's label is ""."""
    summary = read_summary(folder)
    variants = summary.get("variants")
    if not variants:
        return [("", _sample(folder.name, summary))]
    out = []
    for name, own in variants.items():
        label = ",".join(p for p in name.split(",") if not p.startswith("seed="))
        out.append((label, _sample(name, own)))
    return out


def _sample(name: str, summary: dict[str, Any]) -> Sample:
    metrics = summary.get("metrics")
    metrics = {k: v for k, v in metrics.items()} if isinstance(metrics, dict) else {}
    steps = summary.get("steps")
    return Sample(name, str(summary.get("status", "")), steps if isinstance(steps, int) else 0,
                  metrics)  # fmt: skip


@dataclass(frozen=True)
class Figures:
    """One setting's numbers: its samples, those with a finite value of the metric, their
    median, lowest and highest (None without any), and how many reached the threshold."""

    samples: int
    valued: int
    median: float | None
    lowest: float | None
    highest: float | None
    reached: int | None


def values(setting: Setting, metric: str) -> list[float]:
    """The finite values of `metric` among `setting`'s samples, in the samples' order."""
    return [s.metrics[metric] for s in setting.samples if _finite(s.metrics.get(metric))]


def figures(setting: Setting, metric: str, threshold: Threshold | None) -> Figures:
    """`setting`'s figures of `metric` (see Figures); `reached` None without a threshold."""
    got = sorted(values(setting, metric))
    median = None
    if got:
        middle = len(got) // 2
        median = got[middle] if len(got) % 2 else (got[middle - 1] + got[middle]) / 2
    reached = None
    if threshold is not None:
        reached = sum(threshold.reached(s.metrics) for s in setting.samples)
    lowest, highest = (got[0], got[-1]) if got else (None, None)
    return Figures(len(setting.samples), len(got), median, lowest, highest, reached)


def metric_names(settings: list[Setting]) -> list[str]:
    """Every metric some sample has, in the order first seen."""
    names: dict[str, None] = {}
    for setting in settings:
        for sample in setting.samples:
            names.update(dict.fromkeys(sample.metrics))
    return list(names)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
