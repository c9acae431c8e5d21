"""Groups: `--vary` over settings that change the program trains one population per
setting, each seed of which ends where a run of its settings alone ends."""

import json
import shutil
from pathlib import Path

import jax
import numpy as np
import pytest

import compose
from compose.checker.sweep import member_recipes, members, split
from compose.checker.variants import parse_vary, variants
from compose.trainer.population import Population
from tests.compose.run_folders import command

RECIPES = Path(__file__).parents[2] / "recipes"
XOR = RECIPES / "xor.yaml"
STEPS = "train.steps=50"
WIDTHS = (1, 2, 8)


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    """XOR at three widths x four seeds, 50 steps: a group of three populations."""
    folder = tmp_path_factory.mktemp("group") / "widths"
    vary = ["--vary", "nodes.hidden.out=1,2,8", "--vary", "train.seed=0:4"]
    code, out, err = command("run", XOR, "--out", folder, "--quiet", "--set", STEPS, *vary)
    assert code == 0, err
    return folder, out


def variant_summaries(folder: Path, width: int) -> dict[str, dict]:
    """Each seed's summary, read from its own variant folder of the width's member."""
    own = folder / f"hidden.out={width}" / "variants"
    return {p.name: json.loads((p / "summary.json").read_text()) for p in sorted(own.iterdir())}


def test_each_setting_is_a_population_and_each_seed_the_run_alone(group):
    folder, out = group
    index = json.loads((folder / "group.json").read_text())
    assert list(index["members"]) == [f"hidden.out={w}" for w in WIDTHS]
    assert index["programs"] == ["nodes.hidden.out"] and index["within"] == ["train.seed=0:4"]
    assert out.splitlines()[0] == (
        "xor: a group of 3 programs, one for each setting of nodes.hidden.out"
    )
    for width in WIDTHS:
        seeds = variant_summaries(folder, width)
        assert list(seeds) == [f"seed={s}" for s in range(4)]
        kept = compose.load(folder / f"hidden.out={width}" / "variants" / "seed=0" / "recipe.yaml")
        assert dict(kept.nodes[0].hypers)["out"] == width
        for seed in range(4):
            overrides = [STEPS, f"nodes.hidden.out={width}", f"train.seed={seed}"]
            alone = compose.train(compose.load(XOR, overrides=overrides))
            together = seeds[f"seed={seed}"]["metrics"]
            assert together["loss"] == pytest.approx(alone.metrics["loss"], rel=1e-4, abs=1e-6)
            assert together["accuracy"] == alone.metrics["accuracy"]


def test_compare_counts_the_seeds_that_reach_the_threshold(group, tmp_path):
    folder, _ = group
    picture = tmp_path / "accuracy.png"
    code, out, err = command("compare", folder, "--solved", "accuracy>=1", "--out", picture)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "accuracy by setting:"
    assert lines[1].split() == ["setting", "seeds", "median", "lowest", "highest", "accuracy>=1"]
    for width, line in zip(WIDTHS, lines[2:5], strict=True):
        accuracies = [s["metrics"]["accuracy"] for s in variant_summaries(folder, width).values()]
        solved = sum(a >= 1 for a in accuracies)
        cells = line.split()
        assert cells[:2] == [f"hidden.out={width}", "4"]
        assert [float(c) for c in cells[2:5]] == pytest.approx(
            [np.median(accuracies), min(accuracies), max(accuracies)], abs=5e-4
        )
        assert cells[5:] == [f"{solved}/4", "=", f"{solved / 4:g}"]
    assert lines[5:] == [str(picture)]
    assert picture.read_bytes().startswith(b"\x89PNG")
    code, out, err = command("compare", folder, "--metric", "loss", "--json")
    rows = json.loads(out)  # the JSON alone: the picture's path goes to stderr
    for width, row in zip(WIDTHS, rows, strict=True):
        losses = [s["metrics"]["loss"] for s in variant_summaries(folder, width).values()]
        assert row["setting"] == f"hidden.out={width}"
        assert row["median"] == pytest.approx(np.median(losses), rel=1e-12)
        assert (row["lowest"], row["highest"]) == (min(losses), max(losses))
    assert err[-1] == str(folder / "plots" / "compare.png")
    members = [folder / f"hidden.out={w}" for w in (1, 8)]  # two populations of seeds
    code, out, err = command("compare", *members, "--out", tmp_path / "two.png")
    assert code == 0, err
    assert [line.split()[:2] for line in out.splitlines()[2:4]] == [
        ["hidden.out=1", "4"],
        ["hidden.out=8", "4"],
    ]


