"""The variants of a population: which settings may vary, and every combination of them.

Only numbers that change neither a shape nor the compiled program may vary:

    seed                        initial weights, data order, random blocks' keys
    optimizer.NAME.ARGUMENT     an optimizer's numeric argument (held in its state)
    penalty.l1, penalty.l2      the weight penalty's coefficient
    nodes.NODE.HYPERPARAMETER   a block's hyperparameter that it can take traced (dropout's
                                rate, noise's stddev: `Hyper.traced`)
    nodes.NODE.WEIGHT.ARGUMENT  a numeric argument of a learned weight's initialiser (the
                                initialisation scale: it changes only the starting weights)

The keys are those `--set` uses, the train section's without `train.`. Anything else (a
layer's width, a block, an activation) is refused with the reason; `compose run --vary`
trains such settings as a group of populations, one program each (compose.checker.sweep).

Keys joined by commas (`nodes.drop1.rate,nodes.drop2.rate`) are tied: they take each value
together, as one setting of the grid (`drop1.rate=drop2.rate=0.5`).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from blocks import BLOCKS, INITIALIZERS, Hyper
from compose.checker import optimizers
from compose.checker.plan import Plan
from compose.recipe.problems import Problem, Where, did_you_mean

MAX_VARIANTS = 10_000  # a population vmaps them all: past this it is a typo, not a plan


@dataclass(frozen=True)
class Variant:
    """One member of a population: its name and the settings it changes."""

    name: str
    settings: tuple[tuple[str, Any], ...]

    def setting(self, key: str, default: Any) -> Any:
        return dict(self.settings).get(key, default)


def variants(vary: Mapping[str, Sequence[Any]]) -> list[Variant]:
    """Every combination of the values in `vary` (a grid), in key order. A variant's name
    gives each key by its last part (`seed=3`, `learning_rate=0.1`), a node's from its
    node on (`drop.rate=0.1`, `hidden.weight.stddev=2.0`: which node it is matters), or by
    as many parts as tell it from the others.

    >>> [v.name for v in variants({"nodes.drop.rate": [0, 0.5], "seed": [1]})]
    ['drop.rate=0,seed=1', 'drop.rate=0.5,seed=1']
    """
    keys = list(vary)
    parts = [part for key in keys for part in tied(key)]
    short = {k: "=".join(_short(p, parts) for p in tied(k)) for k in keys}
    out = []
    for values in itertools.product(*(vary[k] for k in keys)):
        settings = tuple((p, v) for k, v in zip(keys, values, strict=True) for p in tied(k))
        name = ",".join(f"{short[k]}={v}" for k, v in zip(keys, values, strict=True))
        out.append(Variant(name, settings))
    return out


def tied(key: str) -> list[str]:
    """The keys a vary key sets together: `a,b` sets a and b to each value; `a` only a."""
    return key.split(",")


def _short(key: str, keys: Sequence[str]) -> str:
    """The fewest last parts of `key` that no other of `keys` ends with, a node's name
    among them for a key of a node."""
    parts = key.split(".")
    least = len(parts) - 1 if parts[0] == "nodes" else 1
    for n in range(least, len(parts) + 1):
        tail = ".".join(parts[-n:])
        if not any(k != key and (k == tail or k.endswith("." + tail)) for k in keys):
            return tail
    return key


def planned(plan: Plan, variant: Variant) -> Plan:
    """`plan` with the variant's node settings written in: its hyperparameters and its
    weights' initialiser arguments (what its own recipe would check to)."""
    hypers: dict[str, dict[str, Any]] = {}
    inits: dict[tuple[str, str], dict[str, Any]] = {}
    for key, value in variant.settings:
        parts = key.split(".")
        if parts[0] == "nodes" and len(parts) == 3:
            hypers.setdefault(parts[1], {})[parts[2]] = float(value)
        elif parts[0] == "nodes":
            inits.setdefault((parts[1], parts[2]), {})[parts[3]] = float(value)
    steps = tuple(
        replace(s, hypers=tuple((dict(s.hypers) | hypers[s.name]).items()))
        if s.name in hypers
        else s
        for s in plan.steps
    )
    learned = tuple(
        replace(w, init_args=tuple((dict(w.init_args) | inits[w.node, w.slot]).items()))
        if (w.node, w.slot) in inits
        else w
        for w in plan.learned
    )
    return replace(plan, steps=steps, learned=learned)


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """`seed=0:20` (a range, end excluded) or `KEY=a,b,c` from the command line; a key
    may be several joined by commas (tied), each the train section's with or without
    `train.`, returned without it. A value is a number, or a name (`relu`) for a key that
    makes a program per value.

    >>> parse_vary("train.seed=0:2")
    ('seed', [0, 1])
    >>> parse_vary("nodes.a.rate,nodes.b.rate=0.1,0.5")
    ('nodes.a.rate,nodes.b.rate', [0.1, 0.5])
    """
    key, sep, values = text.partition("=")
    parts = [p.strip().removeprefix("train.") for p in key.split(",")]
    if not sep or not all(parts) or not values:
        raise ValueError(f"expected KEY=VALUES like seed=0:20 or {_LR}=0.01,0.05, got {text!r}")
    key = ",".join(parts)
    if ":" in values:
        start, _, stop = values.partition(":")
        try:
            span = range(_whole(start), _whole(stop))
        except ValueError:
            raise ValueError(
                f"expected a range of whole numbers like 0:20, got {values!r}"
            ) from None
        if len(span) > MAX_VARIANTS:
            raise ValueError(f"expected at most {MAX_VARIANTS} values, got {len(span)}")
        return key, list(span)
    try:
        return key, [_number(v) for v in values.split(",")]
    except ValueError:
        raise ValueError(
            f"expected numbers (or names like relu) separated by commas, got {values!r}"
        ) from None


