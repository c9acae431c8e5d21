"""`compose predict` throughput on a CSV file of many rows, against plain code that loads
the model and calls it on the same rows already in memory.

    python bench/predict_speed.py [--rows 1000000]

Trains the small three-class CSV classifier of tests/compose/csv_runs.py (with
`standardize`) in a temporary folder, writes a CSV file of `--rows` rows of its three
columns, then times, each in a fresh process:

- `compose predict RUN --data big.csv --out out.csv --quiet` (read, transform, predict and
  write the file a chunk at a time), wall time of the whole command;
- the baseline: a `python -c` program that loads the model with `compose.load_run`, has
  the rows as a float32 array in memory, standardises them and calls
  `jax.jit(jax.vmap(model))` on them in one batch (compiled and warmed up first), timing
  only that call;

and prints rows per second of each and their ratio.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

BASELINE = """
import sys, time, numpy as np, jax, compose
run = compose.load_run(sys.argv[1])
x = np.load(sys.argv[2])
call = jax.jit(jax.vmap(run.model))
scaled = run.transforms.scaled({"x": x})
jax.block_until_ready(call(scaled))  # compiled and warmed up
began = time.perf_counter()
jax.block_until_ready(call(run.transforms.scaled({"x": x})))
print(time.perf_counter() - began)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    from tests.compose.csv_runs import rows, train_blobs

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        blobs = train_blobs(folder)
        x, _ = rows(1000, seed=1)
        block = "".join(",".join(f"{v:.4f}" for v in row) + "\n" for row in x)
        repeats = -(-args.rows // 1000)
        with open(folder / "big.csv", "w") as f:
            f.write("a,b,c\n")
            for _ in range(repeats):
                f.write(block)
        import numpy as np

        np.save(folder / "big.npy", np.tile(x.astype(np.float32), (repeats, 1)))
        n = repeats * 1000
        command = [sys.executable, "-m", "compose.cli", "predict", str(blobs["run"]),
                   "--data", str(folder / "big.csv"), "--out", str(folder / "out.csv"),
                   "--quiet"]  # fmt: skip
        began = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        predict = time.perf_counter() - began
        done = subprocess.run(
            [sys.executable, "-c", BASELINE, str(blobs["run"]), str(folder / "big.npy")],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        baseline = float(done.stdout.split()[-1])
    print(f"rows: {n:,}")
    print(f"compose predict (whole command, CSV in and out): {predict:.2f} s, "
          f"{n / predict:,.0f} rows/s")  # fmt: skip
    print(f"model called on the rows in memory (one jitted call): {baseline:.3f} s, "
          f"{n / baseline:,.0f} rows/s")  # fmt: skip
    print(f"ratio: compose predict takes {predict / baseline:,.0f} times as long")


if __name__ == "__main__":
    main()
