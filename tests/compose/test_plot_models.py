"""`compose plot` without training (a recipe's model as initialised), of a failed run, of a
1-D model against its input over a chosen range, and titles that fit their pictures."""

import json
from pathlib import Path

import jax
import numpy as np
import pytest

import compose
from compose.cli.main import main
from compose.model.plane import Grid, grid_values, line, line_values, plane
from compose.plot import figures
from compose.plot.compare import compare_picture
from compose.plot.curves import curves_figure
from compose.plot.model_pictures import units_figure
from compose.runs.comparison import Sample, Setting, Threshold
from compose.runs.initialised import initialised

LOGISTIC = """\
name: fixed_logistic
inputs: {x: [2], y: [1]}
nodes:
  logit: {block: linear, in: x, out: 1, weight: {init: constant, value: 1.0},
          bias: {init: constant, value: -1.0}}
  loss: {block: sigmoid_cross_entropy, in: {pred: logit, target: y}}
outputs: [logit]
loss: loss
train: {data: {dataset: xor}, batch: 4, steps: 10, optimizer: {sgd: {learning_rate: 0.1}}}
"""

LINE = """\
name: fixed_line
inputs: {x: [1], y: [1]}
nodes:
  hidden: {block: linear, in: x, out: 1, weight: {init: constant, value: 2.0},
           bias: {init: constant, value: 1.0}}
  act: {block: relu, in: hidden}
  pred: {block: linear, in: act, out: 1, weight: {init: constant, value: -1.0},
         bias: {init: constant, value: 3.0}}
  loss: {block: mse, in: {pred: pred, target: y}}
outputs: [pred]
loss: loss
train:
  data: {dataset: sine, n: 64, low: -1.0, high: 1.0, test: 0.25}
  batch: 16
  steps: 10
  optimizer: {sgd: {learning_rate: 0.1}}
"""

DIVERGE = """\
name: diverge
inputs: {x: [2], y: [1]}
nodes:
  hidden: {block: linear, in: x, out: 8}
  act: {block: relu, in: hidden}
  pred: {block: linear, in: act, out: 1}
  loss: {block: mse, in: {pred: pred, target: y}}
outputs: [pred]
loss: loss
train: {data: {dataset: xor}, batch: 4, steps: 200, log_every: 2,
        optimizer: {sgd: {learning_rate: 3.0}}}
"""


@pytest.fixture
def drawn(monkeypatch):
    """Every figure `compose plot` saves, by file name, as well as the file."""
    saved = {}
    keep = figures.save

    def save(fig, path):
        saved[Path(path).name] = fig
        return keep(fig, path)

    monkeypatch.setattr(figures, "save", save)
    for module in ("compose.plot.model_pictures", "compose.plot.line_pictures"):
        monkeypatch.setattr(f"{module}.save", save)
    return saved


def plot(capsys, *args):
    code = main(["plot", *map(str, args)])
    out, err = capsys.readouterr()
    return code, [Path(line).name for line in out.splitlines()], err


def test_a_recipe_is_drawn_as_initialised_without_a_run(tmp_path, capsys, drawn):
    recipe = tmp_path / "fixed.yaml"
    recipe.write_text(LOGISTIC)
    code, files, err = plot(capsys, recipe, "--out", tmp_path / "out")
    assert (code, files, err) == (0, ["boundary.png"], "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fixed.yaml", "out"]  # no run folder
    title = drawn["boundary.png"].axes[0].get_title().replace("\n", " ")
    assert title.startswith("fixed_logistic (as initialised from seed 0): decision")
    # The weights are the recipe's constants: P(class 1) = sigmoid(x0 + x1 - 1).
    model = initialised(recipe)[1]
    grid = grid_values(model, plane(model.plan), (-1.0, 2.0, -1.0, 2.0), n=9)
    xs, ys = np.meshgrid(grid.xs, grid.ys)
    np.testing.assert_allclose(grid.values["logit"][..., 0], xs + ys - 1, atol=1e-6)


