"""`compose export`: a run folder's model written as a file another program runs, beside
a JSON signature that says its inputs and outputs in calling order.

    model.stablehlo       jax.export's serialised StableHLO (compose.export.stablehlo)
    model.onnx            the ONNX graph (compose.export.onnx_model)
    model.FORMAT.json     the signature: inputs and outputs by name, in calling order,
                          each with its shape ("batch" first) and dtype, and the largest
                          difference from the model found when the file was checked

Each artifact is read back and called on sample inputs before it is written, and its
outputs compared with the model's (`jax.vmap(model)`): the difference is said, and an ONNX
graph that onnxruntime cannot run or that disagrees is refused, naming the node to blame.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
from dataclasses import dataclass
from pathlib import Path

import equinox as eqx
import jax
import numpy as np

from compose.export import onnx_model
from compose.export.onnx_nodes import culprit
from compose.export.stablehlo import PLATFORMS, call_stablehlo, to_stablehlo
from compose.model.composed import Composed
from compose.model.inference import (
    Signature,
    max_difference,
    sample_inputs,
    signature,
)
from compose.recipe.problems import Problem, RecipeError, Where
from compose.recipe.records import Recipe
from compose.runs.names import EXPORTS, RECIPE, VARIANTS, WEIGHTS
from compose.runs.trained import load_run
from compose.runtime.files import to_json, write_atomic

FORMATS = tuple(EXPORTS)


@dataclass(frozen=True)
class Exported:
    """What `export_run` wrote, and how far the artifact's outputs were from the model's
    on `examples` sample inputs."""

    artifact: Path
    signature: Path
    difference: float
    examples: int


def default_out(folder: Path, form: str) -> Path:
    """Where an export goes unless told: beside the run folder's model."""
    return Path(folder) / EXPORTS[form]


def export_run(folder: str | Path, form: str, *, out: str | Path | None = None) -> Exported:
    """Export the model of run folder `folder` as `form` ("stablehlo" or "onnx") to `out`
    (default: default_out), and its signature to `out` + ".json".

    Raises RecipeError for a folder that is not a trained run or a model ONNX cannot
    hold (naming the node), onnx_model.MissingOnnx without the ONNX extra."""
    folder = Path(folder)
    _expect_a_run(folder)
    path = Path(out) if out is not None else default_out(folder, form)
    problem = out_problem(path)
    if problem:
        raise FileExistsError(f"{path}: {problem}")
    if form == "onnx":
        onnx_model.require()  # before the model loads: the message comes at once
    run = load_run(folder)
    recipe, model = run.recipe, run.model
    sig = signature(model)
    if not sig.inputs:
        where = Where(recipe.file, path="outputs")
        raise RecipeError([Problem(where, "expected outputs that read an input, got none")])
    inputs = sample_inputs(sig)
    want = model_outputs(model, sig, inputs)
    if form == "stablehlo":
        artifact = to_stablehlo(model, sig)
        difference = max_difference(call_stablehlo(artifact, inputs), want)
        about = {"platforms": list(PLATFORMS), "jax": jax.__version__}
    else:
        artifact, difference = onnx_artifact(recipe, model, sig)
        about = {"opset": onnx_model.OPSET, "jax2onnx": _version("jax2onnx")}
    described = Path(f"{path}.json")
    checked = {"examples": len(inputs[0]) if inputs else 0, "max_abs_difference": difference}
    said = {"format": form, "recipe": recipe.name, **sig.as_json(), **about, "checked": checked}
    text = to_json(said, indent=2)
    write_atomic(described, (text + "\n").encode())  # first: an artifact is never left without
    write_atomic(path, artifact)
    return Exported(path, described, difference, checked["examples"])


