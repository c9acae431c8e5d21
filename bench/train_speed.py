"""Training speed of compose's Session against a hand-written loop and PyTorch eager.

In one process, rounds alternate between the contenders so that machine noise hits all
alike (the session and the hand-written loop take turns going first); the median of the
rounds is reported. Three networks, synthetic data in memory:
XOR 2-2-1 sigmoid (batch 4), a digits-sized MLP 64-128-10 ReLU with softmax cross-entropy
(batch 128), a large MLP 784-1024-1024-10 ReLU (batch 256); Adam everywhere.

1. `Session` (prepared, every chunk length compiled, then `advance()` to the end, with a
   checkpoint every 500 steps) against the same network written with `equinox.nn` and
   optax, trained in the same chunks of steps under `jax.lax.scan`, gathering each batch
   by index from device-resident arrays. Compile and prepare time are left out of both.
2. The session against PyTorch eager on the CPU (a plain Python loop, Adam).
3. What the non-finite guard costs: `chunk_runner(guard="chunk")` (what sessions use) against
   `guard="off"`, and the step-by-step guard (`"step"`, the rerun of a call that failed).
4. Resuming: `prepare(resume=folder)` against a fresh `prepare()`, and the checkpoint's
   size against the weights' size.

Then where the session's time goes, one extra run per network.

    python bench/train_speed.py [--rounds 5] [--steps 2000 5000 500] [--log-every N]
    python bench/train_speed.py --quick
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

import compose
from compose.checker.checked import Checked
from compose.checker.graph import check
from compose.checker.optimizers import make as make_optimizer
from compose.runs import checkpoint
from compose.runs.checkpoint import Checkpoints
from compose.trainer.session import Session
from compose.trainer.steps import GUARDS, chunk_runner, make_step

CHECKPOINT_EVERY = 500


@dataclass(frozen=True)
class Network:
    """One benchmarked network: layer sizes, hidden activation, output head, data size."""

    name: str
    sizes: tuple[int, ...]  # input, hidden..., output
    act: str  # "sigmoid" or "relu"
    head: str  # "sigmoid" (binary cross-entropy) or "softmax" (cross-entropy)
    batch: int
    examples: int
    learning_rate: float
    steps: int  # default steps for the session and the hand-written loop
    torch_steps: int  # default steps for PyTorch (slower, so fewer keep a round short)
    quick_steps: int
    pairs: int = 1  # session and hand-written runs per round: XOR's take milliseconds, and
    # one disturbed millisecond moves a ratio by a third, so it takes many (the median)

    @property
    def label(self) -> str:
        return f"{self.name} {'-'.join(map(str, self.sizes))}, batch {self.batch}"


NETWORKS = (
    Network("xor", (2, 2, 1), "sigmoid", "sigmoid", 4, 4, 0.05, 2000, 2000, 500, pairs=10),
    Network("digits", (64, 128, 10), "relu", "softmax", 128, 1797, 1e-3, 5000, 500, 500),
    Network("large", (784, 1024, 1024, 10), "relu", "softmax", 256, 10_000, 1e-3, 500, 100, 10),
)


# -- the data and the recipe ---------------------------------------------------------------


def make_data(net: Network) -> dict[str, np.ndarray]:
    """x (examples, inputs) and y (examples, outputs): XOR's four points, else random
    inputs with random one-hot labels."""
    if net.name == "xor":
        x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
        return {"x": x, "y": (x[:, :1] != x[:, 1:]).astype(np.float32)}
    rng = np.random.default_rng(0)
    x = rng.normal(size=(net.examples, net.sizes[0])).astype(np.float32)
    y = np.eye(net.sizes[-1], dtype=np.float32)[rng.integers(0, net.sizes[-1], net.examples)]
    return {"x": x, "y": y}


def recipe_text(net: Network, steps: int, data_file: Path, log_every: int | None = None) -> str:
    """The network as a recipe; `data_file` (an .npz of the same arrays) is what the check
    reads the shapes from, the session trains on the arrays given in memory."""
    lines = [f"inputs: {{x: [{net.sizes[0]}], y: [{net.sizes[-1]}]}}", "nodes:"]
    last = "x"
    for i, width in enumerate(net.sizes[1:-1], 1):
        lines.append(f"  hidden{i}: {{block: linear, in: {last}, out: {width}}}")
        lines.append(f"  act{i}: {{block: {net.act}, in: hidden{i}}}")
        last = f"act{i}"
    lines += [
        f"  logits: {{block: linear, in: {last}, out: {net.sizes[-1]}}}",
        f"  prob: {{block: {net.head}, in: logits}}",
        "  loss: {block: cross_entropy, in: {pred: prob, target: y}}",
        "outputs: [prob]",
        "loss: loss",
        "train:",
        f"  data: {{npz: {data_file}}}",
        f"  batch: {net.batch}",
        f"  steps: {steps}",
        f"  optimizer: {{adam: {{learning_rate: {net.learning_rate}}}}}",
        f"  checkpoint: {{every: {CHECKPOINT_EVERY}}}",
        "  seed: 0",
    ]
    if log_every:
        lines.append(f"  log_every: {log_every}")
    return "\n".join(lines) + "\n"


# -- our trainer ---------------------------------------------------------------------------


def chunk_lengths(session: Session) -> list[int]:
    """The steps of each compiled call the session will make from here to the end."""
    saved, lengths = session.step, []
    try:
        while session.step < session.total:
            stop = session.next_stop()
            lengths.append(stop - session.step)
            session.step = stop
    finally:
        session.step = saved
    return lengths


def ready_session(checked: Checked, data: dict, folder: Path) -> Session:
    """A prepared session with every chunk length and the final evaluation compiled, so
    that advancing it measures training alone."""
    session = Session(checked, data=data, listeners=[Checkpoints(folder, every=CHECKPOINT_EVERY)])
    session.prepare()
    for length in set(chunk_lengths(session)):
        # compiles now what advance() would compile later
        session.calls.compiled_for(length, session.params(), session.opt_state)
    session.evaluate(session.model)
    return session


def time_session(session: Session) -> tuple[float, float]:
    """(seconds to advance a ready session to its end, of which in `finish()`: the final
    evaluation on the training set and the final checkpoint)."""
    end: dict[str, float] = defaultdict(float)
    timed(session, "finish", end, "finish")
    start = time.perf_counter()
    while not session.done:
        session.advance()
    return time.perf_counter() - start, end["finish"]


def timed(obj, name: str, totals: dict[str, float], key: str) -> None:
    """Replace the method `obj.name` by one that adds its seconds to `totals[key]`."""
    fn = getattr(obj, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[key] += time.perf_counter() - start

    setattr(obj, name, wrapper)


def profile_session(checked: Checked, data: dict, folder: Path) -> dict[str, float]:
    """Seconds of one session run by part: the compiled chunks (waited for), drawing the
    batch indices, putting them on the device, checkpoint writes, the final evaluation,
    and the rest of `advance()` (the record's means read back, Python)."""
    session = ready_session(checked, data, folder)
    parts: dict[str, float] = defaultdict(float)

    class Timed:  # a compiled chunk, waited for, so its time is the compute's
        def __init__(self, compiled):
            self.compiled = compiled

        def __call__(self, *args):
            start = time.perf_counter()
            out = jax.block_until_ready(self.compiled(*args))
            parts["compiled chunks"] += time.perf_counter() - start
            return out

    calls = session.calls
    calls._compiled = {k: Timed(v) for k, v in calls._compiled.items()}
    timed(calls, "take", parts, "batch indices (numpy)")
    timed(session.data.placement, "indices", parts, "indices to device")
    timed(session.listeners[0], "save", parts, "checkpoint writes")
    timed(session, "evaluate", parts, "final evaluation")
    chunks = len(chunk_lengths(session))
    start = time.perf_counter()
    while not session.done:
        session.advance()
    total = time.perf_counter() - start
    parts["rest of advance()"] = total - sum(parts.values())
    parts["total"] = total
    parts["chunks"] = chunks
    return dict(parts)


# -- the same network by hand: Equinox + optax + lax.scan ----------------------------------


class HandMLP(eqx.Module):
    layers: list[eqx.nn.Linear]
    act: Callable = eqx.field(static=True)

    def __init__(self, sizes: tuple[int, ...], act: str, *, key: jax.Array):
        keys = jax.random.split(key, len(sizes) - 1)
        self.layers = [
            eqx.nn.Linear(a, b, key=k) for a, b, k in zip(sizes, sizes[1:], keys, strict=False)
        ]
        self.act = jax.nn.sigmoid if act == "sigmoid" else jax.nn.relu

    def __call__(self, x: jax.Array) -> jax.Array:
        """Logits (outputs,) of one example x (inputs,)."""
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
        return self.layers[-1](x)


def hand_runner(net: Network, static, optimizer) -> Callable:
    """`run(params, opt_state, arrays, indices)`: one step per row of `indices` (steps,
    batch), each gathering its batch from `arrays` by index, under `jax.lax.scan`."""
    if net.head == "sigmoid":
        per_example = optax.sigmoid_binary_cross_entropy
    else:
        per_example = optax.softmax_cross_entropy

    def loss_fn(params, batch):
        logits = jax.vmap(eqx.combine(params, static))(batch["x"])
        return jnp.mean(per_example(logits, batch["y"]))

    @jax.jit
    def run(params, opt_state, arrays, indices):
        def body(carry, idx):
            params, opt_state = carry
            batch = {k: a[idx] for k, a in arrays.items()}
            loss, grads = jax.value_and_grad(loss_fn)(params, batch)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            return (optax.apply_updates(params, updates), opt_state), loss

        (params, opt_state), losses = jax.lax.scan(body, (params, opt_state), indices)
        return params, opt_state, losses

    return run


def device_chunks(indices: np.ndarray, lengths: list[int]) -> list[tuple[jax.Array, jax.Array]]:
    """Each chunk's (indices (steps, batch), step numbers (steps,)), put on the device
    before the clock starts: the hand-written loop and the guard's loops pay nothing for
    their data order."""
    chunks, start = [], 0
    for length in lengths:
        numbers = np.arange(start, start + length, dtype=np.int32)
        chunks.append(jax.device_put((indices[start : start + length], numbers)))
        start += length
    return chunks


def hand_timer(net: Network, data: dict, indices: np.ndarray, lengths: list[int]) -> Callable:
    """A function timing the hand-written loop over the same chunks of steps as the
    session, from fresh weights each time (compiled here, once)."""
    model = HandMLP(net.sizes, net.act, key=jax.random.key(0))
    params, static = eqx.partition(model, eqx.is_array)
    optimizer = optax.adam(net.learning_rate)
    opt_state = optimizer.init(params)
    run = hand_runner(net, static, optimizer)
    arrays = jax.device_put({k: jnp.asarray(v) for k, v in data.items()})
    chunks = device_chunks(indices, lengths)
    for idx, _ in chunks:
        jax.block_until_ready(run(params, opt_state, arrays, idx))

    def timer() -> float:
        p, s = params, opt_state
        start = time.perf_counter()
        for idx, _ in chunks:
            p, s, losses = run(p, s, arrays, idx)
        jax.block_until_ready((p, losses))
        return time.perf_counter() - start

    return timer


# -- the guard: chunk_runner(guard="chunk" or "step") against guard="off" --------------------


def guard_runners(checked: Checked, data: dict, indices: np.ndarray, lengths: list[int]):
    """For each guard: a function timing the session's chunks (compiled first)."""
    spec = checked.recipe.train
    model = compose.build(checked, key=jax.random.key(0))
    params, static = eqx.partition(model, eqx.is_array)
    optimizer = make_optimizer(spec)
    opt_state = optimizer.init(model.weights)
    arrays = jax.device_put({k: jnp.asarray(v) for k, v in data.items()})
    chunks = device_chunks(indices, lengths)
    out = {}
    for guard in GUARDS:
        run = chunk_runner(make_step(optimizer), static, None, guard=guard)
        for idx, numbers in chunks:
            jax.block_until_ready(run(params, opt_state, arrays, idx, numbers))

        def timer(run=run):
            p, s = params, opt_state
            start = time.perf_counter()
            for idx, numbers in chunks:
                p, s, bad, values = run(p, s, arrays, idx, numbers)
            jax.block_until_ready((p, s, bad, values))  # all of it, whichever guard
            return time.perf_counter() - start

        out[guard] = timer
    return out


# -- PyTorch eager -------------------------------------------------------------------------


def time_torch(net: Network, data: dict, indices: np.ndarray, steps: int) -> float:
    """Seconds for `steps` PyTorch eager steps (after a few warm-up steps)."""
    import torch

    torch.manual_seed(0)
    layers = []
    for a, b in zip(net.sizes[:-1], net.sizes[1:-1], strict=False):
        layers += [
            torch.nn.Linear(a, b),
            torch.nn.Sigmoid() if net.act == "sigmoid" else torch.nn.ReLU(),
        ]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(net.sizes[-2], net.sizes[-1]))
    if net.head == "sigmoid":
        loss_fn = torch.nn.BCEWithLogitsLoss()
    else:
        loss_fn = torch.nn.CrossEntropyLoss()  # y one-hot: class probabilities as targets
    optimizer = torch.optim.Adam(model.parameters(), lr=net.learning_rate)
    x, y = torch.from_numpy(data["x"]), torch.from_numpy(data["y"])
    order = torch.from_numpy(indices.astype(np.int64))

    def step(i):
        rows = order[i % len(order)]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[rows]), y[rows])
        loss.backward()
        optimizer.step()
        return loss

    for i in range(5):
        step(i)
    start = time.perf_counter()
    for i in range(steps):
        loss = step(i)
    loss.item()
    return time.perf_counter() - start


