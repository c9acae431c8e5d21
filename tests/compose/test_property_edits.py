"""Random edits of valid recipes (those in recipes/ and generated ones) end, through
`compose check FILE` run in-process, in exit 0 or in located problems with exit 2: never a
traceback (exit 1 or an exception), never raw control characters on the terminal.

An edit that surely breaks the recipe (a size out of range, a name that is not an
identifier, a wire to nothing, a renamed node something reads, collections nested past the
loader's limit, an unknown key where keys are names) must end in exit 2. Example counts
are modest; PROPERTY_SCALE multiplies them.
"""

import contextlib
import copy
import io
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from blocks import BLOCKS
from compose.cli.main import main
from tests.compose.recipe_graphs import budget, dump, graphs

RECIPES = {p.name: p.read_text() for p in sorted(Path(__file__).parents[2].glob("recipes/*.yaml"))}
LOCATED = re.compile(r"(r\.yaml:\d+:\d+|--set .*?(:\d+:\d+)?): \S")
SIZES = ("out", "count", "heads", "batch", "steps", "repeat", "epochs")
BAD_SIZES = (0, -1, -(2**31), 2**31, 2**40, 10**30, 2**63)
ODD_NAMES = ("", "1x", "a.b", "a b", "é", "名前", "a\x1bb", "\x1b[31mred", "x\u202ey", "-", "a\tb")
NODE_KEYS = {h.name for b in BLOCKS.values() for h in b.hypers}
NODE_KEYS |= {s.name for b in BLOCKS.values() for s in b.slots}
WRONG = (
    None,
    True,
    "text",
    "\x1b[2J",
    "naïve",
    -1,
    0,
    2**31,
    10**30,
    1.5,
    -1e39,
    float("nan"),
    float("inf"),
    [1, 2],
    [],
    {"k": 1},
    {},
    1e308,
    "1e3",
    "$width",
    "$nowhere",
    "hidden.weight",
    "nowhere.weight",
)
TYPED = ("", ":", "[", "{", "- ", "&a *a", "\t", "é")  # characters typed into the text


def check(tmp: Path, text: str, *args: str) -> tuple[int, str, list[str]]:
    """`compose check r.yaml ARGS` in-process: (exit code, stdout, stderr lines)."""
    (tmp / "r.yaml").write_text(text)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(tmp), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "r.yaml", *args])
    return code, out.getvalue(), err.getvalue().splitlines()


# The parsed recipe as a tree of paths ---------------------------------------------------


def paths(tree, here=()):
    """Every (path, value) in a parsed recipe, parents before children."""
    yield here, tree
    if isinstance(tree, dict):
        items = tree.items()
    elif isinstance(tree, list):
        items = enumerate(tree)
    else:
        items = ()
    for key, value in items:
        yield from paths(value, here + (key,))


def put(tree, path, value) -> None:
    for key in path[:-1]:
        tree = tree[key]
    tree[path[-1]] = value


def reads(tree, name: str) -> bool:
    """Whether anything reads node `name` (by name or `name.slot`), the node itself included
    (it may read its own weight)."""
    nodes = tree.get("nodes") or {}
    wired = [tree.get("outputs"), tree.get("loss"), *nodes.values()]
    for _, value in paths(wired):
        if isinstance(value, str) and (value == name or value.startswith(name + ".")):
            return True
    return False


def nested(depth: int):
    value = 1
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


# The edits: each changes the tree and says whether the recipe must now be refused -------
# (None: there was nothing of that kind to edit)


def delete(draw, tree, nodes, everything):
    path = draw(st.sampled_from([p for p in everything if isinstance(p[-1], str)]))
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    return False


def retype(draw, tree, nodes, everything):
    path = draw(st.sampled_from(everything))
    new = draw(st.sampled_from(WRONG))
    put(tree, path, new)
    node = nodes.get(path[1]) if len(path) == 3 and path[0] == "nodes" else None
    name = node.get("block") if isinstance(node, dict) else None
    block = BLOCKS.get(name) if isinstance(name, str) else None
    hyper = block.hyper(path[2]) if block else None  # a hyperparameter the value does not fit
    return hyper is not None and hyper.problem(new) is not None


