"""docs/blocks.md is generated from the registry, so it says what the block records say.

After changing a block, regenerate it: `BLOCKS_DOC=write pytest tests/blocks/test_blocks_doc.py`.
"""

import os
from pathlib import Path

from blocks import INITIALIZERS, REQUIRED
from blocks.registry import BUILTIN

DOC = Path(__file__).parents[2] / "docs" / "blocks.md"

HEADER = """\
# Blocks

Every built-in block, in the registry's order, generated from the block records themselves
(`tests/blocks/test_blocks_doc.py` keeps this page in step with them). `compose blocks` lists
them one line each and `compose blocks NAME` shows one; docs/recipes.md says how nodes wire
inputs and weights. Shapes are per example: the batch axis is implicit.
"""


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def _section(block) -> str:
    lines = [f"## `{block.name}`", "", block.doc, ""]
    if block.variadic:
        ports = f"`{block.inputs[0]}0`, `{block.inputs[0]}1`, ... (two or more)"
    else:
        ports = ", ".join(f"`{p}`" for p in block.inputs) or "none"
    lines.append(f"- inputs: {ports}")
    for h in block.hypers:
        default = "required" if h.default is REQUIRED else f"default `{_value(h.default)}`"
        bounds = f", {h.bounds_text()}" if h.bounds_text() else ""
        lines.append(f"- `{h.name}` ({h.kind.__name__}, {default}{bounds}): {h.doc}")
    for s in block.slots:
        lines.append(f"- weight `{s.name}` {s.doc}, initialiser {INITIALIZERS[s.init].name}")
    for s in block.state:
        lines.append(f"- running state `{s.name}` {s.doc}, starting at `{_value(s.initial)}`")
    if block.random:
        lines.append("- random: acts only while training")
    if block.loss:
        lines.append("- a loss: gives a per-example scalar")
    return "\n".join(lines) + "\n"


def markdown() -> str:
    """The whole page."""
    return "\n".join([HEADER, *(_section(b) for b in BUILTIN.values())])


def test_blocks_doc_is_generated_from_the_registry():
    expected = markdown()
    if os.environ.get("BLOCKS_DOC") == "write":
        DOC.write_text(expected)
    assert DOC.exists() and DOC.read_text() == expected, (
        "docs/blocks.md is out of date: BLOCKS_DOC=write pytest tests/blocks/test_blocks_doc.py"
    )


def test_blocks_doc_names_every_block_once():
    text = DOC.read_text()
    assert [line[4:-1] for line in text.splitlines() if line.startswith("## `")] == list(BUILTIN)
