"""Pictures of a run folder, as PNG files: `compose plot RUN_DIR [--out DIR]`.

    curves.png          loss and each metric against the step, training and validation
    norms.png           per-node gradient norms, activation sizes and weight update ratios,
                        when the folder holds norms.jsonl (compose.model.norms)
    boundary.png        for a classifier of a 2-D input: its decision over the plane, with
                        the training points on top, as TensorFlow Playground draws it
                        (prediction.png for a regression with one output)
    units-NODE.png      each unit of each hidden node over the same plane, small multiples

Populations (`compose run R.yaml --vary ...`, compose.runs.population_folder): the folder holds
`variants/NAME/`, one folder per variant, each with its own `metrics.jsonl` (ending where
the variant stopped), and its own metrics.jsonl is the mean over the variants still
training at each step. curves.png then draws every variant's curves, labelled by its
settings, and their mean and band over all of them at the steps every one reached
(compose.plot.curves.curves_figure takes any number of named series; `metric_series` is
where more of a variant would be read). The model pictures are a variant's own:
`compose plot DIR/variants/NAME`.

A run folder from anyone is read as compose.runs.reading says: a link among its entries,
a damaged log, is a located problem before anything is drawn. Pictures are written only
into a folder of their own (`plots/`, never a link, or the `--out` folder the user names)
and only over pictures `compose plot` drew (compose.plot.figures.save).

matplotlib is optional (`pip install "blockcompose[plot]"`) and has its home in the
compose/plot*.py modules; it draws with its Agg backend on Figure objects of its own, so
nothing global (pyplot's current figure, the backend of a notebook) is touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compose.recipe.problems import Problem, RecipeError, Where, printable
from compose.runs.names import METRICS, NORMS, PLOTS, RECIPE, SUMMARY, VARIANTS, WEIGHTS
from compose.runs.reading import check_folder, read_log
from compose.runtime.files import make_folder, not_a_folder

MAX_QUANTITIES = 32  # panels of curves.png: more is no log the tool wrote

INSTALL = 'pip install "blockcompose[plot]"'


class MissingMatplotlib(RuntimeError):
    """matplotlib, which draws the pictures, is not installed."""

    def __init__(self) -> None:
        super().__init__(f"expected matplotlib to draw with, got none installed: {INSTALL}")


@dataclass(frozen=True)
class Plotted:
    """What `plot_run` wrote (in order) and what it had to leave out, and why."""

    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def not_a_run(folder: Path) -> str | None:
    """None for a run folder (it has recipe.yaml and summary.json), else what is there.

    >>> not_a_run(Path("no/such/folder"))
    'nothing there'
    """
    if (folder / RECIPE).is_file() and (folder / SUMMARY).is_file():
        return None
    if not folder.exists():
        return "nothing there"
    if not folder.is_dir():
        return "a file"
    held = sorted(p.name for p in folder.iterdir())
    if not held:
        return "an empty folder"
    return "one holding " + ", ".join(held[:4]) + (", ..." if len(held) > 4 else "")


def require_matplotlib() -> None:
    """Raise MissingMatplotlib unless matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as err:
        raise MissingMatplotlib() from err


def plot_run(
    folder: str | Path, *, out: str | Path | None = None, view: tuple[float, ...] | None = None
) -> Plotted:
    """Draw every picture the run folder allows into `out` (default: FOLDER/plots); `view`
    is the range of the model's input drawn (`--range`, compose.plot.model_pictures).

    Raises MissingMatplotlib without matplotlib. A picture the folder lacks the files for
    (no log points yet, no weights, data that cannot be read) is left out with a warning;
    one that does not apply (a model whose input is not a plane) is left out silently.
    """
    require_matplotlib()
    from compose.plot import curves as plot_curves  # they import matplotlib at their top
    from compose.plot import model_pictures as plot_model
    from compose.plot.figures import save

    folder = Path(folder)
    check_folder(folder)
    series = [(name, records) for name, records in metric_series(folder) if records]
    norms = read_log(folder / NORMS)
    out = picture_folder(Path(out)) if out is not None else make_folder(folder, PLOTS)
    title = run_name(folder)
    files: list[Path] = []
    warnings: list[str] = []
    failed = failure(folder)
    if series or failed:
        fig = plot_curves.curves_figure(series, title=f"{title}: training curves", failure=failed)
        files.append(save(fig, out / "curves.png"))
    else:
        warnings.append(f"no curves: {folder / METRICS} holds no log points yet")
    if (folder / NORMS).is_file():
        if norms:
            fig = plot_curves.norms_figure(norms, title=f"{title}: norms inside the model")
            files.append(save(fig, out / "norms.png"))
        else:
            warnings.append(f"no norms: {folder / NORMS} holds no lines yet")
    if not (folder / WEIGHTS).is_file():
        variant = next((f for _, f in variant_folders(folder) if (f / WEIGHTS).is_file()), None)
        if variant is not None:
            why = f"a population has one model per variant; for one: compose plot {variant}"
        else:
            why = f"{folder} has no {WEIGHTS} (yet)"
        warnings.append(f"no pictures of the model: {why}")
        return Plotted(files, warnings)
    drawn, why = plot_model.model_pictures(folder, out, view=view)  # damage to model.eqx: raised
    files.extend(drawn)
    warnings.extend(why)
    return Plotted(files, warnings)


