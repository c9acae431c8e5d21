"""What checking one graph (a recipe, or a network body) has found so far.

The checks of wiring, block nodes and network instances all add to one `GraphState`: each
value's shape and plan value, the weights to learn or keep, a report row per node, the
rewrites applied and every problem.
"""

from __future__ import annotations

from dataclasses import replace

from blocks import BLOCKS
from compose.checker.checked import NodeReport
from compose.checker.plan import Learned, Plan, Shape, Step, Value
from compose.checker.rewrites import Rewrite, rewrite
from compose.recipe.networks import Context
from compose.recipe.problems import Problem, shown
from compose.recipe.records import Node, Recipe, Wire


class GraphState:
    """One graph's check in progress; `rewriting` is train.rewrite (false: as written)."""

    def __init__(self, recipe: Recipe, context: Context, *, rewriting: bool = True):
        self.recipe = recipe
        self.rewriting = rewriting
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

    def pass_on(self, problems, label: str) -> None:
        """Problems found inside a network, tagged with the instance they came through."""
        self.problems.extend(replace(p, via=(f"{label}",) + p.via) for p in problems)

    def label(self, node: Node) -> str:
        kind = node.block or (f"network {node.use.ref}" if node.use.ref else "inline network")
        return f"node '{node.name}' ({kind})"

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
