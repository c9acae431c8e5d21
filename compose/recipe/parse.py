"""From plain YAML data to recipe records, collecting every problem with its place.

This stage checks what can be checked one key at a time: kinds of values, names of blocks,
hyperparameters and initialisers, identifiers. Wiring and shapes are the checker's job.
A network body is read by the same code, once per instance, with its `$parameters` set.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from compose.recipe.nodes_section import read_nodes
from compose.recipe.problems import Problem, RecipeError
from compose.recipe.reader import MISSING, Reader
from compose.recipe.records import Input, NetworkDef, Recipe, Wire
from compose.recipe.source import Source
from compose.recipe.train_section import parse_train

TOP_KEYS = ("name", "about", "params", "networks", "inputs", "nodes", "outputs", "loss", "train")
NETWORK_KEYS = ("about", "params", "inputs", "nodes", "outputs")


def parse(source: Source) -> Recipe:
    """Records from a loaded document, carrying the problems found on the way.

    Raises RecipeError only when the document is not a recipe at all.
    """
    parser = _Parser(source)
    recipe = parser.recipe(source.data, (), as_network=False)
    if recipe is None:
        raise RecipeError(parser.problems)
    return recipe


def parse_network(
    source: Source, path: tuple, params: dict[str, Any], networks: tuple[NetworkDef, ...]
) -> Recipe:
    """A network body at `path` of `source`, with `$parameters` set, as a recipe record.

    `networks` are those its nodes may name besides the ones it defines itself.
    """
    parser = _Parser(source, params)
    data = source.data
    for part in path:
        data = data[part]
    recipe = parser.recipe(data, path, as_network=True)
    if recipe is None:
        return Recipe(
            source.file,
            "",
            "",
            (),
            (),
            (),
            None,
            None,
            parser.at(path),
            problems=tuple(parser.problems),
        )
    own = {n.name for n in recipe.networks}
    return replace(
        recipe, networks=recipe.networks + tuple(n for n in networks if n.name not in own)
    )


def declared_params(source: Source, path: tuple) -> tuple[dict[str, Any], list[Problem]]:
    """The `params:` (name -> default) of the network or recipe at `path`."""
    parser = _Parser(source)
    data = source.data
    for part in path:
        data = data[part]
    found = (
        parser.declared_params(data.get("params"), path + ("params",))
        if isinstance(data, dict)
        else {}
    )
    return found, parser.problems


class _Parser(Reader):
    """Reads a recipe or network body: its keys, parameters, networks, inputs and outputs,
    with its nodes read by compose.recipe.nodes_section."""

    def recipe(self, data: Any, path: tuple, *, as_network: bool) -> Recipe | None:
        if not isinstance(data, dict):
            what = "a network" if path else "a recipe"
            if path:
                self.expect(path, f"{what}: a mapping with inputs, nodes and outputs", data)
            else:  # a whole file that is not a recipe (a CSV, say): its values stay unsaid
                self.bad(path, f"expected {what}: a mapping with inputs, nodes and outputs, "
                         f"got {_kind_of(data)}")  # fmt: skip
            return None
        keys = NETWORK_KEYS if path else TOP_KEYS
        self.known_keys(data, path, keys, "a network" if path else "the recipe")
        name = data.get("name", "recipe")
        if not isinstance(name, str):
            self.expect(path + ("name",), "a string", name)
        declared = self.declared_params(data.get("params"), path + ("params",))
        if not as_network:
            self.params = dict(declared)
        networks = self.networks(data.get("networks"), path + ("networks",))
        inputs = self.inputs(data.get("inputs"), path + ("inputs",))
        nodes, broken = read_nodes(
            self, data.get("nodes"), path + ("nodes",), networks={n.name for n in networks}
        )
        input_names = {i.name for i in inputs}
        for node in nodes:
            if node.name in input_names:
                self.problems.append(
                    Problem(
                        node.where,
                        f"expected a node name unlike every input's, got "
                        f"'{node.name}', which is also an input",
                    )
                )
        outputs = self.outputs(data.get("outputs"), path + ("outputs",))
        loss = train = None
        if not as_network and "loss" in data:
            if isinstance(data["loss"], str):
                loss = Wire("loss", data["loss"], self.at(("loss",)))
            else:
                self.expect(("loss",), "the name of a node", data["loss"])
        if not as_network and "train" in data:
            train = parse_train(self, data["train"])
        return Recipe(
            file=self.source.file,
            name=str(name),
            about=str(data.get("about", "")),
            inputs=tuple(inputs),
            nodes=tuple(nodes),
            outputs=tuple(outputs),
            loss=loss,
            train=train,
            where=self.at(path),
            networks=tuple(networks),
            data=data,
            problems=tuple(self.problems),
            broken=frozenset(broken),
        )

    def declared_params(self, value: Any, path: tuple) -> dict[str, Any]:
        if value is None:
            return {}
        found = self.mapping(value, path, "parameters with defaults, like {width: 16}") or {}
        out = {}
        for name, default in found.items():
            if not self.identifier(name, path + (name,)):
                continue
            if isinstance(default, (int, float, str, bool)):
                out[name] = default
            else:
                self.expect(path + (name,), "a number, string or boolean default", default)
        return out

    def networks(self, value: Any, path: tuple) -> list[NetworkDef]:
        if value is None:
            return []
        found = self.mapping(value, path, "a mapping of network names to networks") or {}
        out = []
        for name, body in found.items():
            where = path + (name,)
            if not self.identifier(name, where):
                continue
            if not isinstance(body, dict):
                self.expect(where, "a network: a mapping with inputs, nodes and outputs", body)
                continue
            self.declared_params(body.get("params"), where + ("params",))  # report problems now
            out.append(NetworkDef(name, self.at(where, key=True), where, self.source))
        return out

    def inputs(self, value: Any, path: tuple) -> list[Input]:
        found = self.mapping(value, path, "a mapping of input names to shapes like [2]")
        out = []
        for name, shape in (found or {}).items():
            where = path + (name,)
            if not self.identifier(name, where):
                continue
            if isinstance(shape, list):
                shape = [self.param(d, where + (i,)) for i, d in enumerate(shape)]
                if MISSING in shape:
                    continue
            ok = isinstance(shape, list) and all(
                isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape
            )
            if not ok:
                self.expect(where, "a shape: a list of positive integers like [2]", shape)
                continue
            out.append(Input(name, tuple(shape), self.at(where, key=True)))
        return out

    def outputs(self, value: Any, path: tuple) -> list[Wire]:
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names:
            self.expect(path, "a list of node names", value)
            return []
        out = []
        for i, name in enumerate(names):
            if isinstance(name, str):
                out.append(Wire("output", name, self.at(path + (i,))))
            else:
                self.expect(path + (i,), "a node name", name)
        return out


def _kind_of(data: Any) -> str:
    """What a document is, without its values: `a list of 3 items`, `text of 12 characters`."""
    if isinstance(data, list):
        return f"a list of {len(data):,} item{'s' * (len(data) != 1)}"
    if isinstance(data, str):
        return f"text of {len(data):,} character{'s' * (len(data) != 1)}"
    if data is None:
        return "nothing"
    return "true or false" if isinstance(data, bool) else "a number"
