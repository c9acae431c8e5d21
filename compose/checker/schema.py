"""A JSON Schema (draft 2020-12) of the recipe format, for editors that check YAML as it is typed.

Generated from the registries (blocks, initialisers, data sets, metrics) and the key tuples
of the parser, so a new block or hyperparameter appears here without an edit. The schema
catches what one key at a time can show (unknown keys, wrong kinds, missing hyperparameters,
values outside a hyperparameter's declared bounds); wiring, shapes, optax names and the few
checks a bound cannot say (described in words) stay with `compose check`.
"""

from __future__ import annotations

import inspect
from typing import Any

from blocks import BLOCKS, INITIALIZERS, Block, Hyper
from compose.checker.metrics import METRICS, TOP_K_PATTERN
from compose.data.generated import DATASETS
from compose.data.sklearn_sets import SETS
from compose.recipe.parse import INSTANCE_KEYS, NETWORK_KEYS, TOP_KEYS
from compose.recipe.records import CHECKPOINT_SECONDS
from compose.recipe.train_section import TRAIN_KEYS

Schema = dict[str, Any]

IDENTIFIER = "^[A-Za-z_][A-Za-z0-9_]*$"
PARAM: Schema = {
    "type": "string",
    "pattern": r"^\$[A-Za-z_][A-Za-z0-9_]*$",
    "description": "a parameter of the recipe or network, e.g. $width",
}
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
_NAME: Schema = {"type": "string", "description": "the name of an input or node"}


def recipe_schema() -> Schema:
    """The JSON Schema of a recipe file, as a JSON-serialisable dict."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "blockcompose recipe",
        **_section(TOP_KEYS),
        "$defs": {
            "network": {"description": "a network body", **_section(NETWORK_KEYS)},
            "node": {
                "if": {"type": "object", "required": ["network"]},
                "then": {"$ref": "#/$defs/instance"},
                "else": _keyed("block", {b.name: _block(b) for b in BLOCKS.values()}),
            },
            "instance": _instance(),
            "held_out": _data_source(held_out=True),
            "weight": {
                "description": "a weight source: a name to wire (node, input or node.weight), "
                "{init: NAME, ...} or {network: ..., in: ...}; absent: learned, default init",
                "anyOf": [
                    {"type": "string"},
                    {"$ref": "#/$defs/instance"},
                    _keyed(
                        "init", {i.name: _args(i.args, doc=i.doc) for i in INITIALIZERS.values()}
                    ),
                ],
            },
        },
    }


def _value(hyper: Hyper, *, params: bool = True) -> Schema:
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


def _args(hypers: tuple[Hyper, ...], *, doc: str = "", params: bool = True) -> Schema:
    """A mapping of exactly these named arguments, the required ones required."""
    return {
        "description": doc,
        "properties": {h.name: _value(h, params=params) for h in hypers},
        "required": [h.name for h in hypers if h.required],
    }


def _keyed(key: str, cases: dict[str, Schema]) -> Schema:
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


def _block(block: Block) -> Schema:
    """A block node: `block`, `in`, its hyperparameters and its weight slots."""
    schema = _args(block.hypers, doc=block.doc)
    slots = {s.name: {"$ref": "#/$defs/weight", "description": s.doc} for s in block.slots}
    if not block.inputs:  # a block with no inputs (parameter): no `in`, or an empty one
        none = {"type": "array", "maxItems": 0, "description": "no inputs"}
        schema["properties"] = {"in": none, **schema["properties"], **slots}
        return schema
    schema["properties"] = {"in": _inputs(block), **schema["properties"], **slots}
    schema["required"] = ["in", *schema["required"]]
    return schema


def _inputs(block: Block) -> Schema:
    """What `in` takes: one name, a list in port order, or a mapping by port."""
    ports = block.inputs
    description = "inputs: " + ", ".join(ports) + (" (two or more)" if block.variadic else "")
    if block.variadic:
        return {"type": "array", "items": _NAME, "minItems": 2, "description": description}
    by_port = {
        "type": "object",
        "properties": {p: _NAME for p in ports},
        "required": list(ports),
        "additionalProperties": False,
    }
    in_order = {"type": "array", "items": _NAME, "minItems": len(ports), "maxItems": len(ports)}
    options = [_NAME, in_order, by_port] if len(ports) == 1 else [in_order, by_port]
    return {"anyOf": options, "description": description}


def _instance() -> Schema:
    """A network instance; keys beyond INSTANCE_KEYS set the network's parameters."""
    keys = {
        "network": {
            "description": "a network in `networks:`, a .yaml file, or a network written here",
            "anyOf": [{"type": "string", "minLength": 1}, {"$ref": "#/$defs/network"}],
        },
        "in": {
            "description": "the network's inputs: one name, a list in order, or by name",
            "anyOf": [
                _NAME,
                {"type": "array", "items": _NAME},
                {"type": "object", "additionalProperties": _NAME},
            ],
        },
        "repeat": {
            "description": "copies applied in sequence, each with its own weights",
            "anyOf": [{"type": "integer", "minimum": 1}, PARAM],
            "default": 1,
        },
    }
    return {
        "type": "object",
        "properties": {k: keys[k] for k in INSTANCE_KEYS},
        "required": ["network", "in"],
        "additionalProperties": {
            "description": "a parameter of the network",
            "type": ["number", "string", "boolean"],
        },
    }


