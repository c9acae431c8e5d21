"""A trained run used on new data: the saved transformations applied (compose.data.transforms),
the model run jitted in evaluation mode a batch at a time, its outputs named, with each
example's class name where an output is a class.

Data comes as arrays by input name (as the data source gave them, before any
standardisation), as a table of the training file's columns, or as a .csv or .npz file.
A CSV file is read and its predictions written a chunk at a time (`predict_file`), so a
file larger than memory can be used; a .npz archive is read whole.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from blocks import BLOCKS
from compose.data import npz, table
from compose.data.csv_chunks import CsvChunks
from compose.data.regular import FileProblem
from compose.data.transforms import Scale
from compose.model.inference import Signature, batch_outputs, signature
from compose.recipe.problems import Problem, RecipeError, Where
from compose.recipe.records import Recipe
from compose.runtime.files import replacing

if TYPE_CHECKING:
    from compose.runs.trained import Run

CLASS = "class"  # `NAME.class`: each example's class name, for an output that is a class
FORMATS = (".csv", ".npz")


@dataclass(frozen=True)
class Classes:
    """An output that is a class: its class names in order, and the threshold a single
    yes/no output is read with (a probability above 1/2, a logit above 0)."""

    names: tuple[str, ...]
    threshold: float

    def of(self, values: np.ndarray) -> np.ndarray:
        """Each example's class name; values: (examples, classes) or (examples, 1)."""
        if values.shape[-1] == 1:
            index = (values[:, 0] > self.threshold).astype(np.int64)
        else:
            index = np.argmax(values, axis=-1)
        return np.asarray(self.names, dtype=str)[index]


def loss_reads(recipe: Recipe) -> tuple[str, str, str | None] | None:
    """What the recipe's loss block compares: (prediction, target, the kind of class it
    classifies, None for a regression), or None when the loss is not a known block of
    two inputs."""
    node = next((n for n in recipe.nodes if recipe.loss and n.name == recipe.loss.ref), None)
    if node is None or not node.block or len(node.wires) < 2 or node.block not in BLOCKS:
        return None
    target = next((w.ref for w in node.wires if w.port == "target"), node.wires[1].ref)
    return node.wires[0].ref, target, BLOCKS[node.block].classifies


def output_classes(recipe: Recipe, run_classes: Callable, sig: Signature) -> dict[str, Classes]:
    """The outputs that are classes: the prediction a classifying loss reads, when it is
    an output, named by its target's classes (`run_classes(input)`), else numbered."""
    reads = loss_reads(recipe)
    if reads is None:
        return {}
    pred, target, kind = reads
    shapes = dict(sig.outputs)
    if kind is None or pred not in shapes or len(shapes[pred]) != 1:
        return {}
    count = max(2, shapes[pred][0])
    names = run_classes(target)
    if names is None or len(names) != count:
        names = tuple(str(i) for i in range(count))
    return {pred: Classes(tuple(names), 0.5 if kind == "probability" else 0.0)}


def output_units(recipe: Recipe, scales: Mapping[str, Scale], sig: Signature) -> dict:
    """The outputs a regression loss compares with a target training standardised, each
    with that target's Scale: the model learned the standardised values, a prediction is
    given back in the data's units."""
    reads = loss_reads(recipe)
    if reads is None or reads[2] is not None:
        return {}
    pred, target, _ = reads
    scale = scales.get(target)
    shapes = dict(sig.outputs)
    if scale is None or pred not in shapes or tuple(shapes[pred]) != scale.mean.shape:
        return {}
    return {pred: scale}


