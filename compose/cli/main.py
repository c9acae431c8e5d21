"""The `compose` command: one subcommand per entry of COMMANDS, each a thin client of
compose's stages. The help lists the commands from that table, so it names them all."""

from __future__ import annotations

import argparse
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from compose.cli import (
    compare_command,
    evaluate_command,
    export_command,
    hosts,
    predict_command,
    regions_command,
)
from compose.cli.signals import StopOnSignal
from compose.recipe.problems import RecipeError, did_you_mean, printable
from compose.runtime.files import UnsafePath


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, one line of help, its arguments, and what runs it."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace, StopOnSignal], int]


def _parser() -> argparse.ArgumentParser:
    names = [c.name for c in COMMANDS]
    parser = argparse.ArgumentParser(
        prog="compose",
        description="Compose neural networks from YAML recipes of blocks. "
        f"Commands: {', '.join(names)}.",
        epilog="`compose COMMAND --help` shows a command's arguments.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.arguments(sub.add_parser(command.name, help=command.help))
    return parser


def _add_check(check: argparse.ArgumentParser) -> None:
    check.add_argument("recipe", help="path to a recipe .yaml")
    _add_set(check)
    check.add_argument("--expand", action="store_true", help="list the nodes inside networks")


def _add_blocks(blocks: argparse.ArgumentParser) -> None:
    blocks.add_argument("name", nargs="?", help="a block to describe")


def _add_edit(edit: argparse.ArgumentParser) -> None:
    edit.add_argument("recipe", help="path to a recipe .yaml")
    edit.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a recipe key"
    )


def _add_plot(plot: argparse.ArgumentParser) -> None:
    plot.add_argument(
        "run_dir", metavar="RUN_DIR|RECIPE", help="a run folder, or a recipe (its initial model)"
    )
    plot.add_argument(
        "--out", help="folder for the pictures (default: RUN_DIR/plots, or plots/NAME for a recipe)"
    )
    plot.add_argument(
        "--range", metavar="LO:HI", help="the input range drawn (X0:X1,Y0:Y1 for a plane)"
    )
    _add_set(plot)


def _add_set(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a recipe key, e.g. --set train.steps=100",
    )


