"""`compose export RUN --format stablehlo|onnx [--out FILE]`: a trained run's model as a
file another program runs (compose.export), its signature beside it; the paths written
and the difference from the model found when checking it are printed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compose.cli.signals import StopOnSignal

FORMATS = ("stablehlo", "onnx")  # compose.runs.names.EXPORTS, kept light for --help


def add_arguments(export: argparse.ArgumentParser) -> None:
    export.add_argument("run_dir", metavar="RUN_DIR", help="a run folder")
    export.add_argument(
        "--format",
        required=True,
        choices=FORMATS,
        help="stablehlo: jax.export's serialised StableHLO; onnx: an ONNX graph (needs "
        'pip install "blockcompose[onnx]")',
    )
    export.add_argument(
        "--out", metavar="FILE", help="file to write (default: RUN_DIR/model.FORMAT)"
    )


def export(args: argparse.Namespace, signals: StopOnSignal) -> int:
    """Export and say what was written; 2 for a path that cannot be written, a model ONNX
    cannot hold, or a missing extra."""
    from compose.export import onnx_model
    from compose.export.exporting import export_run, out_problem

    problem = out_problem(Path(args.out)) if args.out is not None else None
    if problem:  # said before any work is done
        print(f"compose export: --out {args.out}: {problem}", file=sys.stderr)
        return 2
    try:
        done = export_run(args.run_dir, args.format, out=args.out)
    except onnx_model.MissingOnnx as err:
        print(f"compose export: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # the writer's refusal (a link, not a file) names the path
        print(f"compose export: {err}", file=sys.stderr)
        return 2
    print(done.artifact)
    print(done.signature)
    print(
        f"checked: largest difference from the model's outputs on {done.examples} sample "
        f"inputs: {done.difference:.3g}"
    )
    return 0
