"""What watches a training session: the run folder, checkpoints, progress, the editor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from compose.trainer.result import Result
    from compose.trainer.session import Session


class Listener(Protocol):
    """Watches a session, told every event a driver needs. Subclass it and override what
    you need (the others do nothing), or give any object all of these methods.

    `every` asks for the model at each multiple of that many steps (None: never): a compiled
    call ends there, and `advanced` is told with `session.step` at that multiple. It adds
    no log point: log points fall on the session's log grid only (multiples of the log
    interval and of the validation interval, and the last step), whatever ends calls, so
    that two runs of a recipe log the same lines. One call may pass several log points:
    `logged` is called for each, in order, after the call, while `session.step` and
    `session.model` are where the call ended.

    `norms_every` asks for the per-node norms (compose.model.norms) after each multiple of
    that many steps, measured inside the compiled calls, which do not end there: `logged`
    reads them for steps up to its record's with `session.norms_at(step)` (a line, or None
    for a step not measured). The session reads it once, after `started`.

    Every method is called on the thread that runs the session.
    """

    every: int | None = None
    norms_every: int | None = None

    def started(self, session: Session) -> None:
        """The session is prepared (and restored, when resuming): ready to train."""

    def logged(self, session: Session, record: dict[str, Any]) -> None:
        """A log point: `record` holds "step", "loss", metrics, "val_*" and "seconds"."""

    def advanced(self, session: Session) -> None:
        """A compiled call ended: once, after `logged` for each of its log points (in
        `session.records`), for what is done once a call rather than once a record."""

    def paused(self, session: Session) -> None:
        """`run()` holds: asked to pause, or a step was not finite (`session.failure` set,
        on_failure="pause"). Said again after each single step taken while held."""

    def unpaused(self, session: Session) -> None:
        """`run()` goes on after a hold."""

    def finished(self, session: Session, result: Result) -> None:
        """Training ended (finished, stopped, interrupted or failed)."""