class Predictor:
    """A run made ready to predict: its signature, the outputs that are classes, and the
    model compiled for batches of `batch` examples."""

    def __init__(self, run: Run, *, batch: int):
        self.run, self.batch = run, batch
        self.sig = signature(run.model)
        self.shapes = dict(self.sig.inputs)
        self.classes = output_classes(run.recipe, run.transforms.classes, self.sig)
        self.units = output_units(run.recipe, dict(run.transforms.scales), self.sig)

    # what a prediction reads ----------------------------------------------------------

    def predict(self, data: Any) -> dict[str, np.ndarray]:
        """The outputs by name (and `NAME.class`) for arrays, a table, or a file's path."""
        if isinstance(data, (str, Path)):
            path = Path(data)
            if path.suffix.lower() == ".csv":
                parts = [self.outputs(arrays) for arrays, _, _ in self.csv_chunks(path)]
                return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
            return self.outputs(self.npz_inputs(path))
        if not isinstance(data, Mapping):
            raise TypeError(f"expected arrays by name or a file's path, got {type(data).__name__}")
        if set(self.shapes) <= set(data) or not self.run.transforms.columns:
            return self.outputs(self.given(data, "data"))
        inputs = table.from_columns(self.run.transforms, list(self.shapes), data, "data")
        return self.outputs(inputs)

    def given(self, arrays: Mapping[str, Any], shown: str, inputs=None) -> dict[str, np.ndarray]:
        """Arrays by input name, checked against the run's inputs (those the outputs read,
        or `inputs`, (name, shape) pairs): each one present, of the shape it was trained on
        per example, all of one count. Raises RecipeError."""
        problems, out = [], {}
        for name, shape in inputs or self.sig.inputs:
            if name not in arrays:
                known = ", ".join(map(str, arrays)) or "none"
                message = f"expected an array for input '{name}' {shape}, got none (given: {known})"
                problems.append(Problem(Where(shown), message))
                continue
            array = np.asarray(arrays[name])
            out[name] = array.astype(np.float32) if array.dtype.kind in "bf" else array
            if array.shape[1:] != shape or array.ndim == 0:
                message = (
                    f"input '{name}': expected {shape} per example, as the run was trained "
                    f"on, got {array.shape[1:] if array.ndim else 'a scalar'}"
                )
                problems.append(Problem(Where(shown), message))
        counts = {len(a) for a in out.values() if a.ndim}
        if len(counts) > 1:
            problems.append(Problem(Where(shown), f"expected arrays of one count, got {counts}"))
        if problems:
            raise RecipeError(problems)
        return out

    def npz_inputs(self, path: Path, inputs=None) -> dict[str, np.ndarray]:
        """The run's inputs (those the outputs read, or `inputs`, (name, shape) pairs) from
        a .npz archive's arrays of their names."""
        if path.suffix.lower() not in FORMATS:
            message = f"expected a .csv or .npz file, got {path.suffix or 'a name without one'}"
            raise RecipeError([Problem(Where(str(path)), message)])
        try:
            found = npz.headers(path, str(path))
            wanted = {name for name, _ in inputs or self.sig.inputs}
            arrays = npz.load(path, wanted & set(found), str(path))
        except FileProblem as err:
            raise RecipeError([Problem(Where(str(path)), str(err))]) from None
        return self.given(arrays, str(path), inputs)

    def csv_chunks(self, path: Path, names: list[str] | None = None) -> Iterator:
        """(inputs, the rows as written, bytes reached) of each chunk of a CSV file, after
        its header (kept as `header`) is checked to hold the columns of the inputs the
        outputs read (or of `names`)."""
        with CsvChunks(path) as chunks:
            self.header = chunks.header
            self.size = chunks.size
            names, shown = names or list(self.shapes), str(path)
            if not self.run.transforms.columns:
                message = (
                    "expected arrays by input name (a .npz archive): the run was not trained "
                    "on a CSV file, so no columns are known"
                )
                raise RecipeError([Problem(Where(shown), message)])
            problems = table.missing(self.run.transforms, names, chunks.header, shown)
            if problems:
                raise RecipeError(problems)
            for chunk in chunks:
                inputs = table.from_cells(
                    self.run.transforms, names, chunks.header, chunk.rows, chunk.lines, shown
                )
                yield inputs, chunk.texts, chunk.reached

    # what it gives --------------------------------------------------------------------

    def outputs(self, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The outputs by name of raw inputs by name: transformed, then the model called
        `batch` examples at a time (the last batch padded, so that one program serves)."""
        inputs = self.run.transforms.scaled({k: arrays[k] for k in self.shapes})
        n = len(next(iter(inputs.values()))) if inputs else 0
        size = min(self.batch, max(8, 1 << max(0, n - 1).bit_length()))
        parts = []
        for lo in range(0, n, size):
            part = {k: _padded(a[lo : lo + size], size) for k, a in inputs.items()}
            got = batch_outputs(self.run.model, part)
            parts.append({k: np.asarray(v)[: min(size, n - lo)] for k, v in got.items()})
        out = {
            name: np.concatenate([p[name] for p in parts])
            if parts
            else np.zeros((0, *shape), np.float32)
            for name, shape in self.sig.outputs
        }
        for name, scale in self.units.items():
            out[name] = scale.restored(out[name])
        for name, classes in self.classes.items():
            out[f"{name}.{CLASS}"] = classes.of(out[name].reshape(len(out[name]), -1))
        return out

    def columns(self) -> list[str]:
        """The names of the CSV columns of the outputs: a class output's value per class,
        named by class, then its class; another output's values, by index when several."""
        names = []
        for name, shape in self.sig.outputs:
            classes = self.classes.get(name)
            if classes is not None:
                if shape[0] > 1:
                    names += [f"{name}.{c}" for c in classes.names]
                else:
                    names.append(name)
                names.append(f"{name}.{CLASS}")
            elif int(np.prod(shape)) == 1:
                names.append(name)
            else:
                names += [f"{name}.{'.'.join(map(str, i))}" for i in np.ndindex(*shape)]
        return names

    def cells(self, outputs: Mapping[str, np.ndarray]) -> list[str]:
        """Each example's output cells as CSV text, in the order of `columns`; numbers as
        float32 holds them exactly (nine significant digits), class names quoted where
        CSV needs it."""
        formats, columns = [], []
        for name, _ in self.sig.outputs:
            values = outputs[name]
            flat = values.reshape(len(values), -1)
            formats += ["%.9g"] * flat.shape[1]
            columns += list(flat.astype(np.float64).T)
            if name in self.classes:
                formats.append("%s")
                quoted = {c: _quoted(c) for c in self.classes[name].names}
                columns.append(np.array([quoted[c] for c in outputs[f"{name}.{CLASS}"].tolist()]))
        line = ",".join(formats)
        return [line % values for values in zip(*(c.tolist() for c in columns), strict=True)]


def _quoted(cell: str) -> str:
    """A cell as CSV writes it: quoted when it holds a comma, a quote or a line break."""
    if any(c in cell for c in ',"\r\n') or cell != cell.strip():
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _padded(array: np.ndarray, size: int) -> np.ndarray:
    if len(array) == size:
        return array
    pad = np.zeros((size - len(array), *array.shape[1:]), array.dtype)
    return np.concatenate([array, pad])


def predict_file(
    run: Run,
    data: str | Path,
    out: str | Path,
    *,
    batch: int,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Predict for every example of file `data` into file `out`: CSV in, CSV out (the
    input's columns as written, then the outputs' columns), or .npz in, .npz out (the
    outputs by name). `progress(bytes read, file size)` is told after each chunk. The
    output replaces `out` whole once all is written. Returns the examples predicted.
    Raises RecipeError for data that does not fit the run."""
    data, out = Path(data), Path(out)
    predictor = Predictor(run, batch=batch)
    if data.suffix.lower() != ".csv":
        outputs = predictor.predict(data)
        buffer = io.BytesIO()
        np.savez(buffer, **outputs)
        with replacing(out) as f:
            f.write(buffer.getbuffer())
        count = len(next(iter(outputs.values()))) if outputs else 0
        if progress:
            progress(data.stat().st_size, data.stat().st_size)
        return count
    count = 0
    with replacing(out) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        header = ""
        for inputs, texts, reached in predictor.csv_chunks(data):
            if not header:
                header = _header(predictor)
                text.write(header)
            made = predictor.cells(predictor.outputs(inputs))
            text.writelines(f"{a},{b}\n" for a, b in zip(texts, made, strict=True))
            count += len(texts)
            if progress:
                progress(reached, predictor.size)
        if not header:
            text.write(_header(predictor))
        text.flush()
        text.detach()
    return count


def _header(predictor: Predictor) -> str:
    """The output's first row: the data's columns, then the outputs'."""
    return ",".join(map(_quoted, predictor.header + predictor.columns())) + "\n"
