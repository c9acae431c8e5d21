"""Sweeps: a grid of settings, some varied inside one compiled program, the rest each
making a program of its own.

A population (compose.checker.variants) varies numbers that change no shape: seeds,
optimizer arguments, penalties, traced hyperparameters, initialisers' arguments. Any other
key `--set` takes (a width `nodes.hidden.out`, a depth `nodes.body.repeat`, a block
`nodes.act.block`, a parameter `params.width`, a train key such as `batch`) changes the
program: each of its values (each combination, for several such keys) is a member of a
group, trained as a population of the other keys' values (or as one run when there are
none). Keys joined by commas are tied, here as in a population: `nodes.a.out,nodes.b.out`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from compose.checker.graph import check
from compose.checker.variants import in_one_program, tied, variants
from compose.checker.variants import problems as variant_problems
from compose.recipe.loader import load
from compose.recipe.parse import TOP_KEYS
from compose.recipe.problems import Problem, RecipeError, Where, did_you_mean
from compose.recipe.records import Recipe

MAX_MEMBERS = 1_000  # each compiles a program of its own: past this it is a typo, not a plan


@dataclass(frozen=True)
class Member:
    """One program of a group: its name (`hidden.out=2`), the settings it makes (each key
    as `--set` takes it, `nodes.hidden.out` or `train.batch`) and the `--set` overrides
    that make its recipe from the group's."""

    name: str
    settings: tuple[tuple[str, Any], ...]

    @property
    def overrides(self) -> list[str]:
        return [f"{key}={_yaml(value)}" for key, value in self.settings]


def split(recipe: Recipe, vary: Mapping[str, Sequence[Any]]) -> tuple[dict, dict]:
    """(the keys each of whose values makes a program, the keys a population varies inside
    one), each in `vary`'s order; a tied key goes with the first when any of its keys does."""
    shaped = {k: list(v) for k, v in vary.items() if not in_one_program(recipe, k)}
    within = {k: list(v) for k, v in vary.items() if k not in shaped}
    return shaped, within


def members(shaped: Mapping[str, Sequence[Any]]) -> list[Member]:
    """Every combination of the values in `shaped` (a grid, in key order), as members named
    the way variants are (compose.checker.variants.variants), each key as `--set` takes it.

    >>> [m.overrides for m in members({"nodes.h.out": [2, 8], "batch": [4]})]
    [['nodes.h.out=2', 'train.batch=4'], ['nodes.h.out=8', 'train.batch=4']]
    """
    return [
        Member(v.name, tuple((set_key(k), value) for k, value in v.settings))
        for v in variants(shaped)
    ]


def set_key(key: str) -> str:
    """A vary key as `--set` takes it: the train section's keys with `train.` in front."""
    return key if key.split(".")[0] in TOP_KEYS and key != "seed" else f"train.{key}"


def problems(recipe: Recipe, shaped: Mapping[str, Sequence[Any]], where: Where) -> list[Problem]:
    """What cannot make a group's members, before any recipe is made: a node or parameter
    the recipe does not have (the rest is checked in each member's recipe), or too many."""
    out = []
    nodes = [n for n in recipe.data.get("nodes") or {}]
    params = [p for p in recipe.data.get("params") or {}]
    for key in (part for k in shaped for part in tied(k)):
        parts = key.split(".")
        for section, known, what in (("nodes", nodes, "a node"), ("params", params, "a param")):
            if parts[0] == section and (len(parts) < 2 or parts[1] not in known):
                got = parts[1] if len(parts) > 1 else ""
                message = f"vary: expected {what} of the recipe in '{key}', got '{got}'"
                hint = did_you_mean(got, known) if known else f"the recipe has no {section}"
                out.append(Problem(where, message, hint))
    count = 1
    for values in shaped.values():
        count *= len(values)
    if count > MAX_MEMBERS:
        message = (
            f"vary: expected at most {MAX_MEMBERS} settings that change the program, got {count:,}"
        )
        out.append(Problem(where, message))
    return out


def member_recipes(
    path: str,
    given: Sequence[str],
    group: Sequence[Member],
    within: Mapping[str, Sequence[Any]],
    texts: Mapping[str, str],
) -> list[Recipe]:
    """Each member's recipe: `path` loaded with the `given` overrides and the member's,
    checked with its population's keys (`within`). Every problem of every member is raised
    at once, each once, located at the `--vary` that made it (`texts`: key -> its text)."""
    found: dict[str, Problem] = {}
    recipes = []
    for member in group:
        try:
            recipe = load(path, overrides=[*given, *member.overrides])
        except RecipeError as err:
            found.update((str(p), p) for p in _located(err.problems, texts))
            continue
        checked = check(recipe)
        problems = list(checked.problems)
        if not problems and within and recipe.train is not None:
            place = Where("--vary " + " ".join(texts[k] for k in within))
            problems = variant_problems(recipe, within, place)
        found.update((str(p), p) for p in _located(problems, texts))
        recipes.append(recipe)
    if found:
        raise RecipeError(found.values())
    return recipes


def _located(problems: Sequence[Problem], texts: Mapping[str, str]) -> list[Problem]:
    """`problems` with those at a member's `--set KEY=VALUE` placed at the `--vary` of KEY."""
    by_set = {}
    for key, text in texts.items():
        for part in tied(key):
            by_set[set_key(part)] = text
    out = []
    for problem in problems:
        file = problem.where.file
        if file.startswith("--set "):
            key = file.removeprefix("--set ").partition("=")[0]
            if key in by_set:
                problem = replace(
                    problem, where=replace(problem.where, file=f"--vary {by_set[key]}")
                )
        out.append(problem)
    return out


def _yaml(value: Any) -> str:
    """A value as `--set` reads it back: YAML."""
    return str(value)
