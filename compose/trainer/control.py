"""Pause, single steps and stop: asked from any thread, honoured between compiled calls."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Control:
    """What whoever drives a session asks of the thread that runs it (`Session.run`).

    `pause`, `unpause`, `step_once` and `stop` may come from any thread; `stop` also from a
    signal handler, which may interrupt this very thread while it holds the lock.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self.paused = False
        self._once = False
        self.stop_asked = ""  # the reason, once asked

    def pause(self) -> None:
        with self._condition:
            self.paused = True

    def unpause(self) -> None:
        with self._condition:
            self.paused = False
            self._condition.notify_all()

    def step_once(self) -> None:
        with self._condition:
            self._once = True
            self._condition.notify_all()

    def stop(self, reason: str) -> None:
        self.stop_asked = reason
        if self._condition.acquire(blocking=False):  # a signal may arrive inside the lock
            try:
                self._condition.notify_all()
            finally:
                self._condition.release()

    def next_turn(self, paused: Callable[[], None], unpaused: Callable[[], None]) -> str | None:
        """Wait while paused; then "run" (to the next stop), "once" (one step) or None
        (stop). `paused` is called once on holding, `unpaused` on going on from a hold,
        both outside the lock (a listener may steer from inside them)."""
        held = False
        while True:
            with self._condition:
                if self.stop_asked:
                    return None
                if not self.paused or self._once:
                    once, self._once = self._once, False
                    break
                if held:
                    self._condition.wait()
                    continue
            held = True
            paused()
        if held and not once:
            unpaused()
        return "once" if once else "run"