# -- the run -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """One network made ready: its recipe checked, its data, the session's chunks."""

    net: Network
    steps: int
    torch_steps: int
    data: dict[str, np.ndarray]
    checked: Checked
    lengths: list[int]  # steps per compiled call, as the session takes them
    indices: np.ndarray  # (steps, batch): each step's examples, as the session draws them


def setup(net: Network, steps: int, torch_steps: int, log_every: int | None, tmp: Path) -> Setup:
    data = make_data(net)
    np.savez(tmp / f"{net.name}.npz", **data)
    checked = check(compose.loads(recipe_text(net, steps, tmp / f"{net.name}.npz", log_every)))
    if checked.problems:
        raise SystemExit("\n".join(map(str, checked.problems)))
    probe = Session(checked, data=data, listeners=[Checkpoints(tmp, every=CHECKPOINT_EVERY)])
    probe.prepare()
    lengths, indices = chunk_lengths(probe), probe.calls.take(0, steps)
    while not probe.done:  # a warm-up run: what runs op by op compiles once per shape
        probe.advance()
    return Setup(net, steps, torch_steps, data, checked, lengths, indices)


def paired_ratio(slow: list[float], fast: list[float]) -> float:
    """The median over the rounds of slow / fast, each pair timed in the same round (so
    load that comes and goes hits both of a pair alike). A network timed in several pairs
    a round has more session times than PyTorch or guard times: each of those is paired
    with the round's first session time."""
    if len(slow) != len(fast):
        many, few = (slow, fast) if len(slow) > len(fast) else (fast, slow)
        step, extra = divmod(len(many), len(few))
        assert extra == 0, (len(slow), len(fast))
        many = many[::step]
        slow, fast = (many, few) if len(slow) > len(fast) else (few, many)
    return statistics.median(a / b for a, b in zip(slow, fast, strict=True))