def rename(draw, tree, nodes, everything):
    old = draw(st.sampled_from(sorted(nodes)))
    odd = draw(st.booleans())
    new = draw(st.sampled_from(ODD_NAMES) if odd else st.from_regex(r"[a-z]{1,6}", fullmatch=True))
    if new in nodes or new in (tree.get("inputs") or {}):
        return None
    must_fail = odd or reads(tree, old)
    tree["nodes"] = {new if k == old else k: v for k, v in nodes.items()}
    return must_fail


def rewire(draw, tree, nodes, everything):
    wired = [k for k, v in nodes.items() if "in" in v]
    if not wired:  # only parameters
        return None
    known = sorted(set(nodes) | set(tree.get("inputs") or {}))
    unknown = draw(st.booleans())
    nodes[draw(st.sampled_from(wired))]["in"] = (
        "nowhere" if unknown else draw(st.sampled_from(known))
    )
    return unknown


def size(draw, tree, nodes, everything):
    found = [p for p in everything if p[-1] in SIZES and isinstance(at(tree, p), int)]
    if not found:
        return None
    put(tree, draw(st.sampled_from(found)), draw(st.sampled_from(BAD_SIZES)))
    return True


def nest(draw, tree, nodes, everything):
    path = draw(st.sampled_from(everything))
    depth = draw(st.sampled_from([3, 30, 99, 101, 150]))
    put(tree, path, nested(depth))
    return depth + len(path) > 100


def key(draw, tree, nodes, everything):
    """A key no recipe has, maybe not an identifier."""
    where = draw(st.sampled_from([p for p, v in paths(tree) if isinstance(v, dict)]))
    name = draw(st.sampled_from(ODD_NAMES[1:] + ("unknown",)))
    at(tree, where)[name] = 1
    named = len(where) == 0 or where[0] == "inputs"  # top-level keys, input names
    node = len(where) == 2 and where[0] == "nodes" and name not in NODE_KEYS
    return named or node


def swap(draw, tree, nodes, everything):
    """One value where another belongs."""
    one, two = draw(st.lists(st.sampled_from(everything), min_size=2, max_size=2))
    if one[: len(two)] == two or two[: len(one)] == one:
        return None
    a, b = copy.deepcopy((at(tree, one), at(tree, two)))
    put(tree, one, b)
    put(tree, two, a)
    return False


def at(tree, path):
    for key in path:
        tree = tree[key]
    return tree


EDITS = {f.__name__: f for f in (delete, retype, rename, rewire, size, nest, key, swap)}


@st.composite
def edited(draw):
    """(text of an edited recipe, `--set` arguments, whether it must be refused)."""
    if draw(st.integers(0, 3)) == 0:
        tree = draw(graphs(max_nodes=5)).recipe()
    else:
        tree = yaml.safe_load(RECIPES[draw(st.sampled_from(sorted(RECIPES)))])
    everything = [p for p, _ in paths(tree)][1:]
    kind = draw(st.sampled_from([*EDITS, "set", "text"]))
    if kind == "set":  # the same kinds of value, through `--set KEY=VALUE`
        dotted = ".".join(str(p) for p in draw(st.sampled_from(everything)))
        value = draw(st.sampled_from(WRONG + ODD_NAMES))
        shown = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()
        assignment = draw(st.sampled_from([f"{dotted}={shown}", f"{dotted}=", dotted, "=1"]))
        return dump(tree), ["--set", assignment], False
    if kind == "text":  # a few characters cut out, or some typed in: YAML that may not parse
        text = dump(tree)
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 8)))
        return text[:start] + draw(st.sampled_from(TYPED)) + text[end:], [], False
    must_fail = EDITS[kind](draw, tree, tree.get("nodes") or {}, everything)
    return dump(tree), [], bool(must_fail)


def no_raw_text(*texts: str) -> None:
    for text in texts:
        assert all(c.isprintable() or c == "\n" for c in text), repr(text)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_the_recipes_check_unedited(tmp_path, name):
    assert check(tmp_path, RECIPES[name])[0] == 0


@budget(150)
@given(edit=edited())
def test_an_edited_recipe_is_accepted_or_refused_with_located_problems(edit):
    text, sets, must_fail = edit
    with tempfile.TemporaryDirectory() as folder:
        code, out, err = check(Path(folder), text, *sets)
    no_raw_text(out, *err)
    assert code in (0, 2), err
    if must_fail:
        assert code == 2, out
    if code == 2:
        assert out == ""
        assert err and all(LOCATED.match(line) for line in err), err
