"""Ctrl-C and SIGTERM as a request to stop, not an exception thrown into JAX.

An exception raised at an arbitrary moment can land inside tracing or compilation, where
unwinding is not safe (a Ctrl-C two seconds into a run could crash the interpreter). So
the first signal only asks the session to stop after its current chunk; the run then
ends through its normal path, writing its checkpoint and folder. A second signal means
"now": it raises KeyboardInterrupt as Python would have.
"""

from __future__ import annotations

import signal
from typing import Any

CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + the signal's number


class StopOnSignal:
    """While active, SIGINT and SIGTERM ask `session` (once set) to stop."""

    def __init__(self):
        self.received: int | None = None
        self.session: Any = None
        self._before: dict[int, Any] = {}

    def __enter__(self) -> StopOnSignal:
        for number in CODES:
            self._before[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        for number, handler in self._before.items():
            signal.signal(number, handler)

    def _handle(self, number: int, frame: Any) -> None:
        if self.received is not None:
            raise KeyboardInterrupt
        self.received = number
        if self.session is not None:
            self.session.stop("interrupted")

    def exit_code(self, result: Any) -> int:
        return CODES.get(self.received, 130)
