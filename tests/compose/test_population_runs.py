"""A population's folder says what its variants did as runs' folders do: log lines on the
log grid only, however calls fell, the same after a resume; the statuses of single runs;
numbers as the rest of the tool shows them, in 100 columns; an old checkpoint refused
with the reason."""

import json
from pathlib import Path
from types import SimpleNamespace

import jax
import numpy as np
import pytest

import compose
from compose.checker import optimizers
from compose.cli.main import main
from compose.runs import checkpoint
from compose.runs.population_folder import EARLIER_LAYOUT
from compose.runs.training import make_population, train
from compose.runtime.shown import number
from compose.trainer.listener import Listener
from compose.trainer.population import Population
from compose.trainer.variant_notes import distribution
from tests.compose.run_folders import copy

RECIPES = Path(__file__).parents[2] / "recipes"
GRID = ["train.steps=300", "train.log_every=20"]


def xor(*overrides):
    return compose.load(RECIPES / "xor.yaml", overrides=[*GRID, *overrides])


def lines(path: Path) -> list[dict]:
    """A metrics.jsonl's records, without their `seconds` (the training time so far)."""
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return [{k: v for k, v in r.items() if k != "seconds"} for r in records]


def logs(folder: Path) -> dict[str, list[dict]]:
    """The population's lines ("") and each variant's, by name."""
    out = {"": lines(folder / "metrics.jsonl")}
    for variant in sorted((folder / "variants").iterdir()):
        out[variant.name] = lines(variant / "metrics.jsonl")
    return out


class Every(Listener):
    """Asks for the model every `every` steps (a call ends there); Ctrl-C at `stop_at`."""

    def __init__(self, every, stop_at=None):
        self.every, self.stop_at = every, stop_at

    def advanced(self, session):
        if session.step == self.stop_at:
            raise KeyboardInterrupt


def test_population_lines_are_on_the_grid_wherever_calls_end_and_after_a_resume(tmp_path, capsys):
    """Checkpoints, listeners and a Ctrl-C end calls off the log grid (every 7 or 13 steps,
    at 210): the lines of the population and of each variant must not change."""
    vary = {"seed": [0, 1]}

    def population(folder, recipe, listeners=()):
        made = make_population(compose.check(recipe), vary, folder=folder, listeners=listeners)
        return made.prepare()

    population(tmp_path / "paced", xor("train.checkpoint={every: 70}")).run()
    each = xor("train.checkpoint={every: 7, seconds: 0}")  # calls end at 7, 14, 21...
    population(tmp_path / "each", each, [Every(13)]).run()
    first = population(tmp_path / "resumed", each, [Every(210, stop_at=210)])
    with pytest.raises(KeyboardInterrupt):
        first.run()
    first.finish("interrupted by Ctrl-C")
    summary = json.loads((tmp_path / "resumed" / "summary.json").read_text())
    assert (summary["status"], summary["steps"]) == ("interrupted", 210)
    for name in ("seed=0", "seed=1"):
        own = json.loads((tmp_path / "resumed" / "variants" / name / "summary.json").read_text())
        assert (own["status"], own["steps"], own["stopped"]) == (
            "interrupted",
            210,
            "interrupted by Ctrl-C",
        )
    assert [r["step"] for r in lines(tmp_path / "resumed" / "metrics.jsonl")] == list(
        range(20, 201, 20)
    )
    assert main(["run", "--resume", str(tmp_path / "resumed"), "--quiet"]) == 0
    capsys.readouterr()
    expected = logs(tmp_path / "paced")
    assert list(expected) == ["", "seed=0", "seed=1"]
    for name, records in expected.items():
        assert [r["step"] for r in records] == list(range(20, 301, 20)), name
    assert logs(tmp_path / "each") == expected
    assert logs(tmp_path / "resumed") == expected
    # Each line is what the run of its seed alone logs (the means of the same steps), and
    # the population's, the mean of its variants'.
    for seed in (0, 1):
        train(xor(f"train.seed={seed}"), folder=tmp_path / f"alone{seed}")
        alone = lines(tmp_path / f"alone{seed}" / "metrics.jsonl")
        together = expected[f"seed={seed}"]
        assert [r["step"] for r in alone] == [r["step"] for r in together]
        for a, b in zip(alone, together, strict=True):
            assert b["loss"] == pytest.approx(a["loss"], rel=1e-5, abs=1e-7)
            assert b["accuracy"] == pytest.approx(a["accuracy"], abs=1e-6)
    for step, mean in enumerate(expected[""]):
        losses = [expected[f"seed={s}"][step]["loss"] for s in (0, 1)]
        assert mean["loss"] == pytest.approx(np.mean(losses), rel=1e-12)


