"""Training-step time: a layer whose weight a small network generates per example, against
a plain learned layer of the same output size, in one process (alternating rounds).

Both map x (64,) to 64 outputs with an mse loss and Adam on batches of 128. The
hypernetwork's (64, 64) weight comes from a 16 -> 64 -> 4096 generator fed a 16-wide
code computed from x, so every example gets its own weight.

    python bench/hypernetwork_speed.py [--rounds 5] [--steps 200]
"""

from __future__ import annotations

import argparse
import statistics
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

import compose
from compose.runs.training import make_step

COMMON = "inputs: {x: [64], y: [64]}\noutputs: [layer]\nloss: loss\n"
PLAIN = (
    COMMON
    + """\
nodes:
  layer: {block: linear, in: x, out: 64}
  loss: {block: mse, in: {pred: layer, target: y}}
"""
)
HYPER = (
    COMMON
    + """\
networks:
  gen:
    inputs: {z: [16]}
    nodes:
      h: {block: linear, in: z, out: 64}
      a: {block: tanh, in: h}
      w: {block: linear, in: a, out: 4096}
    outputs: [w]
nodes:
  code: {block: linear, in: x, out: 16}
  g: {network: gen, in: code}
  layer: {block: linear, in: x, out: 64, weight: g}
  loss: {block: mse, in: {pred: layer, target: y}}
"""
)
BATCH = 128


def seconds_per_step(text: str, steps: int) -> float:
    model = compose.build(compose.loads(text), key=jax.random.key(0))
    optimizer = optax.adam(1e-3)
    state = optimizer.init(model.weights)
    batch = {"x": jnp.ones((BATCH, 64)), "y": jnp.zeros((BATCH, 64))}
    step = eqx.filter_jit(make_step(optimizer))
    model, state, loss = step(model, state, batch)  # compile
    loss.block_until_ready()
    start = time.perf_counter()
    for _ in range(steps):
        model, state, loss = step(model, state, batch)
    loss.block_until_ready()
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"plain": [], "hypernetwork": []}
    for _ in range(args.rounds):
        times["plain"].append(seconds_per_step(PLAIN, args.steps))
        times["hypernetwork"].append(seconds_per_step(HYPER, args.steps))
    plain, hyper = (statistics.median(times[k]) * 1e3 for k in ("plain", "hypernetwork"))
    print(f"device: {jax.devices()[0].device_kind}; x (64,) -> 64 outputs, batch {BATCH}, Adam")
    print(
        f"plain layer {plain:.3f} ms/step, hypernetwork {hyper:.3f} ms/step, "
        f"ratio hypernetwork/plain {hyper / plain:.1f}"
    )


if __name__ == "__main__":
    main()
