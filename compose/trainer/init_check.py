"""A check at the start of every run for what will not learn, said before training starts.

Some mistakes train for hours without a sign: a layer initialised with all-equal rows
whose units stay copies of one another, ReLU units dead or sigmoid units saturated from
the first step, a softmax over one element, a loss no weight moves. The check runs one
`compose.inspect` of the initial model on the first training batch and warns; it never
stops a run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from compose.checker.rewrites import Rewrite
from compose.model.composed import Composed
from compose.model.health import health
from compose.trainer.listener import Listener

if TYPE_CHECKING:
    from compose.trainer.session import Session

AT_INIT = ("symmetric", "dead", "saturated", "one_element_softmax", "constant_loss")


def init_warnings(
    model: Composed, batch: Mapping[str, Any], *, rewrites: Sequence[Rewrite] = ()
) -> list[str]:
    """What will not learn in `model` as initialised, on `batch` (arrays with a leading
    batch axis): the flags of `compose.model.health.health` that an initial model should
    never raise, each as one sentence."""
    found = health(model, batch, rewrites=rewrites)
    return [f"at initialisation: {flag}" for flag in found.flags if flag.kind in AT_INIT]


class InitCheck(Listener):
    """Adds `init_warnings` of the session's initial model, on its first batch, to
    `session.warnings` (the command line prints them as `warning: ...`; the run folder's
    summary keeps them). A resumed run is past its initialisation and is not checked."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def started(self, session: Session) -> None:
        if session.step:
            return
        try:
            self.warnings = init_warnings(
                session.model, session.batch(0), rewrites=session.checked.rewrites
            )
        except Exception as err:  # a check that cannot run must not stop the run
            self.warnings = [f"the initialisation check could not run: {type(err).__name__}: {err}"]
        session.warnings.extend(self.warnings)
