"""How long one edit and the re-check after it take in the editor's document.

    python bench/recheck_speed.py [--nodes 100 10] [--edits 70] [--trace-shapes]

Builds a chain recipe of N nodes (alternating linear and relu), opens it as a
`compose.document.document.Document` and applies edits in turn: set a hyperparameter in the middle,
rename a node (its wires follow), add a node and delete it, wire a port. Prints the median
and 90th-percentile milliseconds per edit, each including the rewrite of the text, reading it
back, compose's parse and check, and the node records the editor reads.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from blocks import block as block_module  # noqa: E402
from compose.document.document import Document  # noqa: E402


def chain(size: int) -> str:
    """A recipe of `size` nodes, alternating linear (width 8) and relu, with an mse loss."""
    assert size >= 6
    lines = ["name: chain", "", "inputs:", "  x: [2]", "  y: [1]", "", "nodes:"]
    previous = "x"
    last = size - 2 if size % 2 == 0 else size - 3  # the last linear node gives (1,)
    for i in range(size - 1):
        if i % 2 == 0:
            out = 1 if i == last else 8
            lines.append(f"  n{i}: {{block: linear, in: {previous}, out: {out}}}   # layer {i}")
        else:
            lines.append(f"  n{i}: {{block: relu, in: {previous}}}")
        previous = f"n{i}"
    lines += [
        f"  loss: {{block: mse, in: {{pred: {previous}, target: y}}}}",
        "",
        f"outputs: [{previous}]",
        "loss: loss",
        "",
        "train:",
        "  data: {dataset: xor}",
        "  batch: 4",
        "  steps: 10",
        "  optimizer: {adam: {learning_rate: 0.01}}",
    ]
    return "\n".join(lines) + "\n"


def edits(size: int):
    """An endless cycle of edits that leave the chain valid every second step."""
    middle = (size // 2) & ~1  # a linear node
    width = 8
    while True:
        width = 16 if width == 8 else 8
        yield "set_hyper", lambda d, w=width: d.set_hyper(f"n{middle}", "out", w)
        yield "rename", lambda d: d.rename(f"n{middle + 1}", "renamed")
        yield "rename back", lambda d: d.rename("renamed", f"n{middle + 1}")
        yield (
            "add_node",
            lambda d: d.add_node("extra", "tanh", wires=f"n{middle}", after=f"n{middle}"),
        )
        yield "delete_node", lambda d: d.delete_node("extra")
        yield "wire", lambda d: d.wire(f"n{middle + 1}", "x", f"n{middle - 1}")
        yield "wire back", lambda d: d.wire(f"n{middle + 1}", "x", f"n{middle}")


def measure(size: int, count: int) -> dict[str, float]:
    document = Document(chain(size), path=f"chain{size}.yaml")
    assert not document.problems, document.problems
    times: dict[str, list[float]] = {}
    steps = edits(size)
    for _ in range(10):  # warm the shape memory and the imports
        _, edit = next(steps)
        edit(document)
        _ = document.nodes
    for _ in range(count):
        name, edit = next(steps)
        start = time.perf_counter()
        edit(document)
        _ = document.nodes  # the records the editor redraws from
        times.setdefault(name, []).append((time.perf_counter() - start) * 1000)
    every = [t for ts in times.values() for t in ts]
    summary = {"all": statistics.median(every), "p90": statistics.quantiles(every, n=10)[-1]}
    summary.update((name, statistics.median(ts)) for name, ts in times.items())
    start = time.perf_counter()
    document.undo()
    summary["undo"] = (time.perf_counter() - start) * 1000
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[100, 10])
    parser.add_argument("--edits", type=int, default=70)
    parser.add_argument(
        "--trace-shapes",
        action="store_true",
        help="do not remember output shapes: every check traces every block with jax.eval_shape",
    )
    args = parser.parse_args()
    if args.trace_shapes:
        block_module._SHAPES_KEPT = 0  # every answer is forgotten at once: trace each time
    for size in args.nodes:
        summary = measure(size, args.edits)
        detail = ", ".join(f"{k} {v:.1f}" for k, v in summary.items() if k not in ("all", "p90"))
        print(
            f"{size:4d} nodes: median {summary['all']:.1f} ms per edit + re-check "
            f"(90th percentile {summary['p90']:.1f} ms); by edit: {detail}"
        )


if __name__ == "__main__":
    main()
