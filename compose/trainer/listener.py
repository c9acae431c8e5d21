"""What watches a training session: the run folder, checkpoints, progress, the editor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compose.trainer.session import Result, Session


class Listener:
    """Watches a session. Override what you need; `every` asks for a log point at each
    multiple of that many steps (None: the session's own log points are enough).

    One compiled call may pass several log points: `logged` is called for each, in order,
    after the call, while `session.step` and `session.model` are where the call ended.
    At a multiple of `every` the call ends there: `record["step"] == session.step`.

    `norms_every` asks for the per-node norms (compose.model.norms) after each multiple of that
    many steps, measured inside the compiled calls, which do not end there: `logged` reads
    them for steps up to its record's with `session.norms_at(step)` (a line, or None for a
    step not measured). The session reads it once, after `started`."""

    every: int | None = None
    norms_every: int | None = None

    def started(self, session: Session) -> None:
        """The session is prepared (and restored, when resuming): ready to train."""

    def logged(self, session: Session, record: dict[str, Any]) -> None:
        """A log point: `record` holds "step", "loss", metrics, "val_*" and "seconds"."""

    def advanced(self, session: Session) -> None:
        """A compiled call ended: once, after `logged` for each of its log points (in
        `session.records`), for what is done once a call rather than once a record."""

    def finished(self, session: Session, result: Result) -> None:
        """Training ended (finished, stopped, interrupted or failed)."""
