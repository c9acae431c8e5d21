"""Where a non-finite loss came from: the first node, in graph order, among those the loss
depends on, whose value or gradient stopped being a finite number, and a word on why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import jax
import numpy as np

from compose.checker.plan import Step
from compose.model.composed import Composed
from compose.model.health_places import node_places
from compose.model.inspection import inspect


@dataclass(frozen=True)
class Failure:
    """A step that was refused: its number (1 for the first step), the node to blame
    ("" when none could be found), and the message for the user."""

    step: int
    node: str
    message: str


def diagnose(model: Composed, batch: Mapping[str, np.ndarray], step: int) -> Failure:
    """Why training step `step` (1-based) gave a non-finite loss, with the weights it started
    from (`model`) and its batch (arrays with a leading batch axis)."""
    for name, array in batch.items():
        if not np.all(np.isfinite(array)):
            row = int(np.argwhere(~np.isfinite(np.asarray(array)))[0][0])
            return Failure(
                step,
                "",
                f"the data: input '{name}' holds {non_finite_kind(array)} in the batch of "
                f"step {step} (its example {row})",
            )
    seen = inspect(model, {k: np.asarray(v) for k, v in batch.items()})
    # a node off the loss's path may stop being finite without making the loss so
    on_path = {path: p.step for path, p in node_places(model.plan).items() if p.on_path}
    for path, value in seen.activations.items():
        if path in on_path and not _finite(value):
            where = on_path[path]
            block = where.block or "network"
            reason = _why(where, seen.activations, batch, model) if "/" not in path else ""
            message = f"node '{path}' ({block}) gave {non_finite_kind(value)} at step {step}"
            return Failure(step, path, message + (f": {reason}" if reason else ""))
    for path, grad in seen.gradients.items():
        if path in on_path and not _finite(grad):
            return Failure(
                step,
                path,
                f"the gradient at node '{path}' ({on_path[path].block or 'network'}) became "
                f"{non_finite_kind(grad)} at step {step}, while every value was finite"
                f"{_weight_hint(model)}",
            )
    return Failure(
        step,
        "",
        f"the loss became non-finite at step {step}, though with random blocks off and "
        "running statistics every node stays finite: a random block or batch statistics "
        f"is the likely cause{_weight_hint(model)}",
    )


def _why(step: Step, activations: Mapping[str, jax.Array], batch, model: Composed) -> str:
    """What a node's inputs and weights were when its output stopped being finite."""
    args = [_value(v, activations, batch, model) for v in step.args]
    args = [a for a in args if a is not None]
    if not args:
        return ""
    if not all(_finite(a) for a in args):
        return "one of its inputs was already not finite"
    if step.block == "log":
        low = float(np.min(args[0]))
        if low == 0:
            return "its input reached 0, and the log of 0 is -inf"
        return f"its input went below 0 (to {low:.3g})"
    if step.block == "cross_entropy":
        low, high = float(np.min(args[0])), float(np.max(args[0]))
        if low < 0 or high > 1:
            reach = low if low < 0 else high
            return f"its prediction left [0, 1] (to {reach:.3g}), where probabilities live"
        if said := _log_of_zero(*args[:2]):
            return said
    largest = max(float(np.max(np.abs(a))) for a in args)
    weights = model.weights.get(step.name, {})
    heaviest = max((float(np.max(np.abs(w))) for w in weights.values()), default=0.0)
    said = f"its inputs were finite, up to {largest:.3g} in size"
    if heaviest > 1e4:
        said += f", its weights up to {heaviest:.3g}: try a lower learning rate, or train.clip"
    return said


def _log_of_zero(p: np.ndarray, t: np.ndarray) -> str:
    """Why a textbook cross-entropy of probabilities `p` against targets `t` (batch, k) is
    infinite: a probability rounded to exactly 0 (or, for one output, 1) where the target
    needs its log; "" when none is."""
    fixed = "the rewritten form on the logits (train.rewrite: true) stays finite"
    if p.shape[-1] == 1 and np.any((p == 1) & (t != 1)):
        said = "so log(1 - p) is the log of 0, -inf"
        return f"its prediction reached exactly 1 where the target is not, {said}; {fixed}"
    if np.any((p == 0) & (t != 0)):
        said = "and the log of 0 is -inf"
        return f"its prediction reached exactly 0 where the target is not, {said}; {fixed}"
    return ""


def _value(value, activations, batch, model: Composed):
    if value.kind == "input":
        return np.asarray(batch[value.name])
    if value.kind == "node":
        return np.asarray(activations[value.name]) if value.name in activations else None
    return np.asarray(model.weights[value.name][value.slot])


def _weight_hint(model: Composed) -> str:
    leaves = jax.tree_util.tree_leaves(model.weights)
    heaviest = max((float(np.max(np.abs(np.asarray(w)))) for w in leaves), default=0.0)
    if heaviest > 1e4:
        return f"; weights had grown to {heaviest:.3g}: try a lower learning rate, or train.clip"
    return "; try a lower learning rate, or train.clip"


def _finite(array) -> bool:
    return bool(np.all(np.isfinite(np.asarray(array))))


def non_finite_kind(array) -> str:
    """nan, inf or -inf: the first kind of non-finite number in `array`."""
    values = np.asarray(array).ravel()
    bad = values[~np.isfinite(values)][0]
    return "nan" if np.isnan(bad) else ("inf" if bad > 0 else "-inf")