_LR = "optimizer.adam.learning_rate"


def _number(text: str) -> int | float | str:
    """A whole number, a decimal one, or a name of ASCII letters, digits and underscores."""
    digits = text.strip().lstrip("-")
    if digits.isascii() and digits.isdigit():
        return _whole(text)
    try:
        return float(text)  # inf and nan too, which the checks refuse where they matter
    except ValueError:
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text.strip()):
            return text.strip()
        raise


def _whole(text: str) -> int:
    """An integer in ASCII digits: int() also reads '٣' as 3."""
    if not text.strip().lstrip("+-").isascii():
        raise ValueError(text)
    return int(text)


def problems(recipe, vary: Mapping[str, Sequence[Any]], where: Where) -> list[Problem]:
    """What a population of `recipe` cannot vary: a key that is not one of the module's
    docstring's (it could change a shape or the program, or is not held per variant),
    values that key does not take, or a train section that does not go with it."""
    train = recipe.train
    out = []
    for key, values in ((part, v) for k, v in vary.items() for part in tied(k)):
        check, why = _setting(recipe, key)
        if check is None:
            message = (
                f"vary: expected one of seed, optimizer.{train.optimizer.name}.ARGUMENT, "
                "penalty.l1, penalty.l2, nodes.NODE.HYPERPARAMETER or "
                f"nodes.NODE.WEIGHT.ARGUMENT (numbers that change no shape), got '{key}'"
            )
            out.append(Problem(where, message, why or did_you_mean(key, _known(recipe))))
            continue
        if not values or not all(_is_number(v) for v in values):
            out.append(
                Problem(where, f"vary: expected a list of numbers for '{key}', got {list(values)}")
            )
        elif key == "seed" and not all(isinstance(v, int) and 0 <= v < 2**32 for v in values):
            out.append(
                Problem(where, f"vary: expected seeds from 0 to 2**32 - 1, got {list(values)}")
            )
        elif expected := next((p for v in values if (p := check(v))), ""):
            out.append(Problem(where, f"vary: expected {expected}"))
        elif key.endswith(".learning_rate") and train.schedule is not None:
            out.append(
                Problem(where, "vary: expected no schedule when varying the learning rate, got one")
            )
    count = math.prod(len(values) for values in vary.values())
    if count > MAX_VARIANTS:
        message = f"vary: expected at most {MAX_VARIANTS} variants in all, got {count:,}"
        out.append(Problem(where, message))
    return out