def speed(setups: list[Setup], rounds: int, tmp: Path) -> dict[tuple[str, str], float]:
    """Parts 1-3: steps/s of each contender, rounds alternating, and the ratios. Returns
    the median seconds by (network, contender)."""
    seconds = defaultdict(list)
    guards = {s.net.name: guard_runners(s.checked, s.data, s.indices, s.lengths) for s in setups}
    hands = {s.net.name: hand_timer(s.net, s.data, s.indices, s.lengths) for s in setups}
    for r in range(rounds):
        for s in setups:
            name = s.net.name
            # Whatever is timed first after the network before (a large MLP, PyTorch) finds
            # the caches cold: XOR's hand-written loop took three times as long. So the
            # round's sessions are made ready first, then one untimed run by hand, then
            # session and hand-written runs alternate, each preceded by a run of the other.
            ready = [
                ready_session(s.checked, s.data, tmp / f"{name}-{r}-{pair}")
                for pair in range(s.net.pairs)
            ]
            hands[name]()
            for session in ready:
                total, end = time_session(session)
                seconds[name, "session"].append(total - end)
                seconds[name, "end"].append(end)
                seconds[name, "hand"].append(hands[name]())
            for guard in GUARDS:
                seconds[name, f"guard {guard}"].append(guards[name][guard]())
            # PyTorch last: its OpenMP threads go on spinning for a while after their last
            # step, and slowed whatever was timed next (the guard showed +100% on XOR).
            seconds[name, "torch"].append(time_torch(s.net, s.data, s.indices, s.torch_steps))
    median = {key: statistics.median(v) for key, v in seconds.items()}
    print("\n1-3. steps/s: median of the rounds; ratios ours / theirs: median of each round's")
    print(
        f"{'network':<34} {'chunks':>9} {'session':>8} {'hand':>8} {'ratio':>6} {'end ms':>7}"
        f" {'torch':>7} {'ratio':>7} {'guard':>7} {'by step':>7}"
    )
    for s in setups:
        name = s.net.name
        per_step = {
            key[1]: [t / s.steps for t in v] for key, v in seconds.items() if key[0] == name
        }
        per_step["torch"] = [t / s.torch_steps for t in seconds[name, "torch"]]
        ratio = lambda slow, fast: paired_ratio(per_step[slow], per_step[fast])  # noqa: B023

        rate = {who: 1 / statistics.median(per_step[who]) for who in ("session", "hand", "torch")}
        chunks = f"{len(s.lengths)}x{statistics.median(s.lengths):g}"
        print(
            f"{s.net.label:<34} {chunks:>9} {rate['session']:>8,.0f} {rate['hand']:>8,.0f}"
            f" {ratio('hand', 'session'):>6.3f} {median[name, 'end'] * 1e3:>7.1f}"
            f" {rate['torch']:>7,.0f} {ratio('torch', 'session'):>6.1f}x"
            f" {ratio('guard chunk', 'guard off') - 1:>+7.1%}"
            f" {ratio('guard step', 'guard off') - 1:>+7.1%}"
        )
    print(
        "chunks: compiled calls x median steps per call. session: advance() to the end, "
        "less `end`,\nthe final evaluation and checkpoint in finish(). guard: time the "
        'non-finite check adds\n(chunk_runner guard="chunk" against guard="off", the same '
        'chunks); by step: guard="step",\nwhich a session runs only to find the step of a '
        "call that was not finite. Session and hand-written loop are timed in "
        + ", ".join(f"{s.net.pairs} pair{'s' * (s.net.pairs > 1)}" for s in setups)
        + " a round."
    )
    print("fastest round of each (steps/s), the least disturbed by other load on the machine:")
    for s in setups:
        best = {
            who: (s.torch_steps if who == "torch" else s.steps) / min(seconds[s.net.name, who])
            for who in ("session", "hand", "torch", "guard chunk", "guard off", "guard step")
        }
        print(
            f"  {s.net.name}: session {best['session']:,.0f}, hand {best['hand']:,.0f} "
            f"(ratio {best['session'] / best['hand']:.3f}), torch {best['torch']:,.0f} "
            f"(ratio {best['session'] / best['torch']:.1f}x), guard "
            f"{best['guard off'] / best['guard chunk'] - 1:+.1%}"
        )
    return median


