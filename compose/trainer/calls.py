"""The compiled training calls: one program per call length, and the next call made ahead.

A call runs many steps in one compiled program (compose.trainer.steps). While the driver
reads a call's results, logs and checkpoints, the next call already runs on a worker
thread, from this call's weights; the next `advance` takes its results if it asks for the
same steps from the same weights, else drops them.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jax
import numpy as np

from compose.runtime import programs
from compose.runtime.devices import Placement


class Calls:
    """The compiled calls of one session. runners: the traced chunk runners by guard
    ("chunk"; "step" checks each step, for a call that was not finite); take(start,
    steps): the example indices of those steps; arrays and settings: what every call
    reads besides the weights."""

    def __init__(
        self,
        runners: dict[str, Any],
        placement: Placement,
        arrays: dict[str, jax.Array],
        take: Callable[[int, int], np.ndarray],
        settings: Any = None,
    ):
        self.runners, self.placement, self.arrays = runners, placement, arrays
        self.take, self.settings = take, settings
        self._compiled: dict[tuple[int, str], Any] = {}
        self._first: tuple | None = None  # (start, stop, order): made before it is asked
        self._ahead: tuple | None = None  # the call made ahead: (start, stop, params, opt, future)
        self._worker: ThreadPoolExecutor | None = None

    def lowered(self, length: int, params, opt_state, guard: str = "chunk"):
        """The chunk runner traced for `length` steps, not yet compiled."""
        indices = self.placement.indices(self.take(0, length))
        numbers = np.zeros(length, np.int32)
        return self.runners[guard].lower(
            params, opt_state, self.arrays, indices, numbers, self.settings
        )

    def compile(self, length: int, lowered, guard: str = "chunk") -> None:
        """Keep the compiled program of a `lowered` runner for calls of `length` steps."""
        self._compiled[length, guard] = programs.compiled(lowered)

    def compiled_for(self, length: int, params, opt_state, guard: str = "chunk"):
        """The runner compiled for `length` steps (each length and guard compiles once;
        the step-by-step guard only when a chunk was not finite)."""
        if (length, guard) not in self._compiled:
            self.compile(length, self.lowered(length, params, opt_state, guard), guard)
        return self._compiled[length, guard]

    def is_compiled(self, length: int) -> bool:
        return (length, "chunk") in self._compiled

    def order(self, start: int, stop: int) -> tuple:
        """What steps start .. stop - 1 train on, on the devices: (example indices, step
        numbers)."""
        numbers = np.arange(start, stop, dtype=np.int32)
        indices = self.placement.indices(self.take(start, stop - start))
        return indices, self.placement.replicated(numbers)

    def order_first(self, start: int, stop: int) -> None:
        """Place the first call's indices and step numbers on the devices now (in prepare)."""
        self._first = (start, stop, self.order(start, stop))

    def prepared(self, start: int, stop: int, params, opt_state, guard: str = "chunk"):
        """The compiled call of steps start .. stop - 1, its arguments made, not yet run."""
        first, self._first = self._first, None
        same = first is not None and first[:2] == (start, stop)
        indices, numbers = first[2] if same else self.order(start, stop)
        compiled = self.compiled_for(stop - start, params, opt_state, guard)
        args = (params, opt_state, self.arrays, indices, numbers, self.settings)
        return lambda: compiled(*args)

    def call(self, start: int, stop: int, params, opt_state, guard: str = "chunk"):
        """One compiled call: steps start .. stop - 1 from these weights and state
        (started, not waited for)."""
        return self.prepared(start, stop, params, opt_state, guard)()

    def next(self, start: int, stop: int, params, opt_state, ahead: int | None = None):
        """The call of steps start .. stop - 1 from these weights and state: the one made
        ahead if it is this one, else a new one (started, not waited for). With `ahead`,
        the call after it (to step `ahead`) starts at once on the worker thread, from its
        results, while the caller reads them, logs and checkpoints."""
        out = self.made_ahead(start, stop, params, opt_state)
        if out is None:
            out = self.call(start, stop, params, opt_state)
        if ahead is not None:
            self.go_ahead(stop, ahead, out[0], out[1])
        return out

    def go_ahead(self, start: int, stop: int, params, opt_state) -> None:
        """Start the call start .. stop - 1 on the worker thread (when its length is
        compiled), for the next `made_ahead` to take."""
        self._ahead = None
        if stop <= start or not self.is_compiled(stop - start):
            return
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="training")
        call, running = self.prepared(start, stop, params, opt_state), threading.Event()

        def run():
            running.set()
            return call()

        future = self._worker.submit(run)
        # Wait until the worker runs the call: it holds Python's lock only until XLA starts,
        # then this thread reads the last call's results while XLA computes the next.
        running.wait()
        self._ahead = (start, stop, params, opt_state, future)

    def made_ahead(self, start: int, stop: int, params, opt_state):
        """The results of the call made ahead, if it is this call: the same steps, from the
        same weights and optimizer state; else None (and it is dropped)."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return None
        ahead_start, ahead_stop, ahead_params, ahead_opt, future = ahead
        mine, theirs = jax.tree_util.tree_leaves(params), jax.tree_util.tree_leaves(ahead_params)
        same = (ahead_start, ahead_stop) == (start, stop) and ahead_opt is opt_state
        same = same and len(mine) == len(theirs) and all(map(operator.is_, mine, theirs))
        return future.result() if same else None

    def drop_ahead(self) -> None:
        """Forget the call made ahead (what it began with has changed)."""
        self._ahead = None

    def finite(self, out: tuple, start: int, stop: int, params, opt_state) -> tuple:
        """The results `out` of a call once computed, bad, values and any probed rows
        copied to the host; when something in the call was not finite, those of the same
        steps again from `params` and `opt_state`, checked one by one, so that `bad` is
        the first bad step (-1 if none) and the weights are from before it."""
        out = fetched(out)
        if (out[2] >= 0).any():
            out = fetched(self.call(start, stop, params, opt_state, "step"))
        return out

    def close(self) -> None:
        self._ahead = None
        if self._worker is not None:
            self._worker.shutdown(wait=False)


def fetched(out: tuple) -> tuple:
    """A compiled call's outputs with all but the weights and optimizer state (bad, the
    values, any probed rows) copied to the host (by np.asarray, cheaper than
    jax.device_get for these few small arrays)."""
    params, opt_state, bad, values, *probed = out
    values = {k: np.asarray(v) for k, v in values.items()}
    return (params, opt_state, np.asarray(bad), values, *map(np.asarray, probed))
