"""`compose compare RUN...`: one table and one picture of a metric against the setting.

Each setting (compose.runs.comparison: a run, a population's variants by their settings
other than the seed, a group's members) gets a row: how many seeds, the metric's median,
lowest and highest, and with `--solved METRIC>=VALUE` how many of its seeds reached it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from compose.recipe.problems import Problem, RecipeError, Where, did_you_mean
from compose.runs.names import PLOTS
from compose.runtime.shown import number

if TYPE_CHECKING:
    from compose.runs.comparison import Setting, Threshold

GAP = "  "


def add_arguments(compare: argparse.ArgumentParser) -> None:
    compare.add_argument(
        "folders", nargs="+", metavar="RUN_DIR", help="run, population or group folders"
    )
    compare.add_argument("--metric", help="the metric to compare (default: --solved's, else loss)")
    compare.add_argument(
        "--solved",
        metavar="METRIC>=VALUE",
        help="count the seeds that reach it, e.g. --solved val_accuracy>=1 (or >, <=, <)",
    )
    compare.add_argument(
        "--out", help="the picture's file (default: RUN_DIR/plots/compare.png for one folder)"
    )
    compare.add_argument("--json", action="store_true", help="print the table as JSON")


def compare(args: argparse.Namespace, signals) -> int:
    """Print the table and draw the picture; 2 for a bad argument or folder."""
    # Imported here: run folders bring JAX, which `compose --help` never waits for.
    from compose.runs.comparison import gather, metric_names, parse_threshold

    threshold = None
    if args.solved:
        try:
            threshold = parse_threshold(args.solved)
        except ValueError as err:
            raise RecipeError([Problem(Where(f"--solved {args.solved}"), str(err))]) from None
    metric = args.metric or (threshold.metric if threshold else "loss")
    folders = [Path(f) for f in args.folders]
    settings = gather(folders)
    known = metric_names(settings)
    for asked, given in ((threshold and threshold.metric, "--solved"), (metric, "--metric")):
        if asked and asked not in known:
            message = f"expected a metric the runs have, got '{asked}'"
            raise RecipeError([Problem(Where(given), message, did_you_mean(asked, known))])
    if args.json:
        print(json.dumps(compare_rows(settings, metric, threshold), indent=2))
    else:
        print(compare_table(settings, metric, threshold), end="")
    from compose.plot.compare import compare_picture
    from compose.plot.run_plots import MissingMatplotlib, require_matplotlib

    out = Path(args.out) if args.out else _default_out(folders)
    try:
        require_matplotlib()
    except MissingMatplotlib as err:
        print(f"compose compare: {err}", file=sys.stderr)
        return 2
    out.parent.mkdir(parents=True, exist_ok=True)
    title = ", ".join(f.name for f in folders)
    drawn = compare_picture(settings, metric, threshold, out, title=title)
    print(drawn, file=sys.stderr if args.json else sys.stdout)  # --json: stdout is JSON only
    return 0


def _default_out(folders: list[Path]) -> Path:
    """FOLDER/plots/compare.png for one folder, else compare.png here."""
    return folders[0] / PLOTS / "compare.png" if len(folders) == 1 else Path("compare.png")


def compare_rows(settings: list[Setting], metric: str, threshold: Threshold | None) -> list[dict]:
    """The table as plain data: one object per setting."""
    from compose.runs.comparison import figures

    rows = []
    for setting in settings:
        got = figures(setting, metric, threshold)
        row = {"setting": setting.label, "seeds": got.samples, "metric": metric}
        row.update(median=got.median, lowest=got.lowest, highest=got.highest)
        if threshold is not None:
            row.update(solved=str(threshold), reached=got.reached,
                       fraction=got.reached / got.samples if got.samples else None)  # fmt: skip
        rows.append(row)
    return rows


def compare_table(settings: list[Setting], metric: str, threshold: Threshold | None) -> str:
    """One line per setting: seeds, the metric's median, lowest and highest, and how many
    seeds reached `threshold` (k/n and the fraction); ends in a newline. The numbers are
    compare_rows'."""
    head = ["setting", "seeds", "median", "lowest", "highest"]
    if threshold is not None:
        head.append(str(threshold))
    rows = [head]
    for got in compare_rows(settings, metric, threshold):
        row = [got["setting"], str(got["seeds"])]
        row += [_shown(got[k]) for k in ("median", "lowest", "highest")]
        if threshold is not None:
            share = _shown(got["fraction"])
            row.append(f"{got['reached']}/{got['seeds']} = {share}")
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [f"{metric} by setting:"]
    for row in rows:
        cells = [f"{cell:>{width}}" for cell, width in zip(row, widths, strict=True)]
        cells[0] = f"{row[0]:<{widths[0]}}"
        lines.append(GAP.join(cells).rstrip())
    return "".join(f"{line}\n" for line in lines)


def _shown(value: float | None) -> str:
    return "-" if value is None else number(value)
