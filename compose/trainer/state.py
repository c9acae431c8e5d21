"""What a checkpoint holds of a session, and a session continued from one.

The arrays (tree): the model (weights and running state), the optimizer state, and with
early stopping the best model so far. The plain values (header): the step, the seed (with
the step, it fixes the data order and the random blocks' keys), the time spent, the last
record, where the loss started, early stopping's state, and what the trainee adds (a
population's variants that stopped).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compose.trainer.session import Session


def tree(session: Session) -> dict[str, Any]:
    """The arrays a checkpoint holds."""
    out = {"model": session.model, "opt_state": session.opt_state}
    if session.early:
        best = session.early.best_model
        out["best"] = best if best is not None else session.model
    return out


def header(session: Session) -> dict[str, Any]:
    """The plain values a checkpoint holds."""
    out = {"step": session.step, "seed": session.spec.seed, "seconds": session.seconds}
    out["record"] = session.record
    out["first_loss"] = session.first_loss
    if session.early:
        out["early_stop"] = session.early.state()
    return {**out, **session.trainee.header(session)}


def restore(session: Session, tree: dict[str, Any], header: dict[str, Any]) -> None:
    """Continue `session` from a checkpoint's tree and header (made by the same recipe)."""
    placement = session.data.placement
    session.model = placement.replicated(tree["model"])
    session.opt_state = placement.replicated(tree["opt_state"])
    session.step, session.seconds = header["step"], header["seconds"]
    session.record = header.get("record") or {}
    session.first_loss = header.get("first_loss")
    if session.early and "early_stop" in header:
        session.early.restore(header["early_stop"], tree.get("best"))
    session.trainee.restore(session, header)
