"""`compose inspect TARGET --values NODE [--example I]`: one node's activation and gradient
element by element for one example, then exact zeros counted per node over the batch."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

from compose.cli.inspect_command import _table, members, subject
from compose.model.node_values import NodeValues, Zeros, node_values, zeros
from compose.recipe.problems import Problem, RecipeError, Where, did_you_mean, printable
from compose.runtime.shown import number


def run(args: argparse.Namespace) -> int:
    """Print (or, with --json, give as JSON) the values of `args.values` for `args.example`."""
    many = members(args.target)
    out = []
    for name, target in many or [("", args.target)]:
        seen = subject(target, overrides=args.set, examples=args.batch)
        for note in seen.notes:
            print(printable(f"warning: {note}"), file=sys.stderr)
        rewrites = seen.checked.rewrites
        try:
            one = node_values(seen.model, seen.batch, args.values, args.example, rewrites=rewrites)
        except KeyError:
            known = _paths(seen.model)
            hint = did_you_mean(args.values, known)
            got = f"expected a node of the model ({hint or ', '.join(known)}), got '{args.values}'"
            raise RecipeError([Problem(Where(f"--values {args.values}"), got)]) from None
        except IndexError as err:
            message = f"{err} (the batch holds the first examples; --batch N takes more)"
            raise RecipeError([Problem(Where(f"--example {args.example}"), message)]) from None
        size = len(next(iter(seen.batch.values())))
        counted = zeros(seen.model, seen.batch, rewrites=rewrites)
        head = f"{printable(seen.checked.recipe.name)}: {seen.label}"
        if args.json:
            extra = {"variant": name} if name else {}
            out.append(as_json(one, counted, **extra, recipe=seen.checked.recipe.name))
        else:
            shown = report(head, one, counted, examples=size)
            print(f"variant {name}: " if name else "", shown, sep="", end="")
    if args.json:
        print(out[0] if not many else "[\n" + ",\n".join(out) + "\n]")
    return 0


def _paths(model) -> list[str]:
    from compose.model.inspection import paths

    return paths(model.plan)


def report(
    head: str, one: NodeValues, counted: tuple[Zeros, ...], *, examples: int, width: int = 80
) -> str:
    """The node's values, one element a row, then the table of exact zeros per node."""
    shape = str(tuple(one.activation.shape))
    lines = [
        head,
        f"node '{one.path}' ({one.block}), output shape {shape}, example {one.example} "
        f"(its loss {number(one.loss, '.4g')}):",
    ]
    gradient = one.gradient
    rows = []
    for index in np.ndindex(*one.activation.shape):
        grad = "" if gradient is None else _exact(gradient[index])
        rows.append(("[" + ", ".join(map(str, index)) + "]", _exact(one.activation[index]), grad))
    columns = ("element", "activation", "gradient of its loss")
    lines += _table(columns, rows, width, left=1)
    if gradient is None:
        lines.append(f"no gradient reaches '{one.path}': {one.note}")
    else:
        lines.append(
            f"exact zeros: {_count(one.activation)} of {one.activation.size} activations, "
            f"{_count(gradient)} of {gradient.size} gradients"
        )
    lines.append(f"exact zeros per node, over the batch's {examples} examples:")
    rows = [
        (
            z.path,
            z.block,
            str(z.size),
            str(z.outputs),
            "-" if z.gradients is None else str(z.gradients),
        )
        for z in counted
    ]
    lines += _table(("node", "block", "values", "zero outputs", "zero gradients"), rows, width,
                    left=2)  # fmt: skip
    return "".join(f"{line}\n" for line in lines)


def as_json(one: NodeValues, counted: tuple[Zeros, ...], **extra: Any) -> str:
    """The same as strict JSON: nested lists of numbers (null where not finite)."""
    data = {
        **extra,
        "node": one.path,
        "block": one.block,
        "example": one.example,
        "loss": _finite(one.loss),
        "activation": _nested(one.activation),
        "gradient": None if one.gradient is None else _nested(one.gradient),
        "note": one.note,
        "zeros": [z.as_dict() for z in counted],
    }
    return json.dumps(data, indent=2, allow_nan=False)


def _nested(array: np.ndarray) -> Any:
    return np.vectorize(_finite, otypes=[object])(array).tolist() if array.ndim else _finite(array)


def _finite(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _exact(value) -> str:
    """A value as it is: 0 only when exactly 0 (a tiny value keeps its digits)."""
    value = float(value)
    return "0" if value == 0 else number(value, ".6g")


def _count(array: np.ndarray) -> int:
    return int(np.sum(array == 0))
