"""Reading YAML: locations, and what a recipe must never contain."""

import tracemalloc
from pathlib import Path

import pytest

from compose.recipe import source
from compose.recipe.problems import RecipeError
from compose.recipe.source import MAX_VALUES, load_text


def problems(text):
    with pytest.raises(RecipeError) as err:
        load_text(text, file="r.yaml")
    return [str(p) for p in err.value.problems]


def test_every_key_keeps_its_line_and_column():
    source = load_text("a: 1\nb:\n  c: [1, 2.5, x]\n", file="r.yaml")
    assert source.data == {"a": 1, "b": {"c": [1, 2.5, "x"]}}
    assert str(source.where(("b", "c", 2))) == "r.yaml:3:15"
    assert str(source.where(("b", "c"), key=True)) == "r.yaml:3:3"
    assert source.where(("b", "c", 2)).path == "b.c[2]"


def test_syntax_error_points_at_the_place():
    assert problems("a: [1, 2\nb: 3\n") == [
        "r.yaml:2:2: YAML syntax: expected ',' or ']', but got ':'"
    ]


def test_duplicate_keys_are_refused_not_overwritten():
    assert problems("a: 1\nb: 2\na: 3\n") == [
        "r.yaml:3:1: a: duplicate key 'a'; it was first given at 1:1"
    ]


def test_python_tags_are_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "ran"
    text = f"a: !!python/object/apply:os.system ['touch {marker}']\n"
    assert problems(text) == [
        "r.yaml:1:4: a: expected plain data, got the tag "
        "'!!python/object/apply:os.system'; recipes never create objects"
    ]
    assert not marker.exists()
    assert problems("a: !custom 3\n") == [
        "r.yaml:1:4: a: expected plain data, got the tag '!custom'; recipes never create objects"
    ]


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_alias_bomb_is_refused_with_memory_flat():
    tracemalloc.start()
    found = problems(BOMB)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert found == [
        f"r.yaml:1:11: expected at most {MAX_VALUES} values, got a document that aliases "
        "expand past that; refused"
    ]
    assert peak < 100 * 2**20  # 9**9 strings expanded would need gigabytes


def test_aliases_within_reason_are_fine():
    source = load_text("base: &b {learning_rate: 0.1}\ncopy: *b\n")
    assert source.data["copy"] == {"learning_rate": 0.1}


# libyaml's parser under PyYAML's composer ------------------------------------------------

ROOT = Path(__file__).parents[2]
APART = {
    "a tab after a colon": "a:\t1\n",
    "an empty value in a flow mapping": "a: {b: , c: 1}\n",
    "an explicit key with no value": "? a\n",
    "a question mark in a flow scalar": "a: {b?: 1}\n",
    "a next-line character": "a: [1,\x85 2]\n",
    "a byte-order mark": "a: \ufeffb\n",
}
ALIKE = {
    "names in other scripts": "日本: {x: 1, é: [1, 2]}\nb: {c: 😀}\n",
    "CRLF line ends": "a: 1\r\nb: {c: 2}\r\n",
    "a block scalar": "a: |\n  x\n  y\nb: {c: 2}\n",
    "anchors and aliases": "a: &x {b: 1}\nc: [*x, *x]\n",
    "quoted and escaped": "a: 'it''s'\nb: \"\\u00e9\\x41\"\n",
    "empty values in block mappings": "a:\nb:\n  c:\n",
}


def located(text):
    """The data and every place, or the problems, as load_text gives them."""
    try:
        found = load_text(text, file="r.yaml")
    except RecipeError as err:
        return [str(p) for p in err.problems]
    return found.data, found.marks, found.key_marks


needs_libyaml = pytest.mark.skipif(source._FAST_LOADER is None, reason="PyYAML without libyaml")


