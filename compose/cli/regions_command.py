"""`compose regions RUN_DIR|RECIPE [--segment A:B] [--grid X0:X1,Y0:Y1] [--points N]`: the
linear regions of a model's piecewise-linear part (compose.model.regions), counted along a
segment of its input and over a grid of a 2-D input, printed and drawn as PNG files."""

from __future__ import annotations

import argparse


def add_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("target", metavar="RUN_DIR|RECIPE", help="a run folder, or a recipe")
    command.add_argument(
        "--segment",
        metavar="A:B",
        help="the segment's ends, each x0,x1,... (default: across the training inputs)",
    )
    command.add_argument(
        "--grid", metavar="X0:X1,Y0:Y1", help="the square of a 2-D input counted over"
    )
    command.add_argument(
        "--points", type=int, default=200, metavar="N", help="grid points a side (default 200)"
    )
    command.add_argument("--out", help="folder for the pictures (default: as compose plot)")
    command.add_argument("--json", action="store_true", help="print the counts as JSON")
    command.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a recipe key"
    )


def regions(args: argparse.Namespace, signals=None) -> int:
    """Count and draw; 0 done, 2 for a model or arguments it cannot count."""
    from compose.cli.regions_report import regions as count_and_draw

    return count_and_draw(args, signals)
