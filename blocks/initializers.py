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
            if not shape:  # a scalar's fan is 1: drawn as a vector of one (jax needs an axis)
                return self(key, (1,), args, fan_in=-1, fan_out=-1).reshape(())
            if len(shape) < 2:  # a vector's fan is its length
                fan_in = fan_out = -1
            init = self.make(in_axis=fan_in, out_axis=fan_out, **values)
        else:
            init = self.make(**values)
        return init(key, shape, jax.numpy.float32)


# jax draws a normal within 5.42 deviations (2.3 when truncated): a deviation of at most
# 6e37 keeps every draw inside float32 (3.4e38), where a larger one gives inf weights.
_STDDEV = Hyper("stddev", float, 1.0, "standard deviation", exclusive_minimum=0, maximum=6e37)
_SCALE = Hyper("scale", float, 1.0, "half-width of the interval", exclusive_minimum=0)
_nn = jax.nn.initializers


def _uniform(scale: float) -> Callable:
    """Uniform on [-scale, scale), not jax's [0, scale). Drawn on [-1, 1) and then scaled:
    2 * scale is past float32 for a scale above 1.7e38, and every draw would be inf."""
    base = _nn.uniform(2.0)
    return lambda key, shape, dtype: (base(key, shape, dtype) - 1) * scale


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