def test_a_1d_model_is_drawn_against_its_input_over_the_range(tmp_path, capsys, drawn):
    recipe = tmp_path / "line.yaml"
    recipe.write_text(LINE)
    code, files, err = plot(capsys, recipe, "--out", tmp_path / "out", "--range=-4:4")
    assert (code, files, err) == (0, ["prediction.png", "units-hidden.png", "units-act.png"], "")
    ax = drawn["prediction.png"].axes[0]
    assert ax.get_xlim() == (-4.0, 4.0)
    curve = next(a for a in ax.lines if a.get_label() == "pred")
    x, y = curve.get_data()
    assert (x[0], x[-1]) == (-4.0, 4.0)
    np.testing.assert_allclose(y, 3 - np.maximum(2 * x + 1, 0), atol=1e-5)  # 3 - relu(2x + 1)
    spans = [p for p in ax.patches if p.get_label() == "training interval"]
    left, right = spans[0].get_x(), spans[0].get_x() + spans[0].get_width()
    assert -1 <= left < -0.8 and 0.8 < right <= 1  # the sine data's x, uniform on [-1, 1)
    labels = [c.get_label() for c in ax.collections]
    assert labels == ["training targets", "test targets"]
    # The default range is the data's with a margin: past the training interval on each side
    assert plot(capsys, recipe, "--out", tmp_path / "default")[0] == 0
    low, high = drawn["prediction.png"].axes[0].get_xlim()
    assert low < left and high > right and high - low < 3


def test_a_1d_model_without_a_test_set_is_drawn_with_its_training_targets(tmp_path, capsys, drawn):
    recipe = tmp_path / "line.yaml"
    recipe.write_text(LINE.replace(", test: 0.25", ""))
    code, files, err = plot(capsys, recipe, "--out", tmp_path / "out")
    assert (code, files, err) == (0, ["prediction.png", "units-hidden.png", "units-act.png"], "")
    labels = [c.get_label() for c in drawn["prediction.png"].axes[0].collections]
    assert labels == ["training targets"]


def test_a_plane_takes_a_range_for_both_axes(tmp_path, capsys, drawn):
    recipe = tmp_path / "fixed.yaml"
    recipe.write_text(LOGISTIC)
    assert plot(capsys, recipe, "--out", tmp_path / "out", "--range=-3:5")[0] == 0
    ax = drawn["boundary.png"].axes[0]
    assert ax.get_xlim() == (-3.0, 5.0) and ax.get_ylim() == (-3.0, 5.0)
    assert plot(capsys, recipe, "--out", tmp_path / "out", "--range=-3:5,0:1")[0] == 0
    ax = drawn["boundary.png"].axes[0]
    assert ax.get_xlim() == (-3.0, 5.0) and ax.get_ylim() == (0.0, 1.0)


@pytest.mark.parametrize(
    "given, got",
    [("3:1", "'3:1'"), ("a:1", "'a:1'"), ("0:1,0:1,0:1", "more axes"), ("0:nan", "'0:nan'")],
)
def test_a_bad_range_exits_2_saying_what_is_expected(tmp_path, capsys, given, got):
    recipe = tmp_path / "fixed.yaml"
    recipe.write_text(LOGISTIC)
    code, files, err = plot(capsys, recipe, f"--range={given}")
    assert (code, files) == (2, [])
    assert err == (
        f"--range {given}: expected LO:HI or X0:X1,Y0:Y1 (finite numbers, each LO below its "
        f"HI), got {got}\n"
    )


def test_a_failed_run_draws_its_curves_up_to_the_failing_step(tmp_path, capsys, drawn):
    folder = tmp_path / "run"
    compose.train(compose.loads(DIVERGE), folder=folder)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "failed"
    step = summary["failure"]["step"]
    assert plot(capsys, folder, "--out", tmp_path / "out")[0] == 0
    fig = drawn["curves.png"]
    ax = fig.axes[0]
    training = next(a for a in ax.lines if a.get_label() == "training")
    steps = training.get_xdata()
    assert len(steps) == (step - 1) // 2 and steps[-1] < step  # every log point before it
    marks = [a for a in ax.lines if a.get_label() == f"not finite at step {step}"]
    assert list(marks[0].get_xdata()) == [step, step]
    assert (
        fig._supxlabel.get_text()
        .replace("\n", " ")
        .startswith(f"stopped: node 'loss' (mse) gave inf at step {step}")
    )


def test_a_run_that_failed_before_its_first_log_point_still_draws_where(tmp_path, capsys, drawn):
    folder = tmp_path / "run"
    text = DIVERGE.replace("out: 1}", "out: 1, weight: {init: constant, value: 1.0e+25}}")
    compose.train(compose.loads(text), folder=folder)
    code, files, err = plot(capsys, folder, "--out", tmp_path / "out")
    assert code == 0 and files[0] == "curves.png"
    ax = drawn["curves.png"].axes[0]
    assert [a.get_label() for a in ax.lines] == ["not finite at step 1"]


