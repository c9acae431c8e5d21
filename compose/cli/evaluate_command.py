"""`compose evaluate RUN [--data FILE | --split val|test] [--metrics ...]`: a trained run's
loss and metrics on labelled data, measured as training measures its sets
(compose.runs.evaluating), and for a classifier its confusion matrix and by-class table."""

from __future__ import annotations

import argparse
import sys

from compose.cli.signals import StopOnSignal


def add_arguments(evaluate: argparse.ArgumentParser) -> None:
    evaluate.add_argument("run_dir", metavar="RUN_DIR", help="a run folder")
    where = evaluate.add_mutually_exclusive_group()
    where.add_argument(
        "--data", metavar="FILE", help="a labelled .csv (the training file's columns) or .npz"
    )
    where.add_argument(
        "--split", choices=("val", "test"), help="a part of the run's own data (default: val)"
    )
    evaluate.add_argument(
        "--metrics", nargs="+", default=[], metavar="NAME",
        help="metrics besides the recipe's, e.g. --metrics f1 confusion_matrix",
    )  # fmt: skip
    evaluate.add_argument("--json", action="store_true", help="print the values as JSON")


def evaluate(args: argparse.Namespace, signals: StopOnSignal) -> int:
    """Evaluate and print the values (and a confusion matrix); 2 for data or metrics that
    do not fit the run."""
    from compose.cli.class_table import class_tables
    from compose.recipe.problems import printable
    from compose.runs.evaluating import evaluate_run
    from compose.runtime.files import to_json
    from compose.runtime.shown import number
    from compose.trainer.records import ordered

    notes: list[str] = []
    found = evaluate_run(
        args.run_dir, data=args.data, split=args.split, extra=tuple(args.metrics), notes=notes
    )
    for note in notes:
        print(printable(f"warning: {note}"), file=sys.stderr)
    values = ordered(found.values)
    if args.json:
        doc = {"data": found.label, "examples": found.examples, "metrics": values}
        if found.confusion is not None:
            summary = found.confusion.summary()  # its one set keyed as training's is
            doc["confusion"] = {"classes": summary["classes"], **summary["train"]}
        print(to_json(doc, indent=2))
        return 0
    shown = "  ".join(f"{k} {number(v)}" for k, v in values.items())
    print(printable(f"{found.label} ({found.examples:,} examples): {shown}"))
    if found.confusion is not None:
        for line in class_tables(found.confusion, "", name=found.label):
            print(line)
    return 0
