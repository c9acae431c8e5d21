"""`compose plot`: the pictures of a run folder, as files a user opens."""

import doctest
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import compose
from compose.cli.main import main
from compose.plot import curves as plot_curves
from compose.plot import model_pictures as plot_model
from compose.plot import run_plots as plot
from compose.plot.curves import PANEL
from compose.plot.model_pictures import BOUNDARY, units_layout
from tests.compose.plot_pictures import decision_pixels, drawn_once, pixels, png_size
from tests.test_layout import imports

RECIPES = Path(__file__).parents[2] / "recipes"


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xor") / "run"
    compose.train(compose.load(RECIPES / "xor.yaml"), folder=folder)
    (folder / plot.NORMS).unlink(missing_ok=True)  # each test says whether it has one
    return folder


@pytest.fixture(scope="module")
def spirals_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spirals") / "run"
    overrides = ["train.steps=600", "train.data.n=400"]
    compose.train(compose.load(RECIPES / "spirals.yaml", overrides=overrides), folder=folder)
    (folder / plot.NORMS).unlink(missing_ok=True)
    return folder


def plot_cli(capsys, *args):
    code = main(["plot", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


# Each run's pictures are drawn once (most of a test's time is matplotlib's): the tests
# that read them never change them.
@pytest.fixture(scope="module")
def xor_pictures(xor_run, tmp_path_factory):
    return drawn_once(xor_run, tmp_path_factory.mktemp("xor") / "pictures")


@pytest.fixture(scope="module")
def spirals_pictures(spirals_run, tmp_path_factory):
    return drawn_once(spirals_run, tmp_path_factory.mktemp("spirals") / "pictures")


def test_plot_writes_curves_boundary_and_units_and_prints_their_paths(xor_pictures):
    out = xor_pictures.folder
    assert (xor_pictures.code, xor_pictures.err) == (0, [])
    names = ["curves.png", "boundary.png", "units-hidden.png", "units-bend.png"]
    assert xor_pictures.lines == [str(out / name) for name in names]
    assert png_size(out / "curves.png") == pixels((2 * PANEL[0], PANEL[1]))  # loss, accuracy
    assert png_size(out / "boundary.png") == pixels(BOUNDARY)
    assert png_size(out / "units-hidden.png") == pixels(units_layout(2).size)


def test_plot_writes_into_the_run_folder_by_default(xor_run, tmp_path, capsys):
    folder = shutil.copytree(xor_run, tmp_path / "run")
    code, lines, _ = plot_cli(capsys, folder)
    assert code == 0
    assert lines[0] == str(folder / "plots" / "curves.png")
    assert all(Path(line).parent == folder / "plots" for line in lines)


def test_spirals_pictures_have_a_validation_curve_and_32_units_a_node(
    spirals_run, spirals_pictures
):
    lines = spirals_pictures.lines
    assert spirals_pictures.code == 0
    assert [Path(line).name for line in lines] == [
        "curves.png",
        "boundary.png",
        "units-h1.png",
        "units-a1.png",
        "units-h2.png",
        "units-a2.png",
    ]
    assert png_size(spirals_pictures.folder / "units-a2.png") == pixels(units_layout(32).size)
    records = plot.read_jsonl(spirals_run / "metrics.jsonl")
    fig = plot_curves.curves_figure([("", records)])
    assert [line.get_label() for line in fig.axes[0].lines] == ["training", "validation"]


@pytest.mark.parametrize("run", ["xor_run", "spirals_run"])
def test_decision_picture_shows_each_class_region_in_its_colour(run, request):
    folder = request.getfixturevalue(run)
    pictures = request.getfixturevalue(run.replace("_run", "_pictures"))
    assert pictures.code == 0
    seen = decision_pixels(folder, pictures.folder / "boundary.png")
    for computed, drawn in seen.values():
        np.testing.assert_allclose(drawn, computed, atol=0.03)
    assert np.abs(seen[0][1] - seen[1][1]).max() > 0.3  # orange and blue, not alike
    # Class 0 is orange (more red than blue), class 1 blue.
    assert seen[0][1][0] > seen[0][1][2] and seen[1][1][2] > seen[1][1][0]


def test_hidden_nodes_are_the_vectors_before_the_output_layer(xor_run, spirals_run):
    xor = compose.load_run(xor_run).model
    assert plot_model.plane(xor.plan).hidden == ("hidden", "bend")
    spirals = compose.load_run(spirals_run).model
    found = plot_model.plane(spirals.plan)
    assert (found.input, found.label, found.hidden) == ("x", "y", ("h1", "a1", "h2", "a2"))


SINE = """\
name: sine
inputs: {x: [1], y: [1]}
nodes:
  hidden: {block: linear, in: x, out: 8}
  bend: {block: tanh, in: hidden}
  out: {block: linear, in: bend, out: 1}
  loss: {block: mse, in: {pred: out, target: y}}
outputs: [out]
loss: loss
train:
  data: {dataset: sine, n: 64}
  batch: 16
  steps: 20
  optimizer: {adam: {learning_rate: 0.01}}
"""


def test_a_model_that_reads_neither_a_line_nor_a_plane_gets_curves_only(tmp_path, capsys):
    text = SINE.replace("x: [1]", "x: [3]").replace(
        "dataset: sine, n: 64", "dataset: parity, n: 64, length: 3"
    )
    result = compose.train(compose.loads(text), folder=tmp_path / "run")
    assert plot_model.plane(result.model.plan) is None
    code, lines, err = plot_cli(capsys, tmp_path / "run", "--out", tmp_path / "out")
    assert (code, err) == (0, [])
    drawn = [Path(line).name for line in lines]
    assert drawn == ["curves.png"] + (["norms.png"] if "norms.png" in drawn else [])


def test_a_regression_over_the_plane_gets_its_prediction_drawn(tmp_path, capsys):
    text = SINE.replace("x: [1]", "x: [2]").replace(
        "dataset: sine, n: 64", "dataset: circle, n: 64"
    )
    compose.train(compose.loads(text), folder=tmp_path / "run")
    code, lines, err = plot_cli(capsys, tmp_path / "run", "--out", tmp_path / "out")
    assert (code, err) == (0, [])
    drawn = [Path(line).name for line in lines if not line.endswith("norms.png")]
    assert drawn == ["curves.png", "prediction.png", "units-hidden.png", "units-bend.png"]
    assert png_size(tmp_path / "out" / "prediction.png") == pixels(BOUNDARY)


def test_norms_picture_from_norms_jsonl(xor_run, tmp_path, capsys):
    folder = shutil.copytree(xor_run, tmp_path / "run")
    lines = [
        {
            "step": step,
            "nodes": {
                "hidden": {"grad": 10 / step**2, "act": 0.5},
                "bend": {"grad": 0.3 / step, "act": 0.4},
                "prob": {"grad": 0.0, "act": 0.5},
            },
            "weights": {
                "hidden.weight": {"norm": 1.3, "grad": 0.04, "update": 0.01 / step},
                "logit.weight": {
                    "norm": 2.0,
                    "grad": 0.02,
                    "update": None if step == 100 else 1e-4,
                },
            },
        }
        for step in (100, 200, 300)
    ]
    (folder / plot.NORMS).write_text("".join(json.dumps(line) + "\n" for line in lines))
    code, printed, err = plot_cli(capsys, folder, "--out", tmp_path / "out")
    assert (code, err) == (0, [])
    assert printed[1] == str(tmp_path / "out" / "norms.png")
    assert png_size(printed[1]) == pixels((3 * PANEL[0], PANEL[1] + 0.7))
    fig = plot_curves.norms_figure(lines)
    grads, acts, updates = fig.axes
    assert [line.get_label() for line in grads.lines] == ["hidden", "bend"]  # prob: always 0
    assert grads.get_legend().get_title().get_text() == "always 0: prob"
    assert [line.get_label() for line in acts.lines] == ["hidden", "bend", "prob"]
    assert grads.get_yscale() == "log" and updates.get_yscale() == "log"
    logit = next(line for line in updates.lines if line.get_label() == "logit.weight")
    assert logit.get_xdata().tolist() == [200, 300]  # a null (not finite) is left out


def test_a_population_draws_each_variant_and_their_spread(xor_run, tmp_path, capsys):
    """A population's folder: its own metrics (the mean), variants/NAME/ run folders."""
    folder = tmp_path / "population"
    folder.mkdir()
    for name in ("recipe.yaml", "summary.json", "metrics.jsonl"):
        shutil.copy(xor_run / name, folder / name)
    records = plot.read_jsonl(folder / "metrics.jsonl")
    scales = {"seed=0": 1.0, "seed=1": 2.0, "seed=2": 0.5}
    for name, scale in scales.items():
        variant = shutil.copytree(xor_run, folder / "variants" / name)
        text = "".join(json.dumps({**r, "loss": r["loss"] * scale}) + "\n" for r in records)
        (variant / "metrics.jsonl").write_text(text)
    assert [name for name, _ in plot.metric_series(folder)] == ["", "seed=0", "seed=1", "seed=2"]
    code, lines, err = plot_cli(capsys, folder, "--out", tmp_path / "out")
    assert (code, lines) == (0, [str(tmp_path / "out" / "curves.png")])
    assert err == [
        "warning: no pictures of the model: a population has one model per variant; "
        f"for one: compose plot {folder / 'variants' / 'seed=0'}"
    ]
    fig = plot_curves.curves_figure(plot.metric_series(folder))
    loss = fig.axes[0]
    band = next(c for c in loss.collections if "3 variants" in c.get_label())
    assert band.get_label() == "training: lowest to highest of the 3 variants"
    low, high = band.get_paths()[0].vertices[:, 1].min(), band.get_paths()[0].vertices[:, 1].max()
    assert low == pytest.approx(min(r["loss"] for r in records) * 0.5, rel=1e-6)
    assert high == pytest.approx(max(r["loss"] for r in records) * 2.0, rel=1e-6)
    assert [line.get_label() for line in loss.lines] == [
        "seed=0", "seed=1", "seed=2", "training: mean of the 3 variants"
    ]  # fmt: skip
    mean = loss.lines[-1].get_ydata()
    expected = np.array([r["loss"] for r in records]) * sum(scales.values()) / 3
    np.testing.assert_allclose(mean, expected, rtol=1e-6)
    colours = {tuple(line.get_color()) for line in loss.lines[:3]}
    assert len(colours) == 3  # each variant its own colour, the same in every panel
    accuracy = fig.axes[1]
    assert [tuple(line.get_color()) for line in accuracy.lines[:3]] == [
        tuple(line.get_color()) for line in loss.lines[:3]
    ]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "seed=0", "seed=1", "seed=2",
        "training: lowest to highest of the 3 variants", "training: mean of the 3 variants",
    ]  # fmt: skip
    definition = fig.legends[0].get_title().get_text()
    assert (
        definition == "mean and band: over all 3 variants, at each step every one of them reached"
    )


# Two moons with a validation split, early stopping on val_loss: the seeds stop apart.
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
  steps: 600
  log_every: 10
  optimizer: {adam: {learning_rate: 0.05}}
  metrics: [accuracy]
  early_stop: {metric: val_loss, patience: 4}
"""


def test_stopped_variants_end_where_they_stopped(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.yaml").write_text(MOONS)
    assert main(["run", "r.yaml", "--out", "pop", "--quiet", "--vary", "seed=0:4"]) == 0
    capsys.readouterr()
    folder = tmp_path / "pop"
    code, lines, err = plot_cli(capsys, folder, "--out", tmp_path / "out")
    assert code == 0 and lines == [str(tmp_path / "out" / "curves.png")]
    own = {}  # each variant's steps and values, read here from its own folder
    for name in ("seed=0", "seed=1", "seed=2", "seed=3"):
        path = folder / "variants" / name
        stopped = json.loads((path / "summary.json").read_text())["steps"]
        logged = [json.loads(line) for line in (path / "metrics.jsonl").read_text().splitlines()]
        own[name] = (stopped, {r["step"]: r["val_loss"] for r in logged if "val_loss" in r})
    ends = [stopped for stopped, _ in own.values()]
    assert min(ends) < max(ends) < 600, "expected the variants to stop at different steps"
    fig = plot_curves.curves_figure(plot.metric_series(folder))
    loss = fig.axes[0]
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]  # no stopped_at panel
    for name, (stopped, _) in own.items():
        training = next(line for line in loss.lines if line.get_label() == name)
        validation = next(line for line in loss.lines if line.get_label() == f"_{name}: validation")
        assert training.get_xdata()[-1] == validation.get_xdata()[-1] == stopped
    mean = next(
        line for line in loss.lines if line.get_label() == "validation: mean of the 4 variants"
    )
    steps = [s for s in range(10, 601, 10) if all(s in values for _, values in own.values())]
    assert steps[-1] == min(ends)  # to the first stop: every variant has a value up to there
    assert mean.get_xdata().tolist() == steps
    expected = [np.mean([values[s] for _, values in own.values()]) for s in steps]
    np.testing.assert_allclose(mean.get_ydata(), expected, rtol=1e-6)
    # One variant's folder is a run of its own: no stopped_at panel, curves to its stop.
    name = min(own, key=lambda n: own[n][0])
    alone = plot_curves.curves_figure(plot.metric_series(folder / "variants" / name))
    assert [ax.get_title() for ax in alone.axes] == ["loss", "accuracy"]
    assert [line.get_xdata()[-1] for line in alone.axes[0].lines] == [own[name][0]] * 2


def test_records_a_variant_logged_after_it_stopped_are_not_drawn():
    """Folders written before variants stopped logging: their lines after the stop say
    `stopped_at` and repeat the frozen weights' validation values."""
    records = [
        {"step": 10, "loss": 0.5, "val_loss": 0.6},
        {"step": 20, "loss": 0.4, "val_loss": 0.55},
        {"step": 30, "stopped_at": 20, "val_loss": 0.55},
        {"step": 40, "stopped_at": 20, "val_loss": 0.55},
    ]
    assert plot_curves.quantities(records) == ["loss"]
    fig = plot_curves.curves_figure([("", records)])
    assert [ax.get_title() for ax in fig.axes] == ["loss"]
    assert [line.get_xdata().tolist() for line in fig.axes[0].lines] == [[10, 20], [10, 20]]


def sweep(rates, steps=(10, 20, 30)):
    """A learning-rate sweep's series: each variant's loss falls at its own rate."""
    return [("", [])] + [
        (f"learning_rate={rate}", [{"step": s, "loss": 1 / (1 + rate * s)} for s in steps])
        for rate in rates
    ]


def test_a_sweep_names_each_variant_by_its_setting():
    fig = plot_curves.curves_figure(sweep([0.01, 0.1, 1.0]))
    names = ["learning_rate=0.01", "learning_rate=0.1", "learning_rate=1.0"]
    assert [t.get_text() for t in fig.legends[0].get_texts()][:3] == names
    lines = {line.get_label(): line for line in fig.axes[0].lines}
    for rate, name in zip([0.01, 0.1, 1.0], names, strict=True):
        np.testing.assert_allclose(
            lines[name].get_ydata(), [1 / (1 + rate * s) for s in (10, 20, 30)]
        )
    assert len(fig.axes[0].texts) == 0  # few enough for the legend


def test_many_variants_are_named_at_their_lines_ends():
    rates = [round(0.01 * (i + 1), 2) for i in range(plot_curves.LEGEND_CAP + 1)]
    fig = plot_curves.curves_figure(sweep(rates))
    ax = fig.axes[0]
    names = [f"learning_rate={rate}" for rate in rates]
    assert [t.get_text() for t in ax.texts] == names
    for text, rate in zip(ax.texts, rates, strict=True):
        assert text.xy == pytest.approx((30, 1 / (1 + rate * 30)))
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [
        f"training: lowest to highest of the {len(rates)} variants",
        f"training: mean of the {len(rates)} variants",
    ]


@pytest.mark.parametrize(
    "make, got",
    [
        (lambda p: None, "nothing there"),
        (lambda p: p.mkdir(), "an empty folder"),
        (lambda p: p.write_text("x"), "a file"),
        (lambda p: (p.mkdir(), (p / "recipe.yaml").write_text("x")), "one holding recipe.yaml"),
    ],
)
def test_a_folder_that_is_not_a_run_exits_2(make, got, tmp_path, capsys):
    where = tmp_path / "somewhere"
    make(where)
    code, lines, err = plot_cli(capsys, where)
    assert (code, lines) == (2, [])
    assert err == [
        f"compose plot: {where}: expected a run folder (with recipe.yaml and summary.json), "
        f"got {got}"
    ]


def test_without_matplotlib_the_message_says_how_to_install_it(xor_run, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises
    code, lines, err = plot_cli(capsys, xor_run)
    assert (code, lines) == (2, [])
    assert err == [
        "compose plot: expected matplotlib to draw with, got none installed: "
        'pip install "blockcompose[plot]"'
    ]


def test_matplotlib_has_one_home_in_compose():
    users = {path.parent.name for path, names in imports("compose") if "matplotlib" in names}
    assert users == {"plot"}  # compose/plot/ only


def test_log_scale_only_for_a_positive_quantity_spanning_a_decade():
    assert plot_curves.log_scale("loss", np.array([1.0, 0.05]))
    assert not plot_curves.log_scale("loss", np.array([1.0, 0.5]))
    assert not plot_curves.log_scale("accuracy", np.array([0.01, 1.0]))
    assert not plot_curves.log_scale("mse", np.array([0.0, 1.0]))


@pytest.mark.parametrize("module", [plot, plot_curves, plot_model])
def test_docstring_examples_run(module):
    assert doctest.testmod(module).failed == 0
