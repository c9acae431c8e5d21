"""Ctrl-C and SIGTERM as a request to stop, never an exception thrown into JAX.

An exception raised at an arbitrary moment can land inside an import, a garbage-collection
callback, tracing or compilation, where unwinding is not safe (a Ctrl-C two seconds into a
run could crash the interpreter or print a traceback from deep inside JAX). So:

- while the command starts up (imports, reading and checking the recipe), nothing has
  been written yet, and a signal ends the process at once with a one-line message;
- once training is about to write its folder (`defer()`), the first signal only asks the
  session to stop after its current chunk; the run ends through its normal path, writing
  its checkpoint and folder and printing the resume command;
- a second signal ends the process at once: every file of the run folder is replaced
  atomically, so what is on disk is still whole (the last checkpoint).
"""

from __future__ import annotations

import os
import signal
from typing import Any

CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + the signal's number
NAMES = {signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGTERM: "SIGTERM"}


class StopOnSignal:
    """While active, SIGINT and SIGTERM end the process, or after `defer()`, ask `session`
    (once set) to stop."""

    def __init__(self):
        self.received: int | None = None
        self.session: Any = None
        self.deferred = False
        self._before: dict[int, Any] = {}

    def defer(self) -> None:
        """From now on, a first signal stops the session (once set) instead of the process."""
        self.deferred = True

    def __enter__(self) -> StopOnSignal:
        for number in CODES:
            self._before[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        for number, handler in self._before.items():
            signal.signal(number, handler)

    def _handle(self, number: int, frame: Any) -> None:
        first = self.received is None
        self.received = self.received or number
        if first and self.deferred:
            if self.session is not None:
                self.session.stop(self.reason())
            return
        said = "interrupted" if first else "interrupted again: stopped at once"
        os.write(2, f"{said}\n".encode())
        os._exit(self.exit_code())

    def reason(self) -> str:
        """Why the run stops, as its summary says it: `interrupted by Ctrl-C (SIGINT)`."""
        return f"interrupted by {NAMES.get(self.received, 'a signal')}"

    def exit_code(self) -> int:
        """128 + the signal's number (130 when interrupted in another way)."""
        return CODES.get(self.received, 130)
