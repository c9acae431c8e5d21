"""The editor's latency: from a key press to the graph drawn again on the screen, with and
without training running, on a 10-node and a 100-node recipe; and from starting the app to
its first drawn graph.

    python bench/editor_latency.py [--presses 40] [--starts 3] [--node-tab] [--compete]

The app runs headless (`App.run_test`, the Pilot the tests use). A key press is timed from
the moment it is sent until the compositor asks the graph widget for a line drawn with the
new selection (`GraphView.render_line`, the call that puts the graph on the screen), so
Textual's own frame scheduling is included. Presses alternate down and up (j and k) with
a pause between them, so that while training they land at every phase of its log points,
health looks and pictures. While training the Train tab is shown, as `t` leaves it; with
--node-tab the presses are timed again with the Node tab shown, whose inspector is remade
for each selection with the node's health. The recipes are chains of linear and relu nodes
over a 2-D input (so the decision picture is drawn too while training), written to a
temporary folder.
A press made while JAX traced or compiled something (a first call: the trainer's, a look's,
a picture's; told by `jax.monitoring`) is counted apart, in its own row: tracing holds
Python's lock for as long as it takes, which says how the editor starts a run, not how it
answers once running. Start-up is timed in a fresh interpreter, imports included: from the
process's start to the first line of the graph, and from making the app (imports done) to
the same point. The load average (`os.getloadavg`) before and after is printed with the
figures: on a machine with few cores, other work shows in them. With --compete the presses
while training are timed again with one other CPU-bound process running (a Python loop in
a process of its own, for as long as those presses take), as on a busy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

TARGET_MS = 100.0  # the target for a key press


def chain(nodes: int) -> str:
    """A recipe of `nodes` nodes: linear/relu pairs, then logits and the loss."""
    lines = [f"name: chain{nodes}", "inputs: {x: [2], y: [2]}", "nodes:"]
    source = "x"
    for i in range(1, (nodes - 2) // 2 + 1):
        lines.append(f"  l{i}: {{block: linear, in: {source}, out: 16}}")
        lines.append(f"  r{i}: {{block: relu, in: l{i}}}")
        source = f"r{i}"
    lines += [
        f"  logits: {{block: linear, in: {source}, out: 2}}",
        "  loss: {block: softmax_cross_entropy, in: {pred: logits, target: y}}",
        "outputs: [logits]",
        "loss: loss",
        "train:",
        "  data: {dataset: spiral, n: 1000}",
        "  batch: 64",
        "  steps: 100000000",  # far more than the bench waits: it trains all along
        "  log_every: 200",  # the curves move a few to a few dozen times a second
        "  optimizer: {adam: {learning_rate: 0.0003}}",
    ]
    return "\n".join(lines) + "\n"


class Compiling:
    """The spans of time (time.perf_counter) in which JAX traced, lowered or compiled a
    function, from `jax.monitoring`'s time spans (recorded by time.time)."""

    EVENTS = "/jax/core/compile/"

    def __init__(self) -> None:
        self.spans: list[tuple[float, float]] = []
        self._offset = time.perf_counter() - time.time()
        import jax.monitoring

        jax.monitoring.register_event_time_span_listener(self._heard)

    def _heard(self, event: str, start: float, end: float, **_: object) -> None:
        if event.startswith(self.EVENTS):
            self.spans.append((start + self._offset, end + self._offset))

    def during(self, start: float, end: float) -> bool:
        """Whether JAX was tracing or compiling at some moment between start and end."""
        return any(s < end and e > start for s, e in self.spans)


@functools.cache
def compiling() -> Compiling:
    """The one recorder of JAX's compilations (made on first use: it imports JAX)."""
    return Compiling()


