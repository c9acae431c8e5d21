"""Populations: variants trained at once by one program end where separate runs end."""

import json
from pathlib import Path

import jax
import numpy as np
import pytest

import compose
from compose.population import Population
from compose.variants import parse_vary, variants

RECIPES = Path(__file__).parents[2] / "recipes"


def xor(*overrides):
    return compose.load(RECIPES / "xor.yaml", overrides=["train.steps=300", *overrides])


def test_a_population_of_seeds_ends_where_separate_runs_end():
    population = Population(xor(), {"seed": [0, 1, 2, 3]}).prepare()
    population.run()
    for seed in range(4):
        alone = compose.train(xor(f"train.seed={seed}"))
        together = population.results[f"seed={seed}"]
        assert together.metrics["loss"] == pytest.approx(alone.metrics["loss"], rel=1e-4, abs=1e-6)
        for a, b in zip(jax.tree_util.tree_leaves(together.model.weights),
                        jax.tree_util.tree_leaves(alone.model.weights), strict=True):  # fmt: skip
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5)


def test_learning_rates_vary_through_the_optimizer_state():
    population = Population(xor(), {"optimizer.adam.learning_rate": [0.01, 0.3]}).prepare()
    population.run()
    for rate in (0.01, 0.3):
        alone = compose.train(xor(f"train.optimizer.adam.learning_rate={rate}"))
        together = population.results[f"learning_rate={rate}"]
        assert together.metrics["loss"] == pytest.approx(alone.metrics["loss"], rel=1e-4)


def test_the_cli_trains_a_population_and_writes_each_variant(cli, tmp_path):
    text = (RECIPES / "xor.yaml").read_text()
    code, out, err = cli(text, "run", "r.yaml", "--out", "pop", "--quiet", "--vary", "seed=0:8")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("xor: 8 variants trained 2000 steps in ")
    assert lines[1].split() == ["variant", "loss", "accuracy"]
    assert len(lines) == 1 + 1 + 8 + 2 + 1
    assert lines[-3] == "note: 3 of 8 seeds reach accuracy 1.0"
    summary = json.loads((tmp_path / "pop" / "summary.json").read_text())
    assert summary["status"] == "finished" and len(summary["variants"]) == 8
    accuracies = [v["metrics"]["accuracy"] for v in summary["variants"].values()]
    assert sum(a == 1.0 for a in accuracies) == 3
    recipe, model = compose.load_run(tmp_path / "pop" / "variants" / "seed=6")
    assert recipe.train.seed == 6
    probs = jax.vmap(lambda x: model({"x": x})["prob"][0])(
        np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    )
    assert list(np.asarray(probs) > 0.5) == [False, True, True, False]


def test_what_would_change_a_shape_cannot_vary(cli):
    text = (RECIPES / "xor.yaml").read_text()
    code, out, err = cli(text, "run", "r.yaml", "--quiet", "--vary", "nodes.hidden.out=2,3")
    assert code == 2
    assert err == [
        "--vary nodes.hidden.out=2,3: vary: expected one of seed or optimizer.adam.ARGUMENT "
        "(numbers that change no shape), got 'nodes.hidden.out' (known: optimizer.adam.b1, "
        "optimizer.adam.b2, optimizer.adam.eps, optimizer.adam.eps_root, "
        "optimizer.adam.learning_rate, seed)"
    ]
    code, out, err = cli(text, "run", "r.yaml", "--quiet", "--vary", "seed=a:b")
    assert err == ["--vary seed=a:b: expected a range of whole numbers like 0:20, got 'a:b'"]


def test_a_recipe_can_hold_its_grid():
    recipe = xor("train.vary={seed: [0, 1], optimizer.adam.learning_rate: [0.01, 0.05]}")
    assert compose.check(recipe).problems == ()
    grid = variants(dict(recipe.train.vary))
    assert [v.name for v in grid] == [
        "seed=0,learning_rate=0.01",
        "seed=0,learning_rate=0.05",
        "seed=1,learning_rate=0.01",
        "seed=1,learning_rate=0.05",
    ]
    bad = xor("train.vary={seed: [-1]}", "train.schedule={cosine_decay_schedule: {decay_steps: 9}}")
    assert [p.message for p in compose.check(bad).problems] == [
        "vary: expected seeds from 0 to 2**32 - 1, got [-1]"
    ]
    assert parse_vary("seed=0:3") == ("seed", [0, 1, 2])
    assert parse_vary("optimizer.sgd.momentum=0.5,0.9") == ("optimizer.sgd.momentum", [0.5, 0.9])


def test_inspect_looks_inside_every_variant(cli, tmp_path):
    text = (RECIPES / "xor.yaml").read_text()
    cli(text, "run", "r.yaml", "--out", "pop", "--quiet", "--vary", "seed=0:2", "--set",
        "train.steps=50")  # fmt: skip
    code, out, err = cli(text, "inspect", "pop", "--json")
    assert code == 0, err
    found = json.loads(out)
    assert [v["variant"] for v in found] == ["seed=0", "seed=1"]
    code, out, err = cli(text, "inspect", "pop")
    starts = [line for line in out.splitlines() if line.startswith("variant ")]
    assert len(starts) == 2 and starts[1].startswith("variant seed=1: xor: trained 50 steps")
