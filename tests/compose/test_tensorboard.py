"""TensorBoard logs (compose.runs.tensorboard), read back as TensorBoard reads them: every
number of metrics.jsonl as a scalar at its step, per-node histograms at the norms log's
steps that agree with its norms, the recipe's text, and a population's variants as runs
with their settings as hyperparameters.

Read with TensorBoard's own reader (its EventAccumulator; the `test` extra installs it),
imported by the tests that use it: it takes two seconds, and every test process collects
this file."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import shutil
import sys
import textwrap
from pathlib import Path

import jsonschema
import numpy as np
import pytest

import compose
from compose.checker.schema import recipe_schema
from compose.cli.main import main
from compose.recipe.source import load_file
from compose.runs.tensorboard import RECIPE_TAG, Events, TensorBoard
from compose.runs.training import make_session

RECIPE = """
name: circle
inputs: {x: [2], y: [1]}
nodes:
  hidden: {block: linear, in: x, out: 4}
  bend: {block: tanh, in: hidden}
  logit: {block: linear, in: bend, out: 1}
  prob: {block: sigmoid, in: logit}
  loss: {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob]
loss: loss
train:
  data: {dataset: circle, n: 64, val: 0.25}
  batch: 16
  steps: 100
  log_every: 10
  validate: {every: 20}
  metrics: [accuracy]
  optimizer: {adam: {learning_rate: 0.05}}
"""
BATCH = 16


def run(*args) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([str(a) for a in args])
    return code, err.getvalue()


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A run whose recipe asks for its TensorBoard log in `tb` (inside its run folder)."""
    root = tmp_path_factory.mktemp("tensorboard")
    recipe = root / "circle.yaml"
    recipe.write_text(RECIPE + "  log: {tensorboard: tb}\n")
    code, err = run("run", recipe, "--out", root / "run", "--quiet")
    assert code == 0, err
    return root / "run"


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    """Two seeds by two learning rates, logged with --tensorboard DIR."""
    root = tmp_path_factory.mktemp("tensorboard")
    recipe = root / "circle.yaml"
    recipe.write_text(RECIPE.replace("steps: 100", "steps: 40"))
    vary = ["--vary", "seed=0:2", "--vary", "optimizer.adam.learning_rate=0.01,0.05"]
    code, err = run("run", recipe, "--out", root / "pop", "--tensorboard", root / "logs", *vary)
    assert code == 0, err
    return root / "pop", root / "logs" / "pop"


class Accumulated:
    """An event folder read by TensorBoard's EventAccumulator, keeping every event."""

    def __init__(self, folder: Path):
        from tensorboard.backend.event_processing import event_accumulator as accumulator

        keep = {"scalars": 0, "histograms": 0, "tensors": 0}
        self.acc = accumulator.EventAccumulator(str(folder), size_guidance=keep)
        self.acc.Reload()

    def tags(self, kind: str) -> set[str]:
        return set(self.acc.Tags()[kind])

    def scalars(self, tag):
        return [(e.step, e.value) for e in self.acc.Scalars(tag)]

    def histograms(self, tag):
        return [(e.step, e.histogram_value) for e in self.acc.Histograms(tag)]

    def text(self, tag):
        return [(e.step, e.tensor_proto.string_val[0].decode()) for e in self.acc.Tensors(tag)]

    def hparams(self) -> dict[str, bytes]:
        return dict(self.acc.PluginTagToContent("hparams"))


def read(folder: Path) -> Accumulated:
    return Accumulated(folder)


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def numbers(record: dict) -> dict[str, float]:
    return {k: v for k, v in record.items() if k != "step" and isinstance(v, (int, float))}


def test_every_number_of_the_metrics_log_is_a_scalar_at_its_step(made):
    log = read(made / "tb")
    metrics = lines(made / "metrics.jsonl")
    expected: dict[str, list] = {}
    for record in metrics:
        for key, value in numbers(record).items():
            expected.setdefault(key, []).append((record["step"], np.float32(value)))
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "seconds"} <= set(expected)
    assert log.tags("scalars") == set(expected)
    for key, points in expected.items():  # float32, as a TensorBoard scalar holds it
        assert log.scalars(key) == points, key
    assert [s for s, _ in log.scalars("val_loss")] == [20, 40, 60, 80, 100]


