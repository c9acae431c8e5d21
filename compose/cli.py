"""The `compose` command: run, check and blocks. A thin client of compose's stages."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from compose.problems import RecipeError, did_you_mean
from compose.signals import StopOnSignal


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="compose", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="train a recipe and write a run folder")
    check = sub.add_parser("check", help="validate a recipe and print its model summary")
    run.add_argument("recipe", nargs="?", help="path to a recipe .yaml (not with --resume)")
    check.add_argument("recipe", help="path to a recipe .yaml")
    for p in (run, check):
        p.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a recipe key, e.g. --set train.steps=100",
        )
    run.add_argument("--out", help="run folder, new or empty (default: runs/NAME-DATE-TIME)")
    run.add_argument("--resume", metavar="RUN_DIR", help="go on with a run from its checkpoint")
    run.add_argument("--init-from", metavar="RUN_DIR", help="start from a trained run's weights")
    run.add_argument(
        "--overfit", type=int, metavar="N", help="train on the first N examples only: can it fit?"
    )
    run.add_argument(
        "--coordinator",
        metavar="HOST:PORT",
        help="join a run over several hosts (jax.distributed); give --hosts and --host-id too",
    )
    run.add_argument("--hosts", type=int, metavar="N", help="how many hosts join the run")
    run.add_argument("--host-id", type=int, metavar="I", help="this host's number, 0 to N-1")
    check.add_argument("--expand", action="store_true", help="list the nodes inside networks")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    blocks = sub.add_parser("blocks", help="list the blocks, or show one")
    blocks.add_argument("name", nargs="?", help="a block to describe")
    sub.add_parser("schema", help="print the JSON Schema of recipes, for YAML-aware editors")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; 0 success, 2 a bad recipe or arguments, 1 anything else,
    130 or 143 when Ctrl-C or SIGTERM ended it."""
    with StopOnSignal() as signals:
        try:
            return _main(argv, signals)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return signals.exit_code()


def _main(argv: Sequence[str] | None, signals: StopOnSignal) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        if args.command == "run":
            return _run(args, signals)
        return _COMMANDS[args.command](args)
    except RecipeError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        raise
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


def _run(args: argparse.Namespace, signals: StopOnSignal) -> int:
    return _train(args, signals)


def _train(args: argparse.Namespace, signals) -> int:
    from pathlib import Path

    from compose.api import check, load
    from compose.checkpoint import CheckpointError
    from compose.progress import TrainingProgress
    from compose.run_folder import RECIPE, default_dir, is_run
    from compose.train import make_session

    signals.defer()  # from here on a signal asks the run to stop; it raises no more
    if bool(args.recipe) == bool(args.resume):
        print("compose run: expected a recipe, or --resume RUN_DIR, got "
              f"{'both' if args.recipe else 'neither'}", file=sys.stderr)  # fmt: skip
        return 2
    if args.coordinator:
        import jax

        jax.distributed.initialize(args.coordinator, args.hosts, args.host_id)
    if args.resume:
        folder = Path(args.resume)
        if not is_run(folder):
            print(f"compose run: --resume {folder}: expected a run folder (with "
                  "recipe.yaml and summary.json), got none there", file=sys.stderr)  # fmt: skip
            return 2
        recipe = load(folder / RECIPE, overrides=args.set)
    else:
        recipe = load(args.recipe, overrides=args.set)
    checked = check(recipe)
    if checked.problems:
        raise RecipeError(checked.problems)
    if signals.received:
        print("interrupted before training began", file=sys.stderr)
        return signals.exit_code()
    folder = Path(args.resume or args.out or default_dir(checked.recipe.name))
    with TrainingProgress(checked.recipe.name, enabled=not args.quiet) as progress:
        session = make_session(
            checked,
            folder=folder,
            resume=bool(args.resume),
            init_from=args.init_from,
            overfit=args.overfit,
            listeners=[progress],
        )
        signals.session = session
        try:
            session.prepare(resume=folder if args.resume else None)
        except CheckpointError as err:
            print(f"compose run: --resume: {err}", file=sys.stderr)
            return 2
        for warning in session.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if signals.received:
            session.stop("interrupted")
        result = session.run()
    _report(checked.recipe.name, session, result, folder)
    if signals.received:
        print(f"resume: compose run --resume {folder}")
        return signals.exit_code()
    if result.failure:
        print(f"stopped: {result.stopped}", file=sys.stderr)
        return 1
    return 0


def _report(name: str, session, result, folder) -> None:
    """What the run reached: steps, time, metrics on each set, and where it is kept."""
    sets = {"": [], "val_": [], "test_": []}
    for key, value in result.metrics.items():
        part = next((p for p in ("val_", "test_") if key.startswith(p)), "")
        sets[part].append(f"{key} {value:.4g}")
    if result.stopped and not result.failure and not result.stopped.startswith("early stop"):
        state = f"stopped after {result.steps} of {session.total} steps"
    else:
        state = f"trained {result.steps} steps"
    print(f"{name}: {state} in {result.seconds:.1f} s  " + "  ".join(sets[""] + sets["val_"]))
    if result.stopped.startswith("early stop"):
        print(f"{result.stopped}; the weights kept are from step {result.best_step}")
    if sets["test_"]:
        print("test: " + "  ".join(sets["test_"]))
    taken = session.taken_from
    if taken[1] or taken[2]:
        new = f" (initialised: {', '.join(taken[2])})" if taken[2] else ""
        print(
            f"started from {len(taken[1])} of {len(taken[1]) + len(taken[2])} trained weights{new}"
        )
    for note in result.notes:
        print(f"note: {note}")
    print(f"run folder: {folder}")


def _blocks(args: argparse.Namespace) -> int:
    from blocks import BLOCKS
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


_COMMANDS = {"check": _check, "blocks": _blocks, "schema": _schema}


def main_exit() -> None:
    """Console entry point."""
    sys.exit(main())


if __name__ == "__main__":
    main_exit()
