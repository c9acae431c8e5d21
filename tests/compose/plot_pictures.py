"""What tests/compose/test_plot.py reads of `compose plot`'s pictures: what the command
printed and drew, the size of a PNG, and the colours of a decision picture."""

import io
import struct
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import compose
from compose.cli.main import main
from compose.data import loading as datasets
from compose.plot import model_pictures as plot_model
from compose.plot.figures import DPI

PNG = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Pictures:
    """What `compose plot RUN --out FOLDER` printed and drew: its exit code, the lines of
    its output and of its errors, and the folder of the pictures."""

    code: int
    lines: list[str]
    err: list[str]
    folder: Path


def drawn_once(run: Path, out: Path) -> Pictures:
    """`compose plot RUN --out OUT`, its output kept (a module's fixture has no capsys)."""
    printed, errors = io.StringIO(), io.StringIO()
    with redirect_stdout(printed), redirect_stderr(errors):
        code = main(["plot", str(run), "--out", str(out)])
    return Pictures(code, printed.getvalue().splitlines(), errors.getvalue().splitlines(), out)


def png_size(path):
    """(width, height) from the PNG header, read without matplotlib."""
    head = Path(path).read_bytes()[:24]
    assert head[:8] == PNG, f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def pixels(inches):
    """(width, height) in pixels of a picture (width, height) inches in size."""
    return tuple(round(v * DPI) for v in inches)


def decision_pixels(folder, png):
    """The colours the grid computed and the PNG's pixels there, at the cell where the model
    is surest of each class (away from the training points, drawn on top)."""
    run = compose.load_run(folder)
    recipe, model = run.recipe, run.model
    found = plot_model.plane(model.plan)
    arrays = datasets.load(recipe.train.data, [found.input, found.label], folder).train
    points, target = arrays[found.input], arrays[found.label]
    grid = plot_model.grid_values(model, found, plot_model.square(points))
    fig = plot_model.boundary_figure(grid, found, points, target, title=recipe.name)
    fig.canvas.draw()  # the same figure as the file's: its layout gives data -> pixels
    probabilities = plot_model.class_probabilities(
        grid.values[str(found.prediction)], found.classifies
    )
    colours = plot_model.class_colours(probabilities)
    xs, ys = np.meshgrid(grid.xs, grid.ys)
    near = np.min(np.hypot(xs[..., None] - points[:, 0], ys[..., None] - points[:, 1]), axis=-1)
    inside = np.zeros_like(near, bool)  # away from the frame too
    edge = len(grid.xs) // 10
    inside[edge:-edge, edge:-edge] = True
    from matplotlib.image import imread

    image = imread(png)
    seen = {}
    for k in (0, 1):
        score = np.where((probabilities[..., k] > 0.95) & inside, near, -1.0)
        i, j = np.unravel_index(np.argmax(score), score.shape)
        assert score[i, j] > 0, f"the model is nowhere sure of class {k}"
        x, y = fig.axes[0].transData.transform((grid.xs[j], grid.ys[i]))
        row, column = image.shape[0] - 1 - int(y), int(x)
        seen[k] = (colours[i, j], image[row, column, :3])
    return seen
