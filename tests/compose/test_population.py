"""Populations: variants trained at once by one program end where separate runs end."""

import json
from pathlib import Path
from types import SimpleNamespace

import jax
import numpy as np
import pytest

import compose
from compose.checker.variants import parse_vary, variants
from compose.cli.variant_table import variant_table
from compose.runs.checkpoint import resume_from
from compose.runs.training import Callbacks, make_population
from compose.trainer.listener import Listener
from compose.trainer.population import Population
from tests.compose.run_folders import copy

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
    assert lines[0].startswith("xor: 8 variants trained 2000 steps (2000 epochs)")
    table = lines.index("8 variants by loss, lowest first:")
    assert lines[table - 1].startswith("mean of the 8 variants: loss ")
    assert lines[table + 1].split() == ["variant", "loss", "accuracy"]
    assert len(lines) == table + 2 + 8 + 2 + 1
    assert lines[-3] == "note: 3 of 8 seeds reach accuracy 1.0"
    summary = json.loads((tmp_path / "pop" / "summary.json").read_text())
    assert summary["status"] == "finished" and len(summary["variants"]) == 8
    accuracies = [v["metrics"]["accuracy"] for v in summary["variants"].values()]
    assert sum(a == 1.0 for a in accuracies) == 3
    run = compose.load_run(tmp_path / "pop" / "variants" / "seed=6")
    recipe, model = run.recipe, run.model
    assert recipe.train.seed == 6
    probs = jax.vmap(lambda x: model({"x": x})["prob"][0])(
        np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    )
    assert list(np.asarray(probs) > 0.5) == [False, True, True, False]


def test_what_would_change_a_shape_cannot_vary_in_one_population(cli):
    """A recipe's own train.vary is one population; --vary makes a group (test_group.py)."""
    text = (RECIPES / "xor.yaml").read_text()
    vary = "train.vary={nodes.hidden.out: [2, 3]}"
    code, out, err = cli(text, "run", "r.yaml", "--quiet", "--set", vary)
    assert code == 2
    assert err == [
        f"--set {vary}: train.vary: vary: expected one of seed, optimizer.adam.ARGUMENT, "
        "penalty.l1, penalty.l2, nodes.NODE.HYPERPARAMETER or nodes.NODE.WEIGHT.ARGUMENT "
        "(numbers that change no shape), got 'nodes.hidden.out' (linear's out changes a shape "
        "or the compiled program; a population varies dropout's rate, noise's stddev; --vary "
        "on the command line trains each value as a program of its own)"
    ]
    code, out, err = cli(text, "run", "r.yaml", "--quiet", "--vary", "seed=a:b")
    assert err == ["--vary seed=a:b: expected a range of whole numbers like 0:20, got 'a:b'"]


def test_each_refused_key_says_why():
    def said(vary, *overrides):
        recipe = compose.loads(NOISY, overrides=[f"train.vary={vary}", *overrides])
        return [(p.message.split(", got ")[-1], p.hint) for p in compose.check(recipe).problems]

    assert said("{nodes.hidden.weight.scale: [1.0]}") == [
        (
            "'nodes.hidden.weight.scale'",
            "weight 'hidden.weight' starts from normal, whose numeric arguments are stddev",
        )
    ]
    assert said("{nodes.logit.weight.stddev: [1.0]}") == [
        (
            "'nodes.logit.weight.stddev'",
            "weight 'logit.weight' starts from lecun_normal, which takes no numeric "
            "arguments: give it one that does, e.g. weight: {init: normal, stddev: 0.1}",
        )
    ]
    assert said("{penalty.l1: [0.1]}", "train.penalty={l2: 0.01}") == [
        (
            "'penalty.l1'",
            "the recipe's penalty is l2: vary penalty.l2",
        )
    ]
    recipe = compose.loads(NOISY, overrides=["train.vary={nodes.drop.rate: [0.1, 1.5]}"])
    assert [p.message for p in compose.check(recipe).problems] == [
        "vary: expected a value in [0, 1) for 'nodes.drop.rate', got 1.5"
    ]
    recipe = compose.loads(NOISY, overrides=["train.vary={penalty.l2: [-1]}"])
    assert [p.message for p in compose.check(recipe).problems] == [
        "vary: expected a value >= 0 for 'penalty.l2', got -1"
    ]


EARLY = "train.early_stop={metric: loss, patience: 5, min_delta: 0.001}"

# A small network with dropout and noise, and a hidden weight drawn with a scale to vary.
NOISY = """
name: noisy
inputs: {x: [2], y: [1]}
nodes:
  hidden: {block: linear, in: x, out: 8, weight: {init: normal, stddev: 0.5}}
  bend: {block: tanh, in: hidden}
  drop: {block: dropout, in: bend, rate: 0.2}
  jitter: {block: noise, in: drop, stddev: 0.1}
  logit: {block: linear, in: jitter, out: 1}
  prob: {block: sigmoid, in: logit}
  loss: {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob]
loss: loss
train:
  data: {dataset: xor}
  batch: 4
  steps: 200
  optimizer: {adam: {learning_rate: 0.05}}
  metrics: [accuracy]
"""


