"""Per-node gradient and weight norms, logged as training goes, into `norms.jsonl`.

Every `every` steps (by default five times the log interval: about twenty lines a run) the
model is looked inside on the batch the last step trained on (compose.inspect: one extra
forward and backward pass, compiled once). Each line:

    {"step": 100,
     "nodes":   {"hidden": {"grad": 0.12, "act": 0.5}, ...},
     "weights": {"hidden.weight": {"norm": 1.3, "grad": 0.04, "update": 0.001}, ...}}

grad: the norm of the mean batch loss's gradient at the node's output (over the batch and
every unit); act: the root mean square of the node's activation; norm: a weight's norm;
update: how far the weight moved per step since the previous line, relative to its norm
(the update/weight ratio; about 1e-3 is the usual healthy figure).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from compose.inspector import flat_weights, inspect
from compose.listener import Listener
from compose.run_folder import keep_up_to, to_json

if TYPE_CHECKING:
    from compose.session import Result, Session

FILE = "norms.jsonl"
LOG_POINTS_PER_LINE = 5


class NormLog(Listener):
    """Writes `norms.jsonl` in `folder`; `every` steps (None: five log intervals)."""

    def __init__(self, folder: str | Path, every: int | None = None):
        self.path = Path(folder) / FILE
        self.every = every
        self._previous: tuple[int, dict[str, np.ndarray]] | None = None

    def started(self, session: Session) -> None:
        if self.every is None:
            self.every = session.log_interval * LOG_POINTS_PER_LINE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keep_up_to(self.path, session.step)  # resuming: what the checkpoint has reached
        self._previous = (session.step, _weights(session.model))

    def logged(self, session: Session, record: dict[str, Any]) -> None:
        if record["step"] % self.every:  # at a multiple of `every`, the session's step too
            return
        line = norms(session, self._previous)
        self._previous = (session.step, _weights(session.model))
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(to_json(line) + "\n")

    def finished(self, session: Session, result: Result) -> None:
        """Nothing more: the last line is at the last multiple of `every`."""


def norms(session: Session, previous: tuple[int, dict[str, np.ndarray]] | None) -> dict:
    """One line of norms for the session's current model, on its last step's batch."""
    seen = inspect(session.model, session.batch(session.step - 1))
    now = flat_weights(session.model.weights)
    sizes = jax.device_get(_sizes(seen.activations, seen.gradients, seen.weight_gradients, now))
    nodes = {
        path: {"grad": float(sizes["grad"][path]), "act": float(sizes["act"][path])}
        for path in seen.activations
    }
    weights = {}
    for name, array in now.items():
        entry = {"norm": float(sizes["norm"][name]), "grad": float(sizes["weight_grad"][name])}
        if previous is not None and session.step > previous[0] and name in previous[1]:
            moved = _norm(np.asarray(array) - previous[1][name]) / (session.step - previous[0])
            entry["update"] = moved / entry["norm"] if entry["norm"] else math.inf
        weights[name] = entry
    return {"step": session.step, "nodes": nodes, "weights": weights}


@jax.jit
def _sizes(activations, gradients, weight_gradients, weights) -> dict[str, dict]:
    """Every norm of a line in one compiled call, so only scalars leave the device."""
    norm = lambda a: jnp.sqrt(jnp.sum(jnp.square(a)))  # noqa: E731
    rms = lambda a: jnp.sqrt(jnp.mean(jnp.square(a)))  # noqa: E731
    return {
        "grad": jax.tree_util.tree_map(norm, gradients),
        "act": jax.tree_util.tree_map(rms, activations),
        "norm": jax.tree_util.tree_map(norm, weights),
        "weight_grad": jax.tree_util.tree_map(norm, weight_gradients),
    }


def _weights(model) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in flat_weights(model.weights).items()}


def _norm(array: Any) -> float:
    return float(np.linalg.norm(np.asarray(jax.device_get(array)).ravel()))
