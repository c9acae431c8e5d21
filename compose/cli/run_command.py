"""`compose run`: train a recipe (or a population of its variants) and report what it reached.

A thin client of the training session: it reads the recipe, makes the session with the run
folder, checkpoints and the progress display as listeners, lets signals stop it cleanly,
and prints how the run ended (finished, stopped early, interrupted by which signal, failed),
its training time and the command's whole time, the result, the notes, the run folder
and, when interrupted, the resume command.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from pathlib import Path

from compose.checker.checked import Checked
from compose.checker.graph import check
from compose.checker.variants import parse_vary
from compose.checker.variants import problems as variant_problems
from compose.cli.class_table import class_tables
from compose.cli.progress import TrainingProgress, counted, epochs
from compose.cli.signals import StopOnSignal
from compose.cli.variant_table import WIDTH, variant_table
from compose.recipe.loader import load
from compose.recipe.problems import Problem, RecipeError, Where, printable
from compose.recipe.records import Recipe
from compose.runs.checkpoint import CheckpointError, resume_from
from compose.runs.folder import default_dir, is_run
from compose.runs.hosts import writes
from compose.runs.population_folder import resume_population
from compose.runs.reading import check_folder
from compose.runs.trained import run_recipe
from compose.runs.training import make_population, make_session
from compose.runtime.shown import duration, number


def run(args: argparse.Namespace, signals: StopOnSignal) -> int:
    """`compose run`: train (a session, or a population with --vary), report, exit code."""
    began = time.perf_counter()
    signals.defer()  # from here on a signal asks the run to stop; it raises no more
    if bool(args.recipe) == bool(args.resume):
        print("compose run: expected a recipe, or --resume RUN_DIR, got "
              f"{'both' if args.recipe else 'neither'}", file=sys.stderr)  # fmt: skip
        return 2
    recipe = _recipe(args)
    if recipe is None:
        return 2
    checked = check(recipe)
    if checked.problems:
        raise RecipeError(checked.problems)
    if signals.received:
        print("interrupted before training began", file=sys.stderr)
        return signals.exit_code()
    vary = _vary(args, checked)
    folder = Path(args.resume or args.out or default_dir(checked.recipe.name))
    with TrainingProgress(checked.recipe.name, enabled=not args.quiet) as progress:
        session = _session(args, checked, vary, folder, progress)
        signals.session = session
        reader = resume_population if vary else resume_from  # a population says more
        try:
            session.prepare(resume=reader(folder) if args.resume else None)
        except CheckpointError as err:
            print(f"compose run: --resume: {err}", file=sys.stderr)
            return 2
        for warning in session.warnings:
            print(printable(f"warning: {warning}"), file=sys.stderr)
        if signals.received:
            session.stop(signals.reason())
        result = session.run()
    report(checked.recipe.name, session, result, folder, in_all=time.perf_counter() - began)
    if signals.received:
        print(f"resume: compose run --resume {folder}")
        return signals.exit_code()
    if result.failure:
        print(printable(f"stopped: {result.stopped}"), file=sys.stderr)
        return 1
    return 0


def _recipe(args: argparse.Namespace) -> Recipe | None:
    """The recipe to train: the one named, or the run folder's to resume (None, and said
    why, when that folder is not a run)."""
    if not args.resume:
        return load(args.recipe, overrides=args.set)
    if args.out:
        message = f"expected no --out with --resume: the run goes on in its folder, {args.resume}"
        raise RecipeError([Problem(Where("--out"), message)])
    folder = Path(args.resume)
    check_folder(folder)  # no links, no pipes, before anything of it is read
    if not is_run(folder):
        print(f"compose run: --resume {folder}: expected a run folder (with "
              "recipe.yaml and summary.json), got none there", file=sys.stderr)  # fmt: skip
        return None
    return run_recipe(folder, args.set)


def _session(args: argparse.Namespace, checked: Checked, vary: dict, folder: Path, progress):
    """A population of the variants in `vary`, or else one session, reporting to `progress`."""
    if vary:
        return make_population(
            checked,
            vary,
            folder=folder,
            resume=bool(args.resume),
            listeners=[progress],
            tensorboard=args.tensorboard,
        )
    return make_session(
        checked,
        folder=folder,
        resume=bool(args.resume),
        init_from=args.init_from,
        overfit=args.overfit,
        listeners=[progress],
        tensorboard=args.tensorboard,
    )


def _vary(args: argparse.Namespace, checked) -> dict[str, list]:
    """The population to train: the recipe's train.vary, then each --vary (checked)."""
    train = checked.recipe.train
    vary = {key: list(values) for key, values in (train.vary if train else ())}
    for text in args.vary:
        try:
            key, values = parse_vary(text)
        except ValueError as err:
            raise RecipeError([Problem(Where(f"--vary {text}"), str(err))]) from None
        vary[key] = values
    if args.vary and args.resume:
        message = "expected no --vary with --resume: the population's folder keeps its variants"
        raise RecipeError([Problem(Where("--vary"), message)])
    if args.vary and train is not None:
        found = variant_problems(checked.recipe, vary, Where(f"--vary {' '.join(args.vary)}"))
        if found:
            raise RecipeError(found)
    if vary and (args.init_from or args.overfit):
        where = Where("--vary")
        raise RecipeError(
            [Problem(where, "expected no --init-from or --overfit with a population")]
        )
    return vary