def assert_same_weights(a, b, **tolerance):
    leaves_a, leaves_b = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    assert len(leaves_a) == len(leaves_b)
    for x, y in zip(leaves_a, leaves_b, strict=True):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), **(tolerance or TOLERANCE))


# The vmapped program sums in another order: weights of size ~3 drift by ~1e-5 over 200 steps.
TOLERANCE = {"rtol": 1e-4, "atol": 1e-4}


@pytest.mark.parametrize(
    "key, values, setting, label",
    [
        ("penalty.l2", [0.0, 0.01], "train.penalty={{l2: {}}}", "l2"),
        ("nodes.drop.rate", [0.0, 0.5], "nodes.drop.rate={}", "drop.rate"),
        ("nodes.jitter.stddev", [0.0, 0.3], "nodes.jitter.stddev={}", "jitter.stddev"),
        (
            "nodes.hidden.weight.stddev", [0.1, 2.0], "nodes.hidden.weight.stddev={}",
            "hidden.weight.stddev",
        ),
    ],
)  # fmt: skip
def test_each_variant_ends_where_a_run_with_its_setting_ends(key, values, setting, label):
    population = Population(compose.loads(NOISY), {key: values}).prepare()
    population.run()
    for value in values:
        alone = compose.train(compose.loads(NOISY, overrides=[setting.format(value)]))
        together = population.results[f"{label}={value}"]
        assert together.metrics["loss"] == pytest.approx(alone.metrics["loss"], rel=1e-4)
        assert_same_weights(together.model.weights, alone.model.weights)


def test_a_variant_folder_holds_its_setting(tmp_path):
    checked = compose.check(compose.loads(NOISY))
    vary = {"nodes.hidden.weight.stddev": [2.0], "nodes.drop.rate": [0.5], "penalty.l1": [0.01]}
    population = make_population(checked, vary, folder=tmp_path / "pop").prepare()
    population.run()
    name = "hidden.weight.stddev=2.0,drop.rate=0.5,l1=0.01"
    run = compose.load_run(tmp_path / "pop" / "variants" / name)
    recipe, model = run.recipe, run.model
    hidden, drop = (next(n for n in recipe.nodes if n.name == k) for k in ("hidden", "drop"))
    assert hidden.weight("weight").init_args == (("stddev", 2.0),)
    assert dict(drop.hypers)["rate"] == 0.5 and recipe.train.penalty == ("l1", 0.01)
    assert_same_weights(model.weights, population.results[name].model.weights, rtol=0, atol=0)


def test_an_interrupted_population_resumes_to_the_same_weights(tmp_path):
    recipe = xor("train.steps=400", "train.checkpoint={every: 100}")
    vary = {"seed": [0, 1], "optimizer.adam.learning_rate": [0.05]}
    straight = Population(recipe, vary).prepare()
    straight.run()

    class Interrupt(Listener):
        every = 180  # a compiled call ends there, so Ctrl-C can land at that step

        def logged(self, session, record):
            if record["step"] == 180:
                raise KeyboardInterrupt

    folder = tmp_path / "pop"
    first = make_population(compose.check(recipe), vary, folder=folder, listeners=[Interrupt()])
    first.prepare()
    with pytest.raises(KeyboardInterrupt):
        first.run()
    first.finish("interrupted")
    assert json.loads((folder / "summary.json").read_text())["status"] == "interrupted"
    again = compose.check(compose.load(folder / "recipe.yaml"))
    assert dict(again.recipe.train.vary) == {
        "seed": (0, 1),
        "optimizer.adam.learning_rate": (0.05,),
    }
    resumed = make_population(again, dict(again.recipe.train.vary), folder=folder, resume=True)
    resumed.prepare(resume=resume_from(folder))
    assert resumed.step == 180
    resumed.run()
    for name, result in straight.results.items():
        assert_same_weights(
            resumed.results[name].model.weights, result.model.weights, rtol=0, atol=0
        )
    steps = [
        json.loads(line)["step"] for line in (folder / "metrics.jsonl").read_text().splitlines()
    ]
    assert steps == list(range(4, 401, 4))
    own = (folder / "variants" / "seed=1,learning_rate=0.05" / "metrics.jsonl").read_text()
    assert [json.loads(line)["step"] for line in own.splitlines()] == steps


@pytest.fixture(scope="module")
def early():
    """XOR's seeds 0, 1 and 2 with early stopping, trained straight through (read-only)."""
    population = Population(xor(EARLY, "train.steps=600"), {"seed": [0, 1, 2]}).prepare()
    population.run()
    return population


