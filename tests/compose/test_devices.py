"""Data parallel: with 4 host devices forced, a run gives the losses of a run on one."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

RECIPES = Path(__file__).parents[2] / "recipes"

SCRIPT = textwrap.dedent(
    """
    import json, sys
    import jax
    import compose
    from compose.runs.training import train

    def losses(*overrides):
        recipe = compose.load(sys.argv[1], overrides=["train.steps=40", *overrides])
        logged = []
        result = train(recipe, on_log=logged.append)
        on = len(jax.tree_util.tree_leaves(result.model.weights)[0].sharding.device_set)
        return [r["loss"] for r in logged], [r["val_loss"] for r in logged], on

    four = losses("train.devices=4")
    one = losses("train.devices=1")
    problems = [str(p) for p in compose.check(compose.load(
        sys.argv[1], overrides=["train.devices=4", "train.batch=66"])).problems]
    too_many = [str(p) for p in compose.check(compose.load(
        sys.argv[1], overrides=["train.devices=8"])).problems]
    print(json.dumps({"devices": jax.device_count(), "four": four, "one": one,
                      "problems": problems, "too_many": too_many}))
    """
)


def test_four_devices_give_the_losses_of_one():
    # Added to the flags the suite compiles with (tests/conftest.py), not instead of them.
    flags = os.environ.get("XLA_FLAGS", "")
    env = {**os.environ, "XLA_FLAGS": f"{flags} --xla_force_host_platform_device_count=4"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(RECIPES / "spirals.yaml")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.splitlines()[-1])
    assert got["devices"] == 4
    (four_train, four_val, four_on), (one_train, one_val, one_on) = got["four"], got["one"]
    assert (four_on, one_on) == (4, 1)  # the weights really lived on four devices
    assert len(four_train) == len(one_train) == 40
    for a, b in zip(four_train + four_val, one_train + one_val, strict=True):
        assert abs(a - b) <= 1e-4 * max(1.0, abs(b))
    assert got["problems"] == [
        "--set train.batch=66: train.batch: expected a batch that splits evenly "
        "over 4 devices, got 66 (use a multiple of 4, or train.devices: 1)"
    ]
    assert got["too_many"] == [
        "--set train.devices=8: train.devices: expected at most the 4 devices JAX sees, got 8"
    ]
