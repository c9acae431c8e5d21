"""A training run's folder: the resolved recipe, metrics as they come, summary, weights.

Each metrics line is flushed when written and the weights are saved even when training
is interrupted, so a crash or Ctrl-C loses nothing already computed.
"""

from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path
from typing import Any

import equinox as eqx

from compose.source import dump_text

RECIPE, METRICS, SUMMARY, WEIGHTS = "recipe.yaml", "metrics.jsonl", "summary.json", "model.eqx"


def default_dir(name: str, *, root: str | Path = "runs") -> Path:
    """`runs/NAME-YYYYmmdd-HHMMSS`, with a counter if that exists already."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "run"  # stays inside `root`
    stem = Path(root) / f"{safe}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, n = stem, 1
    while path.exists():
        n += 1
        path = stem.with_name(f"{stem.name}-{n}")
    return path


class RunFolder:
    """Writes one run's files as training goes."""

    def __init__(self, path: str | Path, recipe_data: Any):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / RECIPE).write_text(dump_text(recipe_data), encoding="utf-8")
        self._metrics = open(self.path / METRICS, "w", encoding="utf-8")

    def log(self, record: dict[str, Any]) -> None:
        self._metrics.write(_json(record) + "\n")
        self._metrics.flush()

    def finish(self, model: eqx.Module, summary: dict[str, Any]) -> None:
        eqx.tree_serialise_leaves(self.path / WEIGHTS, model)
        (self.path / SUMMARY).write_text(_json(summary, indent=2) + "\n", encoding="utf-8")
        self._metrics.close()


def _json(value: Any, **kwargs: Any) -> str:
    """Strict JSON: a NaN or infinite number is written as null."""
    if isinstance(value, dict):
        value = {k: _finite(v) for k, v in value.items()}
    return json.dumps(value, allow_nan=False, **kwargs)


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
