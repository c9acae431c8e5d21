"""Training in a process of its own, so that the editor's thread never waits on it.

A run trained in a thread of the editor shares Python's lock with the screen: each compiled
call's dispatch, each look at the nodes' health and each plane drawn holds it while a key
press waits. Here the run is `compose.train` in a child process (multiprocessing's
forkserver, with JAX and compose imported once, so a run starts about as fast as in a
thread); the editor's listeners run beside it there and their words come back as events
on one queue, the keys' pause, step, resume and stop go over another. `RemoteRun` is the
editor's side: it starts the process, steers it, and reads its events.

What crosses between the two is the editor's own objects (the checked recipe, looks,
pictures, records, failures) between two processes of the same program: nothing is read
from a file. The child's side is tui/training_child.py.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import multiprocessing.forkserver
import os
import queue
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

CHILD = "tui.training_child"  # the child's side: imported by the forkserver, not the editor
PRELOAD = [CHILD]  # so each run's child starts with JAX and the trainer loaded
WATCH_SECONDS = 1.0  # how often each side looks whether the other is still there
ENDINGS = ("finished", "failed")  # the events after which a run says nothing more


def _context() -> Any:
    """The multiprocessing context runs start in: a forkserver (a fork of a clean process
    that has imported JAX but started none of its threads), preloaded once per editor."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def warm_up(environment: Mapping[str, str] | None = None) -> None:
    """Start the forkserver (and multiprocessing's resource tracker) now, before the editor
    runs: they must be started while standard error is the terminal's (the running app
    replaces it with an object that has no file descriptor), and the server imports JAX
    while the user edits, so the first run starts sooner. The server, and every run forked
    from it, has `environment` on top of this process's (once: a server already started
    keeps its own)."""
    _context()
    environment = environment or {}
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class RemoteRun:
    """The editor's side of a run in a child process: the session's state as its events
    said it (`total`, `step`, `failure`; `paused` as asked), and the session's steering
    methods, sent to the child (in order; those sent before the session is prepared are
    applied before its first step). `editor`: the process whose end stops the run (this
    one unless told)."""

    def __init__(self, checked: Any, folder: Path, *, editor: int | None = None) -> None:
        context = _context()
        self.commands = context.Queue()
        self.events = context.Queue()
        self.total = 0
        self.step = 0
        self.failure: Any = None
        self.paused = False
        self.ended = False
        self.sent = 0  # steering commands sent (the child counts those it applied)
        self.process = context.Process(
            target=_train_in_child,
            args=(checked, Path(folder).absolute(), os.getcwd(), editor or os.getpid()),
            kwargs={"commands": self.commands, "events": self.events},
            name="compose-training",
        )
        self.process.start()

    # -- steering (the session's own method names) -----------------------------------------

    def pause(self) -> None:
        self.paused = True
        self._steer("pause")

    def unpause(self) -> None:
        self.paused = False
        self._steer("unpause")

    def step_once(self) -> None:
        self._steer("step_once")

    def stop(self, reason: str = "stopped") -> None:
        self._steer("stop", reason)

    def _steer(self, *command: Any) -> None:
        self.sent += 1
        self.commands.put(command)

    def catch_up(self) -> None:
        """While paused on a failure: send the log points not yet sent, and look at the
        refused step's batch."""
        self.commands.put(("catch_up",))

    # -- hearing ---------------------------------------------------------------------------

    def heard(self) -> Iterator[tuple[str, tuple]]:
        """The run's events as (name, arguments), in order, until it ends; a child that
        ended without saying how is told as `failed`."""
        while not self.ended:
            try:
                name, args = self.events.get(timeout=WATCH_SECONDS)
            except queue.Empty:
                if not self.process.is_alive():
                    self.ended = True
                    code = self.process.exitcode
                    yield "failed", (f"the training process ended with exit status {code}",)
                continue
            self._note(name, args)
            yield name, args

    def _note(self, name: str, args: tuple) -> None:
        """Keep what event `name` says of the session's state."""
        if name == "started":
            self.total = args[0]
        elif name == "state":
            paused, applied = args
            if applied == self.sent:
                self.paused = paused
        elif name == "held":
            self.step, self.total = args
        elif name == "logged" and args[0]:
            self.step = args[0][-1]["step"]
        elif name == "failure":
            self.failure = args[0]
            if args[0] is not None:
                self.step = args[0].step - 1
        elif name in ENDINGS:
            self.ended = True

    def close(self, seconds: float = 30.0) -> None:
        """Stop the run, and wait up to `seconds` for the child to write its run folder and
        end, reading what it still says meanwhile (a child whose words nobody reads cannot
        end); then end it."""
        if self.process.is_alive():
            self.stop("the editor closed")
        end = time.monotonic() + seconds
        while self.process.is_alive() and time.monotonic() < end:
            with contextlib.suppress(queue.Empty):
                self.events.get(timeout=0.1)
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(seconds)


def _train_in_child(*args: Any, **kwargs: Any) -> None:
    """The child's entry point, named here so that the editor never imports the trainer's
    side (tui/training_child.py, loaded by the forkserver)."""
    importlib.import_module(CHILD).train_in_process(*args, **kwargs)
