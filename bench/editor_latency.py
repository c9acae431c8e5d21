"""The editor's latency: from a key press to the graph drawn again on the screen, with and
without training running, on a 10-node and a 100-node recipe; and from starting the app to
its first drawn graph.

    python bench/editor_latency.py [--presses 40]

The app runs headless (`App.run_test`, the Pilot the tests use). A key press is timed from
the moment it is sent until the compositor asks the graph widget for a line drawn with the
new selection (`GraphView.render_line`, the call that puts the graph on the screen), so
Textual's own frame scheduling is included. Presses alternate down and up (j and k) with
a pause between them, so that while training they land at every phase of its log points,
health looks and pictures. The recipes are chains of linear and relu nodes over a 2-D input
(so the decision picture is drawn too while training), written to a temporary folder.
Start-up is timed in a fresh interpreter, imports included: from the process's start to
the first line of the graph, and from making the app (imports done) to the same point.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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


async def presses(path: Path, count: int, *, train: bool) -> list[float]:
    """Milliseconds from each key press to the graph drawn with the new selection."""
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
            for i in range(count):
                key = "j" if (i // 4) % 2 == 0 else "k"  # four down, four up
                drawn.update(before=graph.selected, at=None)
                start = time.perf_counter()
                await pilot.press(key)
                if graph.selected == drawn["before"]:
                    continue  # at the end of the chain: nothing to draw
                while drawn["at"] is None and time.perf_counter() - start < 5:
                    await asyncio.sleep(0.0005)
                times.append(1000 * (drawn["at"] - start))
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
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for nodes in (10, 100):
            path = Path(tmp) / f"chain{nodes}.yaml"
            path.write_text(chain(nodes))
            for train in (False, True):
                label = f"{nodes} nodes, {'training' if train else 'idle'}"
                results[label] = summary(asyncio.run(presses(path, args.presses, train=train)))
            starts = [startup(path) for _ in range(args.starts)]
            results[f"{nodes} nodes, start to first graph (process)"] = summary(
                [1000 * whole for whole, _ in starts]
            )
            results[f"{nodes} nodes, start to first graph (app made)"] = summary(
                [1000 * app for _, app in starts]
            )
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    print(f"{'what':<44} {'median':>8} {'p90':>8} {'max':>8}  n   (ms; target {TARGET_MS:g})")
    for label, s in results.items():
        print(f"{label:<44} {s['median']:8.1f} {s['p90']:8.1f} {s['max']:8.1f}  {s['n']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
