"""The variants of a population: which settings may vary, and every combination of them.

Only numbers that change no shape may vary: the seed, and the optimizer's numeric
arguments. Anything else (a layer's width, a block's setting) is refused with the reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compose import optim
from compose.problems import Problem, Where, did_you_mean


@dataclass(frozen=True)
class Variant:
    """One member of a population: its name and the settings it changes."""

    name: str
    settings: tuple[tuple[str, Any], ...]

    def setting(self, key: str, default: Any) -> Any:
        return dict(self.settings).get(key, default)


def variants(vary: Mapping[str, Sequence[Any]]) -> list[Variant]:
    """Every combination of the values in `vary` (a grid), in key order."""
    keys = list(vary)
    out = []
    for values in itertools.product(*(vary[k] for k in keys)):
        settings = tuple(zip(keys, values, strict=True))
        name = ",".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in settings)
        out.append(Variant(name, settings))
    return out


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """`seed=0:20` (a range, end excluded) or `KEY=a,b,c` from the command line."""
    key, sep, values = text.partition("=")
    if not sep or not key or not values:
        raise ValueError(f"expected KEY=VALUES like seed=0:20 or {_LR}=0.01,0.05, got {text!r}")
    if ":" in values:
        start, _, stop = values.partition(":")
        try:
            return key, list(range(int(start), int(stop)))
        except ValueError:
            raise ValueError(
                f"expected a range of whole numbers like 0:20, got {values!r}"
            ) from None
    try:
        return key, [_number(v) for v in values.split(",")]
    except ValueError:
        raise ValueError(f"expected numbers separated by commas, got {values!r}") from None


_LR = "optimizer.adam.learning_rate"


def _number(text: str) -> int | float:
    return int(text) if text.strip().lstrip("-").isdigit() else float(text)


def problems(train, vary: Mapping[str, Sequence[Any]], where: Where) -> list[Problem]:
    """What a population cannot vary: anything but `seed` and the optimizer's numeric
    arguments (the rest could change a shape or is not held per variant yet)."""
    out = []
    optimizer = train.optimizer.name
    allowed = ["seed"] + [f"optimizer.{optimizer}.{a}" for a in optim.numeric_arguments(optimizer)]
    for key, values in vary.items():
        if key not in allowed:
            out.append(
                Problem(
                    where,
                    f"vary: expected one of seed or optimizer.{optimizer}.ARGUMENT (numbers "
                    f"that change no shape), got '{key}'",
                    did_you_mean(key, allowed),
                )
            )
            continue
        if not values or not all(_is_number(v) for v in values):
            out.append(
                Problem(where, f"vary: expected a list of numbers for '{key}', got {list(values)}")
            )
        elif key == "seed" and not all(isinstance(v, int) and 0 <= v < 2**32 for v in values):
            out.append(
                Problem(where, f"vary: expected seeds from 0 to 2**32 - 1, got {list(values)}")
            )
        elif key.endswith(".learning_rate") and train.schedule is not None:
            out.append(
                Problem(where, "vary: expected no schedule when varying the learning rate, got one")
            )
    if train.early_stop is not None:
        out.append(Problem(where, "vary: early stopping is not supported in a population yet"))
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
