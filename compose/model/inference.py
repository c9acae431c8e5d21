"""The model's inference function, as prediction calls it and export writes it: named
inputs in a fixed order, a batch axis in front of each, outputs in the recipe's order,
evaluation mode.

Evaluation mode is what `model(example)` computes without a key: random blocks (dropout,
noise) are the identity, since a block given no key must be deterministic (the block
contract, blocks.block.Block), and batch norm uses the running statistics the run folder
keeps. The inputs are those the outputs need, in the recipe's `inputs:` order (a target
only the loss reads is left out); all are float32, as training feeds them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import equinox as eqx
import jax
import numpy as np

from compose.checker.plan import Plan, Shape, Value
from compose.model.composed import Composed, Extras, run

BATCH = "batch"  # the symbolic batch dimension's name, in both formats and the signature


@dataclass(frozen=True)
class Signature:
    """The exported function's arguments and results: (name, one example's shape) each,
    in calling order; every array has a leading batch axis of any size."""

    inputs: tuple[tuple[str, Shape], ...]
    outputs: tuple[tuple[str, Shape], ...]

    def as_json(self) -> dict[str, Any]:
        """The inputs and outputs as written beside an artifact: names, shapes with
        "batch" first, dtypes, in calling order."""

        def listed(pairs: tuple[tuple[str, Shape], ...]) -> list[dict[str, Any]]:
            return [{"name": n, "shape": [BATCH, *shape], "dtype": "float32"} for n, shape in pairs]

        return {"inputs": listed(self.inputs), "outputs": listed(self.outputs)}


def signature(model: Composed) -> Signature:
    """The inputs the model's outputs need (recipe order) and its outputs (recipe order)."""
    plan = model.plan
    read = _inputs_read(plan)
    inputs = tuple((name, shape) for name, shape in plan.inputs if name in read)
    example = {name: jax.ShapeDtypeStruct(shape, np.float32) for name, shape in inputs}
    shapes = jax.eval_shape(lambda e: evaluate(model, e), example)
    outputs = tuple((str(v), tuple(shapes[str(v)].shape)) for v in plan.outputs)
    return Signature(inputs, outputs)


def _inputs_read(plan: Plan) -> set[str]:
    """The names of the inputs that the steps computing the outputs read."""
    values: list[Value] = list(plan.outputs)
    for step in plan.needed(plan.outputs):
        values += list(step.args) + [v for _, v in step.weights]
    return {v.name for v in values if v.kind == "input"}


def evaluate(model: Composed, example: dict[str, jax.Array]) -> dict[str, jax.Array]:
    """The outputs for one example in evaluation mode: `model(example)`'s computation
    (no key, the kept running state), without its Python-side shape check, which a
    converter that traces shapes symbolically cannot take."""
    plan = model.plan
    return run(plan, model.weights, example, plan.outputs, Extras(state=model.state))


@eqx.filter_jit
def batch_outputs(model: Composed, inputs: dict[str, jax.Array]) -> dict[str, jax.Array]:
    """The outputs of a batch in evaluation mode, compiled once per batch shape: inputs
    and outputs by name, each (batch, *shape). The model is an argument, not a constant,
    so one compiled program serves every model of the same structure."""
    return jax.vmap(lambda example: evaluate(model, example))(inputs)


def batched(model: Composed, sig: Signature) -> Callable[..., tuple[jax.Array, ...]]:
    """f(*inputs) -> outputs: one (batch, *shape) array per input in `sig`'s order, a
    tuple of (batch, *shape) arrays in its output order."""
    names = [name for name, _ in sig.inputs]

    def one(*example: jax.Array) -> tuple[jax.Array, ...]:
        values = evaluate(model, dict(zip(names, example, strict=True)))
        return tuple(values[name] for name, _ in sig.outputs)

    def infer(*inputs: jax.Array) -> tuple[jax.Array, ...]:
        return jax.vmap(one)(*inputs)

    return infer


def sample_inputs(sig: Signature, *, batch: int = 16, seed: int = 0) -> list[np.ndarray]:
    """Standard normal float32 inputs of `batch` examples, to compare an artifact with the
    model on: (batch, *shape) for each input in `sig`'s order."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((batch, *shape)).astype(np.float32) for _, shape in sig.inputs]


def max_difference(got: list[Any], want: tuple[Any, ...]) -> float:
    """The largest absolute difference between matching outputs (NaN where shapes differ
    or a value is not finite on one side only)."""
    worst = 0.0
    for g, w in zip(got, want, strict=True):
        g, w = np.asarray(g, np.float64), np.asarray(w, np.float64)
        if g.shape != w.shape or not np.array_equal(np.isfinite(g), np.isfinite(w)):
            return float("nan")
        both = np.isfinite(w)
        worst = max(worst, float(np.max(np.abs(g - w)[both], initial=0.0)))
    return worst
