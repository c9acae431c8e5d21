"""Check a recipe before any training code runs: names, order, every shape, every weight.

`check` never raises for a user's mistake: it returns every problem it finds, and when
there are none, the plan the builder executes.
"""

from __future__ import annotations

import graphlib
import math
from dataclasses import replace

from blocks import BLOCKS, INITIALIZERS
from compose.checker.checked import Checked, NodeReport, WeightReport
from compose.checker.limits import MAX_VALUES, expansion_problems, size_problems
from compose.checker.optimizers import mask_problems
from compose.checker.plan import Learned, Plan, Shape, Step, Value
from compose.checker.rewrites import Rewrite, rewrite
from compose.checker.train_rules import train_problems
from compose.recipe.networks import Context, resolve
from compose.recipe.problems import Problem, did_you_mean, shown
from compose.recipe.records import Node, Recipe, WeightSpec, Wire

__all__ = ["Checked", "check"]


def check(recipe: Recipe, *, rewrite: bool | None = None) -> Checked:
    """Every problem with the recipe's graph, shapes and train section; the plan if none.

    The stable rewrites apply unless `train.rewrite` is false (or `rewrite` says otherwise)."""
    rewriting = rewrite if rewrite is not None else (recipe.train is None or recipe.train.rewrite)
    checker = _Checker(recipe, Context.of(recipe), rewriting=rewriting)
    too_many = expansion_problems(recipe, checker.context, checker.label)
    if too_many:  # checking it would take minutes: say so before starting
        return Checked(recipe, tuple(dict.fromkeys(recipe.problems + tuple(too_many))))
    steps = checker.run()
    # A network used twice reports a problem in its body once.
    problems = tuple(dict.fromkeys(recipe.problems + tuple(checker.problems)))
    unchecked = [n.name for n in recipe.nodes if n.name not in checker.shapes]
    if unchecked and not problems:  # every skipped node must have said why; never crash
        problems = (
            Problem(
                recipe.where,
                f"could not check nodes {', '.join(unchecked)}; "
                "this is a bug in compose, please report it",
            ),
        )
    if problems:
        return Checked(recipe, problems, nodes=tuple(checker.reports))
    plan = checker.plan(steps)
    masks = mask_problems(recipe.train, plan) if recipe.train else []
    if masks:  # the optimizer's masks name weights: only the plan knows them all
        return Checked(recipe, tuple(masks), nodes=tuple(checker.reports))
    too_big = size_problems(plan, recipe, checker.label)
    if too_big:
        return Checked(recipe, tuple(too_big), nodes=tuple(checker.reports))
    return Checked(
        recipe, (), plan, tuple(checker.reports), tuple(checker.rewrites), dict(checker.shapes)
    )


