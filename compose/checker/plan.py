"""The checked graph as a static, hashable plan: what the built module executes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Value:
    """Where a value comes from at run time.

    kind "input": the example's input `name`; "node": node `name`'s output;
    "weight": the learned array of node `name`, slot `slot`. `reshape` is the shape the
    value is reshaped to on arrival, when only its shape (not its size) differs.
    """

    kind: str
    name: str
    slot: str = ""
    reshape: Shape | None = None

    def __str__(self) -> str:
        return f"{self.name}.{self.slot}" if self.kind == "weight" else self.name


@dataclass(frozen=True)
class Learned:
    """A learned weight owned by a node: shape, initialiser and its arguments, fan axes."""

    node: str
    slot: str
    shape: Shape
    init: str
    init_args: tuple[tuple[str, Any], ...]
    fan_in: int
    fan_out: int


@dataclass(frozen=True)
class Step:
    """One node's work: a block applied to values, weights and hyperparameters, or a
    sub-network's plan applied to values."""

    name: str
    block: str
    args: tuple[Value, ...]
    weights: tuple[tuple[str, Value], ...]
    hypers: tuple[tuple[str, Any], ...]
    sub: Plan | None = None  # a network instance: its plan, fed `args` as its inputs
    repeat: int = 0  # N copies of `sub` in sequence (stacked weights, lax.scan); 0: one
    out_shape: Shape = ()


@dataclass(frozen=True)
class Plan:
    """Steps in execution order, the learned weights, and what the model returns."""

    inputs: tuple[tuple[str, Shape], ...]
    steps: tuple[Step, ...]
    learned: tuple[Learned, ...]
    outputs: tuple[Value, ...]
    loss: Value | None
    kept: tuple[Learned, ...] = ()  # running state: initialised like weights, never trained

    @property
    def stateful(self) -> bool:
        """Whether any step, here or inside a network, keeps running state."""
        return bool(self.kept) or any(s.sub.stateful for s in self.steps if s.sub is not None)

    @property
    def random(self) -> bool:
        """Whether any step, here or inside a network, draws random numbers in training."""
        from blocks import BLOCKS

        return any(
            (s.sub.random if s.sub is not None else BLOCKS[s.block].random) for s in self.steps
        )

    @property
    def loss_step(self) -> Step | None:
        """The step that computes the loss, or None for a plan without one."""
        if self.loss is None:
            return None
        return next((s for s in self.steps if s.name == self.loss.name), None)

    def needed(self, wanted: tuple[Value, ...]) -> tuple[Step, ...]:
        """The steps that `wanted` depends on, in execution order (the rest is skipped)."""
        by_name = {s.name: s for s in self.steps}
        need: set[str] = set()
        stack = [v.name for v in wanted if v.kind == "node"]
        while stack:
            name = stack.pop()
            if name in need:
                continue
            need.add(name)
            step = by_name[name]
            refs = step.args + tuple(v for _, v in step.weights)
            stack.extend(v.name for v in refs if v.kind == "node")
        return tuple(s for s in self.steps if s.name in need)