def _section(keys: tuple[str, ...]) -> Schema:
    """A recipe or network body: exactly `keys`, each with its schema from `_top_keys`."""
    known = _top_keys()
    return {
        "type": "object",
        "properties": {k: known[k] for k in keys},
        "required": ["inputs", "nodes", "outputs"],
        "additionalProperties": False,
    }


def _top_keys() -> dict[str, Schema]:
    scalar = {"type": ["number", "string", "boolean"]}
    names = {"type": "object", "propertyNames": {"pattern": IDENTIFIER}}
    dimension = {"anyOf": [{"type": "integer", "minimum": 1}, PARAM]}
    return {
        "name": {"type": "string", "description": "the recipe's name (used for run folders)"},
        "about": {"type": "string", "description": "one sentence on what the recipe shows"},
        "params": {
            **names,
            "additionalProperties": scalar,
            "description": "parameters with defaults, used as $name, e.g. {width: 16}",
        },
        "networks": {
            **names,
            "additionalProperties": {"$ref": "#/$defs/network"},
            "description": "named networks that nodes can instantiate",
        },
        "inputs": {
            **names,
            "additionalProperties": {"type": "array", "items": dimension},
            "description": "per-example shapes by name, e.g. x: [2]; the batch axis is implicit",
        },
        "nodes": {
            **names,
            "additionalProperties": {"$ref": "#/$defs/node"},
            "description": "node name -> {block: NAME, in: ...} or {network: ..., in: ...}",
        },
        "outputs": {
            "description": "the node names the model returns",
            "anyOf": [_NAME, {"type": "array", "items": _NAME, "minItems": 1}],
        },
        "loss": {"type": "string", "description": "the node to minimise (a per-example scalar)"},
        "train": _train(),
    }


def _train() -> Schema:
    def number(doc: str, kind: str = "integer", **limits: Any) -> Schema:
        return {"anyOf": [{"type": kind, **limits}, PARAM], "description": doc}

    def call(doc: str, examples: list[Schema]) -> Schema:
        """`{name: {args}}` or a bare name; the names and arguments are checked by optax."""
        by_name = {
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": {"type": ["object", "null"]},
        }
        return {"anyOf": [by_name, {"type": "string"}], "description": doc, "examples": examples}

    coefficient = number("coefficient", "number", minimum=0)
    keys = {
        "data": _data_source(held_out=False),
        "batch": {**number("examples per step", exclusiveMinimum=0), "default": 32},
        "steps": number("optimiser steps (give steps or epochs)", exclusiveMinimum=0),
        "epochs": number("full passes over the data (give steps or epochs)", exclusiveMinimum=0),
        "optimizer": call(
            "any optax optimizer by name, with its arguments, e.g. "
            "{adam: {learning_rate: 0.001}}, {sgd: {learning_rate: 0.1, momentum: 0.9}} or "
            "{adamw: {learning_rate: 0.001, weight_decay: 0.0001}}",
            [
                {"adam": {"learning_rate": 0.001}},
                {"sgd": {"learning_rate": 0.1, "momentum": 0.9}},
                {"adamw": {"learning_rate": 0.001, "weight_decay": 0.0001}},
            ],
        ),
        "schedule": call(
            "an optax schedule for the learning rate, starting at learning_rate",
            [{"cosine_decay_schedule": {"decay_steps": 1000}}],
        ),
        "clip": number("global gradient-norm clipping", "number", exclusiveMinimum=0),
        "penalty": {
            "type": "object",
            "properties": {"l1": coefficient, "l2": coefficient},
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": False,
            "description": "one of {l1: coefficient} or {l2: coefficient}, over learned weights",
        },
        "metrics": {
            "type": "array",
            "items": {"anyOf": [{"enum": list(METRICS)}, {"pattern": TOP_K_PATTERN}]},
        },
        "validate": {
            "type": "object",
            "properties": {"every": number("steps between validations", exclusiveMinimum=0)},
            "required": ["every"],
            "additionalProperties": False,
        },
        "log_every": number("steps between logs (default: total steps / 100)", exclusiveMinimum=0),
        "early_stop": {
            "type": "object",
            "properties": {
                "metric": {"type": "string", "default": "val_loss"},
                "patience": {**number("evaluations without improvement", exclusiveMinimum=0)},
                "min_delta": number("the least change that counts", "number", minimum=0),
                "mode": {"enum": ["min", "max"]},
            },
            "additionalProperties": False,
            "description": "stop when a metric stops improving",
        },
        "checkpoint": {
            "type": "object",
            "properties": {
                "every": number("steps between checkpoints", exclusiveMinimum=0),
                "seconds": {
                    **number(
                        "at most one regular checkpoint this often (0: at every multiple)",
                        "number",
                        minimum=0,
                    ),
                    "default": CHECKPOINT_SECONDS,
                },
            },
            "required": ["every"],
            "additionalProperties": False,
        },
        "devices": {
            "anyOf": [{"const": "all"}, {"type": "integer", "minimum": 1}],
            "default": "all",
            "description": "how many devices to train on",
        },
        "init_from": {"type": "string", "description": "a run folder whose weights start this run"},
        "vary": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "number"}, "minItems": 1},
            "description": "a population: seed, optimizer.NAME.ARGUMENT, penalty.l2, "
            "nodes.NODE.HYPERPARAMETER or nodes.NODE.WEIGHT.ARGUMENT -> values (a grid)",
        },
        "rewrite": {
            "type": "boolean",
            "default": True,
            "description": "fuse unstable pairs (softmax -> cross_entropy); false: as written",
        },
        "seed": {**number("seed", minimum=0, maximum=2**32 - 1), "default": 0},
    }
    return {
        "type": "object",
        "description": "how to train",
        "properties": {k: keys[k] for k in TRAIN_KEYS},
        "required": ["data", "optimizer"],
        "oneOf": [{"required": ["steps"]}, {"required": ["epochs"]}],
        "additionalProperties": False,
    }


