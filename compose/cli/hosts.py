"""`compose run --coordinator HOST:PORT --hosts N --host-id I`: one run over several hosts.

Each host runs the same command; they join through `jax.distributed` before anything else
touches JAX, and the mesh then spans every host's devices (on CPUs their collectives go
through gloo over TCP, JAX's default). Once joined, the hosts depend on each other: every
compiled call is a collective, so a host that stops (killed, failed, out of memory) leaves
the others waiting in one. Its connections close and the others' next collective fails at
once, or, where they wait to meet it, they hear nothing from it for `--host-timeout`
seconds (compose.runtime.devices_hosts.Watch): either way each says so and exits 1. A
host that ends on an error exits at once too: leaving the usual way would wait at JAX's
shutdown barrier for hosts that wait for it in a collective. When the coordinator (host 0)
itself dies, JAX's own client ends the other hosts at once with its own message ("another
task died").
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from compose.recipe.problems import Problem, RecipeError, Where, printable
from compose.runtime.devices_hosts import Watch
from compose.runtime.files import UnsafePath

SAYING = threading.Lock()
LOST = (
    "the hosts' collective operations failed: another host stopped, or cannot be reached "
    "(every host runs the same command to its end; see the other hosts' messages)"
)


def add_arguments(run: argparse.ArgumentParser) -> None:
    """The multi-host options of `compose run`."""
    run.add_argument(
        "--coordinator",
        metavar="HOST:PORT",
        help="join a run over several hosts (jax.distributed); give --hosts and --host-id too",
    )
    run.add_argument("--hosts", type=int, metavar="N", help="how many hosts join the run")
    run.add_argument("--host-id", type=int, metavar="I", help="this host's number, 0 to N-1")
    run.add_argument(
        "--host-timeout",
        type=int,
        default=60,
        metavar="S",
        help="seconds a host may show no sign of life before the others stop (default 60)",
    )


@contextmanager
def joined(args: argparse.Namespace) -> Iterator[None]:
    """Join the hosts `args` name (if any), then run the block; once joined, an error in it
    is said with this host's number and ends this process at once (exit 1)."""
    if not (args.coordinator or args.hosts is not None or args.host_id is not None):
        yield
        return
    _check(args)
    import jax

    try:
        jax.distributed.initialize(
            args.coordinator,
            args.hosts,
            args.host_id,
            heartbeat_timeout_seconds=2 * args.host_timeout + 5,  # the watch says it first
        )
    except Exception as err:
        print(printable(f"compose run: --coordinator {args.coordinator}: could not join the "
                        f"{args.hosts} hosts: {_first_line(err)}"), file=sys.stderr)  # fmt: skip
        _leave(1)
    me = f"host {args.host_id} of {args.hosts}"

    def stop(why: str) -> None:
        with SAYING:  # the watch's thread and this one may both find the loss: one says it
            print(printable(f"compose run: {me} stops: {why}"), file=sys.stderr)
            _leave(1)

    watch = Watch(args.host_id, args.hosts, args.host_timeout, stop).start()
    try:
        yield
    except (RecipeError, UnsafePath, KeyboardInterrupt):
        watch.finish()
        raise  # the same on every host (each reads the same recipe): they all end alike
    except Exception as err:
        stop(f"{LOST if type(err).__name__ == 'JaxRuntimeError' else type(err).__name__}: "
             f"{_first_line(err)}")  # fmt: skip
    watch.finish()


def _check(args: argparse.Namespace) -> None:
    """All three options given, and consistent (a located problem, exit 2, if not)."""
    problems = []
    for flag, value in (("--coordinator", args.coordinator), ("--hosts", args.hosts),
                        ("--host-id", args.host_id)):  # fmt: skip
        if value is None:
            message = "expected --coordinator HOST:PORT, --hosts N and --host-id I together"
            problems.append(Problem(Where(flag), f"{message}, got no {flag}"))
    if problems:
        raise RecipeError(problems[:1])
    if args.hosts < 1:
        raise RecipeError([Problem(Where("--hosts"), f"expected 1 or more, got {args.hosts}")])
    if not 0 <= args.host_id < args.hosts:
        message = f"expected a number from 0 to {args.hosts - 1}, got {args.host_id}"
        raise RecipeError([Problem(Where("--host-id"), message)])
    if args.host_timeout < 1:
        message = f"expected 1 or more seconds, got {args.host_timeout}"
        raise RecipeError([Problem(Where("--host-timeout"), message)])


def _first_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__


def _leave(code: int) -> None:
    """End this process now, without JAX's shutdown barrier (see the module's text)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