def _add_run(run: argparse.ArgumentParser) -> None:
    run.add_argument("recipe", nargs="?", help="path to a recipe .yaml (not with --resume)")
    _add_set(run)
    run.add_argument("--out", help="run folder, new or empty (default: runs/NAME-DATE-TIME)")
    run.add_argument("--resume", metavar="RUN_DIR", help="go on with a run from its checkpoint")
    run.add_argument("--init-from", metavar="RUN_DIR", help="start from a trained run's weights")
    run.add_argument(
        "--overfit", type=int, metavar="N", help="train on the first N examples only: can it fit?"
    )
    run.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="KEY=VALUES",
        help="train variants at once, e.g. --vary seed=0:20 or --vary "
        "optimizer.adam.learning_rate=0.01,0.05 (several make a grid)",
    )
    hosts.add_arguments(run)
    run.add_argument(
        "--tensorboard",
        metavar="DIR",
        help="TensorBoard logs into DIR, in a folder named as the run folder (needs the "
        "tensorboard extra)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_inspect(look: argparse.ArgumentParser) -> None:
    look.add_argument("target", metavar="RUN_DIR|RECIPE", help="a run folder, or a recipe .yaml")
    _add_set(look)
    look.add_argument(
        "--batch",
        type=int,
        metavar="N",
        help="examples of the training data to look at (default: the recipe's batch size)",
    )
    look.add_argument("--json", action="store_true", help="print the numbers and flags as JSON")
    look.add_argument(
        "--values", metavar="NODE", help="one node's activation and gradient, element by element"
    )
    look.add_argument(
        "--example", type=int, default=0, metavar="I", help="the example --values shows (default 0)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; 0 success, 2 a bad recipe or arguments, 1 anything else,
    130 or 143 when Ctrl-C or SIGTERM ended it."""
    with StopOnSignal() as signals:
        try:
            return _main(argv, signals)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return signals.exit_code()


# commands that compile: they reuse programs
COMPILING = ("run", "edit", "inspect", "plot", "regions", "export", "predict", "evaluate")


def _main(argv: Sequence[str] | None, signals: StopOnSignal) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        if args.command in COMPILING:
            from compose.runtime.compile_cache import use_compile_cache

            args.compile_cache = use_compile_cache()
        return next(c for c in COMMANDS if c.name == args.command).handler(args, signals)
    except RecipeError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        return 2
    except UnsafePath as err:  # a link, or a file not its own, where it would write
        print(printable(str(err)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        raise
    except Exception as err:
        if args.debug:
            traceback.print_exc()
        else:
            print(
                printable(
                    f"error: {type(err).__name__}: {err} (run with --debug for the traceback)"
                ),
                file=sys.stderr,
            )
        return 1


def _check(args: argparse.Namespace, signals: StopOnSignal) -> int:
    from compose.checker.graph import check
    from compose.checker.summary import model_summary
    from compose.recipe.loader import load

    checked = check(load(args.recipe, overrides=args.set))
    if checked.problems:
        raise RecipeError(checked.problems)
    print(model_summary(checked, expand=args.expand), end="")
    return 0


def _inspect(args: argparse.Namespace, signals: StopOnSignal) -> int:
    from compose.cli.inspect_command import look, members, report, subject, to_json

    if args.batch is not None and args.batch < 1:
        print(f"compose inspect: --batch: expected a positive number of examples, got "
              f"{args.batch}", file=sys.stderr)  # fmt: skip
        return 2
    if args.values is not None:
        from compose.cli import inspect_values

        return inspect_values.run(args)
    many = members(args.target)  # a population: each variant in turn (JSON: a list)
    found_json = []
    for name, target in many or [("", args.target)]:
        seen = subject(target, overrides=args.set, examples=args.batch)
        for note in seen.notes:
            print(printable(f"warning: {note}"), file=sys.stderr)
        found = look(seen)
        extra = {"variant": name} if name else {}
        if args.json:
            found_json.append(
                to_json(found, **extra, recipe=seen.checked.recipe.name, model=seen.label)
            )
        else:
            print(f"variant {name}: " if name else "", report(seen, found), sep="", end="")
    if args.json:
        print(found_json[0] if not many else "[\n" + ",\n".join(found_json) + "\n]")
    return 0


def _run(args: argparse.Namespace, signals: StopOnSignal) -> int:
    from compose.cli.group_run import grouped, run_group
    from compose.cli.run_command import run

    with hosts.joined(args):  # over several hosts, if asked (compose.cli.hosts)
        if grouped(args):  # settings that change the program: a group of populations
            return run_group(args, signals)
        return run(args, signals)


def _blocks(args: argparse.Namespace, signals: StopOnSignal) -> int:
    from blocks import BLOCKS
    from compose.checker.summary import block_help, block_list

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


def _schema(args: argparse.Namespace, signals: StopOnSignal) -> int:
    import json

    from compose.checker.schema import recipe_schema

    print(json.dumps(recipe_schema(), indent=2))
    return 0


def _edit(args: argparse.Namespace, signals: StopOnSignal) -> int:
    # The command line is a thin client of both compose and the editor above it: this is
    # the one place in compose/ that reaches tui (tests/test_layout.py keeps it so).
    from compose.runtime.compile_cache import cache_environment
    from tui.app import run

    # the editor's training runs are processes of their own: they keep the cache this one has
    return run(args.recipe, overrides=args.set, environment=cache_environment(args.compile_cache))


def _plot(args: argparse.Namespace, signals: StopOnSignal) -> int:
    from pathlib import Path

    from compose.plot.run_plots import MissingMatplotlib, not_a_run, plot_run
    from compose.runs.reading import check_folder

    folder = Path(args.run_dir)
    if folder.is_file() and folder.suffix in (".yaml", ".yml"):
        from compose.cli.plot_recipe import plot_recipe_command

        return plot_recipe_command(args)
    check_folder(folder)  # no links, no pipes, before anything of it is read
    got = not_a_run(folder)
    if got:
        print(f"compose plot: {folder}: expected a run folder (with recipe.yaml and "
              f"summary.json), got {got}", file=sys.stderr)  # fmt: skip
        return 2
    try:
        plotted = plot_run(folder, out=args.out, view=_range(args.range))
    except MissingMatplotlib as err:
        print(f"compose plot: {err}", file=sys.stderr)
        return 2
    for warning in plotted.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for path in plotted.files:
        print(path)
    return 0


def _range(text: str | None) -> tuple[float, ...] | None:
    from compose.cli.ranges import parse_range

    return None if text is None else parse_range(text)


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


COMMANDS = (
    Command("run", "train a recipe and write a run folder", _add_run, _run),
    Command("check", "validate a recipe and print its model summary", _add_check, _check),
    Command(
        "inspect", "look inside a run's model, or a recipe's untrained one", _add_inspect, _inspect
    ),
    Command("blocks", "list the blocks, or show one", _add_blocks, _blocks),
    Command(
        "schema", "print the JSON Schema of recipes, for YAML-aware editors", _no_arguments, _schema
    ),
    Command("edit", "open a recipe in the terminal editor", _add_edit, _edit),
    Command("plot", "draw a run's curves and model, or a recipe's model", _add_plot, _plot),
    Command(
        "regions",
        "count and draw the linear regions of a network of relus",
        regions_command.add_arguments,
        regions_command.regions,
    ),
    Command(
        "export",
        "write a run's model as StableHLO or ONNX for other programs",
        export_command.add_arguments,
        export_command.export,
    ),
    Command(
        "predict",
        "a run's predictions for a CSV or NPZ file of new data",
        predict_command.add_arguments,
        predict_command.predict,
    ),
    Command(
        "evaluate",
        "score a run on labelled data: loss, metrics, confusion matrix",
        evaluate_command.add_arguments,
        evaluate_command.evaluate,
    ),
    Command(
        "compare",
        "a metric by setting over runs or a group: a table and a PNG",
        compare_command.add_arguments,
        compare_command.compare,
    ),
)


def main_exit() -> None:
    """Console entry point. Outside the command's own handling (StopOnSignal), Ctrl-C ends
    the process as the signal's default action does, at once and silently: once the command
    has returned, a KeyboardInterrupt would land in the interpreter's exit (inside JAX's
    clean-up) and print a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(main())


if __name__ == "__main__":
    main_exit()
