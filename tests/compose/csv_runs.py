"""A small classifier trained on a CSV file with `standardize`, for the predict and
evaluate tests: three classes named by text, columns far from zero and of unlike spreads,
so that a model given unstandardised rows would be wrong."""

import numpy as np

from compose.cli.main import main

CLASSES = ("setosa", "versicolor", "virginica")
CENTRES = np.array([[100.0, 5.0, -30.0], [103.0, 4.0, -28.0], [98.0, 6.0, -32.0]])
ROWS, VAL = 400, 0.25
RECIPE = """\
name: blobs
inputs: {x: [3], y: [3]}
nodes:
  hidden: {block: linear, in: x, out: 8}
  act: {block: tanh, in: hidden}
  logit: {block: linear, in: act, out: 3}
  prob: {block: softmax, in: logit}
  loss: {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob]
loss: loss
train:
  data:
    csv: blobs.csv
    columns: {x: [a, b, c], y: {onehot: species}}
    standardize: [x]
    val: 0.25
    shuffle: false
  batch: 32
  steps: 40
  optimizer: {adam: {learning_rate: 0.05}}
  metrics: [accuracy, f1]
"""


def rows(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(features (n, 3) as written with 4 decimals, class names (n,))."""
    rng = np.random.default_rng(seed)
    k = rng.integers(0, 3, n)
    x = CENTRES[k] + rng.normal(0, 1.0, (n, 3)) * np.array([1.5, 0.5, 1.5])
    return np.round(x, 4), np.asarray(CLASSES)[k]


def write_csv(path, x, names=None) -> None:
    header = "a,b,c" + (",species" if names is not None else "")
    lines = [header]
    for i, row in enumerate(x):
        cells = [f"{v:.4f}" for v in row] + ([names[i]] if names is not None else [])
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")


def train_blobs(folder) -> dict:
    """Train the classifier in `folder` (blobs.csv beside its run folder `run`); returns
    the rows, the training part's and the validation part's."""
    x, names = rows(ROWS)
    write_csv(folder / "blobs.csv", x, names)
    (folder / "blobs.yaml").write_text(RECIPE)
    code = main(["run", str(folder / "blobs.yaml"), "--out", str(folder / "run"), "--quiet"])
    assert code == 0
    cut = ROWS - int(round(ROWS * VAL))
    write_csv(folder / "val.csv", x[cut:], names[cut:])
    return {"x": x, "names": names, "cut": cut, "run": folder / "run"}