Check = Callable[[Any], str]  # a value -> "" if it suits, else "WHAT, got VALUE"


def _setting(recipe, key: str) -> tuple[Check | None, str]:
    """(how each value of `key` is checked, "") if a population can vary it, else (None,
    why not, when there is more to say than that it is unknown)."""
    train, parts = recipe.train, key.split(".")
    if key == "seed":  # checked in `problems`, which shows every seed
        return (lambda v: ""), ""
    if parts[0] == "optimizer" and len(parts) == 3 and parts[1] == train.optimizer.name:
        if parts[2] in optimizers.numeric_arguments(parts[1]):
            return (lambda v: optimizers.argument_problem(parts[1], parts[2], v)), ""
        return None, ""
    if parts[0] == "penalty" and len(parts) == 2 and parts[1] in ("l1", "l2"):
        if train.penalty is not None and train.penalty[0] != parts[1]:
            return (
                None,
                f"the recipe's penalty is {train.penalty[0]}: vary penalty.{train.penalty[0]}",
            )
        return _by(Hyper(parts[1], float, minimum=0), key), ""
    if parts[0] != "nodes" or len(parts) not in (3, 4):
        return None, ""
    node = next((n for n in recipe.nodes if n.name == parts[1]), None)
    if node is None:
        return None, ""
    if node.use is not None:
        return None, f"node '{node.name}' is a network instance: its own nodes cannot vary yet"
    if node.block not in BLOCKS:  # the check says so where the node is
        return None, ""
    block = BLOCKS[node.block]
    if len(parts) == 3:
        hyper = block.hyper(parts[2])
        if hyper is None:
            return None, ""
        if not (hyper.traced and hyper.kind is float):
            return None, (
                f"{block.name}'s {hyper.name} changes a shape or the compiled program; "
                f"a population varies {_traced_names()}; --vary on the command line "
                "trains each value as a program of its own"
            )
        return _by(hyper, key), ""
    slot, spec = block.slot(parts[2]), node.weight(parts[2])
    if slot is None or (spec is not None and spec.ref is not None):
        return None, f"node '{node.name}' has no learned weight '{parts[2]}'" if slot else ""
    init = INITIALIZERS[spec.init if spec is not None and spec.init else slot.init]
    arg = next((a for a in init.args if a.name == parts[3] and a.kind is float), None)
    if arg is None:
        numeric = [a.name for a in init.args if a.kind is float]
        said = f"weight '{node.name}.{slot.name}' starts from {init.name}"
        if numeric:
            return None, f"{said}, whose numeric arguments are {', '.join(numeric)}"
        return None, (
            f"{said}, which takes no numeric arguments: give it one that does, "
            "e.g. weight: {init: normal, stddev: 0.1}"
        )
    return _by(arg, key), ""


def _by(hyper: Hyper, key: str) -> Check:
    """Check values as `hyper` checks them."""
    return lambda v: f"{p} for '{key}', got {v}" if (p := hyper.problem(v)) else ""


def _traced_names() -> str:
    """The hyperparameters blocks can take traced, in words: "dropout's rate, ..."."""
    names = [f"{b.name}'s {h.name}" for b in BLOCKS.values() for h in b.hypers if h.traced]
    return ", ".join(names) or "none"


def _known(recipe) -> list[str]:
    """Every key a population of `recipe` can vary, for "did you mean"."""
    train = recipe.train
    keys = ["seed", "penalty.l1", "penalty.l2"]
    keys += [
        f"optimizer.{train.optimizer.name}.{a}"
        for a in optimizers.numeric_arguments(train.optimizer.name)
    ]
    for node in recipe.nodes:
        if node.use is None and node.block in BLOCKS:
            keys += [f"nodes.{node.name}.{h.name}" for h in BLOCKS[node.block].hypers if h.traced]
    return keys


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def in_one_program(recipe, key: str) -> bool:
    """Whether a population of `recipe` varies `key` (each key it ties) inside one compiled
    program: a key of the module's docstring's."""
    return all(_setting(recipe, part)[0] is not None for part in tied(key))
