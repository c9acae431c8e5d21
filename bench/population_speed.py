"""A population of N seeds trained at once against the same N runs one after another.

For XOR (2-2-1, batch 4) and the spiral MLP (2-32-32-2, batch 64), in one process: the
population (compose.population.Population: one vmapped program steps every variant) and N
separate sessions (compose.Session), each timed from prepare to the end, compilation
included, because that is what a user waits for. Prints steps/s per variant and the ratio.
Also the cost of the per-node norms log (compose.norms.NormLog) at its default frequency, as a
ratio of training time with and without it.

    python bench/population_speed.py [--seeds 20] [--steps 2000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import jax

import compose
from compose.norms import NormLog
from compose.population import Population

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"device: {jax.devices()[0].device_kind}, jax {jax.__version__}")
    for name in ("xor", "spirals"):
        population_vs_separate(name, args.seeds, args.steps)
    for name in ("xor", "spirals"):
        norms_overhead(name, args.steps, args.rounds)


if __name__ == "__main__":
    main()
