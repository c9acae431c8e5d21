"""The train section's part of the recipe's JSON Schema: how long to train, how to optimise,
what to watch, how to run, and where the data comes from."""

from __future__ import annotations

from typing import Any

from compose.checker.metrics import METRICS, TOP_K_PATTERN
from compose.checker.schema_pieces import IDENTIFIER, PARAM, Schema, args_schema, keyed
from compose.data.generated import DATASETS
from compose.data.sklearn_sets import SETS
from compose.recipe.data_section import NON_FINITE
from compose.recipe.records import CHECKPOINT_SECONDS
from compose.recipe.train_section import TRAIN_KEYS


def train_schema() -> Schema:
    """`train:`: exactly TRAIN_KEYS, data and an optimizer, and one of steps or epochs."""
    keys = {
        "data": data_source_schema(held_out=False),
        **_length(),
        **_optimization(),
        **_watching(),
        **_running(),
    }
    return {
        "type": "object",
        "description": "how to train",
        "properties": {k: keys[k] for k in TRAIN_KEYS},
        "required": ["data", "optimizer"],
        "oneOf": [{"required": ["steps"]}, {"required": ["epochs"]}],
        "additionalProperties": False,
    }


def _number(doc: str, kind: str = "integer", **limits: Any) -> Schema:
    return {"anyOf": [{"type": kind, **limits}, PARAM], "description": doc}


def _call(doc: str, examples: list[Schema]) -> Schema:
    """`{name: {args}}` or a bare name; the names and arguments are checked by optax."""
    by_name = {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "additionalProperties": {"type": ["object", "null"]},
    }
    return {"anyOf": [by_name, {"type": "string"}], "description": doc, "examples": examples}


def _length() -> dict[str, Schema]:
    """How long: the batch, and steps or epochs."""
    return {
        "batch": {**_number("examples per step", exclusiveMinimum=0), "default": 32},
        "steps": _number("optimiser steps (give steps or epochs)", exclusiveMinimum=0),
        "epochs": _number("full passes over the data (give steps or epochs)", exclusiveMinimum=0),
    }


def _optimization() -> dict[str, Schema]:
    """How each step moves the weights: the optimizer, its schedule, clipping, a penalty."""
    coefficient = _number("coefficient", "number", minimum=0)
    return {
        "optimizer": _call(
            "any optax optimizer by name, with its arguments, e.g. "
            "{adam: {learning_rate: 0.001}}, {sgd: {learning_rate: 0.1, momentum: 0.9}} or "
            "{adamw: {learning_rate: 0.001, weight_decay: 0.0001}}",
            [
                {"adam": {"learning_rate": 0.001}},
                {"sgd": {"learning_rate": 0.1, "momentum": 0.9}},
                {"adamw": {"learning_rate": 0.001, "weight_decay": 0.0001}},
            ],
        ),
        "schedule": _call(
            "an optax schedule for the learning rate, starting at learning_rate",
            [{"cosine_decay_schedule": {"decay_steps": 1000}}],
        ),
        "clip": _number("global gradient-norm clipping", "number", exclusiveMinimum=0),
        "penalty": {
            "type": "object",
            "properties": {"l1": coefficient, "l2": coefficient},
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": False,
            "description": "one of {l1: coefficient} or {l2: coefficient}, over learned weights",
        },
    }


def _watching() -> dict[str, Schema]:
    """What to measure and keep while training: metrics, validation, logs, early stopping
    and checkpoints."""
    return {
        "metrics": {
            "type": "array",
            "items": {"anyOf": [{"enum": list(METRICS)}, {"pattern": TOP_K_PATTERN}]},
        },
        "validate": {
            "type": "object",
            "properties": {"every": _number("steps between validations", exclusiveMinimum=0)},
            "required": ["every"],
            "additionalProperties": False,
        },
        "log_every": _number("steps between logs (default: total steps / 100)", exclusiveMinimum=0),
        "early_stop": {
            "type": "object",
            "properties": {
                "metric": {"type": "string", "default": "val_loss"},
                "patience": {**_number("evaluations without improvement", exclusiveMinimum=0)},
                "min_delta": _number("the least change that counts", "number", minimum=0),
                "mode": {"enum": ["min", "max"]},
            },
            "additionalProperties": False,
            "description": "stop when a metric stops improving",
        },
        "checkpoint": _checkpoint(),
        "log": {
            "type": "object",
            "properties": {
                "tensorboard": {
                    "type": "string",
                    "minLength": 1,
                    "pattern": "^(?!/)(?!(.*/)?\\.\\.(/|$))",
                    "description": "write TensorBoard event files into this folder, relative "
                    "to the run folder and inside it (needs the tensorboard extra)",
                }
            },
            "additionalProperties": False,
            "description": "logs other tools open",
        },
    }


def _checkpoint() -> Schema:
    seconds = _number(
        "at most one regular checkpoint this often (0: at every multiple)", "number", minimum=0
    )
    return {
        "type": "object",
        "properties": {
            "every": _number("steps between checkpoints", exclusiveMinimum=0),
            "seconds": {**seconds, "default": CHECKPOINT_SECONDS},
        },
        "required": ["every"],
        "additionalProperties": False,
    }


def _running() -> dict[str, Schema]:
    """How to run: devices, starting weights, a population, rewrites and the seed."""
    return {
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
        "seed": {**_number("seed", minimum=0, maximum=2**32 - 1), "default": 0},
    }


NON_FINITE_SCHEMA = {
    "enum": list(NON_FINITE),
    "default": "error",
    "description": "NaN or infinity in the data: error (a problem at check) or drop (the "
    "examples holding one are left out, with a warning naming them)",
}


def data_source_schema(*, held_out: bool) -> Schema:
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
        "non_finite": NON_FINITE_SCHEMA,
    }
    if held_out:
        common = {}
    datasets = {}
    for d in DATASETS.values():
        case = args_schema(tuple(a for a in d.args if a.name != "seed"), doc=d.doc, params=False)
        case["properties"].update(common or {"seed": seed})
        datasets[d.name] = case

    def of_file(kind: str, doc: str, **more: Schema) -> Schema:
        return {
            "properties": {kind: {"type": "string", "description": doc}, **more, **common},
            "required": [kind, *more],
            "additionalProperties": False,
        }

    kinds = {
        "dataset": keyed("dataset", datasets),
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
