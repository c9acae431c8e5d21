"""From plain YAML data to recipe records, collecting every problem with its place.

This stage checks what can be checked one key at a time: kinds of values, names of blocks,
hyperparameters and initialisers, identifiers. Wiring and shapes are the checker's job.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from blocks import BLOCKS, INITIALIZERS, Block, Hyper
from compose.problems import Problem, RecipeError, Where, did_you_mean, shown
from compose.recipe import Call, Input, Node, Recipe, Train, WeightSpec, Wire
from compose.source import Source

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
TOP_KEYS = ("name", "about", "inputs", "nodes", "outputs", "loss", "train")
TRAIN_KEYS = (
    "data",
    "batch",
    "steps",
    "epochs",
    "optimizer",
    "schedule",
    "clip",
    "penalty",
    "metrics",
    "validate",
    "log_every",
    "seed",
)
NOT_YET = {"networks": "named networks are not supported yet"}


def parse(source: Source) -> Recipe:
    """Records from a loaded document, carrying the problems found on the way.

    Raises RecipeError only when the document is not a recipe at all.
    """
    parser = _Parser(source)
    recipe = parser.recipe()
    if recipe is None:
        raise RecipeError(parser.problems)
    return replace(recipe, problems=tuple(parser.problems), broken=frozenset(parser.broken))


class _Parser:
    def __init__(self, source: Source):
        self.source = source
        self.problems: list[Problem] = []
        self.broken: list[str] = []

    # -- helpers -------------------------------------------------------------------------
    def at(self, path: tuple, *, key: bool = False) -> Where:
        return self.source.where(path, key=key)

    def bad(self, path: tuple, message: str, hint: str = "", *, key: bool = False) -> None:
        self.problems.append(Problem(self.at(path, key=key), message, hint))

    def expect(self, path: tuple, expected: str, got: Any, *, label: str = "") -> None:
        prefix = f"{label}: " if label else ""
        self.bad(path, f"{prefix}expected {expected}, got {shown(got)}")

    def mapping(self, value: Any, path: tuple, expected: str = "a mapping") -> dict | None:
        if isinstance(value, dict):
            return value
        self.expect(path, expected, value)
        return None

    def known_keys(self, mapping: dict, path: tuple, known: tuple[str, ...], what: str) -> None:
        for key in mapping:
            if key not in known:
                hint = NOT_YET.get(key) or did_you_mean(str(key), known)
                self.bad(path + (key,), f"unknown key '{key}' in {what}", hint, key=True)

    def typed(self, value: Any, path: tuple, hyper: Hyper) -> Any:
        expected = hyper.problem(value)
        if expected:
            self.expect(path, expected, value)
            return None
        if hyper.kind is tuple:
            return tuple(value)  # plans are hashed: lists become tuples
        return float(value) if hyper.kind is float else value

    def identifier(self, name: Any, path: tuple) -> bool:
        if isinstance(name, str) and IDENTIFIER.match(name):
            return True
        self.bad(
            path,
            f"expected a name of letters, digits and underscores, not starting with a digit, "
            f"got {shown(name)}",
            key=True,
        )
        return False

    # -- the document ----------------------------------------------------------------------
    def recipe(self) -> Recipe | None:
        data = self.source.data
        if not isinstance(data, dict):
            self.expect((), "a recipe: a mapping with inputs, nodes and outputs", data)
            return None
        self.known_keys(data, (), TOP_KEYS, "the recipe")
        name = data.get("name", "recipe")
        if not isinstance(name, str):
            self.expect(("name",), "a string", name)
        about = data.get("about", "")
        inputs = self.inputs(data.get("inputs"))
        nodes = self.nodes(data.get("nodes"))
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
        outputs = self.outputs(data.get("outputs"))
        loss = None
        if "loss" in data:
            if isinstance(data["loss"], str):
                loss = Wire("loss", data["loss"], self.at(("loss",)))
            else:
                self.expect(("loss",), "the name of a node", data["loss"])
        train = self.train(data["train"]) if "train" in data else None
        return Recipe(
            file=self.source.file,
            name=str(name),
            about=str(about),
            inputs=tuple(inputs),
            nodes=tuple(nodes),
            outputs=tuple(outputs),
            loss=loss,
            train=train,
            where=self.at(()),
            data=data,
        )

    def inputs(self, value: Any) -> list[Input]:
        found = self.mapping(value, ("inputs",), "a mapping of input names to shapes like [2]")
        out = []
        for name, shape in (found or {}).items():
            path = ("inputs", name)
            if not self.identifier(name, path):
                continue
            ok = isinstance(shape, list) and all(
                isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape
            )
            if not ok:
                self.expect(path, "a shape: a list of positive integers like [2]", shape)
                continue
            out.append(Input(name, tuple(shape), self.at(path, key=True)))
        return out

    def outputs(self, value: Any) -> list[Wire]:
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names:
            self.expect(("outputs",), "a list of node names", value)
            return []
        out = []
        for i, name in enumerate(names):
            if isinstance(name, str):
                out.append(Wire("output", name, self.at(("outputs", i))))
            else:
                self.expect(("outputs", i), "a node name", name)
        return out

    # -- nodes ---------------------------------------------------------------------------
    def nodes(self, value: Any) -> list[Node]:
        found = self.mapping(value, ("nodes",), "a mapping of node names to blocks")
        out = []
        for name, spec in (found or {}).items():
            path = ("nodes", name)
            if not self.identifier(name, path):
                continue
            spec = self.mapping(spec, path, "a node: a mapping like {block: linear, in: x}")
            count = len(self.problems)
            node = self.node(name, spec, path) if spec is not None else None
            if node and len(self.problems) == count:
                out.append(node)
            else:
                self.broken.append(name)
        return out

    def node(self, name: str, spec: dict, path: tuple) -> Node | None:
        block_name = spec.get("block")
        if "network" in spec:
            self.bad(path + ("network",), "networks are not supported yet", key=True)
            return None
        if not isinstance(block_name, str):
            self.expect(path + ("block",), "a block name, e.g. block: linear", block_name)
            return None
        block = BLOCKS.get(block_name)
        if block is None:
            self.bad(
                path + ("block",),
                f"node '{name}': unknown block '{block_name}'",
                did_you_mean(block_name, BLOCKS),
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
                value = self.typed(spec[hyper.name], path + (hyper.name,), hyper)
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
            and (w := self.weight(spec[slot.name], path + (slot.name,), slot.name, name))
        )
        wires = self.wires(spec.get("in"), path + ("in",), block, name)
        where = self.at(path, key=True)
        return Node(name, block.name, tuple(wires), tuple(hypers.items()), weights, where)

    def wires(self, value: Any, path: tuple, block: Block, node: str) -> list[Wire]:
        label = f"node '{node}' ({block.name})"
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

    def weight(self, value: Any, path: tuple, slot: str, node: str) -> WeightSpec | None:
        where = self.at(path)
        if isinstance(value, str):
            return WeightSpec(slot, where, ref=value)
        if not isinstance(value, dict):
            self.expect(
                path,
                "a weight source: a name to wire, or {init: ...}",
                value,
                label=f"node '{node}'",
            )
            return None
        spec = value
        init_name = spec.get("init")
        init = INITIALIZERS.get(init_name) if isinstance(init_name, str) else None
        if init is None:
            self.bad(
                path + ("init",),
                f"node '{node}': weight '{slot}': expected an initialiser, got {shown(init_name)}",
                did_you_mean(str(init_name), INITIALIZERS),
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

    # -- train ---------------------------------------------------------------------------
    def train(self, value: Any) -> Train | None:
        path = ("train",)
        spec = self.mapping(value, path)
        if spec is None:
            return None
        self.known_keys(spec, path, TRAIN_KEYS, "train")

        def number(key: str, kind: type, default: Any, check=None) -> Any:
            if spec.get(key) is None:  # absent, or null to unset it (`--set train.steps=null`)
                return default
            return self.typed(spec[key], path + (key,), Hyper(key, kind, check=check))

        positive = lambda v: None if v > 0 else "a positive value"  # noqa: E731
        data = self.call(
            spec.get("data"),
            path + ("data",),
            "a data source like {dataset: xor}",
            name_key="dataset",
        )
        optimizer = self.call(
            spec.get("optimizer"),
            path + ("optimizer",),
            "an optimizer like {adam: {learning_rate: 0.01}}",
        )
        schedule = None
        if "schedule" in spec:
            schedule = self.call(
                spec["schedule"],
                path + ("schedule",),
                "a schedule like {cosine_decay_schedule: {decay_steps: 1000}}",
            )
        steps = number("steps", int, None, positive)
        epochs = number("epochs", int, None, positive)
        if (steps is None) == (epochs is None) and not self._failed(path, ("steps", "epochs")):
            self.bad(
                path,
                f"expected one of steps or epochs, got {'both' if steps else 'neither'}",
                key=True,
            )
        penalty = None
        if "penalty" in spec:
            penalty = self.penalty(spec["penalty"], path + ("penalty",))
        metrics = spec.get("metrics", [])
        if not (isinstance(metrics, list) and all(isinstance(m, str) for m in metrics)):
            self.expect(path + ("metrics",), "a list of metric names like [accuracy]", metrics)
            metrics = []
        validate_every = None
        if "validate" in spec:
            validate = self.mapping(spec["validate"], path + ("validate",), "{every: N}") or {}
            self.known_keys(validate, path + ("validate",), ("every",), "validate")
            validate_every = self.typed(
                validate.get("every"),
                path + ("validate", "every"),
                Hyper("every", int, check=positive),
            )
        where = {key: self.at(path + (key,)) for key in spec}
        where["train"] = self.at(path, key=True)
        if data is None or optimizer is None:
            return None
        return Train(
            data=data,
            batch=number("batch", int, 32, positive) or 32,
            steps=steps,
            epochs=epochs,
            optimizer=optimizer,
            schedule=schedule,
            clip=number("clip", float, None, positive),
            penalty=penalty,
            metrics=tuple(metrics),
            validate_every=validate_every,
            log_every=number("log_every", int, None, positive),
            seed=number("seed", int, 0) or 0,
            where=where,
        )

    def _failed(self, path: tuple, keys: tuple[str, ...]) -> bool:
        """Whether a problem was already reported at one of these keys."""
        places = {self.at(path + (k,)).path for k in keys}
        return any(p.where.path in places for p in self.problems)

    def call(self, value: Any, path: tuple, expected: str, *, name_key: str = "") -> Call | None:
        """`{name: {args}}`, or with `name_key`, `{name_key: name, arg: ...}`."""
        if isinstance(value, dict) and name_key and name_key in value:
            name = value[name_key]
            args = {k: v for k, v in value.items() if k != name_key}
            if isinstance(name, str):
                where = {k: self.at(path + (k,), key=True) for k in args}
                return Call(name, tuple(args.items()), self.at(path + (name_key,)), where)
        elif isinstance(value, dict) and len(value) == 1:
            ((name, args),) = value.items()
            args = {} if args is None else args
            if isinstance(name, str) and isinstance(args, dict):
                where = {k: self.at(path + (name, k), key=True) for k in args}
                return Call(name, tuple(args.items()), self.at(path + (name,), key=True), where)
        elif isinstance(value, str) and not name_key:
            return Call(value, (), self.at(path))
        self.expect(path, expected, value)
        return None

    def penalty(self, value: Any, path: tuple) -> tuple[str, float] | None:
        spec = self.mapping(value, path, "a penalty like {l2: 1.0e-4}")
        if spec is None:
            return None
        if len(spec) != 1 or next(iter(spec)) not in ("l1", "l2"):
            self.expect(path, "one of {l1: coefficient} or {l2: coefficient}", spec)
            return None
        ((norm, coef),) = spec.items()
        coef = self.typed(
            coef,
            path + (norm,),
            Hyper(norm, float, check=lambda v: None if v >= 0 else "a coefficient >= 0"),
        )
        return None if coef is None else (norm, coef)
