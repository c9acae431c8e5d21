"""Initialisers by name, each with its own typed arguments, built on `jax.nn.initializers`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jax

from blocks.block import Hyper, Shape


@dataclass(frozen=True)
class Initializer:
    """A named initialiser: its arguments and a factory giving a `jax.nn.initializers` function."""

    name: str
    doc: str
    make: Callable[..., Callable]
    args: tuple[Hyper, ...] = ()
    scaled: bool = False  # counts fan-in/fan-out, so needs to know the slot's axes

    def __call__(
        self, key: jax.Array, shape: Shape, args: Mapping[str, Any], *, fan_in: int, fan_out: int
    ) -> jax.Array:
        """Draw an array of `shape` (float32)."""
        values = {a.name: a.default for a in self.args if not a.required}
        values.update(args)
        if self.scaled:
            if len(shape) < 2:  # a vector's fan is its length
                fan_in = fan_out = -1
            init = self.make(in_axis=fan_in, out_axis=fan_out, **values)
        else:
            init = self.make(**values)
        return init(key, shape, jax.numpy.float32)


_STDDEV = Hyper("stddev", float, 1.0, "standard deviation", exclusive_minimum=0)
_SCALE = Hyper("scale", float, 1.0, "half-width of the interval", exclusive_minimum=0)
_nn = jax.nn.initializers


def _uniform(scale: float) -> Callable:
    """Uniform on [-scale, scale), not jax's [0, scale)."""
    base = _nn.uniform(2 * scale)
    return lambda key, shape, dtype: base(key, shape, dtype) - scale


INITIALIZERS: dict[str, Initializer] = {
    i.name: i
    for i in (
        Initializer("zeros", "all zeros", lambda: _nn.zeros),
        Initializer("ones", "all ones", lambda: _nn.ones),
        Initializer(
            "constant",
            "every element the same value",
            _nn.constant,
            (Hyper("value", float, doc="the value"),),
        ),
        Initializer("normal", "normal with mean 0", _nn.normal, (_STDDEV,)),
        Initializer(
            "truncated_normal", "normal cut at two deviations", _nn.truncated_normal, (_STDDEV,)
        ),
        Initializer("uniform", "uniform on [-scale, scale)", _uniform, (_SCALE,)),
        Initializer("lecun_normal", "normal, variance 1/fan_in", _nn.lecun_normal, scaled=True),
        Initializer("lecun_uniform", "uniform, variance 1/fan_in", _nn.lecun_uniform, scaled=True),
        Initializer(
            "glorot_normal", "normal, variance 2/(fan_in+fan_out)", _nn.glorot_normal, scaled=True
        ),
        Initializer(
            "glorot_uniform",
            "uniform, variance 2/(fan_in+fan_out)",
            _nn.glorot_uniform,
            scaled=True,
        ),
        Initializer(
            "he_normal", "normal, variance 2/fan_in (for relu)", _nn.he_normal, scaled=True
        ),
        Initializer(
            "he_uniform", "uniform, variance 2/fan_in (for relu)", _nn.he_uniform, scaled=True
        ),
    )
}
