"""What a finished (or stopped) run gives: the model it ends with and what that model reaches."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compose.checker.set_metrics import Confusion
from compose.model.composed import Composed
from compose.model.failure import Failure

EARLY_STOP = "early stop"  # how `stopped` begins when early stopping ended a run
INTERRUPTED = "interrupted"  # how it begins for Ctrl-C or SIGTERM (the command line says which)


@dataclass(frozen=True)
class Result:
    """A finished (or stopped) run: the model it ends with and what that model reaches.

    metrics: the loss and metrics on the training set (at most EVAL_CAP examples), and with
    `val_` and `test_` prefixes on those sets. seconds: spent training (the compiled calls,
    over every session of a resumed run; compiling and checks are not counted). stopped:
    why it ended before its last step ("" if it ran to the end): "early stop: ...",
    "interrupted by ..." (Ctrl-C, SIGTERM), what whoever drove it said, or what went
    wrong. With early stopping the model is the best one, from `best_step`. confusion: a
    classifier's confusion matrices on each set, when its metrics include precision,
    recall, F1 or confusion_matrix.
    """

    model: Composed
    steps: int
    seconds: float
    metrics: dict[str, float]
    folder: Path | None = None
    stopped: str = ""
    best_step: int | None = None
    failure: Failure | None = None
    notes: tuple[str, ...] = ()  # plain words on what the run reached (compose.trainer.verdicts)
    confusion: Confusion | None = None  # a classifier's, by set, when its metrics ask for it

    @property
    def status(self) -> str:
        """How the run ended, in a word: "finished" (all its steps), "early_stopped",
        "interrupted" (Ctrl-C, SIGTERM: resumable), "stopped" (asked to by whoever drove
        it) or "failed" (a step that was not finite)."""
        if self.failure is not None:
            return "failed"
        if not self.stopped:
            return "finished"
        if self.stopped.startswith(EARLY_STOP):
            return "early_stopped"
        return "interrupted" if self.stopped.startswith(INTERRUPTED) else "stopped"
