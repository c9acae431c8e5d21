"""The records the editor reads and gives: plain, immutable, each with its place in the text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from blocks import Hyper
from compose.checker.checked import NodeReport
from compose.checker.plan import Shape
from compose.recipe.problems import Problem, Where


class Refused(ValueError):
    """An edit was refused and the document is unchanged; `str(err)` says why.

    `path` is the key path the edit concerned, e.g. ("nodes", "hidden", "out").
    """

    def __init__(self, reason: str, *, path: tuple = ()):
        super().__init__(reason)
        self.reason = reason
        self.path = path


class ChangedOnDisk(Exception):
    """The file changed on disk since it was opened or last saved; nothing was written.

    Save again with `force=True` to overwrite it, or `reload()` to take its contents.
    """

    def __init__(self, path: Any, reason: str):
        super().__init__(f"{path}: {reason}; save with force=True to overwrite it")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Issue:
    """One problem, placed for the editor: its node (or None), its key path and its parts.

    `text` is the line `compose check` prints; `expected` and `got` are read from the
    message where it says "expected X, got Y".
    """

    node: str | None
    path: tuple
    message: str
    expected: str | None
    got: str | None
    hint: str
    where: Where
    text: str
    problem: Problem = field(repr=False)


@dataclass(frozen=True)
class Setting:
    """A hyperparameter of a block node (with its `hyper` record), or a network instance's
    parameter or `repeat` (`hyper` None); `written` False: the default is in use."""

    name: str
    value: Any
    written: bool
    where: Where | None
    hyper: Hyper | None = None


@dataclass(frozen=True)
class Port:
    """An input port ("input") or weight slot ("weight") of a node, and its source.

    `ref` is the wired input, node or `node.slot` (None when unwired, learned, or fed by an
    inline network); `source` says it in words; `shape` is the checked shape of the value.
    """

    name: str
    kind: str
    ref: str | None
    source: str
    path: tuple
    where: Where | None
    shape: Shape | None = None


@dataclass(frozen=True)
class DocNode:
    """A node as written, whether or not it could be read, with its problems and check."""

    name: str
    block: str | None  # None for a network instance
    network: str | None  # a network instance's network (a name, a .yaml file, "" inline)
    settings: tuple[Setting, ...]
    ports: tuple[Port, ...]
    where: Where
    problems: tuple[Issue, ...] = ()
    report: NodeReport | None = None

    @property
    def shape(self) -> Shape | None:
        """The checked output shape, None where the node could not be checked."""
        return self.report.out_shape if self.report else None

    @property
    def ok(self) -> bool:
        return not self.problems

    def port(self, name: str) -> Port | None:
        return next((p for p in self.ports if p.name == name), None)


@dataclass(frozen=True)
class DocInput:
    """A recipe input: its shape as written (a list) and its problems."""

    name: str
    shape: Any
    where: Where
    problems: tuple[Issue, ...] = ()


@dataclass(frozen=True)
class DocNetwork:
    """A network defined under `networks:`, and the names of its inputs."""

    name: str
    inputs: tuple[str, ...]
    where: Where


@dataclass(frozen=True)
class DocWire:
    """One named connection: into a node's port or weight slot, or an output or the loss
    (`node` None, `port` "output" or "loss")."""

    node: str | None
    port: str
    ref: str
    path: tuple
    where: Where


@dataclass(frozen=True)
class Choice:
    """A source the editor may offer for a port: kind "input", "node", "instance" (a network
    instance node), "weight" (`node.slot`) or "network" (weight slots: wire an Instance)."""

    ref: str
    kind: str
    shape: Shape | None = None


@dataclass(frozen=True)
class Instance:
    """A weight slot's source: a new instance of `network`, wired by `wires` (a name, a list
    in the network's input order, or a mapping by input name), with `params`."""

    network: str
    wires: Any
    params: tuple[tuple[str, Any], ...] = ()

    def written(self) -> dict:
        return {"network": self.network, "in": _plain(self.wires), **dict(self.params)}


@dataclass(frozen=True)
class Init:
    """A weight slot's source: learned, with initialiser `name` and its `args`."""

    name: str
    args: tuple[tuple[str, Any], ...] = ()

    def written(self) -> dict:
        return {"init": self.name, **dict(self.args)}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
