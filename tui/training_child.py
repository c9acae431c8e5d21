"""The child's side of training from the editor (tui/training_process.py has the editor's):
`compose.train` with the editor's listeners, whose words go back as events on one queue,
steered by commands from another.

The forkserver imports this module once; the names below load the trainer and what the
listeners call (and JAX with them) there, so that each run's child starts with them loaded.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import compose
from tui.health import Look
from tui.healthwatch import HealthWatch
from tui.plane import PlaneWatch
from tui.training import FailureWatch, Forward, FreezePrepared, Held, Started
from tui.training_process import WATCH_SECONDS

LOADED = (compose.train, compose.Session, compose.inspect, compose.health, compose.grid_values)


def train_in_process(
    checked: Any, folder: Path, cwd: str, editor: int, *, commands: Any, events: Any
) -> None:
    """In the child: train `checked` into `folder` as `compose run` does, the editor's
    listeners telling `events`, steered by `commands`; stop if the editor (process id
    `editor`) goes away. What the child would print (JAX's warnings) is dropped: the
    terminal is the editor's screen."""
    os.chdir(cwd)
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)

    def tell(name: str) -> Callable[..., None]:
        return lambda *args: events.put((name, args))

    steering = _Steering(commands, editor)
    forward = Forward(tell("logged"))
    health = HealthWatch(lambda looks: events.put(("health", (_on_host(looks),))))
    steering.watchers = (forward, health)

    def started(session: Any) -> None:
        steering.ready(session)
        events.put(("started", (session.total,)))

    listeners = [
        PausedState(tell("state"), steering),
        Started(started),
        FailureWatch(tell("failure")),
        Held(tell("held")),
        forward,
        health,
        PlaneWatch(tell("pictures")),
        FreezePrepared(),
    ]
    steering.start()
    try:
        result = compose.train(checked, folder=folder, listeners=listeners, on_failure="pause")
        args = (dict(result.metrics), result.stopped, result.steps, result.failure)
        events.put(("finished", args))
    except compose.RecipeError as err:
        events.put(("failed", ("\n".join(str(p) for p in err.problems),)))
    except Exception as err:  # a failure while training is shown in the editor, never raised
        events.put(("failed", (f"{type(err).__name__}: {err}",)))
    finally:
        steering.done.set()
        events.close()
        events.join_thread()  # everything said reaches the editor before the child ends


class _Steering(threading.Thread):
    """In the child: applies the editor's commands to the session, in order (those that
    came before the session was prepared, at once when it is); stops the run when the
    editor's process is gone."""

    def __init__(self, commands: Any, editor: int) -> None:
        super().__init__(daemon=True, name="steering")
        self.commands, self.editor = commands, editor
        self.session: Any = None
        self.watchers: tuple[Forward, HealthWatch] | None = None
        self.waiting: list[tuple] = []
        self.applied = 0  # steering commands applied (pause, unpause, step_once, stop)
        self.lock = threading.Lock()
        self.done = threading.Event()

    def ready(self, session: Any) -> None:
        """The session is prepared (in the training thread, before its first step)."""
        with self.lock:
            self.session = session
            for command in self.waiting:
                self._apply(command)
            self.waiting.clear()

    def run(self) -> None:
        gone = False
        while not (gone or self.done.is_set()):
            try:
                command = self.commands.get(timeout=WATCH_SECONDS)
            except queue.Empty:
                gone = not _alive(self.editor)  # then stop, once: nobody steers any more
                if not gone:
                    continue
                command = ("stop", "the editor closed")
            with self.lock:
                if self.session is None:
                    self.waiting.append(command)
                    continue
            self._apply(command)

    def _apply(self, command: tuple) -> None:
        name, *args = command
        if name == "catch_up":
            if self.watchers is not None:
                forward, health = self.watchers
                forward.flush(self.session)
                health.look_at_failure(self.session)
        else:
            getattr(self.session, name)(*args)
            self.applied += 1


class PausedState(compose.Listener):
    """In the child: tells `tell(paused, applied)` each time the session holds or goes on,
    with the number of steering commands applied by then, so that the editor takes it only
    if it has asked nothing since (a pause it just asked is not undone by an older word)."""

    def __init__(self, tell: Callable[[bool, int], None], steering: _Steering) -> None:
        self.tell, self.steering = tell, steering

    def paused(self, session: Any) -> None:
        self.tell(True, self.steering.applied)

    def unpaused(self, session: Any) -> None:
        self.tell(False, self.steering.applied)


def _on_host(looks: list[Look]) -> list[Look]:
    """`looks` with their inspections' arrays in host memory: the editor needs no device."""
    return [replace(look, seen=look.seen and look.seen.on_host()) for look in looks]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