def out_problem(path: Path) -> str | None:
    """Why `path` cannot take an export, if it cannot: a folder, a path in no folder, or a
    file that is not an earlier export (whose signature, with its format, lies beside it),
    which an export must not replace (a run's model.eqx, say). A link is refused here, and
    by the writer again as it writes."""
    path = Path(path)
    if path.is_symlink():
        link = os.readlink(path)
        return f"expected a file to write, got a symbolic link to {link} (never written through)"
    if path.is_dir():
        return "expected a file to write, got a folder"
    if not path.parent.is_dir():
        return f"expected a file in an existing folder, got no folder {path.parent}"
    if path.is_file() and not _an_export(path):
        return (
            f"expected a new file or an earlier export (with {path.name}.json beside it), "
            "got another file: it is left as it is"
        )
    return None


def _an_export(path: Path) -> bool:
    """Whether `path` has the signature of an export beside it."""
    signature = Path(f"{path}.json")
    try:
        if signature.is_symlink() or signature.stat().st_size > 1_000_000:
            return False
        found = json.loads(signature.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(found, dict) and found.get("format") in FORMATS


def model_outputs(model: Composed, sig: Signature, inputs: list[np.ndarray]) -> tuple:
    """The model's own outputs for a batch of `inputs` (signature order), as a user of
    compose.load_run computes them: `jax.vmap(model)` on the inputs by name, compiled as
    one program (not one per operation)."""
    values = _vmapped(model, {name: x for (name, _), x in zip(sig.inputs, inputs, strict=True)})
    return tuple(np.asarray(values[name]) for name, _ in sig.outputs)


@eqx.filter_jit
def _vmapped(model: Composed, inputs: dict[str, np.ndarray]) -> dict[str, jax.Array]:
    return jax.vmap(model)(inputs)


def onnx_artifact(recipe: Recipe, model: Composed, sig: Signature) -> tuple[bytes, float]:
    """The ONNX artifact and its difference from the model, checked in onnxruntime;
    RecipeError naming the node to blame when onnxruntime cannot run it or disagrees."""
    try:
        artifact = onnx_model.to_onnx(model, sig, name=recipe.name or "model")
        difference = onnx_model.check(
            artifact, lambda *xs: model_outputs(model, sig, list(xs)), sig
        )
    except onnx_model.Unconvertible as err:
        raise RecipeError([_blame(recipe, model, str(err))]) from None
    return artifact, difference


def _blame(recipe: Recipe, model: Composed, reason: str) -> Problem:
    """The problem naming the node (and its block) that keeps the model from ONNX."""
    tools = f"jax2onnx {_version('jax2onnx')}, onnxruntime {_version('onnxruntime')}"
    hint = f"with {tools}; --format stablehlo exports any model"
    networks = {n.name: n.use.ref for n in recipe.nodes if n.use is not None}
    found = culprit(model.plan, model.weights, model.state, networks)
    if found is None:
        where = Where(recipe.file)
        return Problem(where, f"expected a model ONNX can hold, got {reason}", hint)
    node = recipe.node(found.path[0])
    where = node.where if node is not None else Where(recipe.file, path=f"nodes.{found.path[0]}")
    inside = "".join(
        f", at its node '{name}' ({block})"
        for name, block in zip(found.path[1:], found.blocks[1:], strict=True)
    )
    got = f"{found.blocks[0]}{inside}: {found.reason}"
    return Problem(where, f"expected a block ONNX export supports, got {got}", hint)


def _expect_a_run(folder: Path) -> None:
    """Raise RecipeError unless `folder` holds a trained model to export."""
    if (folder / RECIPE).is_file() and (folder / WEIGHTS).is_file():
        return
    if not folder.is_dir():
        got = "nothing" if not folder.exists() else "a file"
    elif (folder / VARIANTS).is_dir():
        names = sorted(p.name for p in (folder / VARIANTS).iterdir() if p.is_dir())
        one = folder / VARIANTS / (names[0] if names else "NAME")
        got = f"a population's folder: export one of its variants, e.g. {one}"
    else:
        missing = [name for name in (RECIPE, WEIGHTS) if not (folder / name).is_file()]
        got = f"a folder without {' or '.join(missing)}"
    expected = f"a run folder (with {RECIPE} and {WEIGHTS})"
    raise RecipeError([Problem(Where(str(folder)), f"expected {expected}, got {got}")])


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"