def fits(fig):
    """Whether every text of the figure lies inside it, as drawn."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    texts = [fig._suptitle] if fig._suptitle else []
    texts += [ax.title for ax in fig.axes] + [t for ax in fig.axes for t in ax.texts]
    for text in texts:
        box = text.get_window_extent(renderer)
        if text.get_text() and not (box.x0 >= 0 and box.x1 <= width and box.y1 <= height):
            return False
    return True


def test_the_title_of_a_single_unit_picture_fits(tmp_path):
    recipe = tmp_path / "fixed.yaml"
    recipe.write_text(LOGISTIC.replace("name: fixed_logistic", "name: a_rather_long_recipe_name"))
    model = initialised(recipe)[1]
    grid = grid_values(model, plane(model.plan), (0.0, 1.0, 0.0, 1.0), n=8)
    title = "a_rather_long_recipe_name (as initialised from seed 0): logit (linear)"
    assert fits(units_figure(grid, "x", "logit", title=title))


def test_a_units_picture_shows_each_unit_named_in_its_own_panel_in_order():
    xs = np.linspace(-1.0, 1.0, 5)
    values = np.stack([np.full((5, 5), float(unit)) for unit in range(10)], axis=-1)
    values[0, 0, 3] = -9.0  # one corner of unit 3 (row y = -1, column x = -1)
    fig = units_figure(Grid(xs, xs, {"h": values}), "x", "h")
    panels, bar = fig.axes
    names = [t.get_text() for t in panels.texts]
    assert names == [f"h[{unit}]" for unit in range(10)]
    for unit, image in enumerate(panels.images):
        np.testing.assert_array_equal(image.get_array(), values[..., unit])
    # 8 a row: unit 8 starts the second row, under unit 0
    first, ninth = panels.images[0].get_extent(), panels.images[8].get_extent()
    assert ninth[0] == first[0] and ninth[3] < first[2]
    assert bar.get_ylim() == (-9.0, 9.0)  # one scale for the node, centred on 0
    assert fits(fig)


def test_two_settings_compared_keep_their_panel_titles_apart(tmp_path, drawn, monkeypatch):
    monkeypatch.setattr("compose.plot.compare.save", figures.save)
    samples = [Sample(f"seed={i}", "finished", 10, {"val_accuracy": i / 4}) for i in range(4)]
    settings = [Setting("hard", samples), Setting("soft", samples)]
    compare_picture(settings, "val_accuracy", Threshold("val_accuracy", ">=", 0.99),
                    tmp_path / "c.png", title="hard, soft")  # fmt: skip
    fig = drawn["c.png"]
    assert fits(fig)
    fig.canvas.draw()
    left, right = (ax.title.get_window_extent(fig.canvas.get_renderer()) for ax in fig.axes)
    assert left.x1 < right.x0


def test_a_populations_legend_of_long_variant_names_fits_its_picture():
    names = [f"jitter.stddev={a},drop1.rate=drop2.rate={b},l2=0.003" for a in (0, 0.3)
             for b in (0, 0.5)]  # fmt: skip
    records = [{"step": s, "loss": 1 / s, "accuracy": 1 - 1 / s} for s in (10, 20, 30)]
    fig = curves_figure([(name, records) for name in names])
    fig.canvas.draw()
    [legend] = fig.legends
    box = legend.get_window_extent(fig.canvas.get_renderer())
    assert 0 <= box.x0 and box.x1 <= fig.bbox.width


def test_line_values_are_the_model_at_evenly_spaced_points(tmp_path):
    recipe = tmp_path / "line.yaml"
    recipe.write_text(LINE)
    model = initialised(recipe)[1]
    xs, values = line_values(model, line(model.plan), (-2.0, 3.0), n=11)
    np.testing.assert_allclose(xs, np.linspace(-2, 3, 11), atol=1e-6)
    np.testing.assert_allclose(values["pred"][:, 0], 3 - np.maximum(2 * xs + 1, 0), atol=1e-5)
    np.testing.assert_allclose(values["hidden"][:, 0], 2 * xs + 1, atol=1e-6)
    assert jax.tree_util.tree_leaves(model.weights)  # the constants are weights, as written


@pytest.mark.parametrize("widths", [(2, 8), (1, 2, 3, 4, 8)])
def test_compared_settings_labels_never_overlap(tmp_path, drawn, monkeypatch, widths):
    monkeypatch.setattr("compose.plot.compare.save", figures.save)
    samples = [Sample(f"seed={i}", "finished", 10, {"accuracy": i / 4}) for i in range(4)]
    settings = [Setting(f"hidden.out={w}", samples) for w in widths]
    compare_picture(settings, "accuracy", Threshold("accuracy", ">=", 1.0), tmp_path / "c.png",
                    title="widths")  # fmt: skip
    fig = drawn["c.png"]
    fig.canvas.draw()
    for ax in fig.axes:
        boxes = [t.get_window_extent(fig.canvas.get_renderer()) for t in ax.get_xticklabels()]
        assert all(a.x1 < b.x0 or a.y0 > b.y1 for a, b in zip(boxes, boxes[1:], strict=False))
