"""Text views of recipes and blocks for the terminal: the model summary and block docs."""

from __future__ import annotations

import io
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from blocks import BLOCKS, INITIALIZERS, REQUIRED, Block
from blocks.registry import PLUGIN_ORIGINS
from compose.checker.checked import Checked
from compose.recipe.problems import printable, shown


def _console(buffer: io.StringIO, width: int) -> Console:
    # markup=False, emoji=False: a recipe's own text (its name, about) is printed as written
    # (`:smile:` too); skipping the emoji pass also makes a long summary a fifth faster.
    return Console(
        file=buffer,
        width=width,
        color_system=None,
        highlight=False,
        soft_wrap=False,
        markup=False,
        emoji=False,
    )


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ")" if len(shape) != 1 else f"({shape[0]},)"


COLUMNS = ("node", "block", "inputs", "output", "weights", "params")
LONG = 100  # rows: a longer table has its repeated rows collapsed and is laid out plainly
MIN_HIDDEN = 8  # rows a collapsed run must hide
MAX_PERIOD = 16  # rows in a repeated group


@dataclass(frozen=True)
class _Row:
    """One row of the table: its cells, and what it must equal for a run to be collapsed
    (everything but the node's name, with inputs as offsets to the rows they come from)."""

    cells: tuple[str, ...]
    params: int
    alike: tuple | None  # None: never part of a run (the recipe's inputs)


@dataclass(frozen=True)
class _Hidden:
    """A run of rows left out: `copies` more of the `period` rows above it."""

    first: str
    last: str
    period: int
    copies: int
    params: int

    def text(self) -> str:
        rows = "the row above" if self.period == 1 else f"the {self.period} rows above"
        return f"{self.first} to {self.last}: {rows}, {self.copies:,} more times"


def model_summary(checked: Checked, *, width: int = 110, expand: bool = False) -> str:
    """The table a user expects from a model summary, then the rewrites and the training plan.

    Network instances are one row with their totals; `expand` lists their nodes below them.
    A table of more than LONG rows shows each run of repeated rows (a chain of identical
    layers) as its first group and one line with how many more copies follow, the nodes
    they span and their parameters; it is laid out without rich's Table, which takes
    seconds for thousands of rows.
    """
    recipe = checked.recipe
    title = printable(f"{recipe.name}: {recipe.about}" if recipe.about else recipe.name)
    rows = _table_rows(checked, expand)
    buffer = io.StringIO()
    console = _console(buffer, width)
    if len(rows) > LONG:
        _print_plain(console, title, _collapsed(rows), width)
    else:
        _print_rich(console, title, rows)
    console.print(f"total parameters: {checked.params:,}")
    if checked.rewrites:
        console.print("rewrites (*):")
        for r in checked.rewrites:
            console.print(printable(f"  {r}"))
    if recipe.train:
        t = recipe.train
        length = f"{t.steps} steps" if t.steps else f"{t.epochs} epochs"
        args = ", ".join(f"{k}={v}" for k, v in t.optimizer.args)
        console.print(
            printable(
                f"train: {t.optimizer.name}({args}), {length} of batch {t.batch} "
                f"on {t.data.name}; loss '{recipe.loss.ref}'"
            )
        )
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def _table_rows(checked: Checked, expand: bool) -> list[_Row]:
    rewritten = {r.node for r in checked.rewrites}
    rows = [
        _Row((printable(i.name), "input", "", _shape(i.shape), "", ""), 0, None)
        for i in checked.recipe.inputs
    ]
    index = {i.name: n for n, i in enumerate(checked.recipe.inputs)}
    for path, report in _rows(checked.nodes, expand):
        prefix = path[: len(path) - len(report.name)]
        here = index[path] = len(rows)
        shapes = tuple(map(_shape, report.in_shapes))
        inputs = ", ".join(f"{ref} {s}" for ref, s in zip(report.refs, shapes, strict=True))
        weights = "\n".join(
            printable(f"{w.slot} {_shape(w.shape)} {w.source}") for w in report.weights
        )
        if report.children:
            each = sum(c.params for c in report.children)
            count = len(report.children)
            weights = f"{count} node{'s' * (count != 1)}" + (
                f", {each:,} parameters per copy" if report.repeat else ""
            )
        block = report.block + (" *" if path in rewritten else "")
        params = f"{report.params:,}" if report.params else ""
        out = _shape(report.out_shape)
        cells = (printable(path), block, printable(inputs), out, weights, params)
        froms = tuple(_offset(index, here, prefix, r) for r in report.refs)
        rows.append(_Row(cells, report.params, (block, froms, shapes, out, weights, params)))
    return rows


def _offset(index: dict[str, int], here: int, prefix: str, ref: str) -> int | str:
    """How many rows up the input `ref` is (so the rows of a chain are alike), or its name
    where it is no row (a network's own input)."""
    found = index.get(prefix + ref, index.get(ref))
    return ref if found is None else here - found


def _rows(reports, expand: bool, prefix: str = ""):
    """(path, report) for each node; a network's own nodes follow it when expanding."""
    for report in reports:
        yield prefix + report.name, report
        if expand and report.children:
            yield from _rows(report.children, expand, f"{prefix}{report.name}/")


