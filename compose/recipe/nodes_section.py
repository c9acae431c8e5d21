"""Reading a recipe's or network's `nodes:` into `Node` records: block nodes with their
hyperparameters, inputs and weight sources, and network instances.

Only the form is checked here, one key at a time; wiring and shapes are the checker's job.
"""

from __future__ import annotations

from typing import Any

from blocks import BLOCKS, INITIALIZERS, Block, Hyper
from compose.recipe.problems import did_you_mean, shown
from compose.recipe.reader import MISSING, Reader
from compose.recipe.records import NetworkUse, Node, WeightSpec, Wire
from compose.recipe.source import Source

INSTANCE_KEYS = ("network", "in", "repeat")


def read_nodes(
    reader: Reader, value: Any, path: tuple, *, networks: set[str]
) -> tuple[list[Node], list[str]]:
    """The nodes at `path` that read without a problem, and the names of those that did
    not (so that checking can skip what names them); problems go to the reader.

    `networks` are the names of the networks in scope, for a hint when a block is unknown.
    """
    node_reader = _NodeReader(reader.source, reader.params, networks)
    node_reader.problems = reader.problems  # one list, so problems stay in document order
    return node_reader.nodes(value, path), node_reader.broken


class _NodeReader(Reader):
    def __init__(self, source: Source, params: dict[str, Any], networks: set[str]):
        super().__init__(source, params)
        self.network_names = networks
        self.broken: list[str] = []  # nodes that could not be read

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
        hypers = self.hypers(name, spec, path, block)
        weights = tuple(
            w
            for slot in block.slots
            if slot.name in spec
            and (w := self.weight(spec[slot.name], path + (slot.name,), slot.name, name, extra))
        )
        wires = self.wires(spec.get("in"), path + ("in",), block, name)
        where = self.at(path, key=True)
        return Node(name, block.name, tuple(wires), tuple(hypers.items()), weights, where)

    def hypers(self, name: str, spec: dict, path: tuple, block: Block) -> dict[str, Any]:
        """The block's hyperparameters as given, each checked, and the defaults of the rest."""
        label = f"node '{name}' ({block.name})"
        hypers = {}
        for hyper in block.hypers:
            if hyper.name in spec:
                value = self.typed(spec[hyper.name], path + (hyper.name,), hyper, label=label)
                if value is not None:
                    hypers[hyper.name] = value
            elif hyper.required:
                self.bad(
                    path,
                    f"{label}: expected '{hyper.name}' ({hyper.doc}), got nothing",
                    key=True,
                )
        return block.with_defaults(hypers)

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
