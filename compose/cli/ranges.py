"""Ranges and points given on the command line: `--range LO:HI` or `X0:X1,Y0:Y1`, and
`--segment A:B` whose ends are points written `x0,x1,...`."""

from __future__ import annotations

import math

from compose.recipe.problems import Problem, RecipeError, Where


def parse_range(text: str, option: str = "--range") -> tuple[float, ...]:
    """(lo, hi) or (x0, x1, y0, y1) from `LO:HI` or `X0:X1,Y0:Y1`; a RecipeError saying what
    was expected otherwise.

    >>> parse_range("-2:3")
    (-2.0, 3.0)
    >>> parse_range("0:1,-1:1")
    (0.0, 1.0, -1.0, 1.0)
    """
    expected = "expected LO:HI or X0:X1,Y0:Y1 (finite numbers, each LO below its HI)"
    found: list[float] = []
    for axis in text.split(","):
        ends = axis.split(":")
        numbers = [_number(end) for end in ends]
        if len(ends) != 2 or None in numbers or not numbers[0] < numbers[1]:
            raise RecipeError([Problem(Where(f"{option} {text}"), f"{expected}, got '{axis}'")])
        found += numbers
    if len(found) > 4:
        raise RecipeError([Problem(Where(f"{option} {text}"), f"{expected}, got more axes")])
    return tuple(found)


def parse_segment(text: str, size: int, option: str = "--segment") -> tuple[tuple[float, ...], ...]:
    """The two ends of a segment `A:B` in an input of `size` numbers, each end written
    `x0,x1,...` (one number for an input of one).

    >>> parse_segment("0:1", 1)
    ((0.0,), (1.0,))
    >>> parse_segment("-1,0:1,0.5", 2)
    ((-1.0, 0.0), (1.0, 0.5))
    """
    ends = text.split(":")
    points = [tuple(_number(x) for x in end.split(",")) for end in ends]
    if len(ends) != 2 or any(None in p or len(p) != size for p in points) or points[0] == points[1]:
        example = ",".join(["0"] * size) + ":" + ",".join(["1"] * size)
        message = (
            f"expected two different points of {size} finite number{'s' * (size > 1)} each, "
            f"e.g. {example}, got '{text}'"
        )
        raise RecipeError([Problem(Where(f"{option} {text}"), message)])
    return tuple(points)  # type: ignore[return-value]


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
