"""A population of N seeds trained at once against the same N runs one after another.

For XOR (2-2-1, batch 4) and the spiral MLP (2-32-32-2, batch 64), in one process: the
population (compose.trainer.population.Population: one vmapped program steps every variant) and N
separate sessions (compose.Session), each timed from prepare to the end, compilation
included, because that is what a user waits for. Prints steps/s per variant and the ratio.
Also the cost of the per-node norms log (compose.runs.norms_log.NormLog) at its default
frequency, as a ratio of training time with and without it, and what it adds to prepare()
and to the whole run (the compiling of what measures the norms), on XOR and the digits CNN.
And a population's variants per second on one device and on all of them (its variants
split over the devices, compose.trainer.population_devices): on a CPU with one device the
part runs again in a child process with `--host-devices` (default 4) forced host devices.

    python bench/population_speed.py [--seeds 20] [--steps 2000]
        [--only populations|norms|devices] [--variants 16] [--host-devices 4]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jax

import compose
from compose.runs.norms_log import NormLog
from compose.trainer.population import Population

RECIPES = Path(__file__).parents[1] / "recipes"


def timed(make) -> float:
    start = time.perf_counter()
    make().prepare().run()
    return time.perf_counter() - start


def population_vs_separate(name: str, seeds: int, steps: int) -> None:
    recipe = compose.load(RECIPES / f"{name}.yaml", overrides=[f"train.steps={steps}"])
    together = timed(lambda: Population(recipe, {"seed": list(range(seeds))}))
    apart = 0.0
    for seed in range(seeds):
        one = compose.load(
            RECIPES / f"{name}.yaml", overrides=[f"train.steps={steps}", f"train.seed={seed}"]
        )
        apart += timed(lambda one=one: compose.Session(one))
    per_variant = seeds * steps
    print(
        f"{name}: {seeds} seeds x {steps} steps: population {together:.2f} s "
        f"({per_variant / together:,.0f} variant-steps/s), one after another {apart:.2f} s "
        f"({per_variant / apart:,.0f} variant-steps/s); population is {apart / together:.1f}x "
        "faster"
    )


def norms_overhead(name: str, steps: int, rounds: int) -> None:
    """Training time with the norms log over training time without it (prepare excluded)."""
    recipe = compose.load(RECIPES / f"{name}.yaml", overrides=[f"train.steps={steps}"])
    times = {"without": [], "with": []}
    for _ in range(rounds):
        for kind in times:
            with tempfile.TemporaryDirectory() as folder:
                listeners = [NormLog(folder)] if kind == "with" else []
                session = compose.Session(recipe, listeners=listeners).prepare()
                start = time.perf_counter()
                session.run()
                times[kind].append(time.perf_counter() - start)
    best = {k: min(v) for k, v in times.items()}
    print(
        f"{name}: norms log every 5 log intervals: {best['with']:.3f} s vs {best['without']:.3f} s "
        f"without, ratio {best['with'] / best['without']:.3f} (best of {rounds}, after compiling)"
    )


def norms_compile(name: str, rounds: int) -> None:
    """prepare() and prepare() to the end of training, with the norms log and without, each
    in a fresh process after a warm-up on another recipe: a process keeps what it compiled,
    so a second prepare() of a recipe there takes a fraction of the first. Best of `rounds`."""
    times: dict[str, list] = {"without": [], "with": []}
    for _ in range(rounds):
        for kind in times:
            command = [sys.executable, __file__, "--fresh", name]
            out = subprocess.run(
                command + (["--log"] if kind == "with" else []),
                capture_output=True,
                text=True,
                check=True,
            )
            times[kind].append([float(x) for x in out.stdout.split()])
    best = {k: [min(column) for column in zip(*v, strict=True)] for k, v in times.items()}
    (prepare, total), (bare, bare_total) = best["with"], best["without"]
    print(
        f"{name}: prepare with the norms log {prepare:.3f} s vs {bare:.3f} s without "
        f"({prepare - bare:+.3f} s); prepare to the end {total:.3f} s vs {bare_total:.3f} s "
        f"({total - bare_total:+.3f} s) (best of {rounds}, a fresh process each)"
    )


def fresh(name: str, log: bool) -> None:
    """In this (fresh) process: print the seconds of prepare() and of prepare() to the end."""
    compose.Session(compose.load(RECIPES / "linear_xor.yaml")).prepare()  # warm-up
    recipe = compose.load(RECIPES / f"{name}.yaml")
    with tempfile.TemporaryDirectory() as folder:
        session = compose.Session(recipe, listeners=[NormLog(folder)] if log else [])
        start = time.perf_counter()
        session.prepare()
        prepared = time.perf_counter() - start
        session.run()
        print(prepared, time.perf_counter() - start)


# The devices part's recipes: the spiral MLP as it is (2-32-32-2) and 256 units wide.
WIDTHS = {"spirals": [], "spirals-256": ["nodes.h1.out=256", "nodes.h2.out=256"]}


def devices_speed(name: str, variants: int, steps: int, rounds: int) -> None:
    """Variants trained per second (variant-steps per second over `steps`) by a population
    of `variants` seeds on one device and on every device JAX sees: its training time
    after prepare() (compiling excluded), best of `rounds`."""
    seen = jax.device_count()
    rates = {}
    for count in sorted({1, seen}):
        overrides = [*WIDTHS[name], f"train.steps={steps}", f"train.devices={count}"]
        recipe = compose.load(RECIPES / "spirals.yaml", overrides=overrides)
        best = float("inf")
        for _ in range(rounds):
            session = Population(recipe, {"seed": list(range(variants))}).prepare()
            start = time.perf_counter()
            session.run()
            best = min(best, time.perf_counter() - start)
        rates[count] = variants * steps / best
        print(f"{name}: {variants} variants x {steps} steps on {count} device(s): {best:.3f} s, "
              f"{rates[count]:,.0f} variant-steps/s")  # fmt: skip
    print(f"{name}: {seen} devices / 1 device: {rates[seen] / rates[1]:.2f}x variant-steps/s")


def devices_part(args: argparse.Namespace) -> None:
    """The devices part, here, or in a child process with forced host devices when this
    one has a single CPU device."""
    if jax.device_count() == 1 and jax.default_backend() == "cpu" and args.host_devices > 1:
        flags = f"{os.environ.get('XLA_FLAGS', '')} "
        flags += f"--xla_force_host_platform_device_count={args.host_devices}"
        command = [sys.executable, __file__, "--only", "devices"]
        for flag in ("variants", "steps", "rounds"):
            command += [f"--{flag}", str(getattr(args, flag))]
        subprocess.run(command, check=True, env={**os.environ, "XLA_FLAGS": flags})
        return
    for name in WIDTHS:
        devices_speed(name, args.variants, args.steps, args.rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", type=int, default=16, help="the devices part's variants")
    parser.add_argument("--host-devices", type=int, default=4, help="forced on a one-device CPU")
    parser.add_argument(
        "--only", choices=("populations", "norms", "devices"), help="run one part only"
    )
    parser.add_argument("--fresh", help=argparse.SUPPRESS)  # norms_compile's child process
    parser.add_argument("--log", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fresh:
        return fresh(args.fresh, args.log)
    print(f"device: {jax.devices()[0].device_kind} x {jax.device_count()}, jax {jax.__version__}")
    if args.only == "devices":
        return devices_part(args)
    if args.only not in ("norms", "devices"):
        for name in ("xor", "spirals"):
            population_vs_separate(name, args.seeds, args.steps)
    if args.only not in ("populations", "devices"):
        for name in ("xor", "spirals"):
            norms_overhead(name, args.steps, args.rounds)
        for name in ("xor", "digits_cnn"):
            norms_compile(name, args.rounds)
    if args.only is None:
        devices_part(args)


if __name__ == "__main__":
    main()