class _Checker:
    def __init__(self, recipe: Recipe, context: Context, *, rewriting: bool = True):
        self.recipe = recipe
        self.rewriting = rewriting  # train.rewrite: false builds the graph as written
        self.context = context
        self.rewrites: list[Rewrite] = []
        self.problems: list[Problem] = []
        self.shapes: dict[str, Shape] = {i.name: i.shape for i in recipe.inputs}
        self.values: dict[str, Value] = {i.name: Value("input", i.name) for i in recipe.inputs}
        self.learned: list[Learned] = []
        self.kept: list[Learned] = []  # running state (batch norm's statistics), not trained
        self.reports: list[NodeReport] = []
        self.nodes = {n.name: n for n in recipe.nodes}

    def bad(self, where, message: str, hint: str = "") -> None:
        self.problems.append(Problem(where, message, hint))

    def label(self, node: Node) -> str:
        kind = node.block or (f"network {node.use.ref}" if node.use.ref else "inline network")
        return f"node '{node.name}' ({kind})"

    def plan(self, steps: list[Step]) -> Plan:
        """The plan of this graph's steps, with the stable rewrites applied."""
        recipe = self.recipe
        plan = Plan(
            inputs=tuple((i.name, i.shape) for i in recipe.inputs),
            steps=tuple(steps),
            learned=tuple(self.learned),
            kept=tuple(self.kept),
            outputs=tuple(self.values[w.ref] for w in recipe.outputs),
            loss=self.values[recipe.loss.ref] if recipe.loss else None,
        )
        if not self.rewriting:
            return plan
        plan, done = rewrite(plan, self.shapes)
        self.rewrites.extend(done)
        return plan

    def run(self) -> list[Step]:
        self.check_refs()
        order = self.order()
        steps = [step for name in order if (step := self.node(self.nodes[name]))]
        self.check_ends()
        if self.recipe.train:
            self.problems.extend(train_problems(self.recipe, self.shapes, self.label))
        return steps

    # -- names and order -------------------------------------------------------------------
    def known_refs(self) -> list[str]:
        names = [i.name for i in self.recipe.inputs] + list(self.nodes)
        names += [
            f"{n.name}.{s.name}"
            for n in self.nodes.values()
            if n.block
            for s in BLOCKS[n.block].slots
        ]
        return names

    def ref_problem(self, ref: str) -> str | None:
        """What is wrong with `ref` ("'xx', which names no input or node"), or None."""
        node, dot, slot = ref.partition(".")
        if not dot:
            ok = node in self.nodes or any(i.name == node for i in self.recipe.inputs)
            return None if ok else f"'{ref}', which names no input or node"
        if node not in self.nodes:
            return f"'{ref}', but '{node}' names no node"
        if not self.nodes[node].block:
            return f"'{ref}', but node '{node}' is a network: wire its output as '{node}'"
        block = BLOCKS[self.nodes[node].block]
        if block.slot(slot) is None:
            slots = ", ".join(s.name for s in block.slots) or "none"
            return (
                f"'{ref}', but node '{node}' ({block.name}) has no weight '{slot}' "
                f"(its weights: {slots})"
            )
        return None

    def wirings(self, node: Node) -> list[tuple[Wire | WeightSpec, str]]:
        return [(w, w.ref) for w in node.wires] + [(w, w.ref) for w in node.weights if w.ref]

    def check_refs(self) -> None:
        known = self.known_refs()
        broken = self.recipe.broken
        for node in self.recipe.nodes:
            for item, ref in self.wirings(node):
                why = None if ref.partition(".")[0] in broken else self.ref_problem(ref)
                if why:
                    label = (
                        f"input '{item.port}'"
                        if isinstance(item, Wire)
                        else f"weight '{item.slot}'"
                    )
                    self.bad(
                        item.where,
                        f"{self.label(node)}: {label}: expected "
                        f"an input, node or node.weight, got {why}",
                        did_you_mean(ref, known),
                    )
        values = [i.name for i in self.recipe.inputs] + list(self.nodes)
        ends = list(self.recipe.outputs) + ([self.recipe.loss] if self.recipe.loss else [])
        for wire in ends:
            why = None if wire.ref.partition(".")[0] in broken else self.ref_problem(wire.ref)
            if why:
                self.bad(wire.where, f"expected a node, got {why}", did_you_mean(wire.ref, values))

    def order(self) -> list[str]:
        """Execution order: dependencies first, otherwise the recipe's own order."""
        position = {name: i for i, name in enumerate(self.nodes)}
        sorter = graphlib.TopologicalSorter()
        for node in self.recipe.nodes:
            deps = {r.partition(".")[0] for _, r in self.wirings(node)}
            sorter.add(node.name, *sorted(d for d in deps if d in self.nodes))
        try:
            sorter.prepare()
        except graphlib.CycleError as err:
            cycle = err.args[1]
            first = self.nodes[cycle[0]]
            self.bad(
                first.where,
                f"{self.label(first)}: expected an acyclic "
                f"graph, got the cycle {' -> '.join(cycle)}",
            )
            return []
        order = []
        while sorter.is_active():
            ready = sorted(sorter.get_ready(), key=position.__getitem__)
            order.extend(ready)
            sorter.done(*ready)
        return order

    # -- one node ---------------------------------------------------------------------------
    def available(self, ref: str, where, label: str) -> bool:
        """Whether `ref` has a checked value. When not, either its node failed and said why,
        or the node is fine but lacks that weight with its settings: say so here."""
        if ref in self.shapes:
            return True
        name, dot, slot = ref.partition(".")
        owner = self.nodes.get(name)
        declared = owner is not None and owner.block and BLOCKS[owner.block].slot(slot)
        if dot and name in self.shapes and declared:
            settings = ", ".join(f"{k}: {shown(v)}" for k, v in owner.hypers)
            prefix = f"{label}: " if label else ""
            self.bad(
                where,
                f"{prefix}expected a weight that node '{name}' has, got '{ref}', "
                f"which {self.label(owner)} does not have with {settings}",
            )
        return False

    def all_available(self, wires: tuple[Wire, ...], label: str) -> bool:
        found = [self.available(w.ref, w.where, label) for w in wires]  # every problem, not one
        return all(found)

    def node(self, node: Node) -> Step | None:
        if node.use:
            return self.instance(node)
        block = BLOCKS[node.block]
        label = self.label(node)
        if not self.all_available(node.wires, label):
            return None
        shapes = [self.shapes[w.ref] for w in node.wires]
        hypers = dict(node.hypers)
        expected = block.check(shapes, hypers) if block.check else None
        if expected:
            shown = ", ".join(f"{w.ref} {self.shapes[w.ref]}" for w in node.wires)
            self.bad(node.where, f"{label}: inputs {shown}: expected {expected}")
            return None
        try:
            slot_shapes = block.slot_shapes(shapes, hypers)
            out_shape = block.output_shape(shapes, hypers)
        except Exception as err:  # a block's own shape rule rejected these inputs
            self.bad(node.where, f"{label}: cannot apply to inputs {shapes}: {err}")
            return None
        weights, reports = [], []
        too_big = [(n, s) for n, s in slot_shapes.items() if math.prod(s) >= MAX_VALUES]
        for slot_name, shape in too_big:
            self.bad(
                node.where,
                f"{label}: expected weights of fewer than 2**31 values, got "
                f"'{slot_name}' of shape {shape} ({math.prod(shape):,} values)",
            )
        if too_big:
            return None
        for slot_name, shape in slot_shapes.items():
            spec = node.weight(slot_name)
            if spec and spec.ref:
                value = self.wired(node, label, slot_name, shape, shapes, spec)
                source = f"tied to {spec.ref}" if "." in spec.ref else f"from {spec.ref}"
                if self.shapes.get(spec.ref, shape) != shape:
                    source += f" {self.shapes[spec.ref]} reshaped"
                params = 0
            else:
                value, source = self.learn(node, slot_name, shape, spec)
                params = math.prod(shape)
            if value is None:
                return None
            self.shapes[f"{node.name}.{slot_name}"] = shape
            self.values[f"{node.name}.{slot_name}"] = value
            weights.append((slot_name, value))
            ref = spec.ref if spec else None
            reports.append(WeightReport(slot_name, shape, source, params, ref))
        for slot_name, shape in block.slot_shapes(shapes, hypers, state=True).items():
            slot = next(s for s in block.state if s.name == slot_name)
            start = (("value", slot.initial),)  # state starts at a value: no draw, no fan axes
            self.kept.append(Learned(node.name, slot_name, shape, "constant", start, -1, -2))
            reports.append(WeightReport(slot_name, shape, "running state, not trained", 0))
        for spec in node.weights:
            if spec.slot not in slot_shapes:
                self.bad(
                    spec.where,
                    f"{label}: expected no '{spec.slot}' with these settings, got a source for it",
                )
        self.shapes[node.name] = out_shape
        self.values[node.name] = Value("node", node.name)
        refs = tuple(w.ref for w in node.wires)
        self.reports.append(
            NodeReport(node.name, block.name, tuple(shapes), out_shape, tuple(reports), refs=refs)
        )
        args = tuple(self.values[w.ref] for w in node.wires)
        return Step(node.name, block.name, args, tuple(weights), node.hypers, out_shape=out_shape)

    def instance(self, node: Node) -> Step | None:
        """Check a network instance: resolve its body, wire its inputs, check it inside."""
        resolved, problems = resolve(node, self.recipe, self.context)
        if resolved is None:
            self.problems.extend(problems)
            return None
        body = resolved.recipe
        label = f"node '{node.name}' ({resolved.label})"
        if body.problems:  # a body that could not be read: say why before wiring into it
            self.pass_on(body.problems, label)
            return None
        ports = self.instance_ports(node, body, label)
        if ports is None or not self.all_available(node.wires, label):
            return None
        args = []
        for inp in body.inputs:
            wire = ports[inp.name]
            got = self.shapes[wire.ref]
            if got != inp.shape:
                self.bad(
                    wire.where,
                    f"{label}: input '{inp.name}' is declared {list(inp.shape)}, "
                    f"but '{wire.ref}' gives {got}",
                )
                return None
            args.append(self.values[wire.ref])
        inner = _Checker(
            body,
            Context(self.context.stack + ((resolved.key, resolved.name),), self.context.files),
            rewriting=self.rewriting,
        )
        steps = inner.run()
        if inner.problems:
            self.pass_on(inner.problems, label)
            return None
        if len(body.outputs) != 1:
            self.bad(
                node.where, f"{label}: expected a network with one output, got {len(body.outputs)}"
            )
            return None
        plan = inner.plan(steps)
        self.rewrites.extend(replace(r, node=f"{node.name}/{r.node}") for r in inner.rewrites)
        out_shape = inner.shapes[body.outputs[0].ref]
        repeat = node.use.repeat if node.use.repeat > 1 else 0  # 0: one copy, no scan
        if repeat and (len(body.inputs) != 1 or out_shape != body.inputs[0].shape):
            shapes = ", ".join(str(i.shape) for i in body.inputs)
            self.bad(
                node.use.where,
                f"{label}: expected a network whose output has the shape of "
                f"its one input, to chain {repeat} copies; it takes {shapes} and gives "
                f"{out_shape}",
            )
            return None
        self.shapes[node.name] = out_shape
        self.values[node.name] = Value("node", node.name)
        self.reports.append(
            NodeReport(
                node.name,
                f"{resolved.name} x{repeat}" if repeat else resolved.name,
                tuple(i.shape for i in body.inputs),
                out_shape,
                (),
                tuple(inner.reports),
                repeat,
                refs=tuple(ports[i.name].ref for i in body.inputs),
                output=body.outputs[0].ref,
            )
        )
        return Step(
            node.name, "", tuple(args), (), (), sub=plan, repeat=repeat, out_shape=out_shape
        )

    def pass_on(self, problems, label: str) -> None:
        """Problems found inside a network, tagged with the instance they came through."""
        self.problems.extend(replace(p, via=(f"{label}",) + p.via) for p in problems)

    def instance_ports(self, node: Node, body: Recipe, label: str) -> dict[str, Wire] | None:
        """The instance's wires by the network input each one fills."""
        names = [i.name for i in body.inputs]
        wires = node.wires
        positional = all(w.port.startswith("#") for w in wires)
        single = len(wires) == 1 and wires[0].port == ""
        if (single or positional) and len(wires) != len(names):
            count = len(names)
            self.bad(
                node.where,
                f"{label}: expected {count} input{'s' * (count != 1)} "
                f"({', '.join(names)}), got {len(wires)}",
            )
            return None
        if single or positional:
            return {name: w for name, w in zip(names, wires, strict=True)}
        named = {w.port: w for w in wires}
        unknown = [w for w in wires if w.port not in names]
        for w in unknown:
            self.bad(
                w.where,
                f"{label}: expected one of its inputs ({', '.join(names)}), got "
                f"{w.port.lstrip('#') or 'one input'}",
                did_you_mean(w.port, names),
            )
        missing = [n for n in names if n not in named]
        if missing and not unknown:
            self.bad(
                node.where,
                f"{label}: expected inputs {', '.join(names)}, missing {', '.join(missing)}",
            )
        return None if unknown or missing else named

    def learn(self, node: Node, slot_name: str, shape: Shape, spec: WeightSpec | None):
        slot = BLOCKS[node.block].slot(slot_name)
        init = spec.init if spec else slot.init
        init_args = spec.init_args if spec else slot.init_args
        self.learned.append(
            Learned(node.name, slot_name, shape, init, init_args, slot.fan_in, slot.fan_out)
        )
        args = ", ".join(f"{k}={v}" for k, v in init_args)
        return Value("weight", node.name, slot_name), f"learned, {INITIALIZERS[init].name}" + (
            f"({args})" if args else ""
        )

    def wired(self, node, label, slot_name, shape, in_shapes, spec: WeightSpec) -> Value | None:
        if not self.available(spec.ref, spec.where, label):
            return None
        got = self.shapes[spec.ref]
        value = self.values[spec.ref]
        if got == shape:
            return value
        if math.prod(got) == math.prod(shape):
            return Value(value.kind, value.name, value.slot, reshape=shape)
        inputs = ", ".join(str(s) for s in in_shapes)
        self.bad(
            spec.where,
            f"{label}: for input shape {inputs}, weight '{slot_name}' needs "
            f"{shape} ({math.prod(shape)} values), but it was wired to '{spec.ref}' "
            f"which gives {got} ({math.prod(got)} values)",
        )
        return None

    # -- outputs, loss and training -----------------------------------------------------------
    def check_ends(self) -> None:
        for wire in self.recipe.outputs:
            self.available(wire.ref, wire.where, "")
        loss = self.recipe.loss
        if loss and self.available(loss.ref, loss.where, ""):
            node = self.nodes.get(loss.ref)
            shape = self.shapes[loss.ref]
            if node is None:
                kind = "weight" if "." in loss.ref else "input"
                self.bad(loss.where, f"expected a node, got the {kind} '{loss.ref}'")
            elif shape != ():
                self.bad(
                    loss.where,
                    f"expected {self.label(node)} to give "
                    f"a per-example scalar (), got shape {shape}",
                    "reduce it, e.g. with an mse or cross_entropy block",
                )