# A regression whose plain SGD diverges from a learning rate of 0.4 on: the loss of that
# variant stops being finite at step 9, between two log points (5 and 10).
DIVERGING = """
name: diverging
inputs: {x: [2], y: [1]}
nodes:
  hidden: {block: linear, in: x, out: 4}
  logit: {block: linear, in: hidden, out: 1}
  loss: {block: mse, in: {pred: logit, target: y}}
outputs: [logit]
loss: loss
train:
  data: {dataset: xor}
  batch: 4
  steps: 40
  log_every: 5
  optimizer: {sgd: {learning_rate: 0.1}}
"""
RATES = "optimizer.sgd.learning_rate"


def test_a_failed_variant_logs_to_its_last_good_step_and_says_failed(cli, tmp_path):
    code, out, err = cli(DIVERGING, "run", "r.yaml", "--out", "pop", "--quiet",
                         "--vary", f"{RATES}=0.1,0.4")  # fmt: skip
    assert code == 0, err
    each = "train.checkpoint={every: 7, seconds: 0}"  # calls end at 7, 14...: 9 is in one
    code, _, err = cli(DIVERGING, "run", "r.yaml", "--out", "each", "--quiet",
                       "--vary", f"{RATES}=0.1,0.4", "--set", each)  # fmt: skip
    assert code == 0, err
    # The same lines, at the same steps, however calls fell. (Their numbers agree to
    # rounding only: a call that was not finite is taken again by another compiled program,
    # which rounds otherwise, and the diverging variant's numbers grow it fast.)
    straight, each = logs(tmp_path / "pop"), logs(tmp_path / "each")
    assert list(each) == list(straight)
    for name, records in straight.items():
        assert [list(r) for r in each[name]] == [list(r) for r in records], name
        for a, b in zip(records, each[name], strict=True):
            assert b == {k: pytest.approx(v, rel=1e-4) for k, v in a.items()}, name
    alone = compose.train(
        compose.loads(DIVERGING, overrides=["train.optimizer.sgd.learning_rate=0.4"]),
        folder=tmp_path / "alone",
    )
    assert alone.status == "failed" and alone.steps == 8
    failed = logs(tmp_path / "pop")["learning_rate=0.4"]
    reference = lines(tmp_path / "alone" / "metrics.jsonl")
    assert [r["step"] for r in failed] == [r["step"] for r in reference] == [5, 8]
    for a, b in zip(reference, failed, strict=True):
        assert b["loss"] == pytest.approx(a["loss"], rel=1e-3)
    # The population's lines: the mean over the variants that reached each step.
    population = logs(tmp_path / "pop")
    assert [r["step"] for r in population[""]] == list(range(5, 41, 5))
    assert population[""][0]["loss"] == pytest.approx(
        np.mean(
            [population[name][0]["loss"] for name in ("learning_rate=0.1", "learning_rate=0.4")]
        )
    )
    assert population[""][1]["loss"] == population["learning_rate=0.1"][1]["loss"]
    summary = json.loads((tmp_path / "pop" / "summary.json").read_text())
    assert summary["status"] == "finished"
    assert {n: (v["status"], v["steps"]) for n, v in summary["variants"].items()} == {
        "learning_rate=0.1": ("finished", 40),
        "learning_rate=0.4": ("failed", 8),
    }
    assert "the variants ended: 1 finished, 1 failed" in summary["notes"]
    assert "note: the variants ended: 1 finished, 1 failed" in out.splitlines()
    own = json.loads(
        (tmp_path / "pop" / "variants" / "learning_rate=0.4" / "summary.json").read_text()
    )
    assert (own["status"], own["steps"], own["failure"]["step"]) == ("failed", 8, 9)
    assert own["stopped"] == "the loss stopped being finite at step 9"


def test_a_population_whose_every_variant_failed_has_failed(cli, tmp_path):
    code, out, err = cli(DIVERGING, "run", "r.yaml", "--out", "pop", "--quiet",
                         "--vary", f"{RATES}=0.4,0.5")  # fmt: skip
    assert (code, err) == (1, ["stopped: the loss stopped being finite in every variant"])
    assert out.startswith("diverging: 2 variants failed after 8 of 40 steps")
    summary = json.loads((tmp_path / "pop" / "summary.json").read_text())
    assert (summary["status"], summary["steps"]) == ("failed", 8)
    assert summary["stopped"] == "the loss stopped being finite in every variant"
    assert {n: (v["status"], v["steps"]) for n, v in summary["variants"].items()} == {
        "learning_rate=0.4": ("failed", 8),
        "learning_rate=0.5": ("failed", 5),
    }
    # The last to fail logs to its last good step, 8: the population's last line is there.
    assert [r["step"] for r in lines(tmp_path / "pop" / "metrics.jsonl")] == [5, 8]
    assert summary["notes"][-2:] == [
        "variant learning_rate=0.4: the loss stopped being finite at step 9",
        "variant learning_rate=0.5: the loss stopped being finite at step 6",
    ]
    # Calls that end at 7 find the second variant's failure first: the same lines, notes.
    each = "train.checkpoint={every: 7, seconds: 0}"
    code, _, err = cli(DIVERGING, "run", "r.yaml", "--out", "each", "--quiet",
                       "--vary", f"{RATES}=0.4,0.5", "--set", each)  # fmt: skip
    assert code == 1, err
    again = json.loads((tmp_path / "each" / "summary.json").read_text())
    assert (again["status"], again["steps"], again["notes"]) == ("failed", 8, summary["notes"])
    assert [r["step"] for r in lines(tmp_path / "each" / "metrics.jsonl")] == [5, 8]


