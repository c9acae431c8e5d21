"""A hyperparameter's bounds are declared once: the JSON Schema shows the same numbers that
`compose check` applies, and a value just outside them is refused by both."""

import math

import jsonschema
import pytest

from blocks import BLOCKS
from compose.checker.schema import recipe_schema
from compose.checker.schema_pieces import BOUNDS, check_rule
from compose.recipe.source import load_text

SCHEMA = recipe_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _declared(hyper) -> dict:
    """The hyperparameter's bounds, by their JSON Schema names."""
    found = {key: getattr(hyper, name) for name, key in BOUNDS.items()}
    return {key: bound for key, bound in found.items() if bound is not None}


BOUNDED = [
    (block, hyper) for block in BLOCKS.values() for hyper in block.hypers if _declared(hyper)
]


def _in_schema(block, hyper) -> dict:
    """The schema a node of `block` gives `hyper`'s value (a `$name` aside)."""
    cases = SCHEMA["$defs"]["node"]["else"]["allOf"]
    case = next(c for c in cases if c["if"]["properties"]["block"]["const"] == block.name)
    value = case["then"]["properties"][hyper.name]["anyOf"][0]
    return value["items"]["anyOf"][0] if hyper.kind is tuple else value


def _outside(hyper, key: str, bound: float):
    """The nearest value the bound refuses: the bound itself when exclusive, else one step."""
    down = key.endswith("inimum")
    if key.startswith("exclusive"):
        value = bound
    elif hyper.kind is float:
        value = math.nextafter(bound, -math.inf if down else math.inf)
    else:
        value = bound - 1 if down else bound + 1
    if hyper.kind is tuple:  # a list's bounds hold for each element
        return [2, int(value)]
    return float(value) if hyper.kind is float else int(value)


def _yaml(value) -> str:
    """A value as YAML text; floats with a point, so YAML 1.1 reads them as numbers."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.17e}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def _recipe(block, hyper, value) -> str:
    """One node of `block` on inputs of its example shapes, `hyper` set to `value`."""
    names = [f"x{i}" for i in range(len(block.example))]
    inputs = ", ".join(f"{n}: {_yaml(list(s))}" for n, s in zip(names, block.example, strict=True))
    settings = {**block.example_hypers, hyper.name: value}
    node = [f"block: {block.name}"] + ([f"in: [{', '.join(names)}]"] if names else [])
    node += [f"{k}: {_yaml(v)}" for k, v in settings.items()]
    return f"inputs: {{{inputs}}}\nnodes:\n  n: {{{', '.join(node)}}}\noutputs: [n]\n"


def test_bounds_were_found():
    assert {(b.name, h.name) for b, h in BOUNDED} >= {("batch_norm", "eps"), ("layer_norm", "eps")}


@pytest.mark.parametrize("block, hyper", BOUNDED, ids=lambda x: x.name)
def test_the_schema_shows_the_declared_bounds(block, hyper):
    shown = {k: v for k, v in _in_schema(block, hyper).items() if k in BOUNDS.values()}
    assert shown == _declared(hyper)


def test_the_normalisers_agree_on_eps():
    assert BLOCKS["batch_norm"].hyper("eps") == BLOCKS["layer_norm"].hyper("eps")
    assert (
        _in_schema(BLOCKS["batch_norm"], BLOCKS["batch_norm"].hyper("eps"))["exclusiveMinimum"] == 0
    )


@pytest.mark.parametrize(
    "block, hyper, key, bound",
    [(b, h, k, v) for b, h in BOUNDED for k, v in _declared(h).items()],
    ids=lambda x: x if isinstance(x, str) else getattr(x, "name", str(x)),
)
def test_a_value_just_outside_is_refused_by_both(cli, block, hyper, key, bound):
    value = _outside(hyper, key, bound)
    text = _recipe(block, hyper, value)
    code, _, err = cli(text)
    assert code == 2
    expected = hyper.problem(value)
    assert expected, f"{value!r} should be outside {key} {bound}"
    where = f"nodes.n.{hyper.name}: node 'n' ({block.name}): expected {expected}, got "
    assert any(where in line for line in err), err
    found = VALIDATOR.iter_errors(load_text(text).data)
    assert [list(e.absolute_path) for e in found] == [["nodes", "n", hyper.name]]


def test_a_value_on_the_bound_passes_both(cli):
    text = _recipe(BLOCKS["dropout"], BLOCKS["dropout"].hyper("rate"), 0.0)
    assert cli(text)[0] == 0
    assert list(VALIDATOR.iter_errors(load_text(text).data)) == []


def test_a_check_a_bound_cannot_say_is_described_in_words():
    reshape = BLOCKS["reshape"]
    hyper = reshape.hyper("shape")
    rule = check_rule(hyper)
    assert rule.startswith("Sizes above zero, except at most one -1")
    description = SCHEMA["$defs"]["node"]["else"]["allOf"]
    case = next(c for c in description if c["if"]["properties"]["block"]["const"] == "reshape")
    assert case["then"]["properties"]["shape"]["description"] == f"{hyper.doc}. {rule}"


def test_every_block_check_on_a_hyperparameter_says_its_rule():
    for block in BLOCKS.values():
        for hyper in block.hypers:
            assert hyper.check is None or check_rule(hyper), (block.name, hyper.name)
