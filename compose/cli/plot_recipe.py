"""`compose plot RECIPE`: a recipe's model drawn as training would start it, without a run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compose.cli.ranges import parse_range
from compose.plot.run_plots import MissingMatplotlib, plot_recipe
from compose.recipe.problems import printable


def plot_recipe_command(args: argparse.Namespace) -> int:
    """Draw the recipe `args.run_dir` into `args.out` (default plots/NAME); print each file."""
    from compose.recipe.loader import load

    view = None if args.range is None else parse_range(args.range)
    out = args.out or Path("plots") / load(args.run_dir, overrides=args.set).name
    try:
        plotted = plot_recipe(args.run_dir, out=out, overrides=args.set, view=view)
    except MissingMatplotlib as err:
        print(f"compose plot: {err}", file=sys.stderr)
        return 2
    for warning in plotted.warnings:
        print(printable(f"warning: {warning}"), file=sys.stderr)
    for path in plotted.files:
        print(path)
    return 0