@needs_libyaml
@pytest.mark.parametrize(
    "text",
    [*(p.read_text() for p in sorted((ROOT / "recipes").glob("*.yaml"))), *ALIKE.values(),
     *APART.values(), "a: [1, 2\nb: 3\n", "x: " + "[" * 500 + "]" * 500 + "\n", "a: b\x7f\n"],
    ids=[*(p.stem for p in sorted((ROOT / "recipes").glob("*.yaml"))), *ALIKE, *APART,
         "a syntax error", "500 nested lists", "a control character"],
)  # fmt: skip
def test_the_fast_loader_reads_as_pyyaml_reads(monkeypatch, text):
    fast = located(text)
    monkeypatch.setattr(source, "_FAST_LOADER", None)  # PyYAML's pure-Python parser
    assert fast == located(text)


@needs_libyaml
def test_recipes_are_read_by_libyaml(monkeypatch):
    class Refused(source._Loader):
        def __init__(self, text):
            raise AssertionError("read by the pure-Python parser")

    monkeypatch.setattr(source, "_Loader", Refused)
    for recipe in sorted((ROOT / "recipes").glob("*.yaml")):
        load_text(recipe.read_text())
    for text in APART.values():
        with pytest.raises(AssertionError):
            load_text(text)  # read apart: the pure-Python parser decides


def test_every_key_of_a_long_chain_is_where_the_text_has_it():
    lines = ["inputs: {x: [2]}", "nodes:"]
    lines += [f"  n{i}: {{block: linear, in: n{i - 1}, out: {i % 7 + 1}}}" for i in range(1000)]
    found = load_text("\n".join(lines) + "\n", file="r.yaml")
    for number, line in enumerate(lines[2:], start=3):
        name = line.split(":")[0].strip()
        assert found.key_marks["nodes", name] == (number, 3)
        for key in ("block", "in", "out"):
            column = line.index(f"{key}: ") + 1
            assert found.key_marks["nodes", name, key] == (number, column)
            assert found.marks["nodes", name, key] == (number, column + len(key) + 2)
    assert str(found.where(("nodes", "n999", "out"))) == f"r.yaml:1002:{lines[-1].index('out') + 6}"


@needs_libyaml
def test_tags_are_refused_when_libyaml_reads_them(tmp_path):
    marker = tmp_path / "ran"
    text = f"a: [1, !!python/object/apply:os.system ['touch {marker}']]\n"
    assert problems(text) == [
        "r.yaml:1:8: a[1]: expected plain data, got the tag "
        "'!!python/object/apply:os.system'; recipes never create objects"
    ]
    assert not marker.exists()


# YAML 1.2 numbers -------------------------------------------------------------------------

# text -> the value YAML 1.2's core schema gives it (https://yaml.org/spec/1.2.2/#1023-core-schema)
NUMBERS = {
    "1e-3": 0.001, "5E-2": 0.05, "1e6": 1e6, "-2.5e+3": -2500.0, ".5e1": 5.0, "1.e2": 100.0,
    "+1E3": 1000.0, "3.0e-4": 3e-4, "0.1": 0.1, "7": 7, "-7": -7,
}  # fmt: skip
NOT_NUMBERS = ["1e", "e3", "1e3.5", "1e-", "1ee3", "0x1p3"]


@pytest.mark.parametrize("fast", [True, False], ids=["libyaml", "pure-python"])
def test_numbers_follow_yaml_1_2_in_both_loaders(monkeypatch, fast):
    if not fast:
        monkeypatch.setattr(source, "_FAST_LOADER", None)
    for text, value in NUMBERS.items():
        found = load_text(f"a: {text}\nb: [{text}]\n", file="r.yaml")
        assert found.data == {"a": value, "b": [value]}, text
        assert type(found.data["a"]) is type(value), text
        assert found.marks["a",] == (1, 4)
    for text in NOT_NUMBERS:
        assert load_text(f"a: {text}\n").data == {"a": text}
    assert load_text("a: '1e-3'\n").data == {"a": "1e-3"}  # quoted: text, as written


def test_a_yaml_1_2_number_is_read_by_libyaml(monkeypatch):
    class Refused(source._Loader):
        def __init__(self, text):
            raise AssertionError("read by the pure-Python parser")

    if source._FAST_LOADER is not None:
        monkeypatch.setattr(source, "_Loader", Refused)
    assert load_text("train: {optimizer: {adam: {learning_rate: 1e-3}}}\n").data == {
        "train": {"optimizer": {"adam": {"learning_rate": 0.001}}}
    }