def _data_source(*, held_out: bool) -> Schema:
    """`train.data`, or with `held_out` a `val:` or `test:` source of its own (which takes
    no split keys; a generated one takes its `seed`)."""
    seed = {
        "type": "integer",
        "minimum": 0,
        "maximum": 2**32 - 1,
        "default": 0,
        "description": "seeds the shuffle and a generated set",
    }
    fraction = {"type": "number", "minimum": 0, "exclusiveMaximum": 1}
    held = {"anyOf": [fraction, {"$ref": "#/$defs/held_out"}]}
    common = {
        "val": {**held, "description": "the fraction held out for validation, or a source"},
        "test": {**held, "description": "the fraction held out for testing, or a source"},
        "shuffle": {"type": "boolean", "default": True, "description": "shuffle before splitting"},
        "seed": seed,
        "standardize": {
            "type": "array",
            "items": {"type": "string"},
            "description": "arrays z-scored with the training part's mean and deviation",
        },
    }
    if held_out:
        common = {}
    datasets = {}
    for d in DATASETS.values():
        case = _args(tuple(a for a in d.args if a.name != "seed"), doc=d.doc, params=False)
        case["properties"].update(common or {"seed": seed})
        datasets[d.name] = case

    def of_file(kind: str, doc: str, **more: Schema) -> Schema:
        return {
            "properties": {kind: {"type": "string", "description": doc}, **more, **common},
            "required": [kind, *more],
            "additionalProperties": False,
        }

    kinds = {
        "dataset": _keyed("dataset", datasets),
        "npz": of_file("npz", "a .npz file of arrays named like the inputs"),
        "csv": of_file("csv", "a .csv file with a header row", columns=_columns()),
        "sklearn": {
            "properties": {"sklearn": {"enum": list(SETS)}, **common},
            "required": ["sklearn"],
            "additionalProperties": False,
        },
    }
    return {
        "type": "object",
        "description": "a data source: {dataset: NAME}, {npz: FILE}, {csv: FILE, columns: ...} "
        "or {sklearn: NAME}; files are relative to the recipe",
        "anyOf": [{"required": [kind]} for kind in kinds],
        "allOf": [{"if": {"required": [k]}, "then": case} for k, case in kinds.items()],
    }


def _columns() -> Schema:
    name = {"type": ["string", "integer"], "description": "a column named in the header"}
    onehot = {
        "type": "object",
        "properties": {
            "onehot": {**name, "description": "a column, one-hot encoded"},
            "classes": {
                "type": "array",
                "items": {"type": ["string", "number"]},
                "minItems": 1,
                "description": "the classes in order (default: the column's values, sorted)",
            },
        },
        "required": ["onehot"],
        "additionalProperties": False,
    }
    column = {"anyOf": [name, onehot]}
    return {
        "type": "object",
        "propertyNames": {"pattern": IDENTIFIER},
        "additionalProperties": {
            "anyOf": [column, {"type": "array", "items": column, "minItems": 1}]
        },
        "minProperties": 1,
        "description": "each input's columns in order, e.g. {x: [x1, x2], y: {onehot: label}}",
    }
