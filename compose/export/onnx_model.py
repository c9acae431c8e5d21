"""The model as an ONNX file, through jax2onnx, checked by running it in onnxruntime.

Both are an optional extra (`pip install "blockcompose[onnx]"`) imported only here. The
graph takes each input by its name, (batch, *shape) float32 with a symbolic "batch"
dimension, and gives each output by its name. A conversion is trusted only once
onnxruntime has run it on sample inputs and matched the model; when it does not, the node
to blame is found by converting and running each node alone (compose.export.onnx_nodes).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from typing import Any

import jax
import numpy as np

from compose.model.composed import Composed
from compose.model.inference import BATCH, Signature, batched, max_difference, sample_inputs

INSTALL = 'pip install "blockcompose[onnx]"'
OPSET = (
    18  # onnxruntime reads it from 1.14 on; every recipe in recipes/ that exports needs no later
)
TOLERANCE = 1e-5  # of the outputs' scale: float32 reordered, not a different computation
_CHATTY = ("jax2onnx", "onnx_ir", "onnx", "onnxscript")  # loggers that warn on every export
_RUNTIME_PREFIX = re.compile(r"^\[ONNXRuntimeError\] : \d+ : \w+ : ")


class MissingOnnx(RuntimeError):
    """jax2onnx or onnxruntime, which make and check the ONNX file, is not installed."""

    def __init__(self, missing: str) -> None:
        super().__init__(f"expected {missing} to export ONNX with, got none installed: {INSTALL}")


class Unconvertible(Exception):
    """A function jax2onnx did not convert, or onnxruntime did not run or match; the
    message says which and why, in one line."""


def require() -> None:
    """Raise MissingOnnx unless both jax2onnx and onnxruntime can be imported."""
    for name in ("jax2onnx", "onnxruntime"):
        try:
            __import__(name)
        except ImportError:
            raise MissingOnnx(name) from None


def to_onnx(model: Composed, sig: Signature, *, name: str = "model") -> bytes:
    """The serialised ONNX model of the batched inference function; raises Unconvertible
    (with jax2onnx's reason) when it cannot be converted."""
    return convert(batched(model, sig), sig, name=name)


def convert(function: Any, sig: Signature, *, name: str) -> bytes:
    """jax2onnx's ONNX model of `function`, which takes and gives arrays as `sig` says."""
    from jax2onnx import to_onnx as jax2onnx_to_onnx

    specs = [(BATCH, *shape) for _, shape in sig.inputs]
    with _quiet():
        try:
            proto = jax2onnx_to_onnx(
                function,
                specs,
                model_name=name,
                opset=OPSET,
                input_names=[n for n, _ in sig.inputs],
                output_names=[n for n, _ in sig.outputs],
            )
        except Exception as err:  # the converter's own reason, whatever its type
            raise Unconvertible(f"jax2onnx: {_first_line(err)}") from None
    return proto.SerializeToString()


def run_onnx(artifact: bytes, sig: Signature, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The outputs onnxruntime computes from `artifact` for `inputs` (signature order);
    raises Unconvertible when onnxruntime refuses the model or fails running it."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4  # its errors come back as exceptions, said once
    try:
        session = onnxruntime.InferenceSession(
            artifact, options, providers=["CPUExecutionProvider"]
        )
        feed = {name: x for (name, _), x in zip(sig.inputs, inputs, strict=True)}
        return session.run([n for n, _ in sig.outputs], feed)
    except Exception as err:  # onnxruntime's errors are of its own C++ types
        said = _RUNTIME_PREFIX.sub("", _first_line(err))
        raise Unconvertible(f"onnxruntime: {said}") from None


def check(artifact: bytes, function: Any, sig: Signature) -> float:
    """The largest difference between `artifact` run by onnxruntime and `function` on
    sample inputs; raises Unconvertible when it is over TOLERANCE of the outputs' scale."""
    inputs = sample_inputs(sig)
    # onnxruntime computes in float32 on the CPU: so does the model here, also on a GPU
    # whose float32 matrix products would otherwise round to TensorFloat-32.
    with jax.default_matmul_precision("highest"):
        want = tuple(np.asarray(a) for a in function(*inputs))
    difference = max_difference(run_onnx(artifact, sig, inputs), want)
    scale = max((float(np.max(np.abs(w), initial=0.0)) for w in want), default=0.0)
    if not difference <= TOLERANCE * max(1.0, scale):  # NaN fails too
        raise Unconvertible(f"onnxruntime's outputs differ from the model's by {difference:.3g}")
    return difference


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The converters' warnings kept off the terminal while converting, then put back."""
    loggers = [logging.getLogger(name) for name in _CHATTY]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    said = text[0] if text else type(err).__name__
    return said if len(said) <= 200 else said[:197] + "..."
