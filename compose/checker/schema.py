"""A JSON Schema (draft 2020-12) of the recipe format, for editors that check YAML as it is typed.

Generated from the registries (blocks, initialisers, data sets, metrics) and the key tuples
of the parser, so a new block or hyperparameter appears here without an edit. The schema
catches what one key at a time can show (unknown keys, wrong kinds, missing hyperparameters,
values outside a hyperparameter's declared bounds); wiring, shapes, optax names and the few
checks a bound cannot say (described in words) stay with `compose check`.
"""

from __future__ import annotations

from blocks import BLOCKS, INITIALIZERS, Block
from compose.checker.schema_pieces import IDENTIFIER, NAME, PARAM, Schema, args_schema, keyed
from compose.checker.schema_train import data_source_schema, train_schema
from compose.recipe.nodes_section import INSTANCE_KEYS
from compose.recipe.parse import NETWORK_KEYS, TOP_KEYS


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
                "else": keyed("block", {b.name: _block(b) for b in BLOCKS.values()}),
            },
            "instance": _instance(),
            "held_out": data_source_schema(held_out=True),
            "weight": {
                "description": "a weight source: a name to wire (node, input or node.weight), "
                "{init: NAME, ...} or {network: ..., in: ...}; absent: learned, default init",
                "anyOf": [
                    {"type": "string"},
                    {"$ref": "#/$defs/instance"},
                    keyed(
                        "init",
                        {i.name: args_schema(i.args, doc=i.doc) for i in INITIALIZERS.values()},
                    ),
                ],
            },
        },
    }


def _block(block: Block) -> Schema:
    """A block node: `block`, `in`, its hyperparameters and its weight slots."""
    schema = args_schema(block.hypers, doc=block.doc)
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
        return {"type": "array", "items": NAME, "minItems": 2, "description": description}
    by_port = {
        "type": "object",
        "properties": {p: NAME for p in ports},
        "required": list(ports),
        "additionalProperties": False,
    }
    in_order = {"type": "array", "items": NAME, "minItems": len(ports), "maxItems": len(ports)}
    options = [NAME, in_order, by_port] if len(ports) == 1 else [in_order, by_port]
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
                NAME,
                {"type": "array", "items": NAME},
                {"type": "object", "additionalProperties": NAME},
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
            "anyOf": [NAME, {"type": "array", "items": NAME, "minItems": 1}],
        },
        "loss": {"type": "string", "description": "the node to minimise (a per-example scalar)"},
        "train": train_schema(),
    }
