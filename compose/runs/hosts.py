"""A run over several hosts: every host runs the same compiled calls; the first writes.

Hosts joined through `jax.distributed` run one program together: each compiled call is a
collective over every host's devices, so every host must make the same calls, of the same
lengths, with the same programs, in the same order; a host that ended a call at another
step would wait in a collective the others never join. Where calls end and whether they
measure norms is asked by the listeners (compose.trainer.listener), and the run folder's
listeners (its checkpoints, its norms log) live on the first host only. So the other hosts
get a stand-in asking the same (`Unwritten`), and checkpoints are made due by steps alone:
their pause in seconds of training differs from host to host by a few milliseconds, which
would end a call on one host and not on another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import jax

from compose.runs.norms_log import LOG_POINTS_PER_LINE
from compose.trainer.listener import Listener

if TYPE_CHECKING:
    from compose.trainer.session import Session


def writes() -> bool:
    """Whether this host writes the run folder: the first host (the only one, alone)."""
    return jax.process_index() == 0


def pause(train) -> float:
    """The seconds of training between checkpoints: the train section's alone, none over
    several hosts (a checkpoint is then due at each multiple of its steps, on every host
    alike)."""
    return train.checkpoint_seconds if jax.process_count() == 1 else 0.0


class Unwritten(Listener):
    """On a host other than the first: asks the session for what the first host's run
    folder listeners ask, calls ending at each multiple of `every` (its checkpoints) and,
    with `norms`, the norms measured as its norms log measures them; writes nothing."""

    def __init__(self, every: int | None, *, norms: bool):
        self.every, self._norms = every, norms

    def started(self, session: Session) -> None:
        if self._norms:  # compose.runs.norms_log.NormLog's own interval
            self.norms_every = session.log_interval * LOG_POINTS_PER_LINE
