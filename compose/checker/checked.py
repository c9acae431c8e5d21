"""What checking a recipe reports: every problem, the plan, and a summary row per node."""

from __future__ import annotations

from dataclasses import dataclass, field

from compose.checker.plan import Plan, Shape
from compose.checker.rewrites import Rewrite
from compose.recipe.problems import Problem
from compose.recipe.records import Recipe


@dataclass(frozen=True)
class WeightReport:
    """One weight slot of one node: its shape, where its value comes from, what it costs."""

    slot: str
    shape: Shape
    source: str
    params: int
    ref: str | None = None  # the wired value (a node, an input or `node.slot`); None: learned


@dataclass(frozen=True)
class NodeReport:
    """One row of the model summary; a network instance holds its own rows in `children`."""

    name: str
    block: str
    in_shapes: tuple[Shape, ...]
    out_shape: Shape
    weights: tuple[WeightReport, ...]
    children: tuple[NodeReport, ...] = ()
    repeat: int = 0
    refs: tuple[str, ...] = ()  # what each input is wired to, in order
    output: str = ""  # a network instance: the node among `children` that gives its output

    @property
    def params(self) -> int:
        inner = sum(c.params for c in self.children) * max(self.repeat, 1)
        return sum(w.params for w in self.weights) + inner


@dataclass(frozen=True)
class Checked:
    """What checking found: every problem, and where there are none, the plan and summary."""

    recipe: Recipe
    problems: tuple[Problem, ...]
    plan: Plan | None = None
    nodes: tuple[NodeReport, ...] = ()
    rewrites: tuple[Rewrite, ...] = ()
    shapes: dict[str, Shape] = field(default_factory=dict, compare=False)

    @property
    def params(self) -> int:
        return sum(n.params for n in self.nodes)
