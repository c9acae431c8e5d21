"""The pieces the recipe's JSON Schema is built from: a hyperparameter's value with its
bounds, a mapping of named arguments, a mapping whose one key picks its case, a `$name`."""

from __future__ import annotations

import inspect
from typing import Any

from blocks import Hyper

Schema = dict[str, Any]

IDENTIFIER = "^[A-Za-z_][A-Za-z0-9_]*$"
PARAM: Schema = {
    "type": "string",
    "pattern": r"^\$[A-Za-z_][A-Za-z0-9_]*$",
    "description": "a parameter of the recipe or network, e.g. $width",
}
NAME: Schema = {"type": "string", "description": "the name of an input or node"}
_KINDS: dict[type, Schema] = {
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    str: {"type": "string"},
    tuple: {"type": "array", "items": {"type": "integer"}},
}
BOUNDS = {  # a Hyper's declared bounds and their JSON Schema names
    "minimum": "minimum",
    "exclusive_minimum": "exclusiveMinimum",
    "maximum": "maximum",
    "exclusive_maximum": "exclusiveMaximum",
}


def value_schema(hyper: Hyper, *, params: bool = True) -> Schema:
    """One hyperparameter's schema; `params`: a `$name` may stand for the value."""
    schema = dict(_KINDS[hyper.kind])
    bounds = {key: getattr(hyper, name) for name, key in BOUNDS.items()}
    bounds = {key: bound for key, bound in bounds.items() if bound is not None}
    if hyper.kind is tuple:  # a list's bounds hold for each element
        schema["items"] = {**schema["items"], **bounds}
    else:
        schema.update(bounds)
    if hyper.choices:
        schema["enum"] = list(hyper.choices)
    if params and hyper.kind is tuple:  # each size may be a `$name` too: [$width, -1]
        schema["items"] = {"anyOf": [schema["items"], PARAM]}
    if params and schema != {"type": "string"}:  # a plain string already takes `$name`
        schema = {"anyOf": [schema, PARAM]}
    description = ". ".join(filter(None, (hyper.doc, check_rule(hyper))))
    if description:
        schema["description"] = description
    if not hyper.required:
        schema["default"] = list(hyper.default) if hyper.kind is tuple else hyper.default
    return schema


def check_rule(hyper: Hyper) -> str:
    """What a hyperparameter's `check` requires, in words (its docstring's first line): the
    schema cannot run it, so it says it where an editor shows the key's description."""
    doc = inspect.getdoc(hyper.check) if hyper.check else None
    return doc.splitlines()[0] if doc else ""


def args_schema(hypers: tuple[Hyper, ...], *, doc: str = "", params: bool = True) -> Schema:
    """A mapping of exactly these named arguments, the required ones required."""
    return {
        "description": doc,
        "properties": {h.name: value_schema(h, params=params) for h in hypers},
        "required": [h.name for h in hypers if h.required],
    }


def keyed(key: str, cases: dict[str, Schema]) -> Schema:
    """A mapping whose `key` names one of `cases`; that case's schema says what else it takes.

    An if-then per case rather than a oneOf, so an editor reports the one case that was meant.
    """
    return {
        "type": "object",
        "required": [key],
        "properties": {key: {"enum": list(cases)}},
        "allOf": [
            {
                "if": {"properties": {key: {"const": name}}, "required": [key]},
                "then": {
                    **case,
                    "properties": {key: {"const": name}, **case["properties"]},
                    "additionalProperties": False,
                },
            }
            for name, case in cases.items()
        ],
    }
