"""The records a block is made of: hyperparameters, weight slots and the block itself.

A block is a pure function of ONE example's inputs and its weights. Everything a loader,
checker, editor or documentation needs to know about a block is declared here, once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jax

Shape = tuple[int, ...]
Hypers = Mapping[str, Any]


class _Required:
    """Marker for a hyperparameter without a default."""

    def __repr__(self) -> str:
        return "required"


REQUIRED: Any = _Required()
RESERVED = frozenset({"block", "in", "network", "repeat"})  # a node's own keys in a recipe


@dataclass(frozen=True)
class Hyper:
    """One hyperparameter: its name, type, default, one-line doc and range check.

    `check` returns None when the value is fine, else what was expected
    (e.g. "a positive integer"), so the caller can say "expected X, got Y".
    """

    name: str
    kind: type
    default: Any = REQUIRED
    doc: str = ""
    check: Callable[[Any], str | None] | None = None
    choices: tuple[Any, ...] = ()

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def problem(self, value: Any) -> str | None:
        """What was expected, if `value` is not acceptable; None if it is."""
        if not _is_kind(value, self.kind):
            return f"{_kind_name(self.kind)}"
        if self.kind in (int, tuple) and any(abs(v) >= 2**31 for v in _ints(value)):
            return f"{_kind_name(self.kind)} below 2**31"
        if self.kind is float and not math.isfinite(_as_float(value)):
            return "a finite number"
        if self.choices and value not in self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        return self.check(value) if self.check else None


def _is_kind(value: Any, kind: type) -> bool:
    if kind is tuple:  # a list of integers in YAML, e.g. a shape or a kernel size
        return isinstance(value, (list, tuple)) and all(_is_kind(v, int) for v in value)
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _ints(value: Any) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _as_float(value: float) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _kind_name(kind: type) -> str:
    names = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}
    names[tuple] = "a list of integers"
    return names.get(kind, kind.__name__)


def positive(value: Any) -> str | None:
    """Range check: a value above zero."""
    return None if value > 0 else "a positive value"


@dataclass(frozen=True)
class Slot:
    """A weight slot: its shape given the input shapes, and its default initialiser.

    `shape` returns None when the slot is absent for these hyperparameters (a linear
    layer with `bias: false` has no bias). `fan_in`/`fan_out` are the axes the
    variance-scaling initialisers count.
    """

    name: str
    shape: Callable[[Sequence[Shape], Hypers], Shape | None]
    init: str
    init_args: tuple[tuple[str, Any], ...] = ()
    doc: str = ""
    fan_in: int = -1
    fan_out: int = -2


_SHAPES: dict[tuple, Shape] = {}  # Block.output_shape's answers (see there)
_SHAPES_KEPT = 4096


@dataclass(frozen=True, eq=False)  # hashed by identity: a block is one registry entry
class Block:
    """A block: named inputs, hyperparameters, weight slots and a pure `apply`.

    `apply(inputs, weights, hypers)` takes the input arrays in port order, a dict of
    weight arrays by slot name and a dict of hyperparameters, and returns one array.
    `check(shapes, hypers)` returns None or what the input shapes should have been.
    `variadic` blocks take two or more inputs, all on the one port.
    `classifies` says what a loss block's `pred` holds ("probability" or "logits"),
    so accuracy can be read from it.
    `random` blocks draw random numbers while training: their apply also takes
    `key=` (a PRNG key, or None outside training, where they must be deterministic).
    Blocks with `state` slots keep running values that are not trained (batch norm's
    statistics): their apply also takes `state=` (a dict by slot) and `batch_axis=` (the
    vmapped batch's axis name while training, else None) and returns (output, new state).
    """

    name: str
    doc: str
    inputs: tuple[str, ...]
    apply: Callable[[Sequence[jax.Array], Mapping[str, jax.Array], Hypers], jax.Array]
    hypers: tuple[Hyper, ...] = ()
    slots: tuple[Slot, ...] = ()
    check: Callable[[Sequence[Shape], Hypers], str | None] | None = None
    variadic: bool = False
    loss: bool = False
    classifies: str | None = None
    random: bool = False
    state: tuple[Slot, ...] = ()
    example: tuple[Shape, ...] = ((3,),)
    example_hypers: Mapping[str, Any] = field(default_factory=dict)

    def name_problem(self) -> str | None:
        """What is wrong with the names a recipe would use for this block, if anything: each
        hyperparameter, weight and input must name one thing, and none a recipe's own key."""
        names = [h.name for h in self.hypers] + [s.name for s in self.slots] + list(self.inputs)
        names += [s.name for s in self.state]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            return f"expected each name once, got {', '.join(repeated)} twice"
        taken = sorted(set(names) & RESERVED)
        if taken:
            return f"expected names other than a node's own keys, got {', '.join(taken)}"
        return None

    def hyper(self, name: str) -> Hyper | None:
        return next((h for h in self.hypers if h.name == name), None)

    def slot(self, name: str) -> Slot | None:
        return next((s for s in self.slots if s.name == name), None)

    def with_defaults(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The full hyperparameter dict: given values over the declared defaults."""
        out = {h.name: h.default for h in self.hypers if not h.required}
        out.update(given)
        return out

    def slot_shapes(
        self, shapes: Sequence[Shape], hypers: Hypers, *, state: bool = False
    ) -> dict[str, Shape]:
        """Each present weight slot's shape (or with `state`, state slot's) for these inputs."""
        found = {s.name: s.shape(shapes, hypers) for s in (self.state if state else self.slots)}
        return {name: tuple(shape) for name, shape in found.items() if shape is not None}

    def output_shape(self, shapes: Sequence[Shape], hypers: Hypers) -> Shape:
        """The output shape, derived by tracing `apply` abstractly (no FLOPs run).

        Answers are remembered by (block, input shapes, hyperparameters): re-checking a
        recipe after a one-node edit, as the editor does, traces only that node again."""
        try:
            key = (
                self,
                tuple(tuple(s) for s in shapes),
                tuple((k, type(v), v) for k, v in sorted(hypers.items())),
            )
            found = _SHAPES.get(key)
        except TypeError:  # a value that cannot be a key: trace every time
            return self._traced_shape(shapes, hypers)
        if found is None:
            found = self._traced_shape(shapes, hypers)
            if len(_SHAPES) >= _SHAPES_KEPT:
                _SHAPES.clear()
            if _SHAPES_KEPT:
                _SHAPES[key] = found
        return found

    def _traced_shape(self, shapes: Sequence[Shape], hypers: Hypers) -> Shape:
        def abstract(found: dict[str, Shape]) -> dict:
            return {n: jax.ShapeDtypeStruct(s, jax.numpy.float32) for n, s in found.items()}

        args = [jax.ShapeDtypeStruct(s, jax.numpy.float32) for s in shapes]
        weights = abstract(self.slot_shapes(shapes, hypers))
        state = abstract(self.slot_shapes(shapes, hypers, state=True))
        out = jax.eval_shape(lambda a, w, s: self(a, w, hypers, state=s), args, weights, state)
        return tuple(out.shape)

    def run(
        self,
        inputs,
        weights,
        hypers,
        *,
        key: jax.Array | None = None,
        state: Mapping[str, jax.Array] | None = None,
        batch_axis: str | None = None,
    ) -> tuple[jax.Array, dict[str, jax.Array]]:
        """(output, new state): `key` reaches only `random` blocks, `state` and
        `batch_axis` only blocks with state; a block without state returns {}."""
        extra: dict[str, Any] = {"key": key} if self.random else {}
        if self.state:
            return self.apply(inputs, weights, hypers, state=state, batch_axis=batch_axis, **extra)
        return self.apply(inputs, weights, hypers, **extra), {}

    def __call__(self, inputs, weights, hypers, *, key=None, state=None) -> jax.Array:
        """The output alone, outside a training step (state is read, not updated)."""
        return self.run(inputs, weights, hypers, key=key, state=state)[0]


def elementwise(name: str, fn: Callable[[jax.Array], jax.Array], doc: str) -> Block:
    """A one-input block that applies `fn` to every element; the shape is unchanged."""
    return Block(name=name, doc=doc, inputs=("x",), apply=lambda xs, w, hp: fn(xs[0]))


def same_shapes(shapes: Sequence[Shape], hypers: Hypers) -> str | None:
    """Shape check for blocks whose inputs must all have one shape."""
    if len(set(shapes)) > 1:
        got = ", ".join(str(s) for s in shapes)
        return f"inputs of one shape, got {got}"
    return None
