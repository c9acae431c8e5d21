"""The recipe JSON Schema: valid itself, accepts every shipped recipe, rejects typical slips."""

import copy
import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

from blocks import BLOCKS
from compose.checker.schema import recipe_schema
from compose.recipe.source import load_file, load_text

ROOT = Path(__file__).parents[2]
RECIPES = sorted((ROOT / "recipes").glob("*.yaml"))
SCHEMA = recipe_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

XOR = {
    "inputs": {"x": [2], "y": [1]},
    "nodes": {
        "hidden": {"block": "linear", "in": "x", "out": 2},
        "prob": {"block": "sigmoid", "in": "hidden"},
        "loss": {"block": "cross_entropy", "in": {"pred": "prob", "target": "y"}},
    },
    "outputs": ["prob"],
    "loss": "loss",
    "train": {"data": {"dataset": "xor"}, "steps": 10, "optimizer": {"adam": {}}},
}


def errors(recipe):
    return list(VALIDATOR.iter_errors(recipe))


def with_node(**node):
    recipe = copy.deepcopy(XOR)
    recipe["nodes"]["hidden"] = node
    return recipe


def test_the_schema_is_valid_json_schema_and_plain_json():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert json.loads(json.dumps(SCHEMA)) == SCHEMA


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_every_shipped_recipe_validates(path):
    assert errors(load_file(path).data) == []


def test_recipes_were_found():
    assert RECIPES


def test_every_block_appears_and_a_minimal_node_of_each_validates():
    blocks = SCHEMA["$defs"]["node"]["else"]
    assert blocks["properties"]["block"]["enum"] == list(BLOCKS)
    for block in BLOCKS.values():
        required = {h.name: block.example_hypers[h.name] for h in block.hypers if h.required}
        ports = ["x", "x"] if block.variadic else ["x"] * len(block.inputs)
        node = json.loads(json.dumps({"block": block.name, "in": ports, **required}))
        assert errors(with_node(**node)) == [], block.name
        assert errors(with_node(**node, no_such_key=1)), block.name


@pytest.mark.parametrize(
    "node, path, fragment",
    [
        ({"block": "linear", "in": "x", "out": 2, "outs": 3}, "", "'outs' was unexpected"),
        ({"block": "linear", "in": "x", "out": "two"}, "out", "'two' is not valid"),
        ({"block": "linear", "in": "x"}, "", "'out' is a required property"),
        ({"block": "lineer", "in": "x", "out": 2}, "block", "'lineer' is not one of"),
        ({"block": "conv2d", "in": "x", "out": 2, "padding": "full"}, "padding", "'full'"),
        ({"block": "linear", "in": "x", "out": 0}, "out", "less than or equal to the minimum"),
        ({"block": "linear", "in": "x", "out": 2, "weight": {"init": "nope"}}, "weight", "nope"),
        (
            {"block": "linear", "in": "x", "out": 2, "weight": {"init": "normal", "sd": 1}},
            "weight",
            "'sd' was",
        ),
        ({"block": "add", "in": "x"}, "in", "'x' is not of type 'array'"),
        ({"block": "where", "in": ["c", "a"]}, "in", "is too short"),
    ],
)
def test_slips_fail_validation_at_their_key(node, path, fragment):
    found = errors(with_node(**node))
    assert [".".join(map(str, e.absolute_path)) for e in found] == [
        "nodes.hidden" + (f".{path}" if path else "")
    ]
    assert fragment in " ".join(_messages(found))


def _messages(found):
    for error in found:
        yield error.message
        yield from _messages(error.context)


@pytest.mark.parametrize(
    "node",
    [
        {"block": "linear", "in": "x", "out": "$width", "use_bias": False},
        {"block": "linear", "in": ["x"], "out": 2, "weight": {"init": "normal", "stddev": 0.1}},
        {"block": "linear", "in": {"x": "x"}, "out": 2, "weight": "other.weight"},
        {"block": "reshape", "in": "x", "shape": [2, 1]},
        {"network": "residual", "in": "x", "repeat": 3, "width": 8},
        {
            "block": "linear",
            "in": "x",
            "out": 2,
            "weight": {
                "network": {"inputs": {"t": [2]}, "nodes": {}, "outputs": ["t"]},
                "in": "task",
            },
        },
    ],
)
def test_parameters_weight_sources_and_instances_validate(node):
    assert errors(with_node(**node)) == []


