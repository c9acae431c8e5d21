"""Blocks from installed packages: found through the entry point, checked like built-ins."""

import re
import sys
import textwrap
from pathlib import Path

import jax
import jax.numpy as jnp
import pytest

import compose
from blocks import BLOCKS
from blocks.plugins import GROUP, plugin_blocks
from blocks.registry import BUILTIN

CUBE = """
import jax.numpy as jnp
from blocks import Block, Hyper, plain

cube = Block(name="cube", doc="x cubed, element-wise.", inputs=("x",),
             apply=plain(lambda inputs, weights, hypers: inputs[0] ** 3))
not_a_block = 3
same = plain(lambda inputs, weights, hypers: inputs[0])
misnamed = Block(name="other", doc="d", inputs=("x",), apply=same)
linear = Block(name="linear", doc="d", inputs=("x",), apply=same)
keyed = Block(name="keyed", doc="d", inputs=("x",), apply=same,
              hypers=(Hyper("network", int, 1),))
old = Block(name="old", doc="d", inputs=("x",), apply=lambda inputs, weights, hypers: inputs[0])
"""


def install(tmp_path, monkeypatch, entries):
    """A package `demo_blocks` installed on sys.path with the given entry points."""
    (tmp_path / "demo_blocks.py").write_text(CUBE)
    info = tmp_path / "demo_blocks-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-blocks\nVersion: 0.1\n")
    lines = "\n".join(f"{name} = demo_blocks:{target}" for name, target in entries)
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{lines}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "demo_blocks", raising=False)


def test_an_installed_block_is_found_and_usable(tmp_path, monkeypatch):
    install(tmp_path, monkeypatch, [("cube", "cube")])
    found, origins = plugin_blocks(BUILTIN)
    assert list(found) == ["cube"] and origins == {"cube": "demo-blocks"}
    monkeypatch.setitem(BLOCKS, "cube", found["cube"])
    recipe = compose.loads(
        textwrap.dedent("""\
        inputs: {x: [3]}
        nodes: {c: {block: cube, in: x}}
        outputs: [c]
        """)
    )
    model = compose.build(recipe, key=jax.random.key(0))
    x = jnp.array([1.0, -2.0, 0.5])
    assert jnp.allclose(model({"x": x})["c"], x**3)
    grad = jax.grad(lambda x: jnp.sum(model({"x": x})["c"]))(x)
    assert jnp.allclose(grad, 3 * x**2)


@pytest.mark.parametrize(
    "entry, warning",
    [
        (("bad", "not_a_block"), "expected a blocks.Block, got int"),
        (("renamed", "misnamed"), "expected the entry point's name to be the block's, got 'other'"),
        (("linear", "linear"), "expected a new name, got one that is already registered"),
        (("keyed", "keyed"), "expected names other than a node's own keys, got network"),
        (("gone", "missing"), "could not be loaded"),
        (
            ("old", "old"),
            r"expected apply\(inputs, weights, hypers, \*, key=None, state=None, "
            r"batch_axis=None\), got apply\(inputs, weights, hypers\)",
        ),
    ],
)
def test_a_bad_plugin_is_skipped_with_a_warning(tmp_path, monkeypatch, entry, warning):
    install(tmp_path, monkeypatch, [entry, ("cube", "cube")])
    with pytest.warns(UserWarning, match=warning):
        found, _ = plugin_blocks(BUILTIN)
    assert list(found) == ["cube"]


def test_a_recipe_cannot_name_python():
    recipe = compose.loads(
        "inputs: {x: [2]}\nnodes: {a: {block: os.system, in: x}}\noutputs: [a]\n"
    )
    assert [p.message for p in compose.check(recipe).problems] == [
        "node 'a': unknown block 'os.system'"
    ]


def test_the_docs_example_block_keeps_the_contract():
    """docs/recipes.md shows how to write a block; that example runs and keeps the contract."""
    text = (Path(__file__).parents[2] / "docs" / "recipes.md").read_text()
    (code,) = [c for c in re.findall(r"```python\n(.*?)```", text, re.S) if "import Block" in c]
    scope: dict = {}
    exec(code, scope)
    cube = scope["cube"]
    assert cube.name_problem() is None and cube.apply_problem() is None
    hypers = cube.with_defaults({"by": 2.0})
    out, state = cube.run([jnp.array([1.0, -2.0])], {}, hypers, key=jax.random.key(0))
    assert jnp.allclose(out, jnp.array([2.0, -16.0])) and state is None
    assert cube.hyper("by").problem(0.0) == "a positive value"
