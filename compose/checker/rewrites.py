"""Replace numerically unstable pairs of blocks by their stable fused forms.

A recipe written the textbook way (softmax, then cross-entropy of the probabilities)
trains as stably as the fused form: the consumer is rebuilt to read the producer's input
(the logits) directly. The producer stays in the plan for anyone else who reads it, and
is skipped at run time when nothing does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from blocks import BLOCKS
from blocks.losses import is_binary
from compose.checker.plan import Plan, Shape, Step


@dataclass(frozen=True)
class Rewrite:
    """One rewrite applied: at which node, what was written, what it is built as."""

    node: str
    written: str
    built: str

    def __str__(self) -> str:
        return f"{self.node}: {self.written} built as {self.built}"


@dataclass(frozen=True)
class Pattern:
    """A row of the lookup table: producer -> consumer becomes `fused` on the producer's input."""

    producer: str
    consumer: str
    fused: str
    applies: Callable[[Shape, dict], bool]
    why: str


def _last_axis_of_vector(shape: Shape, hypers: dict) -> bool:
    return len(shape) == 1 and hypers.get("axis", -1) in (-1, 0)


TABLE = (
    Pattern(
        "sigmoid",
        "cross_entropy",
        "sigmoid_cross_entropy",
        lambda shape, hp: is_binary(shape),
        "binary cross-entropy on logits",
    ),
    Pattern(
        "softmax",
        "cross_entropy",
        "softmax_cross_entropy",
        lambda shape, hp: not is_binary(shape) and _last_axis_of_vector(shape, hp),
        "softmax cross-entropy on logits",
    ),
    Pattern("softmax", "log", "log_softmax", lambda shape, hp: True, "log-sum-exp form"),
)


def rewrite(plan: Plan, shapes: dict[str, Shape]) -> tuple[Plan, tuple[Rewrite, ...]]:
    """The plan with every table pattern fused, and a record of each rewrite."""
    by_name = {s.name: s for s in plan.steps}
    steps, done = [], []
    for step in plan.steps:
        fused = _fuse(step, by_name, shapes)
        if fused:
            step, note = fused
            done.append(note)
        steps.append(step)
    return replace(plan, steps=tuple(steps)), tuple(done)


def _fuse(step: Step, by_name: dict[str, Step], shapes: dict[str, Shape]):
    if not step.args or step.args[0].kind != "node" or step.args[0].reshape:
        return None
    producer = by_name[step.args[0].name]
    for pattern in TABLE:
        hypers = dict(producer.hypers)
        if (pattern.producer, pattern.consumer) != (producer.block, step.block):
            continue
        if not pattern.applies(shapes[producer.name], hypers):
            continue
        declared = {h.name for h in BLOCKS[pattern.fused].hypers}
        merged = {**hypers, **dict(step.hypers)}
        fused = replace(
            step,
            block=pattern.fused,
            args=(producer.args[0],) + step.args[1:],
            hypers=tuple((k, v) for k, v in merged.items() if k in declared),
        )
        note = Rewrite(
            step.name,
            f"{producer.block} -> {step.block}",
            f"{pattern.fused} on '{producer.args[0]}' ({pattern.why})",
        )
        return fused, note
    return None