def failure(folder: Path) -> tuple[int, str] | None:
    """(step, what stopped it) of a run that stopped because a value was not finite (its
    summary.json's `failure`), else None."""
    from compose.runs.reading import read_summary

    summary = read_summary(folder)
    found = summary.get("failure")
    if not isinstance(found, dict) or not isinstance(found.get("step"), int):
        return None
    stopped = summary.get("stopped")
    why = stopped if isinstance(stopped, str) else f"not finite at step {found['step']}"
    return found["step"], printable(f"stopped: {why}")


def plot_recipe(
    path: str | Path,
    *,
    out: str | Path,
    overrides: Sequence[str] = (),
    view: tuple[float, ...] | None = None,
) -> Plotted:
    """Draw a recipe's model as training initialises it (weights the recipe fixes with
    `{init: constant, ...}` as written; compose.runs.initialised) into `out`: no run folder,
    no training."""
    require_matplotlib()
    from compose.plot import model_pictures as plot_model
    from compose.runs.initialised import initialised

    notes: list[str] = []
    checked, model, label = initialised(path, overrides=overrides, notes=notes)
    recipe = checked.recipe
    title = f"{recipe.name} ({label})"
    drawn, why = plot_model.draw_model(
        recipe, model, picture_folder(Path(out)), base=Path(path).parent, view=view, title=title
    )
    if not drawn and not why:
        why = ["no pictures of the model: its prediction reads neither one number nor a plane"]
    return Plotted(drawn, notes + why)


def run_name(folder: Path) -> str:
    """The recipe's name, as its `name:` line gives it (else the folder's name)."""
    from compose.recipe.loader import load

    try:
        return load(folder / RECIPE).name
    except RecipeError:
        return folder.resolve().name


def picture_folder(out: Path) -> Path:
    """The folder `--out` names, made if missing: a link the user names to a folder is
    followed; anything else there (a file, a link to nothing, a path below a file) is a
    RecipeError."""
    got = not_a_folder(out)
    if got:
        message = f"expected a folder for the pictures, got {got}"
        raise RecipeError([Problem(Where(f"--out {out}"), message)])
    out.mkdir(parents=True, exist_ok=True)
    return out


def metric_series(folder: Path) -> list[tuple[str, list[dict[str, Any]]]]:
    """The run's own metrics records (named ""), then each variant's, by variant name.

    A population's variants are `variants/NAME/metrics.jsonl`; see the module's docstring.
    Raises RecipeError for a log that is damaged, or names more quantities than a run logs.
    """
    own = [("", read_jsonl(folder / METRICS))]
    found = own + [(name, read_jsonl(path / METRICS)) for name, path in variant_folders(folder)]
    from compose.plot.curves import quantities  # it imports matplotlib

    for name, records in found:
        count = len(quantities(records))
        if count > MAX_QUANTITIES:
            path = (folder / VARIANTS / name if name else folder) / METRICS
            message = f"damaged: expected at most {MAX_QUANTITIES} quantities, got {count}"
            raise RecipeError([Problem(Where(str(path)), message)])
    return found


def variant_folders(folder: Path) -> list[tuple[str, Path]]:
    """(name, folder) of each variant of a population, by name: `variants/NAME/` holding
    a metrics.jsonl (compose.runs.population_folder writes them as run folders)."""
    variants = folder / VARIANTS
    if not variants.is_dir():
        return []
    return [(p.name, p) for p in sorted(variants.iterdir()) if (p / METRICS).is_file()]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a run folder's .jsonl log, one a line (compose.runs.reading.read_log:
    a line cut short by a crash, or a missing file, gives nothing; damage is a RecipeError)."""
    return read_log(path)