def test_histograms_for_each_node_agree_with_the_norms_log(made):
    log = read(made / "tb")
    norms = lines(made / "norms.jsonl")
    assert [n["step"] for n in norms] == [50, 100]  # five log intervals
    graded = ["hidden", "bend", "logit"]  # prob is fused into the loss, the loss is left out
    weights = ["hidden.weight", "hidden.bias", "logit.weight", "logit.bias"]
    tags = {f"gradients/{n}" for n in graded}
    tags |= {f"{kind}/{w}" for w in weights for kind in ("weights", "weight_gradients")}
    assert log.tags("histograms") == tags
    size = {"hidden": 4, "bend": 4, "logit": 1}
    for line in norms:
        step = line["step"]
        for node in graded:
            ((at, histogram),) = [h for h in log.histograms(f"gradients/{node}") if h[0] == step]
            assert histogram.num == BATCH * size[node] == sum(histogram.bucket)
            norm = math.sqrt(histogram.sum_squares)
            assert norm == pytest.approx(line["nodes"][node]["grad"], rel=1e-5)
        for weight in weights:
            got = dict(log.histograms(f"weights/{weight}"))[step]
            assert math.sqrt(got.sum_squares) == pytest.approx(
                line["weights"][weight]["norm"], rel=1e-5
            )
            got = dict(log.histograms(f"weight_gradients/{weight}"))[step]
            assert math.sqrt(got.sum_squares) == pytest.approx(
                line["weights"][weight]["grad"], rel=1e-5
            )
    # the last histogram's weights are the trained model's
    trained = np.asarray(compose.load_run(made).model.weights["hidden"]["weight"], np.float64)
    last = dict(log.histograms("weights/hidden.weight"))[100]
    assert (last.min, last.max, last.num) == (trained.min(), trained.max(), trained.size)
    assert last.sum == pytest.approx(trained.sum(), abs=1e-6)


def test_the_recipe_text_is_the_run_folders(made):
    ((step, text),) = read(made / "tb").text(f"{RECIPE_TAG}/text_summary")
    assert step == 0
    assert text.startswith("    ")  # a code block, as TensorBoard's Markdown shows it
    assert textwrap.dedent(text) + "\n" == (made / "recipe.yaml").read_text()


def test_each_variant_is_a_run_with_its_settings_as_hyperparameters(population):
    from tensorboardX.proto.plugin_hparams_pb2 import HParamsPluginData

    folder, logs = population
    summary = json.loads((folder / "summary.json").read_text())
    assert sorted(p.name for p in logs.iterdir()) == sorted(
        Path(v["folder"]).name for v in summary["variants"].values()
    )
    for name, variant in summary["variants"].items():
        own = folder / variant["folder"]
        log = read(logs / Path(variant["folder"]).name)
        found = {
            tag: HParamsPluginData.FromString(content) for tag, content in log.hparams().items()
        }
        start = found["_hparams_/session_start_info"].session_start_info
        got = {k: v.number_value for k, v in start.hparams.items()}
        assert got == variant["settings"], name
        experiment = found["_hparams_/experiment"].experiment
        shown = {m.name.tag for m in experiment.metric_infos}
        assert shown == {"loss", "accuracy", "val_loss", "val_accuracy"}
        assert {h.name for h in experiment.hparam_infos} == set(variant["settings"])
        end = found["_hparams_/session_end_info"].session_end_info
        assert end.status == 1  # STATUS_SUCCESS
        for key in ("loss", "val_accuracy", "seconds"):
            expected = [
                (r["step"], np.float32(r[key])) for r in lines(own / "metrics.jsonl") if key in r
            ]
            assert log.scalars(key) == expected, (name, key)
        ((_, text),) = log.text(f"{RECIPE_TAG}/text_summary")
        assert textwrap.dedent(text) + "\n" == (own / "recipe.yaml").read_text()
        assert log.tags("histograms") == set()  # a population measures nothing inside


def recipe_file(folder: Path, text: str = RECIPE) -> Path:
    (folder / "circle.yaml").write_text(text)
    return folder / "circle.yaml"