async def presses(
    path: Path, count: int, *, train: bool, node_tab: bool = False
) -> list[tuple[float, bool]]:
    """Milliseconds from each key press to the graph drawn with the new selection, and
    whether JAX traced or compiled meanwhile. node_tab: press with the Node tab shown
    (the inspector is remade for each selection, with the node's health while training),
    else with the Train tab shown while training."""
    from tui.app import EditorApp
    from tui.graph import GraphView
    from tui.training import TrainPanel

    drawn: dict[str, float | str | None] = {"before": None, "at": 0.0}
    original = GraphView.render_line

    def render_line(self, y):
        if drawn["at"] is None and self.selected != drawn["before"]:
            drawn["at"] = time.perf_counter()
        return original(self, y)

    GraphView.render_line = render_line
    compiled = compiling()
    times = []
    try:
        app = EditorApp(path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            graph = app.query_one(GraphView)
            if train:
                await pilot.press("t")
                end = time.perf_counter() + 120
                while len(getattr(app.query_one(TrainPanel), "losses", [])) < 3:
                    assert time.perf_counter() < end, "training did not start"
                    await asyncio.sleep(0.05)
                await pilot.press("escape")  # back to the graph
            if node_tab:
                await pilot.press("i")  # the Node tab; the graph keeps the focus
            for i in range(count):
                key = "j" if (i // 4) % 2 == 0 else "k"  # four down, four up
                drawn.update(before=graph.selected, at=None)
                start = time.perf_counter()
                await pilot.press(key)
                if graph.selected == drawn["before"]:
                    continue  # at the end of the chain: nothing to draw
                while drawn["at"] is None and time.perf_counter() - start < 5:
                    await asyncio.sleep(0.0005)
                times.append((1000 * (drawn["at"] - start), compiled.during(start, drawn["at"])))
                await asyncio.sleep(0.05)
            if train:
                status = app.query_one("#train-status").content
                assert app.training, f"training ended before the presses did: {status}"
                await pilot.press("x")
    finally:
        GraphView.render_line = original
    return times


STARTUP = """
import os, sys, time
sys.path.insert(0, {root!r})
from tui.app import EditorApp
from tui.graph import GraphView
made = time.perf_counter()
original = GraphView.render_line
def render_line(self, y):
    if self.drawing.rows:
        print(time.perf_counter() - made, flush=True)
        os._exit(0)
    return original(self, y)
GraphView.render_line = render_line
import asyncio
import contextlib
async def main():
    async with EditorApp({path!r}).run_test(size=(120, 40)) as pilot:
        await pilot.pause(30)
asyncio.run(main())
"""


def startup(path: Path) -> tuple[float, float]:
    """(seconds from process start, seconds from making the app) to the first graph line."""
    code = STARTUP.format(root=str(ROOT), path=str(path))
    began = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    whole = time.time() - began  # the child's clock has its own origin: time it from here
    return whole, float(out.stdout.split()[0])


@contextlib.contextmanager
def competing(on: bool):
    """With `on`: one other process keeps a core busy (a Python loop) meanwhile."""
    if not on:
        yield
        return
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        busy.kill()
        busy.wait()


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": statistics.median(ordered),
        "p90": ordered[int(0.9 * (len(ordered) - 1))],
        "max": ordered[-1],
        "n": len(ordered),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument("--starts", type=int, default=3, help="start-up timings (0: none)")
    parser.add_argument(
        "--node-tab",
        action="store_true",
        help="also press while training with the Node tab shown (the inspector follows)",
    )
    parser.add_argument(
        "--compete",
        action="store_true",
        help="also press while training with one other CPU-bound process running",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for nodes in (10, 100):
            path = Path(tmp) / f"chain{nodes}.yaml"
            path.write_text(chain(nodes))
            runs = [(False, False, False), (True, False, False)]
            runs += [(True, True, False)] * args.node_tab + [(True, False, True)] * args.compete
            for train, node_tab, compete in runs:
                label = f"{nodes} nodes, {'training' if train else 'idle'}"
                label += ", Node tab" if node_tab else ""
                label += ", another process busy" if compete else ""
                with competing(compete):
                    timed = asyncio.run(presses(path, args.presses, train=train, node_tab=node_tab))
                results[label] = summary([ms for ms, compiling in timed if not compiling])
                during = [ms for ms, compiling in timed if compiling]
                if during:
                    results[f"{label}, while JAX compiled"] = summary(during)
            starts = [startup(path) for _ in range(args.starts)]
            if starts:
                results[f"{nodes} nodes, start to first graph (process)"] = summary(
                    [1000 * whole for whole, _ in starts]
                )
                results[f"{nodes} nodes, start to first graph (app made)"] = summary(
                    [1000 * app for _, app in starts]
                )
    load = {"before": load_before, "after": os.getloadavg()}
    if args.json:
        print(json.dumps({**results, "load average (1, 5, 15 min)": load}, indent=1))
        return 0
    print(f"{'what':<55} {'median':>8} {'p90':>8} {'max':>8}  n   (ms; target {TARGET_MS:g})")
    for label, s in results.items():
        print(f"{label:<55} {s['median']:8.1f} {s['p90']:8.1f} {s['max']:8.1f}  {s['n']}")
    said = "  ".join(f"{k} {', '.join(f'{v:.2f}' for v in vs)}" for k, vs in load.items())
    print(f"load average (1, 5, 15 min): {said}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
