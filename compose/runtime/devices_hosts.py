"""Signs of life between the hosts of one run, so that a lost host ends the others cleanly.

Hosts joined through `jax.distributed` run every compiled call as a collective. When one
host dies, the others' next collective usually fails at once (its connections close), but
a call that first needs the hosts to meet (a new program's communicator, made through the
coordinator's key-value store) waits for it; JAX's own heartbeat then ends the process
with a C++ abort and its stack trace after its timeout. `Watch` is a thread beside training
that writes this host's beat into the coordinator's key-value store and reads the others':
a host whose beat stops for `timeout` seconds (or a coordinator that cannot be reached) is
said lost, once, to `lost(reason)`. Give JAX's heartbeat a longer timeout, so this says it
first. A host that ends its run says so (`finish`), and is no longer watched.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

PREFIX = "compose/hosts"


def _client():
    """The `jax.distributed` client of this process, or None (not joined, or a JAX that
    keeps it elsewhere: then only JAX's own heartbeat watches the hosts)."""
    try:
        from jax._src import distributed
    except ImportError:
        return None
    return getattr(getattr(distributed, "global_state", None), "client", None)


class Watch:
    """Host `me` of `hosts` beats every `timeout`/10 seconds (at most one) and watches the
    others' beats; `lost(reason)` is called from its thread when one stops."""

    def __init__(self, me: int, hosts: int, timeout: float, lost: Callable[[str], None]):
        self.me, self.hosts, self.timeout, self.lost = me, hosts, timeout, lost
        self.client = _client()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="host-watch", daemon=True)

    def start(self) -> Watch:
        if self.client is not None and self.hosts > 1:
            self._thread.start()
        return self

    def finish(self) -> None:
        """This host's run ended: tell the others, and stop watching."""
        self._stop.set()
        if self.client is not None and self.hosts > 1:
            try:
                self.client.key_value_set(f"{PREFIX}/done/{self.me}", "1", allow_overwrite=True)
            except Exception:  # the coordinator is gone: nobody is left to tell
                pass

    def _run(self) -> None:
        others = [h for h in range(self.hosts) if h != self.me]
        seen = dict.fromkeys(others, "")
        heard = dict.fromkeys(others, time.monotonic())
        beat, pause = 0, min(1.0, self.timeout / 10)
        while not self._stop.wait(pause):
            beat += 1
            try:
                self.client.key_value_set(
                    f"{PREFIX}/beat/{self.me}", str(beat), allow_overwrite=True
                )
                for host in list(others):
                    if self._read(f"done/{host}"):
                        others.remove(host)
                    elif (now := self._read(f"beat/{host}")) != seen[host]:
                        seen[host], heard[host] = now, time.monotonic()
            except Exception as err:
                first = (str(err).strip().splitlines() or [type(err).__name__])[0]
                return self._say(f"the coordinator (host 0) cannot be reached: {first}")
            for host in others:
                if time.monotonic() - heard[host] > self.timeout:
                    return self._say(
                        f"host {host} sent no sign of life for {self.timeout:g} s "
                        "(it stopped, or cannot be reached)"
                    )

    def _read(self, key: str) -> str:
        """A key's value in the store, "" while it is not there."""
        try:
            return self.client.key_value_try_get(f"{PREFIX}/{key}")
        except Exception as err:
            if "NOT_FOUND" in str(err) or "not found" in str(err).lower():
                return ""
            raise

    def _say(self, reason: str) -> None:
        if not self._stop.is_set():
            self.lost(reason)