def _collapsed(rows: list[_Row]) -> list[_Row | _Hidden]:
    """The rows with each long run of a repeated group cut to its first copy and a line."""
    alike = [row.alike for row in rows]
    out: list[_Row | _Hidden] = []
    i = 0
    while i < len(rows):
        period, copies = _run(alike, i)
        if (copies - 1) * period < MIN_HIDDEN:
            out.append(rows[i])
            i += 1
            continue
        hidden = rows[i + period : i + period * copies]
        first, last = hidden[0].cells[0], hidden[-1].cells[0]
        out += rows[i : i + period]
        out.append(_Hidden(first, last, period, copies - 1, sum(r.params for r in hidden)))
        i += period * copies
    return out


def _run(alike: list, start: int) -> tuple[int, int]:
    """(period, copies) of the group starting at `start` that repeats over the most rows."""
    best = (1, 1)
    for period in range(1, MAX_PERIOD + 1):
        group = alike[start : start + period]
        if len(group) < period or None in group:
            break
        copies = 1
        while alike[start + copies * period : start + (copies + 1) * period] == group:
            copies += 1
        if copies * period > best[0] * best[1]:
            best = (period, copies)
    return best


def _print_rich(console: Console, title: str, rows: list[_Row]) -> None:
    table = Table(title=title, title_justify="left", box=None, pad_edge=False)
    for column in COLUMNS:
        table.add_column(column, justify="right" if column == "params" else "left")
    for row in rows:
        table.add_row(*row.cells)
    console.print(table)


def _print_plain(console: Console, title: str, rows: list[_Row | _Hidden], width: int) -> None:
    """Rich's layout of the same table where it fits `width` (a wider one is not wrapped),
    with each hidden run as a line across the block to weights columns."""
    rows = [_Row(COLUMNS, 0, None), *rows]
    split = [[cell.split("\n") for cell in row.cells] for row in rows if isinstance(row, _Row)]
    widths = [
        max(cell_len(line) for cell in column for line in cell)
        for column in zip(*split, strict=True)
    ]
    table_width = sum(widths) + 2 * (len(widths) - 1)
    console.print(title, width=min(table_width, width))
    middle = table_width - widths[0] - widths[-1] - 4  # the block to weights columns
    lines, cells = [], iter(split)
    for row in rows:
        if isinstance(row, _Hidden):
            params = f"{row.params:,}" if row.params else ""
            lines.append(_line(["...", row.text(), params], [widths[0], middle, widths[-1]]))
            continue
        parts = next(cells)
        for n in range(max(map(len, parts))):
            lines.append(_line([part[n] if n < len(part) else "" for part in parts], widths))
    console.file.write("".join(line.rstrip() + "\n" for line in lines))


def _line(cells: list[str], widths: list[int]) -> str:
    """One line of the table: cells padded to their columns, the last (params) to the right."""
    *left, last = cells
    padded = [text + " " * (w - cell_len(text)) for text, w in zip(left, widths, strict=False)]
    return "  ".join([*padded, " " * (widths[-1] - cell_len(last)) + last])


def block_list(*, width: int = 100) -> str:
    """One line per block: its name and the first sentence of its doc, cut to `width`."""
    names = max(map(len, BLOCKS))
    lines = []
    for name, block in BLOCKS.items():
        summary = block.doc.split(". ")[0].rstrip(".") + "."
        room = width - names - 2
        if len(summary) > room:
            summary = summary[: room - 3].rstrip() + "..."
        lines.append(f"{name:<{names}}  {summary}\n")
    return "".join(lines)


def block_help(block: Block) -> str:
    """One block's inputs, hyperparameters (types, defaults) and weight slots."""
    lines = [f"{block.name}: {block.doc}", ""]
    ports = (
        f"{block.inputs[0]}0, {block.inputs[0]}1, ... (two or more)"
        if block.variadic
        else (", ".join(block.inputs))
    )
    lines.append(f"inputs: {ports}")
    if block.hypers:
        lines.append("hyperparameters:")
        for h in block.hypers:
            default = "required" if h.default is REQUIRED else f"default {shown(h.default)}"
            bounds = f", {h.bounds_text()}" if h.bounds_text() else ""
            lines.append(f"  {h.name}: {h.kind.__name__}, {default}{bounds}. {h.doc}")
    if block.slots:
        lines.append("weights:")
        for s in block.slots:
            lines.append(f"  {s.name} {s.doc}, initialiser {INITIALIZERS[s.init].name}")
    if block.state:
        lines.append("running state (kept in the model, not trained):")
        lines.extend(f"  {s.name} {s.doc}, starting at {shown(s.initial)}" for s in block.state)
    if block.random:
        lines.append("random: acts only while training, with the trainer's key")
    if block.loss:
        lines.append("a loss: gives a per-example scalar")
    if block.name in PLUGIN_ORIGINS:
        lines.append(f"from the installed package {PLUGIN_ORIGINS[block.name]}")
    return "\n".join(lines) + "\n"
