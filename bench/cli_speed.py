"""How long the `compose` command takes, whole process, against `python -c "import jax"`.

    python bench/cli_speed.py [--runs 5] [--sizes 250 500 1000 2000]

Each command runs `--runs` times in a fresh process; the median wall time is printed.
Measured: the baseline `import jax`; `compose --help` and every `compose COMMAND --help`;
`compose check recipes/xor.yaml`; and `compose check` on generated chains of linear and
relu nodes (written to a temporary folder), as seconds beyond start-up (the same command
on a 6-node chain) with the ratio to the previous size: about 2 for each doubling means
the check grows linearly. The 1000-node chain is also run in turn with XOR's check, for
the median of what it takes beyond it. The targets are printed beside the figures.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
COMMANDS = ["run", "check", "inspect", "blocks", "schema", "edit", "plot"]


def chain(size: int) -> str:
    """A recipe of `size` nodes: linear (width 8) and relu in turn, then an mse loss."""
    lines = ["name: chain", "inputs: {x: [2], y: [1]}", "nodes:"]
    previous, last = "x", size - 2 if size % 2 == 0 else size - 3  # last linear gives (1,)
    for i in range(size - 1):
        if i % 2 == 0:
            lines.append(f"  n{i}: {{block: linear, in: {previous}, out: {1 if i == last else 8}}}")
        else:
            lines.append(f"  n{i}: {{block: relu, in: {previous}}}")
        previous = f"n{i}"
    lines += [f"  loss: {{block: mse, in: {{pred: {previous}, target: y}}}}"]
    lines += [f"outputs: [{previous}]", "loss: loss", "train:", "  data: {dataset: xor}"]
    lines += ["  batch: 4", "  steps: 10", "  optimizer: {adam: {learning_rate: 0.01}}"]
    return "\n".join(lines) + "\n"


def compose_command() -> list[str]:
    """The installed `compose` script beside this Python, or the module if there is none."""
    script = Path(sys.executable).parent / "compose"
    return [str(script)] if script.exists() else [sys.executable, "-m", "compose.cli.main"]


def one_run(command: list[str]) -> tuple[float, float]:
    """Wall and CPU time (user + system) of `command` in a fresh process; a failure stops
    the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr}")
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def median_seconds(command: list[str], runs: int) -> float:
    """Median wall time of `command` in a fresh process. The median CPU time is kept in
    CPU[command]: on a busy machine it moves less than the wall time does."""
    times, cpu = zip(*(one_run(command) for _ in range(runs)), strict=True)
    CPU[tuple(command)] = statistics.median(cpu)
    return statistics.median(times)


def median_beyond(base: list[str], command: list[str], runs: int) -> tuple[float, float]:
    """Median of what `command` takes beyond `base` (wall, CPU), the two run in turn so
    that a change in the machine's load falls on both."""
    walls, cpus = [], []
    for _ in range(runs):
        (wall_base, cpu_base), (wall, cpu) = one_run(base), one_run(command)
        walls.append(wall - wall_base)
        cpus.append(cpu - cpu_base)
    return statistics.median(walls), statistics.median(cpus)


CPU: dict[tuple[str, ...], float] = {}


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def row(name: str, wall: float, cpu: float, note: str = "", sign: str = "") -> None:
    print(f"{name:34} {wall:{sign}7.3f} s  {cpu:{sign}7.3f} s   {note}".rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command (median)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 500, 1000, 2000])
    args = parser.parse_args()
    compose, runs = compose_command(), args.runs

    def timed(command: list[str]) -> tuple[float, float]:
        wall = median_seconds(command, runs)
        return wall, CPU[tuple(command)]

    print(f"median of {runs} runs, whole process; python {sys.version.split()[0]}")
    print(f"{'':34} {'wall':>9}  {'cpu':>9}")
    jax = timed([sys.executable, "-c", "import jax"])
    row('python -c "import jax"', *jax, "(baseline)")
    for command in [[]] + [[c] for c in COMMANDS]:
        wall, cpu = timed(compose + command + ["--help"])
        name = " ".join(["compose", *command, "--help"])
        row(name, wall, cpu, f"target < 0.3 s: {verdict(wall < 0.3)}")
    xor = timed(compose + ["check", "recipes/xor.yaml"])
    note = f"{xor[0] / jax[0]:.2f}x import jax; target < 2x: {verdict(xor[0] < 2 * jax[0])}"
    row("compose check recipes/xor.yaml", *xor, note)

    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for size in [6, *args.sizes]:
            paths[size] = Path(folder) / f"chain{size}.yaml"
            paths[size].write_text(chain(size))
        start = timed(compose + ["check", str(paths[6])])
        row("compose check, 6-node chain", *start, "(start-up)")
        previous = None
        for size in args.sizes:
            wall, cpu = timed(compose + ["check", str(paths[size])])
            beyond = wall - start[0]
            note = f"x{beyond / previous:.2f} the previous" if previous else ""
            row(f"compose check, {size}-node chain", beyond, cpu - start[1], note, "+")
            if size == 1000:
                base = compose + ["check", "recipes/xor.yaml"]
                more = median_beyond(base, compose + ["check", str(paths[size])], runs)
                note = f"run in turn with it; target < 0.5 s: {verdict(more[0] < 0.5)}"
                row("  beyond xor's check", *more, note, "+")
            previous = beyond


if __name__ == "__main__":
    main()
