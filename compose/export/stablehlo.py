"""The model as a `jax.export` artifact: StableHLO with a symbolic batch dimension, the
weights inside, which `jax.export.deserialize` reads back without this package.

The artifact holds lowerings for CPU and for CUDA GPUs; JAX picks the one for the device
it is called on. Calling it: `exported.call(*inputs)` with the inputs in the signature's
order, each (batch, *shape) float32, gives a tuple of the outputs in its order.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import export

from compose.model.composed import Composed
from compose.model.inference import BATCH, Signature, batched

PLATFORMS = ("cpu", "cuda")


def to_stablehlo(model: Composed, sig: Signature) -> bytes:
    """The serialised `jax.export.Exported` of the model's batched inference function."""
    (batch,) = export.symbolic_shape(BATCH)
    specs = [jax.ShapeDtypeStruct((batch, *shape), jnp.float32) for _, shape in sig.inputs]
    exported = export.export(jax.jit(batched(model, sig)), platforms=PLATFORMS)(*specs)
    return bytes(exported.serialize())


def call_stablehlo(artifact: bytes, inputs: list) -> list:
    """The artifact's outputs for `inputs` (in the signature's order), read back as any
    other program would: deserialised and called, on the default device."""
    return list(export.deserialize(bytearray(artifact)).call(*inputs))
