"""Text views of recipes and blocks for the terminal: the model summary and block docs."""

from __future__ import annotations

import io

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


def model_summary(checked: Checked, *, width: int = 110, expand: bool = False) -> str:
    """The table a user expects from a model summary, then the rewrites and the training plan.

    Network instances are one row with their totals; `expand` lists their nodes below them.
    """
    recipe = checked.recipe
    rewritten = {r.node: r for r in checked.rewrites}
    title = printable(f"{recipe.name}: {recipe.about}" if recipe.about else recipe.name)
    table = Table(
        title=title,
        title_justify="left",
        box=None,
        pad_edge=False,
    )
    for column in ("node", "block", "inputs", "output", "weights", "params"):
        table.add_column(column, justify="right" if column == "params" else "left")
    for inp in recipe.inputs:
        table.add_row(printable(inp.name), "input", "", _shape(inp.shape), "", "")
    for path, report in _rows(checked.nodes, expand):
        inputs = ", ".join(
            f"{ref} {_shape(s)}" for ref, s in zip(report.refs, report.in_shapes, strict=True)
        )
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
        table.add_row(
            printable(path),
            block,
            printable(inputs),
            _shape(report.out_shape),
            weights,
            f"{report.params:,}" if report.params else "",
        )
    buffer = io.StringIO()
    console = _console(buffer, width)
    console.print(table)
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


def _rows(reports, expand: bool, prefix: str = ""):
    """(path, report) for each node; a network's own nodes follow it when expanding."""
    for report in reports:
        yield prefix + report.name, report
        if expand and report.children:
            yield from _rows(report.children, expand, f"{prefix}{report.name}/")


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
