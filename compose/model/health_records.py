"""The records `compose.model.health` gives: a node's and a weight's numbers on one batch,
the flags that name what stops learning, and the whole model's checklist."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from compose.runtime.files import json_ready


@dataclass(frozen=True)
class NodeHealth:
    """One node on one batch.

    mean, std: of its output over every example and element. dead: for a relu node, the
    fraction of its units (output elements; inside a repeat, per copy too) that are <= 0
    for every example of the batch, else None. saturated: for a sigmoid or tanh node, the
    fraction of its output values (every element of every example) in a flat end, else
    None. grad_norm: the L2 norm of the gradient of the mean batch loss (1/n times the sum
    of the n examples' losses) at this node's output, over every example and element: at
    the loss node 1/sqrt(n), by construction; None when no gradient reaches it, and `note`
    says why. copy_grad_norms: inside a repeated network, the same per repeat index (first
    copy first), else ().
    """

    path: str
    block: str
    shape: tuple[int, ...]
    mean: float
    std: float
    dead: float | None
    saturated: float | None
    grad_norm: float | None
    note: str = ""
    copy_grad_norms: tuple[float, ...] = ()


@dataclass(frozen=True)
class WeightHealth:
    """One learned weight (`node.slot`, `net/node.slot` inside a network) on one batch.

    norm: its L2 (Frobenius) norm, over every copy for a repeat. grad_norm: the norm of
    the gradient of the mean batch loss, the gradient an optimizer step uses. update_norm:
    the norm of a step's change of the weight; update_ratio: that over the norm of the
    weight before the step (see `Health.update` for which step); None when no step is
    known, and the ratio None too for a weight that was all zero before it.
    """

    name: str
    shape: tuple[int, ...]
    norm: float
    grad_norm: float
    update_ratio: float | None
    update_norm: float | None = None


@dataclass(frozen=True)
class Flag:
    """Something that stops learning: its kind (one of KINDS), where (a node path, a
    weight name, or "" for the whole model) and the sentence a user reads."""

    kind: str
    where: str
    message: str

    def __str__(self) -> str:
        return self.message


KINDS = (
    "non_finite",
    "vanishing",
    "exploding",
    "dead",
    "saturated",
    "symmetric",
    "one_element_softmax",
    "constant_loss",
)


@dataclass(frozen=True)
class Health:
    """A model on one batch: the mean batch loss, the number of examples, a record per
    node (graph order, a network's nodes after it) and per learned weight, the flags, and
    which step the update ratios measure and how it was found ("" when there are none)."""

    loss: float
    examples: int
    nodes: tuple[NodeHealth, ...]
    weights: tuple[WeightHealth, ...]
    flags: tuple[Flag, ...]
    update: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON data: numbers that are not finite become None (null)."""
        return json_ready(asdict(self))