def test_early_stopping_resumes_where_it_was(tmp_path, early):
    """Checkpoints every 60 steps, Ctrl-C at 420, resumed: where the straight run ends."""
    recipe = xor(EARLY, "train.steps=600", "train.checkpoint={every: 60}")
    straight = early

    def interrupt(record):
        if record["step"] == 420:  # seeds 1 and 2 stopped at 306, seed 0 goes on to 510
            raise KeyboardInterrupt

    folder = tmp_path / "pop"
    first = make_population(
        compose.check(recipe), {"seed": [0, 1, 2]}, folder=folder, listeners=[Callbacks(interrupt)]
    ).prepare()
    with pytest.raises(KeyboardInterrupt):
        first.run()
    first.finish("interrupted")
    again = compose.check(compose.load(folder / "recipe.yaml"))
    resumed = make_population(again, dict(again.recipe.train.vary), folder=folder, resume=True)
    resumed.prepare(resume=resume_from(folder))
    assert resumed.early_stopped == {"seed=1": 306, "seed=2": 306}
    resumed.run()
    assert resumed.result.stopped.startswith("early stop: every variant stopped improving")
    for name, result in straight.results.items():
        own = resumed.results[name]
        assert (own.steps, own.best_step, own.stopped) == (
            result.steps,
            result.best_step,
            result.stopped,
        )
        assert_same_weights(own.model.weights, result.model.weights, rtol=0, atol=0)


