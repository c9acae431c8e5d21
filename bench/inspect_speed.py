"""Looking inside against training: `compose inspect`'s work on digits_cnn against one step.

In one process: the health report (compose.health: one inspect pass with every activation
and gradient, then the numbers and flags) on a batch of 256 training examples, against one
training step on a batch of the recipe's size, both after compiling. Also the first call of
each, compilation included, since that is what a user of `compose inspect` waits for.

    python bench/inspect_speed.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import jax

import compose

RECIPE = Path(__file__).parents[1] / "recipes" / "digits_cnn.yaml"


def seconds(call, rounds: int) -> tuple[float, float]:
    """(first call, median of the next `rounds`)."""
    start = time.perf_counter()
    jax.block_until_ready(call())
    first = time.perf_counter() - start
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        jax.block_until_ready(call())
        times.append(time.perf_counter() - start)
    return first, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    # Validation only at the end, so that a step is a step.
    recipe = compose.load(
        RECIPE, overrides=["train.validate={every: 100000}", "train.steps=100000"]
    )
    session = compose.Session(recipe).prepare()
    batch = {k: a[:256] for k, a in session.arrays.items()}
    rewrites = session.checked.rewrites
    look = seconds(lambda: compose.health(session.model, batch, rewrites=rewrites), args.rounds)
    step = seconds(lambda: session.advance(steps=1) or session.model.weights, args.rounds)
    print(f"device: {jax.devices()[0].device_kind}, digits_cnn, jax {jax.__version__}")
    print(
        f"health on {len(batch['x'])} examples: first {look[0]:.2f} s, "
        f"then {look[1] * 1e3:.1f} ms; "
        f"one training step (batch {session.spec.batch}): first {step[0]:.2f} s, then "
        f"{step[1] * 1e3:.1f} ms; ratio {look[1] / step[1]:.1f}"
    )


if __name__ == "__main__":
    main()
