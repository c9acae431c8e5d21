"""Reading YAML: locations, and what a recipe must never contain."""

import tracemalloc

import pytest

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
