"""`compose run --vary` over settings that change the program: a group of populations.

Each setting of the keys that change a shape or the program (compose.checker.sweep) is a
member of the group, trained in turn by `compose run` as a population of the other keys'
values (one program, the seeds vmapped) or, when there are none, as one run, in a folder
of its own inside the group's (compose.runs.group_folder). Every member's recipe is made
and checked before the first trains, so a bad setting stops the group before it starts.
At the end, the members compared (compose compare's table), and how to draw them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from compose.checker.graph import check
from compose.checker.sweep import member_recipes, members, split
from compose.checker.sweep import problems as group_problems
from compose.checker.variants import in_one_program, parse_vary
from compose.cli.compare_command import compare_table
from compose.cli.run_command import run
from compose.cli.signals import StopOnSignal
from compose.recipe.loader import load
from compose.recipe.problems import Problem, RecipeError, Where
from compose.runs.comparison import gather
from compose.runs.folder import default_dir
from compose.runs.group_folder import (
    ENDED,
    PENDING,
    is_group,
    mark,
    member_status,
    read_group,
    start_group,
)
from compose.runs.names import RECIPE


def grouped(args: argparse.Namespace) -> bool:
    """Whether `compose run` with `args` trains a group: it resumes a group's folder, or a
    `--vary` key changes the program. Anything it cannot read is left for `run` to say."""
    if args.resume:
        return is_group(Path(args.resume))
    if not (args.vary and args.recipe):
        return False
    try:
        recipe = load(args.recipe, overrides=args.set)
        keys = [parse_vary(text)[0] for text in args.vary]
    except (RecipeError, ValueError):
        return False
    if recipe.train is None or check(recipe).problems:
        return False
    return not all(in_one_program(recipe, key) for key in keys)


def run_group(args: argparse.Namespace, signals: StopOnSignal) -> int:
    """Train (or go on with) a group; exit code as `compose run`'s: 1 only when every
    member failed."""
    if args.resume:
        if args.out or args.vary:
            given = "--out" if args.out else "--vary"
            message = f"expected no {given} with --resume: the group's folder keeps its settings"
            raise RecipeError([Problem(Where(given), message)])
        folder = Path(args.resume)
        index = read_group(folder)
    else:
        folder, index = _start(args)
    names = list(index["members"])
    codes = {}
    for number, name in enumerate(names, 1):
        status = member_status(folder, index, name)
        if status in ENDED and not (args.resume and args.set):
            mark(folder, index, name, status)
            continue
        own = folder / index["members"][name]["folder"]
        print(f"[{number}/{len(names)}] {name}: {own}", flush=True)
        member = argparse.Namespace(**vars(args))
        if status == PENDING:  # a new member: the group's recipe with its settings
            member.recipe, member.resume, member.out = str(folder / RECIPE), None, str(own)
            member.set = [*index["members"][name]["overrides"], *(args.set if args.resume else [])]
            member.vary = list(index["within"])
        else:  # one that started: it goes on from its checkpoint
            member.recipe, member.resume, member.out, member.vary = None, str(own), None, []
        codes[name] = run(member, signals)
        mark(folder, index, name, member_status(folder, index, name))
        if signals.received or codes[name] == 2:
            break
    print(f"group folder: {folder}")
    if signals.received:
        print(f"resume the group: compose run --resume {folder}")
        return signals.exit_code()
    if 2 in codes.values():
        return 2
    print(compare_table(gather([folder]), "loss", None), end="")
    print(f"compare: compose compare {folder} --metric METRIC --solved 'METRIC>=VALUE'")
    failed = all(m["status"] == "failed" for m in index["members"].values())
    return 1 if failed else 0


def _start(args: argparse.Namespace) -> tuple[Path, dict]:
    """The new group's folder and index, once every member's recipe checks."""
    if args.init_from or args.overfit:
        message = "expected no --init-from or --overfit with a population"
        raise RecipeError([Problem(Where("--vary"), message)])
    recipe = load(args.recipe, overrides=args.set)
    texts, vary = {}, {}
    for text in args.vary:
        try:
            key, values = parse_vary(text)
        except ValueError as err:
            raise RecipeError([Problem(Where(f"--vary {text}"), str(err))]) from None
        texts[key], vary[key] = text, values
    shaped, within = split(recipe, vary)
    found = group_problems(recipe, shaped, Where("--vary " + " ".join(texts[k] for k in shaped)))
    if found:
        raise RecipeError(found)
    group = members(shaped)
    member_recipes(args.recipe, args.set, group, within, texts)
    folder = Path(args.out or default_dir(recipe.name))
    index = start_group(folder, recipe, vary, list(shaped), [texts[k] for k in within], group)
    count = len(group)
    print(f"{recipe.name}: a group of {count} program{'s' if count > 1 else ''}, "
          f"one for each setting of {', '.join(shaped)}")  # fmt: skip
    return folder, index
