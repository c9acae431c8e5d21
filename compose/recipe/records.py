"""The recipe as plain, immutable records: what the loader gives and every later stage takes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from compose.recipe.problems import Problem, Where

CHECKPOINT_SECONDS = 1.0  # by default, at most one regular checkpoint a second


@dataclass(frozen=True)
class Input:
    """A named per-example input and its shape (the batch axis is implicit)."""

    name: str
    shape: tuple[int, ...]
    where: Where


@dataclass(frozen=True)
class Wire:
    """One connection into a node: the port it fills and the value it names.

    `ref` is an input or node name, or `node.slot` for a node's weight.
    """

    port: str
    ref: str
    where: Where


@dataclass(frozen=True)
class WeightSpec:
    """Where a weight slot's value comes from: learned (with an initialiser) or wired to `ref`."""

    slot: str
    where: Where
    init: str | None = None
    init_args: tuple[tuple[str, Any], ...] = ()
    ref: str | None = None


@dataclass(frozen=True)
class NetworkUse:
    """A node that is a network instance: which network, its parameters, how many copies.

    `ref` names a network in `networks:`, or a recipe file (`*.yaml`, relative to the
    recipe); an inline network has `ref` "" and its YAML data in `body`, at `body_path`.
    """

    ref: str
    params: tuple[tuple[str, Any], ...]
    repeat: int
    where: Where
    body: Any = field(default=None, compare=False, hash=False)
    body_path: tuple = ()
    source: Any = field(default=None, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Node:
    """A block instance (inputs, hyperparameters with defaults, weight sources), or, with
    `use`, a network instance whose wires name the network's inputs (or "#0", "#1", ...)."""

    name: str
    block: str
    wires: tuple[Wire, ...]
    hypers: tuple[tuple[str, Any], ...]
    weights: tuple[WeightSpec, ...]
    where: Where
    use: NetworkUse | None = None

    def weight(self, slot: str) -> WeightSpec | None:
        return next((w for w in self.weights if w.slot == slot), None)


@dataclass(frozen=True)
class Call:
    """A call by name with keyword arguments, e.g. an optax optimizer or a dataset."""

    name: str
    args: tuple[tuple[str, Any], ...]
    where: Where
    arg_where: Mapping[str, Where] = field(default_factory=dict, compare=False, hash=False)

    def where_of(self, arg: str) -> Where:
        """Where an argument was written, else where the call's name was."""
        return self.arg_where.get(arg, self.where)


@dataclass(frozen=True)
class EarlyStop:
    """Stop when `metric` has not improved by more than `min_delta` for `patience`
    evaluations in a row; `mode` "min" for losses and errors, "max" for accuracies."""

    metric: str
    patience: int
    mode: str
    min_delta: float = 0.0


@dataclass(frozen=True)
class Column:
    """A CSV column an input reads: its number, or with `onehot`, one value per class.

    `classes` None: the column's sorted values (as numbers when every value is one).
    """

    name: str
    where: Where = field(compare=False, hash=False)
    onehot: bool = False
    classes: tuple[str, ...] | None = None


@dataclass(frozen=True)
class DataSpec:
    """Where the training data comes from and how it is split.

    `kind` is "dataset" (generated), "npz", "csv" or "sklearn"; `source` the data set's
    name or the file as written (relative to the recipe's folder). `val` and `test` are a
    fraction held out, or a source of their own. `args` are a generated set's own arguments;
    `columns` a CSV's columns by input name. `non_finite` is what NaN or infinity in the
    data does: "error" (a problem) or "drop" (the examples holding one are left out).
    """

    kind: str
    source: str
    where: Where
    args: tuple[tuple[str, Any], ...] = ()
    columns: tuple[tuple[str, tuple[Column, ...]], ...] = ()
    val: float | DataSpec = 0.0
    test: float | DataSpec = 0.0
    shuffle: bool = True
    seed: int = 0
    standardize: tuple[str, ...] = ()
    non_finite: str = "error"
    arg_where: Mapping[str, Where] = field(default_factory=dict, compare=False, hash=False)

    @property
    def name(self) -> str:
        """The source in a few words, e.g. `spiral`, `data/points.npz`, `sklearn digits`."""
        return f"sklearn {self.source}" if self.kind == "sklearn" else self.source

    def where_of(self, key: str) -> Where:
        """Where a key was written, else where the source was."""
        return self.arg_where.get(key, self.where)


@dataclass(frozen=True)
class Train:
    """How to train: data, batch, length, optimizer and what to log."""

    data: DataSpec
    batch: int
    steps: int | None
    epochs: int | None
    optimizer: Call
    schedule: Call | None
    clip: float | None
    penalty: tuple[str, float] | None
    metrics: tuple[str, ...]
    validate_every: int | None
    log_every: int | None
    seed: int
    early_stop: EarlyStop | None = None
    checkpoint_every: int | None = None
    checkpoint_seconds: float = CHECKPOINT_SECONDS  # at most one regular checkpoint this often
    devices: int | None = None  # None: all that JAX sees
    init_from: str | None = None  # a run folder whose weights start this run
    vary: tuple[tuple[str, tuple], ...] = ()  # a population: setting -> values (a grid)
    rewrite: bool = True  # the stable rewrites (compose.checker.rewrites); false builds as written
    tensorboard: str | None = None  # log.tensorboard: a folder inside the run folder
    where: Mapping[str, Where] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class NetworkDef:
    """A named network and where its body lies in its source (its parameters are read from
    the body, per instance, by compose.recipe.networks)."""

    name: str
    where: Where
    path: tuple
    source: Any = field(compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Recipe:
    """A whole recipe. `data` is the plain document it was read from, overrides applied.

    `problems` are those found while reading it; the nodes they concern are left out
    and named in `broken`, so that checking can go on and report the rest.
    """

    file: str
    name: str
    about: str
    inputs: tuple[Input, ...]
    nodes: tuple[Node, ...]
    outputs: tuple[Wire, ...]
    loss: Wire | None
    train: Train | None
    where: Where
    networks: tuple[NetworkDef, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    problems: tuple[Problem, ...] = field(default=(), compare=False, repr=False)
    broken: frozenset[str] = frozenset()  # nodes that could not be read; others may name them

    def node(self, name: str) -> Node | None:
        return next((n for n in self.nodes if n.name == name), None)

    def network(self, name: str) -> NetworkDef | None:
        return next((n for n in self.networks if n.name == name), None)
