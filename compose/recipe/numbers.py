"""What a number read from a recipe must be, said once for every reader.

YAML reads integers of any size, floats up to 1.8e308, `.nan` and `.inf`, and true/false
(which Python counts as integers). A number that becomes a float32 array must be finite
and inside float32; one that counts or sizes something stays below 2**31 (XLA indexes with
int32); true and false are never numbers.
"""

from __future__ import annotations

import math
from typing import Any

from blocks import Hyper

FLOAT32_MAX = 3.4028234663852886e38  # numpy.finfo(numpy.float32).max
INT_LIMIT = 2**31
FINITE = "a finite number"
IN_FLOAT32 = "a number inside float32 (at most 3.4e38 in size)"


def is_number(value: Any) -> bool:
    """An int or a float, but not true or false."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def float32_problem(value: Any) -> str | None:
    """What was expected of a number that becomes float32, if `value` is not one."""
    if not is_number(value):
        return "a number"
    if isinstance(value, float) and not math.isfinite(value):
        return FINITE
    return IN_FLOAT32 if abs(value) > FLOAT32_MAX else None  # exact, for integers of any size


def int32_problem(value: Any) -> str | None:
    """What was expected of a count or a size, if `value` is not one."""
    if not (isinstance(value, int) and not isinstance(value, bool)):
        return "an integer"
    return None if abs(value) < INT_LIMIT else "an integer below 2**31"


def hyper_problem(hyper: Hyper, value: Any) -> str | None:
    """`hyper.problem(value)`, and for a float hyperparameter, inside float32 too: every
    float a block, an initialiser or a data set takes ends up in a float32 array."""
    expected = hyper.problem(value)
    if expected is None and hyper.kind is float:
        return float32_problem(value)
    return expected
