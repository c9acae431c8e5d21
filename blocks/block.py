"""The records a block is made of: hyperparameters, weight slots and the block itself.

A block is a pure function of ONE example's inputs and its weights. Everything a loader,
checker, editor or documentation needs to know about a block is declared here, once.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

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
    """One hyperparameter: its name, type, default, one-line doc and the values it takes.

    The bounds (`minimum`, `exclusive_minimum`, `maximum`, `exclusive_maximum`; for a list,
    each element's) are declared rather than computed, so the loader's check and the JSON
    Schema read the same numbers. `check` is for what bounds cannot say: it returns None when
    the value is fine, else what was expected (e.g. "a list of positive sizes"), so the caller
    can say "expected X, got Y"; its docstring's first line says the rule in words, for
    readers that cannot run it (the schema's description). `traced`: the block's apply
    works when the value is a traced scalar, not a Python number, so a population can give
    each variant its own value in one compiled program (it changes no shape).
    """

    name: str
    kind: type
    default: Any = REQUIRED
    doc: str = ""
    check: Callable[[Any], str | None] | None = None
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    exclusive_minimum: float | None = None
    maximum: float | None = None
    exclusive_maximum: float | None = None
    traced: bool = False

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
        if not all(self._within(v) for v in _ints(value)):
            return self.bounds_text()
        return self.check(value) if self.check else None

    def _within(self, value: float) -> bool:
        lo, lo_open, hi, hi_open = (
            self.minimum,
            self.exclusive_minimum,
            self.maximum,
            self.exclusive_maximum,
        )
        return (
            (lo is None or value >= lo)
            and (lo_open is None or value > lo_open)
            and (hi is None or value <= hi)
            and (hi_open is None or value < hi_open)
        )

    def bounds_text(self) -> str:
        """The bounds in words: "a positive value", "a value >= 2", "a value in [0, 1)";
        "" where none is declared."""
        if self._within(-math.inf) and self._within(math.inf):
            return ""
        lo = ("[", self.minimum) if self.minimum is not None else ("(", self.exclusive_minimum)
        hi = ("]", self.maximum) if self.maximum is not None else (")", self.exclusive_maximum)
        if lo[1] is not None and hi[1] is not None:
            rule = f"in {lo[0]}{lo[1]:g}, {hi[1]:g}{hi[0]}"
        elif lo[1] is not None:
            rule = (">= " if lo[0] == "[" else "> ") + f"{lo[1]:g}"
        else:
            rule = ("<= " if hi[0] == "]" else "< ") + f"{hi[1]:g}"
        if rule == "> 0":
            return "a list of positive integers" if self.kind is tuple else "a positive value"
        return f"a list of integers, each {rule}" if self.kind is tuple else f"a value {rule}"


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


@dataclass(frozen=True)
class StateSlot:
    """A running value a block keeps between steps but never trains (batch norm's statistics):
    its shape given the input shapes, and the value every element starts at.

    Not a weight, so it has no initialiser to choose and no fan axes; a recipe cannot wire it.
    """

    name: str
    shape: Callable[[Sequence[Shape], Hypers], Shape | None]
    initial: float = 0.0
    doc: str = ""


State = Mapping[str, jax.Array]


class Apply(Protocol):
    """The one signature of every block's function (see `Block`)."""

    def __call__(
        self,
        inputs: Sequence[jax.Array],
        weights: Mapping[str, jax.Array],
        hypers: Hypers,
        *,
        key: jax.Array | None = None,
        state: State | None = None,
        batch_axis: str | None = None,
    ) -> tuple[jax.Array, State | None]: ...


CONTRACT = "apply(inputs, weights, hypers, *, key=None, state=None, batch_axis=None)"


def plain(fn: Callable[[Sequence[jax.Array], Mapping[str, jax.Array], Hypers], jax.Array]) -> Apply:
    """The block contract's `apply` for a body that needs only inputs, weights and
    hyperparameters: it takes `key`, `state` and `batch_axis` like every block, ignores them,
    and returns (output, None), since it keeps no state.

    >>> apply = plain(lambda inputs, weights, hypers: inputs[0] * hypers["by"])
    >>> apply([2.0], {}, {"by": 3.0}, key=None)
    (6.0, None)
    """

    @functools.wraps(fn)
    def apply(inputs, weights, hypers, *, key=None, state=None, batch_axis=None):
        return fn(inputs, weights, hypers), None

    return apply


_SHAPES: dict[tuple, Shape] = {}  # Block.output_shape's answers (see there)
_SHAPES_KEPT = 4096


@dataclass(frozen=True, eq=False)  # hashed by identity: a block is one registry entry
class Block:
    """A block: named inputs, hyperparameters, weight slots and a pure `apply`.

    Every block's function has one signature, so whatever calls a block calls them all alike:

        apply(inputs, weights, hypers, *, key=None, state=None, batch_axis=None)
            -> (output, new_state)

    `inputs` are the input arrays in port order, `weights` a dict of arrays by slot name,
    `hypers` a dict of hyperparameters. `key` is a PRNG key while training and None
    otherwise, where a block must be deterministic; `state` holds the block's running values
    by state slot name; `batch_axis` names the vmapped batch's axis while training (for
    statistics over the batch), else None. `new_state` is None for a block without state.
    A block that needs only its inputs, weights and hyperparameters writes that body and
    wraps it in `plain`.

    `check(shapes, hypers)` returns None or what the input shapes should have been.
    `variadic` blocks take two or more inputs, all on the one port.
    `classifies` says what a loss block's `pred` holds ("probability" or "logits"),
    so accuracy can be read from it.
    `random` declares that the block draws from `key` while training; `state` declares the
    running values it keeps (batch norm's statistics), which are not trained.
    """

    name: str
    doc: str
    inputs: tuple[str, ...]
    apply: Apply
    hypers: tuple[Hyper, ...] = ()
    slots: tuple[Slot, ...] = ()
    check: Callable[[Sequence[Shape], Hypers], str | None] | None = None
    variadic: bool = False
    loss: bool = False
    classifies: str | None = None
    random: bool = False
    state: tuple[StateSlot, ...] = ()
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

    def apply_problem(self) -> str | None:
        """What is wrong with `apply`'s signature, if anything: it must take the contract's
        arguments (a block written for another contract would fail deep inside a trace)."""
        try:
            signature = inspect.signature(self.apply, follow_wrapped=False)  # the caller's view
        except (TypeError, ValueError):
            return None  # a builtin or C function: nothing to read, the first call will say
        try:
            signature.bind(None, None, None, key=None, state=None, batch_axis=None)
        except TypeError:
            return f"expected {CONTRACT}, got apply{signature}"
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

        def output(inputs, weights, state):
            return self(inputs, weights, hypers, state=state)

        out = jax.eval_shape(output, args, weights, state)
        return tuple(out.shape)

    def initial_state(self, shapes: Sequence[Shape], hypers: Hypers) -> dict[str, jax.Array]:
        """The running state a fresh model holds for these input shapes, by state slot."""
        slots = {s.name: s for s in self.state}
        return {
            name: jax.numpy.full(shape, slots[name].initial, jax.numpy.float32)
            for name, shape in self.slot_shapes(shapes, hypers, state=True).items()
        }

    def run(
        self,
        inputs: Sequence[jax.Array],
        weights: Mapping[str, jax.Array],
        hypers: Hypers,
        *,
        key: jax.Array | None = None,
        state: State | None = None,
        batch_axis: str | None = None,
    ) -> tuple[jax.Array, State | None]:
        """(output, new state): `apply`, called the one way, its answer checked to be a pair
        (a bare array would otherwise unpack along its first axis)."""
        found = self.apply(inputs, weights, hypers, key=key, state=state, batch_axis=batch_axis)
        if not (isinstance(found, tuple) and len(found) == 2):
            raise TypeError(
                f"block '{self.name}': expected apply to return (output, new state), "
                f"got {type(found).__name__}"
            )
        return found

    def __call__(self, inputs, weights, hypers, *, key=None, state=None) -> jax.Array:
        """The output alone, outside a training step (state is read, not updated)."""
        return self.run(inputs, weights, hypers, key=key, state=state)[0]


def elementwise(name: str, fn: Callable[[jax.Array], jax.Array], doc: str) -> Block:
    """A one-input block that applies `fn` to every element; the shape is unchanged."""
    return Block(
        name=name,
        doc=doc,
        inputs=("x",),
        apply=plain(lambda inputs, weights, hypers: fn(inputs[0])),
    )


def same_shapes(shapes: Sequence[Shape], hypers: Hypers) -> str | None:
    """Shape check for blocks whose inputs must all have one shape."""
    if len(set(shapes)) > 1:
        got = ", ".join(str(s) for s in shapes)
        return f"inputs of one shape, got {got}"
    return None