def report(name: str, session, result, folder, *, in_all: float | None = None) -> None:
    """What the run reached: how it ended, steps, its training time and the command's
    whole time (`in_all` seconds, compiling included), metrics on each set, and where it
    is kept."""
    sets = {"": [], "val_": [], "test_": []}
    for key, value in result.metrics.items():
        part = next((p for p in ("val_", "test_") if key.startswith(p)), "")
        sets[part].append(f"{key} {number(value)}")
    state = ended(result, session.total, getattr(session, "data", None))
    took = f"in {duration(result.seconds)} of training"
    if in_all is not None:
        took += f" ({duration(in_all)} in all, compiling included)"
    if getattr(session, "variants", None):
        count = len(session.variants)
        print(population_lines(f"{name}: {count} variants {state}", took, count, sets))
    else:
        print(run_lines(f"{name}: {state} {took}", sets))
    if result.stopped.startswith("early stop") and result.best_step is not None:
        kept = f"{result.stopped}; the weights kept are from step {result.best_step}"
        print("\n".join(textwrap.wrap(printable(kept), WIDTH, subsequent_indent="  ")))
    if result.confusion is not None:
        part = next(p for p in ("val_", "", "test_") if p in result.confusion.matrices)
        print("\n".join(class_tables(result.confusion, part)))
    taken = session.taken_from
    if taken[1] or taken[2]:
        new = f" (initialised: {', '.join(taken[2])})" if taken[2] else ""
        print(
            f"started from {len(taken[1])} of {len(taken[1]) + len(taken[2])} trained weights{new}"
        )
    if getattr(session, "variants", None):
        print(variant_table(session), end="")
    for note in result.notes:
        print(printable(f"note: {note}"))
    print(f"run folder: {folder}" + ("" if writes() else " (host 0 writes it)"))


def run_lines(head: str, sets: dict[str, list[str]]) -> str:
    """What one run reached, in lines of at most WIDTH columns: `head`, how it ended, then
    the metrics of each set on lines of their own (`sets`: "loss 0.25" and the like)."""
    # escaped before wrapping: wrapping would turn a name's \r or \t into a space
    lines = textwrap.wrap(printable(head), WIDTH, subsequent_indent="  ", break_on_hyphens=False)
    for label, part in (("train:", ""), ("val:", "val_"), ("test:", "test_")):
        lines += fitted(label, sets[part]) if sets[part] else []
    return "\n".join(printable(line) for line in lines)


def population_lines(head: str, took: str, count: int, sets: dict[str, list[str]]) -> str:
    """What a population of `count` variants reached, in lines of at most WIDTH columns
    (the table's): how it ended (`head`) and in what time (`took`), on a line of their own
    when they do not fit one, then the mean over the variants of each metric (`sets`:
    "loss 0.25" and the like, by set)."""
    head = printable(head)  # escaped before wrapping, which makes a \r or \t a space
    parts = [f"{head} {took}"] if len(head) + 1 + len(took) <= WIDTH else [head, f"  {took}"]
    lines = [
        line
        for part in parts
        for line in textwrap.wrap(part, WIDTH, subsequent_indent="  ", break_on_hyphens=False)
    ]
    for label, items in (
        (f"mean of the {count} variants:", sets[""] + sets["val_"]),
        (f"test, mean of the {count} variants:", sets["test_"]),
    ):
        lines += fitted(label, items) if items else []
    return "\n".join(printable(line) for line in lines)


def fitted(label: str, items: list[str]) -> list[str]:
    """`label`, then the items two spaces apart, in lines of at most WIDTH columns (the
    lines after the first indented); an item is never split."""
    lines, line = [], f"{label} {items[0]}"
    for item in items[1:]:
        if len(line) + 2 + len(item) > WIDTH:
            lines.append(line)
            line = f"  {item}"
        else:
            line += f"  {item}"
    return [*lines, line]


def ended(result, total: int, data=None) -> str:
    """How a run (or a population) ended, with its steps and, given its TrainingData, its
    epochs: `trained 2000 steps (5 epochs)`, `stopped early after 510 of 2000 steps (epoch
    1.3/5)`, `interrupted by Ctrl-C (SIGINT) after 180 of 400 steps (epoch 0.5/1)`."""
    after = f"after {result.steps} of {total} steps"
    if data is not None:
        after += f" (epoch {epochs(data, result.steps, total)})"
    if result.status == "early_stopped":
        return f"stopped early {after}"
    if result.status == "interrupted":
        return f"{result.stopped} {after}"
    if result.status in ("stopped", "failed"):
        return f"{result.status} {after}"
    if data is None:
        return f"trained {result.steps} steps"
    whole = counted(data.epochs(result.steps))
    return f"trained {result.steps} steps ({whole} epoch{'' if whole == '1' else 's'})"
