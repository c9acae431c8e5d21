"""What a checkpoint holds of a session, and a session continued from one.

The arrays (tree): the model (weights and running state), the optimizer state, and with
early stopping the best model so far. The plain values (header): the step, the seed (with
the step, it fixes the data order and the random blocks' keys), the time spent, the last
record, where the loss started, the per-step values since the last log point (so that the
next one's means cover the same steps as in a run that never stopped), early stopping's
state, and what the trainee adds (a population's variants that stopped).

A run may be resumed with other steps, early stopping, logging or checkpoints: the tree is
read as the checkpoint's header says it was written (`skeleton`), so early stopping may be
turned on or off, and its state is kept only while it watches the same metric.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compose.trainer.records import Tally

if TYPE_CHECKING:
    from compose.trainer.session import Session


def tree(session: Session) -> dict[str, Any]:
    """The arrays a checkpoint holds."""
    out = {"model": session.model, "opt_state": session.opt_state}
    if session.early:
        best = session.early.best_model
        out["best"] = best if best is not None else session.model
    return out


def skeleton(session: Session, header: dict[str, Any]) -> dict[str, Any]:
    """A tree of the structure of the arrays that a checkpoint with `header` holds (it holds
    a best model when the run it continues stopped early)."""
    out = {"model": session.model, "opt_state": session.opt_state}
    if "early_stop" in header:
        out["best"] = session.model
    return out


def header(session: Session) -> dict[str, Any]:
    """The plain values a checkpoint holds."""
    out = {"step": session.step, "seed": session.spec.seed, "seconds": session.seconds}
    out["record"] = session.record
    out["first_loss"] = session.first_loss
    if session.tally.values:
        out["tally"] = session.tally.header()
    if session.early:
        out["early_stop"] = session.early.state()
        out["early_stop_watches"] = watches(session.early.rule)
    return {**out, **session.trainee.header(session)}


def restore(session: Session, tree: dict[str, Any], header: dict[str, Any]) -> list[str]:
    """Continue `session` from a checkpoint's tree and header (made by the same recipe);
    return what to warn of (early stopping that starts again)."""
    placement = session.data.placement
    session.model = placement.weights(tree["model"])
    session.opt_state = placement.weights(tree["opt_state"])
    session.step, session.seconds = header["step"], header["seconds"]
    session.record = header.get("record") or {}
    session.first_loss = header.get("first_loss")
    session.tally = Tally.from_header(header.get("tally"), session.step)
    said = []
    early, kept = session.early, header.get("early_stop")
    same = early and header.get("early_stop_watches", watches(early.rule)) == watches(early.rule)
    if early and kept is not None and same:
        early.restore(kept, tree.get("best"))
    elif early and session.step:
        said.append(
            f"early stopping on {early.rule.metric} ({early.rule.mode}) starts afresh at step "
            f"{session.step}: the run resumed did not watch it"
        )
    session.trainee.restore(session, header)
    return said


def watches(rule) -> list[str]:
    """What early stopping watches, as a checkpoint keeps it: [metric, mode]."""
    return [rule.metric, rule.mode]
