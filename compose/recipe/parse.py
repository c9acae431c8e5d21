"""From plain YAML data to recipe records, collecting every problem with its place.

This stage checks what can be checked one key at a time: kinds of values, names of blocks,
hyperparameters and initialisers, identifiers. Wiring and shapes are the checker's job.
A network body is read by the same code, once per instance, with its `$parameters` set.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from blocks import BLOCKS, INITIALIZERS, Block, Hyper
from compose.recipe.problems import Problem, RecipeError, did_you_mean, shown
from compose.recipe.reader import MISSING, Reader
from compose.recipe.records import Input, NetworkDef, NetworkUse, Node, Recipe, WeightSpec, Wire
from compose.recipe.source import Source
from compose.recipe.train_section import parse_train

TOP_KEYS = ("name", "about", "params", "networks", "inputs", "nodes", "outputs", "loss", "train")
NETWORK_KEYS = ("about", "params", "inputs", "nodes", "outputs")
INSTANCE_KEYS = ("network", "in", "repeat")


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
    def __init__(self, source: Source, params: dict[str, Any] | None = None):
        super().__init__(source, params)
        self.broken: list[str] = []
        self.network_names: set[str] = set()

    # -- the document ----------------------------------------------------------------------
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
        self.network_names = {n.name for n in networks}
        inputs = self.inputs(data.get("inputs"), path + ("inputs",))
        nodes = self.nodes(data.get("nodes"), path + ("nodes",))
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
            broken=frozenset(self.broken),
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

    # -- nodes ---------------------------------------------------------------------------
    def nodes(self, value: Any, path: tuple) -> list[Node]:
        found = self.mapping(value, path, "a mapping of node names to blocks")
        out = []
        for name, spec in (found or {}).items():
            where = path + (name,)
            if not self.identifier(name, where):
                self.broken.append(str(name))
                continue
            spec = self.mapping(spec, where, "a node: a mapping like {block: linear, in: x}")
            count = len(self.problems)
            extra: list[Node] = []  # networks inlined in this node's weight slots
            node = self.node(name, spec, where, extra) if spec is not None else None
            if node and len(self.problems) == count:
                out.extend(extra + [node])
            else:
                self.broken.append(name)
        return out

    def node(self, name: str, spec: dict, path: tuple, extra: list[Node]) -> Node | None:
        if "network" in spec:
            return self.instance(name, spec, path)
        block_name = spec.get("block")
        if not isinstance(block_name, str):
            self.expect(path + ("block",), "a block name, e.g. block: linear", block_name)
            return None
        block = BLOCKS.get(block_name)
        if block is None:
            is_network = block_name in self.network_names
            hint = f"'{block_name}' is a network: write network: {block_name}" if is_network else ""
            self.bad(
                path + ("block",),
                f"node '{name}': unknown block '{block_name}'",
                hint or did_you_mean(block_name, BLOCKS),
            )
            return None
        known = (
            ("block", "in")
            + tuple(h.name for h in block.hypers)
            + tuple(s.name for s in block.slots)
        )
        self.known_keys(spec, path, known, f"node '{name}' ({block.name})")
        hypers = {}
        for hyper in block.hypers:
            if hyper.name in spec:
                value = self.typed(
                    spec[hyper.name],
                    path + (hyper.name,),
                    hyper,
                    label=f"node '{name}' ({block.name})",
                )
                if value is not None:
                    hypers[hyper.name] = value
            elif hyper.required:
                self.bad(
                    path,
                    f"node '{name}' ({block.name}): expected '{hyper.name}' "
                    f"({hyper.doc}), got nothing",
                    key=True,
                )
        hypers = block.with_defaults(hypers)
        weights = tuple(
            w
            for slot in block.slots
            if slot.name in spec
            and (w := self.weight(spec[slot.name], path + (slot.name,), slot.name, name, extra))
        )
        wires = self.wires(spec.get("in"), path + ("in",), block, name)
        where = self.at(path, key=True)
        return Node(name, block.name, tuple(wires), tuple(hypers.items()), weights, where)

    def instance(self, name: str, spec: dict, path: tuple) -> Node | None:
        """A network instance: `{network: NAME | FILE.yaml | {...}, in: ..., repeat: N, p: v}`."""
        network = spec["network"]
        where = self.at(path, key=True)
        if isinstance(network, str) and network:
            ref, body, body_path = network, None, ()
        elif isinstance(network, dict):
            ref, body, body_path = "", network, path + ("network",)
        else:
            self.expect(path + ("network",), "a network name, a .yaml file or a network", network)
            return None
        repeat = 1
        if "repeat" in spec:
            positive = lambda v: None if v >= 1 else "a count of 1 or more"  # noqa: E731
            repeat = self.typed(
                spec["repeat"], path + ("repeat",), Hyper("repeat", int, check=positive)
            )
            if repeat is None:
                return None
        params = {}
        for key, value in spec.items():
            if key not in INSTANCE_KEYS:
                value = self.param(value, path + (key,))
                if value is not MISSING:
                    params[key] = value
        label = f"node '{name}' (network)"
        value = spec.get("in")
        if isinstance(value, str):
            pairs = [("", value, path + ("in",))]
        elif isinstance(value, list):
            pairs = [(f"#{i}", v, path + ("in", i)) for i, v in enumerate(value)]
        elif isinstance(value, dict):
            pairs = [(str(k), v, path + ("in", k)) for k, v in value.items()]
        else:
            self.expect(path + ("in",), "`in` naming the network's input(s)", value, label=label)
            return None
        wires = []
        for port, ref_name, at in pairs:
            if isinstance(ref_name, str):
                wires.append(Wire(port, ref_name, self.at(at)))
            else:
                self.expect(at, "the name of an input or node", ref_name, label=label)
        use = NetworkUse(ref, tuple(params.items()), repeat, where, body, body_path, self.source)
        return Node(name, "", tuple(wires), (), (), where, use)

    def wires(self, value: Any, path: tuple, block: Block, node: str) -> list[Wire]:
        label = f"node '{node}' ({block.name})"
        if not block.inputs:  # a block with no inputs (parameter) takes no `in`
            if value not in (None, []):
                self.expect(path, "no inputs (this block takes none)", value, label=label)
            return []
        if block.variadic:
            if isinstance(value, list) and len(value) >= 2:
                pairs = [(f"{block.inputs[0]}{i}", v, path + (i,)) for i, v in enumerate(value)]
            else:
                self.expect(path, "a list of two or more inputs", value, label=label)
                return []
        elif isinstance(value, str):
            pairs = [(block.inputs[0], value, path)]
            if len(block.inputs) > 1:
                self.expect(path, f"inputs {', '.join(block.inputs)}", value, label=label)
                return []
        elif isinstance(value, list):
            if len(value) != len(block.inputs):
                count = len(block.inputs)
                self.bad(
                    path,
                    f"{label}: expected {count} input{'s' * (count > 1)} "
                    f"({', '.join(block.inputs)}), got {len(value)}",
                )
                return []
            pairs = [
                (p, v, path + (i,))
                for i, (p, v) in enumerate(zip(block.inputs, value, strict=True))
            ]
        elif isinstance(value, dict):
            self.known_keys(value, path, block.inputs, f"the inputs of {label}")
            missing = [p for p in block.inputs if p not in value]
            if missing:
                self.bad(
                    path,
                    f"{label}: expected inputs {', '.join(block.inputs)}, "
                    f"missing {', '.join(missing)}",
                )
            pairs = [(p, value[p], path + (p,)) for p in block.inputs if p in value]
        else:
            self.expect(path, "`in` naming its input(s)", value, label=label)
            return []
        wires = []
        for port, ref, where in pairs:
            if isinstance(ref, str):
                wires.append(Wire(port, ref, self.at(where)))
            else:
                self.expect(where, "the name of an input or node", ref, label=label)
        return wires

    def weight(
        self, value: Any, path: tuple, slot: str, node: str, extra: list[Node]
    ) -> WeightSpec | None:
        where = self.at(path)
        if isinstance(value, str):
            return WeightSpec(slot, where, ref=value)
        if not isinstance(value, dict):
            self.expect(
                path,
                "a weight source: a name to wire, {init: ...} or {network: ..., in: ...}",
                value,
                label=f"node '{node}'",
            )
            return None
        spec = value
        if "network" in spec:
            # A network in a weight slot is an instance of its own, named after the slot.
            generator = self.instance(f"{node}/{slot}", spec, path)
            if generator is None:
                return None
            extra.append(generator)
            return WeightSpec(slot, where, ref=generator.name)
        init_name = spec.get("init")
        init = INITIALIZERS.get(init_name) if isinstance(init_name, str) else None
        if init is None:
            hint = did_you_mean(init_name, INITIALIZERS) if isinstance(init_name, str) else ""
            if "init" not in spec:
                hint = "a learned weight reads {init: NAME, ...}, e.g. {init: normal, stddev: 0.1}"
            self.bad(
                path + ("init",) if "init" in spec else path,
                f"node '{node}': weight '{slot}': expected an initialiser, got {shown(init_name)}",
                hint,
            )
            return None
        known = ("init",) + tuple(a.name for a in init.args)
        self.known_keys(spec, path, known, f"initialiser '{init.name}'")
        args = []
        for arg in init.args:
            if arg.name in spec:
                got = self.typed(spec[arg.name], path + (arg.name,), arg)
                if got is not None:
                    args.append((arg.name, got))
            elif arg.required:
                self.bad(path, f"initialiser '{init.name}': expected '{arg.name}', got nothing")
        return WeightSpec(slot, where, init=init.name, init_args=tuple(args))


def _kind_of(data: Any) -> str:
    """What a document is, without its values: `a list of 3 items`, `text of 12 characters`."""
    if isinstance(data, list):
        return f"a list of {len(data):,} item{'s' * (len(data) != 1)}"
    if isinstance(data, str):
        return f"text of {len(data):,} character{'s' * (len(data) != 1)}"
    if data is None:
        return "nothing"
    return "true or false" if isinstance(data, bool) else "a number"
