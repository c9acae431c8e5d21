"""Resolve a network instance to the network body it names, with its parameters set.

A node `{network: X}` names a network of the recipe (`networks:`), a recipe file
(`X.yaml`, relative to the file that names it) or holds one inline. Each instance reads the
body anew with its own `$parameters`, so one definition serves many sizes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from compose.recipe.parse import declared_params, parse_network
from compose.recipe.problems import Problem, RecipeError, did_you_mean, shown
from compose.recipe.records import Node, Recipe
from compose.recipe.source import load_file


@dataclass
class Context:
    """What the check of one recipe shares across its nested networks."""

    stack: tuple[tuple[str, str], ...] = ()  # (key, name) of the networks being checked
    files: dict = field(default_factory=dict)  # path -> loaded Source, read once

    @classmethod
    def of(cls, recipe: Recipe) -> Context:
        """The context of a top-level recipe: its own file counts in cycles among files."""
        return cls(((file_key(recipe.file), Path(recipe.file).name),))


def file_key(file: str) -> str:
    return str(Path(file).resolve())


@dataclass(frozen=True)
class Resolved:
    """A network body ready to check: its records, a label for messages, a cycle key."""

    recipe: Recipe
    label: str
    key: str
    name: str


def resolve(node: Node, scope: Recipe, context: Context) -> tuple[Resolved | None, list[Problem]]:
    """The body that `node` (a network instance written in `scope`) names."""
    use = node.use
    where = use.where
    if use.ref == "":
        source, path, networks = use.source, use.body_path, scope.networks
        label, key = "inline network", f"{scope.file}:{'.'.join(map(str, path))}"
        name = "inline network"
    elif use.ref.endswith((".yaml", ".yml")):
        file = str(Path(scope.file).parent / use.ref)
        key = file_key(file)
        if key not in context.files:
            try:
                context.files[key] = load_file(file)
            except RecipeError as err:
                first = err.problems[0]
                if len(err.problems) == 1 and not first.where.line:  # the file itself
                    message = f"node '{node.name}': network file '{use.ref}': {first.message}"
                    return None, [Problem(where, message)]
                return None, [
                    replace(p, via=(f"node '{node.name}' ({use.ref})",)) for p in err.problems
                ]
        source, path, networks = context.files[key], (), ()
        label = name = use.ref
    else:
        found = scope.network(use.ref)
        if found is None:
            hint = did_you_mean(use.ref, [n.name for n in scope.networks])
            message = (
                f"node '{node.name}': expected a network or a .yaml file, got {shown(use.ref)}"
            )
            return None, [Problem(where, message, hint)]
        source, path, networks = found.source, found.path, scope.networks
        label, key = f"network {found.name}", f"{found.source.file}:{found.name}"
        name = found.name
    keys = [k for k, _ in context.stack]
    if key in keys:
        names = [n for _, n in context.stack[keys.index(key) :]] + [name]
        cycle = " -> ".join(names)
        return None, [
            Problem(
                where,
                f"node '{node.name}': expected networks that do not "
                f"contain themselves, got the cycle {cycle}",
            )
        ]
    defaults, problems = declared_params(source, path)
    params = dict(defaults)
    for param, value in use.params:
        if param not in defaults:
            hint = did_you_mean(param, defaults) if defaults else "it declares no params"
            problems.append(
                Problem(where, f"node '{node.name}': {label} has no parameter '{param}'", hint)
            )
        else:
            params[param] = value
    if problems:
        return None, problems
    body = parse_network(source, path, params, networks)
    return Resolved(body, label, key, name), []
