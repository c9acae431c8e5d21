"""The `compose` command: run, check and blocks. A thin client of compose's stages."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from blocks import BLOCKS
from compose.problems import RecipeError, did_you_mean


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="compose", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="train a recipe and write a run folder")
    check = sub.add_parser("check", help="validate a recipe and print its model summary")
    for p in (run, check):
        p.add_argument("recipe", help="path to a recipe .yaml")
        p.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a recipe key, e.g. --set train.steps=100",
        )
    run.add_argument("--out", help="run folder (default: runs/NAME-DATE-TIME)")
    check.add_argument("--expand", action="store_true", help="list the nodes inside networks")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    blocks = sub.add_parser("blocks", help="list the blocks, or show one")
    blocks.add_argument("name", nargs="?", help="a block to describe")
    sub.add_parser("schema", help="print the JSON Schema of recipes, for YAML-aware editors")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; 0 success, 2 a bad recipe or arguments, 1 anything else."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        return _COMMANDS[args.command](args)
    except RecipeError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if args.debug:
            traceback.print_exc()
        else:
            print(
                f"error: {type(err).__name__}: {err} (run with --debug for the traceback)",
                file=sys.stderr,
            )
        return 1


def _check(args: argparse.Namespace) -> int:
    from compose.api import check, load
    from compose.summary import model_summary

    checked = check(load(args.recipe, overrides=args.set))
    if checked.problems:
        raise RecipeError(checked.problems)
    print(model_summary(checked, expand=args.expand), end="")
    return 0


def _run(args: argparse.Namespace) -> int:
    from compose.api import check, load
    from compose.progress import TrainingProgress
    from compose.run_folder import default_dir
    from compose.train import train

    checked = check(load(args.recipe, overrides=args.set))
    if checked.problems:
        raise RecipeError(checked.problems)
    folder = args.out or default_dir(checked.recipe.name)
    with TrainingProgress(checked, enabled=not args.quiet) as progress:
        result = train(checked, folder=folder, on_log=progress.update, on_start=progress.start)
    shown = "  ".join(f"{k} {v:.4g}" for k, v in result.metrics.items())
    state = "interrupted after" if result.stopped == "interrupted" else "trained"
    print(
        f"{checked.recipe.name}: {state} {result.steps} steps in {result.seconds:.1f} s  "
        f"{shown}\nrun folder: {result.folder}"
    )
    if result.stopped == "interrupted":
        return 130
    if result.stopped:
        print(f"stopped: {result.stopped}; try a lower learning rate, or train.clip",
              file=sys.stderr)  # fmt: skip
        return 1
    return 0


def _blocks(args: argparse.Namespace) -> int:
    from compose.summary import block_help, block_list

    if args.name is None:
        print(block_list(), end="")
        return 0
    block = BLOCKS.get(args.name)
    if block is None:
        hint = did_you_mean(args.name, BLOCKS)
        print(
            f"compose blocks: unknown block '{args.name}'" + (f" ({hint})" if hint else ""),
            file=sys.stderr,
        )
        return 2
    print(block_help(block), end="")
    return 0


def _schema(args: argparse.Namespace) -> int:
    import json

    from compose.schema import recipe_schema

    print(json.dumps(recipe_schema(), indent=2))
    return 0


_COMMANDS = {"run": _run, "check": _check, "blocks": _blocks, "schema": _schema}


def main_exit() -> None:
    """Console entry point."""
    sys.exit(main())


if __name__ == "__main__":
    main_exit()
