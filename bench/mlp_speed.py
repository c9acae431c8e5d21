"""Training-step speed: an MLP built by the composer vs the same MLP written by hand in Equinox.

Both train a 64-128-10 ReLU MLP with softmax cross-entropy and Adam on batches of 128, in
one process, alternating rounds so that machine noise hits both alike. Two loops are timed:
one jitted step per Python call, and 100 steps per call under `jax.lax.scan` (what
`compose run` does). Prints steps/s of each and the ratio composed / hand-written.

    python bench/mlp_speed.py [--rounds 5] [--steps 300]
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
from compose.trainer.steps import make_step

RECIPE = """\
inputs: {x: [64], y: [10]}
nodes:
  hidden: {block: linear, in: x, out: 128}
  act: {block: relu, in: hidden}
  logits: {block: linear, in: act, out: 10}
  probs: {block: softmax, in: logits}
  loss: {block: cross_entropy, in: {pred: probs, target: y}}
outputs: [probs]
loss: loss
"""
BATCH, CHUNK = 128, 100


class HandMLP(eqx.Module):
    """The same network written directly with equinox.nn."""

    hidden: eqx.nn.Linear
    logits: eqx.nn.Linear

    def __init__(self, key):
        k1, k2 = jax.random.split(key)
        self.hidden = eqx.nn.Linear(64, 128, key=k1)
        self.logits = eqx.nn.Linear(128, 10, key=k2)

    def __call__(self, x):
        return self.logits(jax.nn.relu(self.hidden(x)))


def hand_step(optimizer):
    def loss_fn(model, batch):
        logits = jax.vmap(model)(batch["x"])
        return jnp.mean(optax.softmax_cross_entropy(logits, batch["y"]))

    def step(model, opt_state, batch):
        loss, grads = eqx.filter_value_and_grad(loss_fn)(model, batch)
        updates, opt_state = optimizer.update(grads, opt_state, eqx.filter(model, eqx.is_array))
        return eqx.apply_updates(model, updates), opt_state, loss

    return step


def composed_step(optimizer):
    """compose's training step, giving back the loss alone as the hand-written one does."""
    step = make_step(optimizer)

    def loss_step(model, opt_state, batch):
        model, opt_state, values = step(model, opt_state, batch)
        return model, opt_state, values["loss"]

    return loss_step


def scanned(step):
    @eqx.filter_jit
    def run(model, opt_state, batches):
        params, static = eqx.partition(model, eqx.is_array)

        def body(carry, batch):
            p, s = carry
            m, s, loss = step(eqx.combine(p, static), s, batch)
            return (eqx.filter(m, eqx.is_array), s), loss

        (params, opt_state), losses = jax.lax.scan(body, (params, opt_state), batches)
        return eqx.combine(params, static), opt_state, losses

    return run


def data(key, steps):
    kx, ky = jax.random.split(key)
    x = jax.random.normal(kx, (steps, BATCH, 64))
    y = jax.nn.one_hot(jax.random.randint(ky, (steps, BATCH), 0, 10), 10)
    return {"x": x, "y": y}


def time_loop(step, model, opt_state, batches, steps):
    """Seconds for `steps` single jitted steps (after one warm-up step)."""
    jstep = eqx.filter_jit(step)
    one = jax.tree_util.tree_map(lambda a: a[0], batches)
    model, opt_state, loss = jstep(model, opt_state, one)
    loss.block_until_ready()
    start = time.perf_counter()
    for i in range(steps):
        model, opt_state, loss = jstep(model, opt_state, {k: v[i] for k, v in batches.items()})
    loss.block_until_ready()
    return time.perf_counter() - start


def time_scan(step, model, opt_state, batches, steps):
    """Seconds for `steps` steps run CHUNK at a time under lax.scan (after a warm-up call)."""
    run = scanned(step)
    chunk = jax.tree_util.tree_map(lambda a: a[:CHUNK], batches)
    model, opt_state, losses = run(model, opt_state, chunk)
    losses.block_until_ready()
    start = time.perf_counter()
    for i in range(0, steps, CHUNK):
        part = {k: a[i : i + CHUNK] for k, a in batches.items()}
        model, opt_state, losses = run(model, opt_state, part)
    losses.block_until_ready()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=300, help="a multiple of 100")
    args = parser.parse_args()
    optimizer = optax.adam(1e-3)
    composed = compose.build(compose.loads(RECIPE), key=jax.random.key(0))
    hand = HandMLP(jax.random.key(0))
    models = {  # model, its step, what its optimizer state covers
        "composed": (composed, composed_step(optimizer), composed.weights),
        "hand-written": (hand, hand_step(optimizer), eqx.filter(hand, eqx.is_array)),
    }
    batches = data(jax.random.key(1), args.steps)
    print(f"device: {jax.devices()[0].device_kind}, MLP 64-128-10, batch {BATCH}, Adam")
    for loop_name, timer in (
        ("jitted step per call", time_loop),
        ("100 steps per call (scan)", time_scan),
    ):
        seconds = {name: [] for name in models}
        for _ in range(args.rounds):
            for name, (model, step, trained) in models.items():
                state = optimizer.init(trained)
                seconds[name].append(timer(step, model, state, batches, args.steps))
        rate = {name: args.steps / statistics.median(s) for name, s in seconds.items()}
        ratio = rate["composed"] / rate["hand-written"]
        print(
            f"{loop_name}: composed {rate['composed']:,.0f} steps/s, hand-written "
            f"{rate['hand-written']:,.0f} steps/s, ratio composed/hand {ratio:.3f}"
        )


if __name__ == "__main__":
    main()
