"""`compose regions`' work: count a model's linear regions along a segment and over a grid,
print the counts and draw them (imported when the command runs: it needs JAX)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from compose.cli.ranges import parse_range, parse_segment
from compose.model.plane import Plane, reader, square
from compose.recipe.problems import Problem, RecipeError, Where, printable


def regions(args: argparse.Namespace, signals=None) -> int:
    """Count and draw; 0 done, 2 for a model or arguments it cannot count."""
    from compose.model import regions as counting
    from compose.runs.initialised import model_of

    if args.points < 2:
        message = f"expected at least 2 points a side, got {args.points}"
        raise RecipeError([Problem(Where(f"--points {args.points}"), message)])
    notes: list[str] = []
    recipe, model, label, base = model_of(args.target, overrides=args.set, notes=notes)
    for note in notes:
        print(printable(f"warning: {note}"), file=sys.stderr)
    found = _reads(model.plan, args.target)
    size = dict(model.plan.inputs)[found.input][0]
    points = _points(recipe, found, base)
    a, b = _segment(args.segment, size, points, args.target)
    parts = counting.switched(model.plan, found.prediction)
    segment = counting.along(model, found.input, found.prediction, a, b)
    grid = None
    if size == 2 and (args.grid or points is not None):
        extent = parse_range(args.grid, "--grid") if args.grid else square(points)
        extent = (*extent, *extent) if len(extent) == 2 else extent
        grid = counting.over_grid(model, found.input, found.prediction, extent, args.points)
    name = printable(recipe.name)
    if args.json:
        print(json.dumps(_as_dict(name, label, parts, segment, grid), indent=2))
    else:
        print(_report(f"{name} ({label})", found.input, parts, segment, grid), end="")
    files = _draw(args, recipe.name, label, model, found, segment, grid)
    for path in files:
        print(path, file=sys.stderr if args.json else sys.stdout)
    return 0


def _reads(plan, target) -> Plane:
    """How the prediction reads its one vector input."""
    for name, shape in plan.inputs:
        found = reader(plan, shape) if len(shape) == 1 else None
        if found is not None and found.input == name:
            return found
    message = "expected a model whose prediction reads one input, a vector, got none such"
    raise RecipeError([Problem(Where(str(target)), message)])


def _points(recipe, found: Plane, base: Path):
    from compose.plot.points import training_points

    return training_points(recipe, found, base)[0]


def _segment(text, size: int, points, target):
    """The segment's two ends: --segment's, else from the training inputs' lowest corner
    to their highest (their range, for an input of one number)."""
    if text is not None:
        a, b = parse_segment(text, size)
        return np.asarray(a, np.float32), np.asarray(b, np.float32)
    if points is None:
        message = "expected --segment A:B: the recipe has no training data to take a segment from"
        raise RecipeError([Problem(Where(str(target)), message)])
    return points.min(axis=0), points.max(axis=0)


def _report(head: str, input: str, parts, segment, grid) -> str:
    nodes = ", ".join(parts.nodes) or "none"
    lines = [head, f"piecewise-linear nodes: {nodes}"]
    if parts.smooth:
        lines.append(
            f"not piecewise linear: {', '.join(parts.smooth)}: their regions' ends are found "
            "by linearising, so the counts along the segment are estimates"
        )
    a, b = (",".join(f"{v:g}" for v in np.ravel(p)) for p in (segment.a, segment.b))
    count = len(segment.regions)
    lines.append(f"along {input} from {a} to {b}: {count} region{'s' * (count != 1)}")
    if segment.breakpoints:
        shown = ", ".join(f"{t:.6g}" for t in segment.breakpoints[:16])
        more = f", ... ({len(segment.breakpoints)} in all)" if len(segment.breakpoints) > 16 else ""
        lines.append(f"  breakpoints at t = {shown}{more}")
    if not segment.complete:
        lines.append("  (stopped counting there: more regions than compose counts)")
    if grid is not None:
        n = len(grid.xs)
        lines.append(f"over the grid of {n} x {n} points: {grid.count} regions seen")
    return "".join(f"{line}\n" for line in lines)


def _as_dict(name, label, parts, segment, grid) -> dict:
    return {
        "recipe": name,
        "model": label,
        "piecewise": list(parts.nodes),
        "smooth": list(parts.smooth),
        "segment": {
            "from": np.ravel(segment.a).tolist(),
            "to": np.ravel(segment.b).tolist(),
            "regions": len(segment.regions),
            "breakpoints": list(segment.breakpoints),
            "complete": segment.complete,
        },
        "grid": None if grid is None else {"points": len(grid.xs), "regions": grid.count},
    }


def _draw(args, name: str, label: str, model, found: Plane, segment, grid) -> list[Path]:
    from compose.model.regions import values_along
    from compose.plot.run_plots import picture_folder, require_matplotlib

    require_matplotlib()
    from compose.plot import region_pictures as pictures
    from compose.plot.figures import save

    target = Path(args.target)
    if args.out:
        out = picture_folder(Path(args.out))
    else:
        out = picture_folder(target / "plots" if target.is_dir() else Path("plots") / name)
    ts = np.linspace(0, 1, 2001, dtype=np.float32)
    a, b = (np.asarray(p, np.float32) for p in (segment.a, segment.b))
    values = np.asarray(values_along(model, found.input, found.prediction, a, b, ts))
    title = f"{name} ({label})"
    fig = pictures.segment_figure(
        segment, ts, values, what=str(found.prediction), input=found.input, title=title
    )
    files = [save(fig, out / "regions-segment.png")]
    if grid is not None:
        fig = pictures.grid_figure(grid, input=found.input, title=title)
        files.append(save(fig, out / "regions-grid.png"))
    return files