def test_networks_and_params_validate():
    recipe = load_text(
        textwrap.dedent("""\
        params: {width: 4}
        networks:
          residual:
            params: {width: 4}
            inputs: {h: [$width]}
            nodes:
              a: {block: linear, in: h, out: $width}
              s: {block: add, in: [h, a]}
            outputs: [s]
        inputs: {x: [$width]}
        nodes:
          body: {network: residual, in: x, repeat: 5}
        outputs: [body]
        """)
    ).data
    assert errors(recipe) == []
    recipe["networks"]["residual"]["loss"] = "s"  # a network has no loss
    assert errors(recipe)


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"steps": None}, "is not valid under any of the given schemas"),  # neither
        ({"epochs": 2}, "is valid under each of"),  # both
        ({"data": {"dataset": "spiral", "n": 10.5}}, "10.5"),
        ({"data": {"dataset": "xor", "n": 10}}, "'n' was unexpected"),
        ({"metrics": ["acuracy"]}, "'acuracy' is not one of"),
        ({"early_stopping": 3}, "'early_stopping' was unexpected"),
        ({"optimizer": {"adam": {}, "sgd": {}}}, "has too many properties"),
    ],
)
def test_train_slips_fail_validation(change, fragment):
    recipe = copy.deepcopy(XOR)
    recipe["train"].update(change)
    recipe["train"] = {k: v for k, v in recipe["train"].items() if v is not None}
    found = errors(recipe)
    assert fragment in " ".join(_messages(found))


@pytest.mark.parametrize(
    "data",
    [
        {"dataset": "spiral", "n": 200, "val": 0.2, "test": 0.1, "seed": 3, "shuffle": False},
        {"dataset": "circle", "noise": 0.1, "standardize": ["x"]},
        {"dataset": "sine", "low": -1.0, "high": 1.0},
        {"npz": "data/points.npz", "val": {"npz": "data/val.npz"}},
        {"csv": "data/points.csv", "columns": {"x": ["x1", "x2"], "y": ["label"]}},
        {
            "csv": "points.csv",
            "columns": {"x": ["x1", {"onehot": "kind"}], "y": {"onehot": "label"}},
        },
        {"csv": "p.csv", "columns": {"y": {"onehot": "label", "classes": ["a", "b", 3]}}},
        {"sklearn": "digits", "val": 0.2, "test": {"dataset": "spiral", "seed": 1}},
    ],
)
def test_every_form_of_data_validates(data):
    recipe = copy.deepcopy(XOR)
    recipe["train"]["data"] = data
    assert errors(recipe) == []


@pytest.mark.parametrize(
    "data, fragment",
    [
        ({"datset": "xor"}, "is not valid under any of the given schemas"),
        ({"npz": "a.npz", "csv": "b.csv"}, "'csv' was unexpected"),
        ({"csv": "a.csv"}, "'columns' is a required property"),
        ({"csv": "a.csv", "columns": {"x": {"onehot": "c", "clases": []}}}, "'clases'"),
        ({"sklearn": "digit"}, "'digit' is not one of"),
        ({"npz": "a.npz", "val": 1.5}, "1.5"),
        ({"npz": "a.npz", "val": {"npz": "v.npz", "val": 0.1}}, "'val' was unexpected"),
        ({"npz": "a.npz", "n": 10}, "'n' was unexpected"),
        ({"dataset": "xor", "shuffle": "yes"}, "'yes' is not of type 'boolean'"),
    ],
)
def test_data_slips_fail_validation(data, fragment):
    recipe = copy.deepcopy(XOR)
    recipe["train"]["data"] = data
    assert fragment in " ".join(_messages(errors(recipe)))


def test_hyperparameters_carry_their_docs_and_defaults():
    linear = next(
        case["then"]
        for case in SCHEMA["$defs"]["node"]["else"]["allOf"]
        if case["if"]["properties"]["block"]["const"] == "linear"
    )
    assert linear["required"] == ["in", "out"]
    assert linear["properties"]["out"]["description"] == "number of outputs"
    assert linear["properties"]["use_bias"]["default"] is True
    assert linear["additionalProperties"] is False


def test_a_draft_07_validator_reads_it_the_same():
    """yaml-language-server validates with draft 07, so the schema keeps to keywords it knows."""
    draft_07 = jsonschema.Draft7Validator(SCHEMA)
    for path in RECIPES:
        assert list(draft_07.iter_errors(load_file(path).data)) == [], path.name
    assert list(draft_07.iter_errors(with_node(block="linear", out=2)))  # no `in`