def test_the_cli_resumes_a_population(cli, tmp_path, xor_seeds):
    text = (RECIPES / "xor.yaml").read_text()
    copy(xor_seeds, tmp_path / "pop")  # --vary seed=0:2, 40 steps
    code, out, err = cli(text, "run", "--resume", "pop", "--quiet", "--vary", "seed=0:3")
    assert (code, err) == (2, ["--vary: expected no --vary with --resume: the population's "
                               "folder keeps its variants"])  # fmt: skip
    code, out, err = cli(text, "run", "--resume", "pop", "--quiet", "--set", "train.steps=80")
    assert code == 0, err
    assert out.startswith("xor: 2 variants trained 80 steps")
    lines = (tmp_path / "pop" / "variants" / "seed=1" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == list(range(1, 81))


def test_each_variant_stops_early_on_its_own(early):
    population = early
    stopped = [r.steps for r in population.results.values()]
    assert min(stopped) < max(stopped) < 600, "expected variants to stop at different steps"
    for seed in range(3):
        alone = compose.train(xor(EARLY, "train.steps=600", f"train.seed={seed}"))
        together = population.results[f"seed={seed}"]
        assert (together.steps, together.best_step) == (alone.steps, alone.best_step)
        assert together.stopped == alone.stopped
        assert_same_weights(together.model.weights, alone.model.weights)


def test_the_table_says_each_variant_best_step(cli):
    text = (RECIPES / "xor.yaml").read_text()
    code, out, err = cli(text, "run", "r.yaml", "--quiet", "--vary", "seed=0:3", "--set",
                         "train.early_stop={metric: loss, patience: 5, min_delta: 0.001}",
                         "--set", "train.steps=600")  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    table = lines.index("3 variants by loss (what early stopping watched), lowest first:")
    assert lines[table + 1].split() == ["variant", "loss", "accuracy", "best", "step", "stopped"]
    rows = [line.split() for line in lines[table + 2 : table + 5]]
    assert all(row[3].isdigit() and row[4].isdigit() for row in rows)
    assert (
        lines[table + 5]
        == "stopped: early stop, loss did not improve for 5 evaluations; best weights kept"
    )


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


def test_a_variant_name_keeps_the_node_it_sets():
    """`rate=0` could be any node's rate: the name says which node, and stays one a key."""
    names = lambda vary: [v.name for v in variants(vary)]  # noqa: E731
    assert names({"nodes.drop.rate": [0, 0.5]}) == ["drop.rate=0", "drop.rate=0.5"]
    assert names({"nodes.hidden.weight.stddev": [2.0], "seed": [1]}) == [
        "hidden.weight.stddev=2.0,seed=1"
    ]
    assert names({"optimizer.adam.learning_rate": [0.1], "penalty.l2": [0.01]}) == [
        "learning_rate=0.1,l2=0.01"
    ]
    # A node named like the penalty: each label still names one key.
    both = names({"nodes.penalty.l2": [1], "penalty.l2": [2]})
    assert both == ["nodes.penalty.l2=1,penalty.l2=2"]


def test_inspect_looks_inside_every_variant(cli, xor_seeds):
    text = (RECIPES / "xor.yaml").read_text()
    pop = str(xor_seeds)  # --vary seed=0:2, 40 steps
    code, out, err = cli(text, "inspect", pop, "--json")
    assert code == 0, err
    found = json.loads(out)
    assert [v["variant"] for v in found] == ["seed=0", "seed=1"]
    code, out, err = cli(text, "inspect", pop)
    starts = [line for line in out.splitlines() if line.startswith("variant ")]
    assert len(starts) == 2 and starts[1].startswith("variant seed=1: xor: trained 40 steps")


# Two moons with a validation split; with early stopping on val_loss its variants stop apart.
MOONS = """
name: moons
inputs: {x: [2], y: [1]}
nodes:
  hidden: {block: linear, in: x, out: 8}
  bend: {block: tanh, in: hidden}
  logit: {block: linear, in: bend, out: 1}
  prob: {block: sigmoid, in: logit}
  loss: {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob]
loss: loss
train:
  data: {dataset: moons, n: 200, noise: 0.3, val: 0.25}
  batch: 10
  steps: 400
  log_every: 10
  optimizer: {adam: {learning_rate: 0.02}}
  metrics: [accuracy]
"""
EARLY_VAL = "train.early_stop={metric: val_loss, patience: 4}"


def test_a_seed_variant_is_the_run_of_that_seed_alone():
    """Seed 3 of a population is the run `train.seed: 3` makes: the same initial weights,
    batches, keys and optimizer program (its constant arguments are not held per variant
    unless they vary); only the rounding of the variants' batched products differs, a few
    float32 steps after 400 steps."""
    population = Population(compose.loads(MOONS), {"seed": [0, 1, 2, 3]}).prepare()
    population.run()
    for seed in range(4):
        alone = compose.train(compose.loads(MOONS, overrides=[f"train.seed={seed}"]))
        together = population.results[f"seed={seed}"]
        assert together.steps == alone.steps == 400
        for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
            assert together.metrics[key] == pytest.approx(alone.metrics[key], rel=1e-6), key


def test_the_table_is_ordered_by_the_watched_metric_and_fits_100_columns(cli, tmp_path):
    code, out, err = cli(MOONS, "run", "r.yaml", "--out", "pop", "--quiet", "--vary", "seed=0:4",
                         "--vary", "optimizer.adam.learning_rate=0.02,0.05", "--set", EARLY_VAL,
                         "--set", "train.steps=600")  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    start = lines.index("8 variants by val_loss (what early stopping watched), lowest first:")
    table = lines[start : start + 11]
    assert max(map(len, table)) <= 100, table
    assert table[1].split() == [
        "variant", "val_loss", "loss", "accuracy", "val_accuracy", "best", "step", "stopped"
    ]  # fmt: skip
    pop = tmp_path / "pop"
    summary = json.loads((pop / "summary.json").read_text())["variants"]
    best_first = sorted(summary, key=lambda name: summary[name]["metrics"]["val_loss"])
    rows = [row.split() for row in table[2:10]]
    assert [row[0] for row in rows] == best_first
    assert [float(row[1]) for row in rows] == [
        pytest.approx(summary[name]["metrics"]["val_loss"], abs=5e-4) for name in best_first
    ]
    steps = {n: json.loads((pop / summary[n]["folder"] / "summary.json").read_text())["steps"]
             for n in best_first}  # fmt: skip
    assert [int(row[-1]) for row in rows] == [steps[name] for name in best_first]
    assert max(steps.values()) < 600, "expected every variant to stop early"
    # The reason, shared by every variant, is said once.
    assert table[10] == (
        "stopped: early stop, val_loss did not improve for 4 evaluations; best weights kept"
    )
    assert out.count("did not improve") == 1


def test_a_wide_table_leaves_out_the_last_metrics_and_says_so():
    names = [f"seed={i},learning_rate=0.001,hidden.weight.stddev=0.5" for i in range(3)]
    keys = ("loss", "accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy")
    results = {
        name: SimpleNamespace(metrics={k: 0.25 + i / 1000 for k in keys}, best_step=None)
        for i, name in enumerate(names)
    }
    results[names[0]].metrics["loss"] = 0.5  # the worst loss
    population = SimpleNamespace(
        results=results, spec=SimpleNamespace(early_stop=None), early_stopped={},
        failures={names[2]: 40},
    )  # fmt: skip
    lines = variant_table(population).splitlines()
    assert max(map(len, lines)) <= 100, lines
    assert lines[0] == "3 variants by loss, lowest first:"
    assert lines[1].split() == ["variant", "loss", "accuracy", "val_loss", "stopped"]
    assert [line.split()[0] for line in lines[2:5]] == [names[1], names[2], names[0]]
    assert [line.split()[-1] for line in lines[2:5]] == ["-", "40", "-"]
    assert lines[5:] == [
        "stopped: the loss stopped being finite; it keeps its last good weights",
        "left out for width: val_accuracy, test_loss, test_accuracy "
        "(the run's summary.json has them)",
    ]