def test_python_train_writes_below_the_folder_given(tmp_path):
    recipe = compose.load(recipe_file(tmp_path), overrides=["train.steps=20"])
    compose.train(recipe, tensorboard=tmp_path / "logs")
    (own,) = (tmp_path / "logs").iterdir()
    assert own.name == "circle"  # no run folder: the recipe's name
    assert Accumulated(own).scalars("loss")[-1][0] == 20


def test_a_recipe_log_without_a_run_folder_is_said_not_written(tmp_path):
    recipe = compose.load(recipe_file(tmp_path, RECIPE + "  log: {tensorboard: tb}\n"))
    session = make_session(compose.check(recipe))
    assert not any(isinstance(x, TensorBoard) for x in session.listeners)
    assert session.warnings == [
        "train.log.tensorboard: no TensorBoard logs are written: tb is inside the run folder, "
        "and this run has none (give it one, or a tensorboard folder)"
    ]


def test_without_the_extra_the_run_is_refused_naming_it(tmp_path, monkeypatch):
    recipe = recipe_file(tmp_path)
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # import tensorboardX fails
    monkeypatch.setitem(sys.modules, "tensorboardX.summary", None)
    code, err = run("run", recipe, "--out", tmp_path / "run", "--tensorboard", tmp_path / "tb")
    assert code == 2
    assert err.strip().splitlines() == [
        f"--tensorboard {tmp_path / 'tb'}: expected tensorboardX to write TensorBoard logs, "
        "got it not installed (install the tensorboard extra: pip install "
        '"blockcompose[tensorboard]" (or pip install -e ".[tensorboard]"))'
    ]
    assert not (tmp_path / "run").exists() and not (tmp_path / "tb").exists()


@pytest.mark.parametrize(
    "folder, message",
    [
        ("../elsewhere", 'got "../elsewhere", which leads outside it'),
        ("tb/../../x", 'got "tb/../../x", which leads outside it'),
        ("/tmp/tb", 'got "/tmp/tb", which leads outside it'),
        ("3", "expected a folder inside the run folder, relative to it, like tensorboard"),
    ],
)
def test_a_recipe_writes_its_log_inside_its_run_folder_only(tmp_path, folder, message):
    recipe = tmp_path / "r.yaml"
    value = folder if folder == "3" else json.dumps(folder)
    recipe.write_text(RECIPE + f"  log: {{tensorboard: {value}}}\n")
    code, err = run("check", recipe)
    assert code == 2
    assert "r.yaml:20:22: train.log.tensorboard: " in err and message in err
    validator = jsonschema.Draft202012Validator(recipe_schema())
    errors = list(validator.iter_errors(load_file(recipe).data))
    assert [e.json_path for e in errors] == ["$.train.log.tensorboard"]


def test_a_link_put_where_the_log_goes_is_refused_on_resume(made, tmp_path):
    folder = Path(shutil.copytree(made, tmp_path / "run", symlinks=True))
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.rmtree(folder / "tb")
    os.symlink(outside, folder / "tb")
    code, err = run("run", "--resume", folder, "--set", "train.steps=120", "--quiet")
    assert code == 2
    assert "tb: expected a file or folder of its own, got a symbolic link to" in err
    assert list(outside.iterdir()) == []


def test_a_resumed_run_has_tensorboard_drop_what_was_logged_after_its_checkpoint(made, tmp_path):
    from tensorboardX import summary as tensorboard_summary

    folder = Path(shutil.copytree(made, tmp_path / "run", symlinks=True))
    late = Events(folder / "tb")  # what a run killed after its checkpoint (at 100) logged
    late.add(110, tensorboard_summary.scalar("loss", 999.0))
    late.close()
    code, err = run("run", "--resume", folder, "--set", "train.steps=120", "--quiet")
    assert code == 0, err
    expected = [(r["step"], np.float32(r["loss"])) for r in lines(folder / "metrics.jsonl")]
    assert Accumulated(folder / "tb").scalars("loss") == expected
    assert expected[-3:] == [(s, expected[-3 + i][1]) for i, s in enumerate((100, 110, 120))]
