"""The model summary of long recipes: runs of repeated rows shown once with a count, the
parameter total exact, and rich's layout kept without rich's Table."""

from pathlib import Path

import pytest

from compose.checker import summary
from compose.checker.graph import check
from compose.checker.summary import model_summary
from compose.recipe.loader import load, loads

ROOT = Path(__file__).parents[2]
TRAIN = """\
train:
  data: {dataset: xor}
  batch: 4
  steps: 10
  optimizer: {adam: {learning_rate: 0.01}}
"""


def chain(widths: list[int], *, skip: dict[int, int] | None = None) -> str:
    """x (2,) -> linear(widths[0]) -> relu -> linear(widths[1]) -> relu ... -> mse against y;
    `skip` wires the relu numbered k to the node numbered skip[k] instead of the one before."""
    lines, previous = ["name: chain", "inputs: {x: [2], y: [1]}", "nodes:"], "x"
    for k, width in enumerate(widths):
        lines.append(f"  n{2 * k}: {{block: linear, in: {previous}, out: {width}}}")
        source = f"n{(skip or {}).get(2 * k + 1, 2 * k)}"
        lines.append(f"  n{2 * k + 1}: {{block: relu, in: {source}}}")
        previous = f"n{2 * k + 1}"
    lines.append(f"  last: {{block: linear, in: {previous}, out: 1}}")
    lines.append("  loss: {block: mse, in: {pred: last, target: y}}")
    return "\n".join(lines) + "\noutputs: [last]\nloss: loss\n" + TRAIN


def linear_params(widths: list[int]) -> int:
    """Weights and biases of the chain's linear layers, counted here from their widths."""
    sizes = [2, *widths, 1]
    return sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))


def table(text: str) -> list[str]:
    """The table's lines, header included, from a summary's text."""
    lines = text.splitlines()
    return lines[1 : next(i for i, line in enumerate(lines) if line.startswith("total "))]


def test_a_long_chain_shows_its_repeated_rows_once_with_a_count(cli):
    widths = [8] * 500
    code, out, err = cli(chain(widths))
    assert (code, err) == (0, [])
    total = linear_params(widths)
    assert total == 24 + 499 * 72 + 9 and 498 * 72 == 35_856
    assert out.splitlines() == [
        "chain",
        "node  block   inputs             output  weights                              params",
        "x     input                      (2,)",
        "y     input                      (1,)",
        "n0    linear  x (2,)             (8,)    weight (8, 2) learned, lecun_normal      24",
        "                                         bias (8,) learned, zeros",
        "n1    relu    n0 (8,)            (8,)",
        "n2    linear  n1 (8,)            (8,)    weight (8, 8) learned, lecun_normal      72",
        "                                         bias (8,) learned, zeros",
        "...   n3 to n998: the 2 rows above, 498 more times                            35,856",
        "n999  relu    n998 (8,)          (8,)",
        "last  linear  n999 (8,)          (1,)    weight (1, 8) learned, lecun_normal       9",
        "                                         bias (1,) learned, zeros",
        "loss  mse     last (1,), y (1,)  ()",
        f"total parameters: {total:,}",
        "train: adam(learning_rate=0.01), 10 steps of batch 4 on xor; loss 'loss'",
    ]  # fmt: skip


def test_the_params_column_of_a_collapsed_table_adds_up_to_the_total(cli):
    widths = [3 + k % 4 for k in range(40)] * 5  # a group of 80 rows, five times
    code, out, err = cli(chain(widths))
    assert (code, err) == (0, [])
    rows = table(out)
    assert sum("more times" in row for row in rows) == 1
    column = [row.split()[-1].replace(",", "") for row in rows[1:] if row[:1] != " "]
    shown = sum(int(cell) for cell in column if cell.isdigit())
    assert out.splitlines()[-2] == f"total parameters: {linear_params(widths):,}"
    assert shown == linear_params(widths)


def test_rows_wired_differently_are_not_collapsed(cli):
    # n61, a relu, takes n59 and leaves n60 (a linear) out: the runs end at it
    code, out, err = cli(chain([8] * 60, skip={61: 59}))
    assert (code, err) == (0, [])
    rows = table(out)
    hidden = [row.split(":")[0] for row in rows if row.startswith("...")]
    assert hidden == ["...   n3 to n60", "...   n64 to n119"]
    assert [row.split()[:3] for row in rows if row.startswith("n61 ")] == [["n61", "relu", "n59"]]
    assert out.splitlines()[-2] == f"total parameters: {linear_params([8] * 60):,}"


def test_a_run_of_one_repeated_row_says_the_row_above(cli):
    nodes = "".join(f"  r{k}: {{block: relu, in: r{k - 1}}}\n" for k in range(1, 120))
    text = f"inputs: {{x: [2]}}\nnodes:\n  r0: {{block: relu, in: x}}\n{nodes}outputs: [r119]\n"
    code, out, err = cli(text)
    assert (code, err) == (0, [])
    assert table(out)[-2:] == [
        "r0    relu   x (2,)  (2,)",
        "...   r1 to r119: the row above, 119 more times",
    ]


def test_a_long_table_with_nothing_repeated_is_laid_out_as_rich_lays_it_out(monkeypatch):
    checked = check(loads(chain(list(range(1, 61)))))  # 124 rows, each a new width
    plain = model_summary(checked)
    assert len(table(plain)) > summary.LONG and "more times" not in plain
    monkeypatch.setattr(summary, "LONG", 10**6)  # rich's Table, row by row
    assert model_summary(checked) == plain


@pytest.mark.parametrize("recipe", sorted(p.name for p in (ROOT / "recipes").glob("*.yaml")))
def test_recipes_laid_out_plainly_look_as_rich_shows_them(monkeypatch, recipe):
    # Where the table fits the width, the plain layout is rich's, character for character.
    checked = check(load(ROOT / "recipes" / recipe))
    for expand in (False, True):
        rich = model_summary(checked, expand=expand, width=200)
        monkeypatch.setattr(summary, "LONG", 0)
        assert model_summary(checked, expand=expand, width=200) == rich
        monkeypatch.undo()