MOONS = """
name: moons_with_a_long_name
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
  data: {dataset: moons, n: 200, noise: 0.3, val: 0.25, test: 0.25}
  batch: 10
  steps: 600
  log_every: 10
  optimizer: {adam: {learning_rate: 0.05}}
  metrics: [accuracy]
  early_stop: {metric: val_loss, patience: 4}
"""


def test_what_a_population_prints_fits_100_columns_and_says_how_it_ended(cli, tmp_path):
    code, out, err = cli(MOONS, "run", "r.yaml", "--out", "pop", "--quiet",
                         "--vary", "seed=0:4")  # fmt: skip
    assert code == 0, err
    printed = out.splitlines()
    assert max(map(len, printed)) <= 100, printed
    summary = json.loads((tmp_path / "pop" / "summary.json").read_text())
    assert summary["status"] == "early_stopped"
    assert {v["status"] for v in summary["variants"].values()} == {"early_stopped"}
    last = max(v["steps"] for v in summary["variants"].values())
    assert summary["steps"] == last < 600
    assert printed[0].startswith(
        f"moons_with_a_long_name: 4 variants stopped early after {last} of 600 steps"
    )
    start = next(i for i, line in enumerate(printed) if line.startswith("mean of the 4 variants:"))
    test = next(
        i for i, line in enumerate(printed) if line.startswith("test, mean of the 4 variants:")
    )
    shown = " ".join(printed[start:test]).removeprefix("mean of the 4 variants:").split()
    tested = " ".join(printed[test : test + 2]).removeprefix("test, mean of the 4 variants:")
    values = dict(zip(shown[::2], shown[1::2], strict=True))
    assert list(values) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    means = summary["metrics"]
    for key, text in values.items():
        own = [v["metrics"][key] for v in summary["variants"].values()]
        assert means[key] == pytest.approx(np.mean(own), rel=1e-12)
        assert text == number(means[key])
    assert tested.split()[:2] == ["test_loss", number(means["test_loss"])]


def test_the_notes_never_show_minus_zero():
    results = {
        f"seed={i}": SimpleNamespace(metrics={"loss": -0.0, "accuracy": -0.0}, status="finished")
        for i in range(2)
    }
    variants = [SimpleNamespace(name=n, settings=(("seed", 0),)) for n in results]
    population = SimpleNamespace(results=results, variants=variants, failures={})
    assert distribution(population) == [
        "2 of 2 seeds reach accuracy 0.0",
        "loss: median 0, best 0, worst 0",
    ]


def test_a_checkpoint_of_an_earlier_population_trainer_is_refused_with_the_reason(
    cli, tmp_path, xor_seeds
):
    """Before a population held in its optimizer state only the arguments it varies, it held
    them all (here the learning rate, for every variant): such a checkpoint cannot go on."""
    text = (RECIPES / "xor.yaml").read_text()
    copy(xor_seeds, tmp_path / "pop")  # --vary seed=0:2, 40 steps
    recipe = compose.load(tmp_path / "pop" / "recipe.yaml")
    fresh = Population(recipe, dict(recipe.train.vary)).prepare()
    path = tmp_path / "pop" / checkpoint.FILE
    tree, header = checkpoint.read(path, fresh.state_skeleton)
    earlier = optimizers.make(recipe.train, inject=("learning_rate",))
    tree["opt_state"] = jax.vmap(earlier.init)(tree["model"].weights)
    # Its header as that version wrote it: the variants' rows in the record, no tallies.
    kept = {k: v for k, v in header.items() if k not in ("bytes", "sha256", "tallies")}
    kept["record"] = {
        **kept["record"],
        "variants": {"seed=0": {"loss": 0.6}, "seed=1": {"stopped_at": 20}},
    }
    for _ in range(2):  # and the one before it, kept as .prev, too
        checkpoint.write(tmp_path / "pop", tree, kept)
    code, out, err = cli(text, "run", "--resume", "pop", "--quiet", "--set", "train.steps=80")
    assert code == 2
    assert err == [
        f"{Path('pop') / checkpoint.FILE}: {EARLIER_LAYOUT} (its variants' folders still load "
        "for compose inspect and compose plot; to train again, start a new population from "
        f"{Path('pop') / 'recipe.yaml'})"
    ]
    assert EARLIER_LAYOUT == (
        "expected the variants' weights and optimizer state as this version of the population "
        "trainer keeps them, got arrays of other shapes: the checkpoint was written by an "
        "earlier version and cannot be resumed"
    )
