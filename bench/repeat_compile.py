"""Compile time of a training step for a residual block repeated N times: `repeat: N`
(stacked weights, one lax.scan) against the same N copies written out as separate nodes.

Compile time is the first call of the jitted step minus a later call (which only runs).
Prints one line per N and the ratio of each `repeat` time to the 4-copy `repeat` time.

    python bench/repeat_compile.py [--copies 4 16 64 256] [--unrolled-max 256]
"""

from __future__ import annotations

import argparse
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

import compose
from compose.runs.training import make_step

WIDTH, BATCH = 32, 64

RESIDUAL = f"""\
networks:
  residual:
    inputs: {{h: [{WIDTH}]}}
    nodes:
      a: {{block: linear, in: h, out: {WIDTH}}}
      b: {{block: tanh, in: a}}
      s: {{block: add, in: [h, b]}}
    outputs: [s]
inputs: {{x: [{WIDTH}], y: [{WIDTH}]}}
"""
TAIL = "outputs: [{last}]\nloss: loss\n"


def repeated(n: int) -> str:
    return (
        RESIDUAL
        + (
            f"nodes:\n  body: {{network: residual, in: x, repeat: {n}}}\n"
            "  loss: {block: mse, in: {pred: body, target: y}}\n"
        )
        + TAIL.format(last="body")
    )


def unrolled(n: int) -> str:
    lines, prev = [], "x"
    for i in range(n):
        lines += [
            f"  a{i}: {{block: linear, in: {prev}, out: {WIDTH}}}",
            f"  b{i}: {{block: tanh, in: a{i}}}",
            f"  s{i}: {{block: add, in: [{prev}, b{i}]}}",
        ]
        prev = f"s{i}"
    lines.append(f"  loss: {{block: mse, in: {{pred: {prev}, target: y}}}}")
    return RESIDUAL + "nodes:\n" + "\n".join(lines) + "\n" + TAIL.format(last=prev)


def compile_seconds(text: str) -> float:
    model = compose.build(compose.loads(text), key=jax.random.key(0))
    optimizer = optax.adam(1e-3)
    state = optimizer.init(model.weights)
    batch = {"x": jnp.ones((BATCH, WIDTH)), "y": jnp.zeros((BATCH, WIDTH))}
    step = eqx.filter_jit(make_step(optimizer))
    start = time.perf_counter()
    jax.block_until_ready(step(model, state, batch))
    first = time.perf_counter() - start
    start = time.perf_counter()
    jax.block_until_ready(step(model, state, batch))
    return first - (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[4, 16, 64, 256])
    parser.add_argument("--unrolled-max", type=int, default=256, help="skip longer unrolled")
    args = parser.parse_args()
    print(f"device: {jax.devices()[0].device_kind}; residual block of width {WIDTH}, batch {BATCH}")
    base = None
    for n in args.copies:
        scan = compile_seconds(repeated(n))
        base = base or scan
        line = (
            f"N={n:4d}: repeat {scan:6.2f} s ({scan / base:4.2f}x the {args.copies[0]}-copy time)"
        )
        if n <= args.unrolled_max:
            line += f"   unrolled {compile_seconds(unrolled(n)):7.2f} s"
        print(line, flush=True)


if __name__ == "__main__":
    main()