def per_call(fn: Callable, repeat: int = 200) -> float:
    """Median seconds of one call of `fn`."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def breakdown(setups: list[Setup], median: dict, tmp: Path) -> None:
    """Where the session's time goes, one more run per network, and what the pieces of
    advance() that the run does not time separately cost alone."""
    print("\nwhere the session's time goes (one more run each; ms; compiled chunks waited for)")
    for s in setups:
        parts = profile_session(s.checked, s.data, tmp / f"{s.net.name}-profile")
        total, chunks = parts.pop("total"), int(parts.pop("chunks"))
        shown = ", ".join(f"{k} {v * 1e3:.1f}" for k, v in parts.items())
        print(f"{s.net.name}: {s.steps} steps, {chunks} chunks, {total * 1e3:.1f} ms: {shown}")
        pieces = advance_pieces(compose.build(s.checked, key=jax.random.key(0)), s.lengths[0])
        hand = median[s.net.name, "hand"] / s.steps
        print(
            "  alone, per chunk (us): "
            + ", ".join(f"{k} {v * 1e6:.0f}" for k, v in pieces.items())
            + f"; compiled chunks {parts['compiled chunks'] / s.steps * 1e6:.1f} us/step, "
            f"hand-written loop {hand * 1e6:.1f} us/step"
        )


def advance_pieces(model, length: int) -> dict[str, float]:
    """Seconds of the pieces of advance() that the profile does not time separately, each
    measured alone, in a loop (in place, after a call, each takes several times longer):
    the records' means cut from the call's losses, and the model joined from the call's
    arrays and its static part."""
    losses = np.zeros(length, np.float32)
    cuts = np.arange(0, length, max(1, length // 100))
    params, static = eqx.partition(model, eqx.is_array)
    return {
        "means of the log points": per_call(
            lambda: np.add.reduceat(losses.astype(np.float64), cuts).tolist()
        ),
        "combine": per_call(lambda: eqx.combine(params, static)),
    }


def resume(setups: list[Setup], rounds: int, tmp: Path) -> None:
    """Part 4: prepare(resume=folder) against a fresh prepare(); checkpoint size."""
    print(
        "\n4. resume: prepare(resume=folder) vs a fresh prepare() (median; both compile; "
        "the order alternates); sizes in bytes"
    )
    for s in setups:
        folder = tmp / f"{s.net.name}-resume"
        session = Session(s.checked, data=s.data).prepare()
        session.advance()
        path = Checkpoints(folder).save(session)
        weights = sum(a.nbytes for a in jax.tree_util.tree_leaves(session.model.weights))
        times = defaultdict(list)
        for r in range(rounds):
            for what in ("fresh", "resume") if r % 2 == 0 else ("resume", "fresh"):
                start = time.perf_counter()
                again = Session(s.checked, data=s.data)
                again.prepare(resume=checkpoint.resume_from(folder) if what == "resume" else None)
                times[what].append(time.perf_counter() - start)
            start = time.perf_counter()
            checkpoint.latest(folder, session.state_tree())
            times["read"].append(time.perf_counter() - start)
        fresh, resumed, read = (statistics.median(times[k]) for k in ("fresh", "resume", "read"))
        size = path.stat().st_size
        print(
            f"{s.net.name}: fresh {fresh:.3f} s, resume {resumed:.3f} s "
            f"({paired_ratio(times['resume'], times['fresh']):.2f}x), "
            f"checkpoint read alone {read * 1e3:.1f} ms; "
            f"checkpoint {size:,} bytes = {size / weights:.2f}x the weights' {weights:,}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--steps", type=int, nargs=3, metavar=("XOR", "DIGITS", "LARGE"),
        help="steps per run of the session and the hand-written loop, per network "
        f"(default {' '.join(str(n.steps) for n in NETWORKS)})",
    )  # fmt: skip
    parser.add_argument(
        "--torch-steps", type=int, nargs=3, metavar=("XOR", "DIGITS", "LARGE"),
        help=f"PyTorch steps per round (default {' '.join(str(n.torch_steps) for n in NETWORKS)})",
    )  # fmt: skip
    parser.add_argument(
        "--log-every", type=int, help="the recipes' train.log_every (default: the session's own)"
    )
    parser.add_argument("--quick", action="store_true", help="few steps, 2 rounds (seconds)")
    args = parser.parse_args()
    import torch

    rounds = 2 if args.quick else args.rounds
    steps = args.steps or [n.quick_steps if args.quick else n.steps for n in NETWORKS]
    torch_steps = args.torch_steps or [
        max(5, n.torch_steps // 10) if args.quick else n.torch_steps for n in NETWORKS
    ]
    print(
        f"device: {jax.devices()[0].device_kind} ({os.cpu_count()} cores); jax {jax.__version__},"
        f" torch {torch.__version__} ({torch.get_num_threads()} threads); Adam; {rounds} rounds;"
        f" checkpoint every {CHECKPOINT_EVERY} steps; load average {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="train_speed_") as name:
        tmp = Path(name)
        setups = [
            setup(net, n, t, args.log_every, tmp)
            for net, n, t in zip(NETWORKS, steps, torch_steps, strict=True)
        ]
        median = speed(setups, rounds, tmp)
        breakdown(setups, median, tmp)
        resume(setups, 1 if args.quick else rounds, tmp)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
