"""A population on several devices: its variants split over them, each device training its
share; with 4 host devices forced, 16 variants give what they give on one device.

Run in a subprocess: the devices are forced before JAX starts.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

RECIPES = Path(__file__).parents[2] / "recipes"

SCRIPT = textwrap.dedent(
    """
    import contextlib, io, json, sys
    import jax
    import numpy as np
    import compose
    from compose.cli.main import main
    from compose.runs.training import make_population

    def population(devices, count=16):
        recipe = compose.load(sys.argv[1], overrides=["train.steps=30", "train.log_every=10",
                                                      f"train.devices={devices}"])
        vary = {"seed": list(range(count // 2)), "optimizer.adam.learning_rate": [0.01, 0.03]}
        session = make_population(compose.check(recipe), vary)
        session.prepare()
        leaf = jax.tree_util.tree_leaves(session.model.weights)[0]
        where = [len(leaf.sharding.device_set), leaf.addressable_shards[0].data.shape[0]]
        session.run()
        results = {name: {"metrics": r.metrics,
                          "weights": [np.asarray(w).tolist()
                                      for w in jax.tree_util.tree_leaves(r.model.weights)]}
                   for name, r in session.results.items()}
        return {"where": where, "results": results, "warnings": session.warnings}

    def run(*args):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["run", sys.argv[1], "--quiet", "--set", "train.steps=2", *args])
        return code, err.getvalue()

    four, one = population(4), population(1)
    uneven = run("--out", sys.argv[2], "--vary", "seed=0:6", "--set", "train.devices=4")
    fewer = population("all", count=6)
    print(json.dumps({"devices": jax.device_count(), "four": four, "one": one,
                      "uneven": uneven, "fewer": [fewer["where"], fewer["warnings"]]}))
    """
)


def test_sixteen_variants_on_four_devices_give_the_results_of_one(tmp_path):
    env = {**os.environ}
    env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count=4"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(RECIPES / "spirals.yaml"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.splitlines()[-1])
    assert got["devices"] == 4
    four, one = got["four"], got["one"]
    assert four["where"] == [4, 4]  # the variants' weights on four devices, four on each
    assert one["where"] == [1, 16]
    assert four["results"].keys() == one["results"].keys() and len(one["results"]) == 16
    for name, alone in one["results"].items():
        spread = four["results"][name]
        assert spread["metrics"].keys() == alone["metrics"].keys()
        for key, value in alone["metrics"].items():
            assert abs(spread["metrics"][key] - value) <= 1e-5 * max(1.0, abs(value)), name
        for a, b in zip(spread["weights"], alone["weights"], strict=True):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    assert four["warnings"] == one["warnings"] == []

    # Variants that do not split over the devices asked for: a located problem, exit 2.
    code, err = got["uneven"]
    assert code == 2
    assert err.splitlines()[0].endswith(
        "train.devices: expected devices that the 6 variants split over evenly, got 4 "
        "(use 1, 2 or 3 devices, or vary a multiple of 4 settings)"
    ), err
    assert not (tmp_path / "out").exists()
    # Asked for all the devices, the population takes the most that divide its variants.
    assert got["fewer"] == [
        [3, 2],
        [
            "the 6 variants train on 3 of the 4 devices (each device trains an equal share); "
            "vary a multiple of 4 settings to use them all"
        ],
    ]