def test_compare_refuses_a_metric_the_runs_lack(group):
    folder, _ = group
    code, _, err = command("compare", folder, "--solved", "acuracy>=1")
    assert (code, err) == (
        2,
        ["--solved: expected a metric the runs have, got 'acuracy' (did you mean 'accuracy'?)"],
    )
    code, _, err = command("compare", folder, "--solved", "accuracy=1")
    assert (code, err) == (
        2,
        ["--solved accuracy=1: expected METRIC>=NUMBER like val_accuracy>=1, got 'accuracy=1'"],
    )


def test_a_group_resumes_the_members_that_have_not_ended(group, tmp_path):
    folder = tmp_path / "widths"
    shutil.copytree(group[0], folder)
    index = json.loads((folder / "group.json").read_text())
    index["members"]["hidden.out=8"]["status"] = "pending"  # as if stopped before it began
    (folder / "group.json").write_text(json.dumps(index))
    shutil.rmtree(folder / "hidden.out=8")
    kept = (folder / "hidden.out=1" / "summary.json").read_bytes()
    code, out, err = command("run", "--resume", folder, "--quiet")
    assert code == 0, err
    assert "[3/3] hidden.out=8" in out and "[1/3]" not in out and "[2/3]" not in out
    assert (folder / "hidden.out=1" / "summary.json").read_bytes() == kept
    again, before = variant_summaries(folder, 8), variant_summaries(group[0], 8)
    assert {k: v["metrics"] for k, v in again.items()} == {
        k: v["metrics"] for k, v in before.items()
    }
    assert json.loads((folder / "group.json").read_text())["status"] == "finished"
    code, _, err = command("run", "--resume", folder, "--vary", "seed=0:2")
    assert (code, err) == (
        2,
        ["--vary: expected no --vary with --resume: the group's folder keeps its settings"],
    )
    (folder / "group.json").write_text('{"members": 3}')
    code, _, err = command("run", "--resume", folder)
    assert (code, err) == (2, [f"{folder / 'group.json'}: damaged: expected a group's index "
                               "(members, each with its folder and status)"])  # fmt: skip


def test_a_bad_setting_stops_the_group_before_it_starts(tmp_path):
    code, _, err = command("run", XOR, "--out", tmp_path / "g", "--vary", "nodes.hiden.out=1,2")
    assert (code, err) == (2, [
        "--vary nodes.hiden.out=1,2: vary: expected a node of the recipe in 'nodes.hiden.out', "
        "got 'hiden' (did you mean 'hidden'?)"
    ])  # fmt: skip
    code, _, err = command("run", XOR, "--out", tmp_path / "g", "--vary", "nodes.hidden.out=1,0",
                           "--vary", "seed=0,-1")  # fmt: skip
    assert code == 2
    assert err == [
        "--vary seed=0,-1: vary: expected seeds from 0 to 2**32 - 1, got [0, -1]",
        "--vary nodes.hidden.out=1,0: nodes.hidden.out: node 'hidden' (linear): expected a "
        "positive value, got 0",
    ]
    assert not (tmp_path / "g").exists()


# Two dropout nodes sharing one rate.
TWO_DROPS = """
name: two_drops
inputs: {x: [2], y: [1]}
nodes:
  hidden: {block: linear, in: x, out: 4}
  drop1: {block: dropout, in: hidden, rate: 0.2}
  bend: {block: tanh, in: drop1}
  drop2: {block: dropout, in: bend, rate: 0.2}
  logit: {block: linear, in: drop2, out: 1}
  prob: {block: sigmoid, in: logit}
  loss: {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob]
loss: loss
train:
  data: {dataset: xor}
  batch: 4
  steps: 30
  optimizer: {adam: {learning_rate: 0.05}}
"""

