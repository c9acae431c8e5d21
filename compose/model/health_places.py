"""Where each node of a plan stands for the health checks: whether the loss depends on it,
whether a learned weight lies before it, whether the loss reads it, and what a stable
rewrite fused away."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from compose.checker.plan import Learned, Plan, Step
from compose.checker.rewrites import Rewrite


@dataclass(frozen=True)
class Place:
    """A node's step, whether the loss depends on it at run time, whether a learned weight
    lies before it (only then does its gradient matter), and whether the loss reads it."""

    step: Step
    on_path: bool
    learns: bool
    feeds_loss: bool = False
    is_loss: bool = False
    copies: int = 0  # inside a repeated network: its number of copies (the outermost's)


def node_places(plan: Plan) -> dict[str, Place]:
    """Each node's place by its path (`net/node` inside a network), in execution order."""
    loss = plan.loss.name if plan.loss is not None else ""
    found = _walk(plan, "", {s.name for s in plan.needed((plan.loss,))}, {})
    if loss in found:
        found[loss] = _with(found[loss], is_loss=True)
        for value in found[loss].step.args:
            if value.kind == "node":
                found[value.name] = _with(found[value.name], feeds_loss=True)
    return found


def _with(place: Place, **changes) -> Place:
    return Place(**{**place.__dict__, **changes})


def _walk(plan: Plan, prefix: str, needed: set[str], learning: dict[str, bool], copies=0):
    """Each step's place, in execution order, a network's nodes after it."""
    found: dict[str, Place] = {}
    learns: dict[str, bool] = dict(learning)

    def value_learns(value) -> bool:
        return value.kind == "weight" or learns.get(value.name, False)

    for step in plan.steps:
        refs = step.args + tuple(v for _, v in step.weights)
        learns[step.name] = any(map(value_learns, refs)) or (
            step.sub is not None and _has_learned(step.sub)
        )
        path = prefix + step.name
        found[path] = Place(step, step.name in needed, learns[step.name], copies=copies)
        if step.sub is not None:
            sub = step.sub
            inner = {s.name for s in sub.needed(sub.outputs)} if step.name in needed else set()
            inputs = {
                name: value_learns(arg) or (bool(step.repeat) and _has_learned(sub))
                for (name, _), arg in zip(sub.inputs, step.args, strict=True)
            }
            found.update(_walk(sub, f"{path}/", inner, inputs, copies or step.repeat))
    return found


def _has_learned(plan: Plan) -> bool:
    return bool(plan.learned) or any(_has_learned(s.sub) for s in plan.steps if s.sub)


def fused_notes(rewrites: Sequence[Rewrite], places: dict[str, Place]) -> dict[str, str]:
    """{producer path: "fused into CONSUMER (FUSED BLOCK)"} for each rewrite whose producer
    nothing on the loss's path reads any more."""
    notes = {}
    for rewrite in rewrites:
        prefix = rewrite.node.rpartition("/")[0]
        prefix = f"{prefix}/" if prefix else ""
        consumer = places.get(rewrite.node)
        if consumer is None:
            continue
        producer_block = rewrite.written.split(" -> ")[0]
        for path, place in places.items():
            step = place.step
            if (
                path == prefix + step.name
                and step.block == producer_block
                and step.args[:1] == consumer.step.args[:1]
                and not place.on_path
                and path not in notes
            ):
                notes[path] = f"fused into {rewrite.node} ({consumer.step.block})"
                break
    return notes


def learned_weights(
    plan: Plan, prefix: str = "", stacked: bool = False
) -> dict[str, tuple[Learned, bool]]:
    """{"path.slot": (its Learned record, whether copies are stacked on a leading axis)}."""
    out = {f"{prefix}{w.node}.{w.slot}": (w, stacked) for w in plan.learned}
    for step in plan.steps:
        if step.sub is not None:
            out.update(
                learned_weights(step.sub, f"{prefix}{step.name}/", stacked or bool(step.repeat))
            )
    return out
