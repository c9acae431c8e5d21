"""The values a checkpoint's header may hold (compose.trainer.state writes them), checked
before any is used, so that a header from anywhere resumes a run as written or is refused.

>>> header_problem({"step": 200, "bytes": 10})
''
>>> header_problem({"step": -1, "bytes": 10})
'step -1, expected a whole number from 0'
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from compose.runs.reading import MAX_STEP

Check = Callable[[Any, dict[str, Any]], bool]


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < MAX_STEP


def _number(value: Any) -> bool:
    """A number a float holds (NaN and infinity too: a loss may be one) or null."""
    if value is None or isinstance(value, float):
        return True
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63


def _seconds(value: Any, meta: dict[str, Any]) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < math.inf


def _record(value: Any, meta: dict[str, Any]) -> bool:
    """A record of numbers; a population's checkpoints of earlier versions held its
    variants' rows too (each of numbers), read so that resuming one can say why it cannot."""
    if not isinstance(value, dict):
        return False
    rows = value.get("variants", {})
    return (
        isinstance(rows, dict)
        and all(isinstance(r, dict) and all(map(_number, r.values())) for r in rows.values())
        and all(_number(v) for k, v in value.items() if k != "variants")
    )


def _losses(value: Any, meta: dict[str, Any]) -> bool:
    """One loss, or a population's, one per variant."""
    return _number(value) or (isinstance(value, list) and all(map(_number, value)))


def _tally(value: Any, meta: dict[str, Any]) -> bool:
    """The per-step values since the last log point, one per step up to the header's."""
    if value is None:
        return True
    if not isinstance(value, dict) or not isinstance(value.get("values"), dict):
        return False
    since, step = value.get("since"), meta["step"]
    return (
        _whole(since)
        and since <= step
        and all(
            isinstance(v, list) and len(v) == step - since and all(map(_step_value, v))
            for v in value["values"].values()
        )
    )


def _step_value(value: Any) -> bool:
    """One step's value: a number, or a set metric's statistic, a list of numbers (one per
    class or output: compose.checker.set_metrics)."""
    return _number(value) or (isinstance(value, list) and all(map(_number, value)))


def _early(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and _number(value.get("best"))
        and (value.get("best_step") is None or _whole(value.get("best_step")))
        and _whole(value.get("waited"))
    )


def _early_state(value: Any, meta: dict[str, Any]) -> bool:
    """Early stopping's state, or a population's, one per variant."""
    return _early(value) or (isinstance(value, list) and all(map(_early, value)))


def _watches(value: Any, meta: dict[str, Any]) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)


def _steps_by_name(value: Any, meta: dict[str, Any]) -> bool:
    """A population's variants that failed or stopped early, each with its step."""
    return isinstance(value, dict) and all(_whole(v) for v in value.values())


CHECKS: dict[str, tuple[Check, str]] = {
    "seed": (lambda v, m: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "seconds": (_seconds, "a finite number from 0"),
    "record": (_record, "a record of numbers"),
    "first_loss": (_losses, "a number or a list of them"),
    "tally": (_tally, "the values of each step since its `since` up to its step"),
    "early_stop": (_early_state, "early stopping's best, best_step and waited"),
    "early_stop_watches": (_watches, "a metric and a mode"),
    "failures": (_steps_by_name, "a step for each variant"),
    "early_stopped": (_steps_by_name, "a step for each variant"),
}


def header_problem(meta: dict[str, Any]) -> str:
    """What is wrong with a checkpoint's header, in words ("step -1, expected a whole
    number from 0"); empty when every value it holds is of its kind."""
    for key in ("step", "bytes"):
        if not _whole(meta.get(key)):
            return f"{key} {_shown(meta.get(key))}, expected a whole number from 0"
    for key, (check, expected) in CHECKS.items():
        if key in meta and not check(meta[key], meta):
            return f"{key} {_shown(meta[key])}, expected {expected}"
    return ""


def _shown(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