# A width given by a param, a repeated network, and dropout.
SHAPED = """
name: shaped
params: {width: 4}
networks:
  step:
    inputs: {h: [4]}
    nodes:
      a: {block: linear, in: h, out: 4}
      b: {block: tanh, in: a}
    outputs: [b]
inputs: {x: [2], y: [1]}
nodes:
  hidden: {block: linear, in: x, out: 4}
  drop1: {block: dropout, in: hidden, rate: 0.2}
  body: {network: step, in: drop1, repeat: 2}
  drop2: {block: dropout, in: body, rate: 0.2}
  wide: {block: linear, in: drop2, out: $width}
  logit: {block: linear, in: wide, out: 1}
  prob: {block: sigmoid, in: logit}
  loss: {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob]
loss: loss
train:
  data: {dataset: xor}
  batch: 4
  steps: 30
  optimizer: {adam: {learning_rate: 0.05}}
"""


def test_tied_keys_take_each_value_together():
    assert parse_vary("nodes.drop1.rate,nodes.drop2.rate=0,0.5") == (
        "nodes.drop1.rate,nodes.drop2.rate",
        [0, 0.5],
    )
    assert parse_vary("nodes.act.block=relu,tanh") == ("nodes.act.block", ["relu", "tanh"])
    tied = {"nodes.drop1.rate,nodes.drop2.rate": [0.0, 0.5], "seed": [3]}
    assert [(v.name, v.settings) for v in variants(tied)] == [
        ("drop1.rate=drop2.rate=0.0,seed=3",
         (("nodes.drop1.rate", 0.0), ("nodes.drop2.rate", 0.0), ("seed", 3))),
        ("drop1.rate=drop2.rate=0.5,seed=3",
         (("nodes.drop1.rate", 0.5), ("nodes.drop2.rate", 0.5), ("seed", 3))),
    ]  # fmt: skip
    population = Population(compose.loads(TWO_DROPS), tied).prepare()
    population.run()
    overrides = ["nodes.drop1.rate=0.5", "nodes.drop2.rate=0.5", "train.seed=3"]
    alone = compose.train(compose.loads(TWO_DROPS, overrides=overrides))
    together = population.results["drop1.rate=drop2.rate=0.5,seed=3"]
    assert together.metrics["loss"] == pytest.approx(alone.metrics["loss"], rel=1e-4)
    other = population.results["drop1.rate=drop2.rate=0.0,seed=3"]
    assert other.metrics["loss"] != pytest.approx(alone.metrics["loss"], rel=1e-4)


def test_params_repeats_and_tied_widths_make_a_program_each(tmp_path):
    recipe_file = tmp_path / "r.yaml"
    recipe_file.write_text(SHAPED)
    texts = ["params.width=3,5", "nodes.body.repeat=1,3", "nodes.drop1.rate=0.1,0.3"]
    vary = dict(parse_vary(t) for t in texts)
    recipe = compose.load(recipe_file)
    shaped, within = split(recipe, vary)
    assert (list(shaped), list(within)) == (["params.width", "nodes.body.repeat"],
                                            ["nodes.drop1.rate"])  # fmt: skip
    group = members(shaped)
    assert [m.name for m in group] == [
        "width=3,body.repeat=1", "width=3,body.repeat=3",
        "width=5,body.repeat=1", "width=5,body.repeat=3",
    ]  # fmt: skip
    made = member_recipes(str(recipe_file), [], group, within, dict(zip(vary, texts, strict=True)))
    for recipe, (width, repeat) in zip(made, [(3, 1), (3, 3), (5, 1), (5, 3)], strict=True):
        # The weights' shapes as build makes them, traced without computing their values.
        checked = compose.check(recipe)
        model = jax.eval_shape(lambda key, c=checked: compose.build(c, key), jax.random.key(0))
        assert model.weights["wide"]["weight"].shape == (width, 4)
        copies = (repeat,) if repeat > 1 else ()  # repeated copies stacked on a leading axis
        assert model.weights["body"]["a"]["weight"].shape == (*copies, 4, 4)
    tied_widths = members({"nodes.hidden.out,nodes.body.a.out": [2, 8]})
    assert [(m.name, m.overrides) for m in tied_widths] == [
        ("hidden.out=body.a.out=2", ["nodes.hidden.out=2", "nodes.body.a.out=2"]),
        ("hidden.out=body.a.out=8", ["nodes.hidden.out=8", "nodes.body.a.out=8"]),
    ]
