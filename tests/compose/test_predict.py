"""A trained run used on new data: the transformations training applied are kept in the run
folder and applied again by `compose.load_run(...).predict` and `compose predict`, so that
raw rows get training's own predictions."""

import json
import shutil
import subprocess
import sys

import jax
import numpy as np
import pytest

import compose
from compose.cli.main import main
from compose.recipe.problems import RecipeError
from tests.compose.csv_runs import CLASSES, rows, write_csv


def reference(blobs, x):
    """The model's probabilities computed here: x standardised by the training rows' own
    mean and deviation (numpy, float64), then `jax.vmap(model)`, jitted: one program
    compiled rather than one per operation."""
    train = blobs["x"][: blobs["cut"]].astype(np.float32).astype(np.float64)
    scaled = ((x.astype(np.float32) - train.mean(axis=0)) / train.std(axis=0)).astype(np.float32)
    model = compose.load_run(blobs["run"]).model
    return np.asarray(jax.jit(jax.vmap(model))({"x": scaled})["prob"])


def test_the_run_folder_keeps_the_columns_classes_and_standardisation(blobs):
    kept = json.loads((blobs["run"] / "transforms.json").read_text())
    train = blobs["x"][: blobs["cut"]].astype(np.float32).astype(np.float64)
    assert kept["columns"] == {
        "x": [{"column": "a"}, {"column": "b"}, {"column": "c"}],
        "y": [{"column": "species", "onehot": list(CLASSES)}],
    }
    assert kept["standardize"]["x"]["mean"] == train.mean(axis=0).tolist()
    assert kept["standardize"]["x"]["deviation"] == train.std(axis=0).tolist()
    run = compose.load_run(blobs["run"])
    assert run.transforms.classes("y") == CLASSES


def test_predict_on_raw_validation_rows_gives_the_validation_predictions_of_training(
    blobs, tmp_path, capsys
):
    out = tmp_path / "val.out.csv"  # the shared run's folder is only read
    code = main(["predict", str(blobs["run"]), "--data", str(blobs["run"].parent / "val.csv"),
                 "--out", str(out), "--quiet"])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out == f"100 predictions: {out}\n"
    lines = out.read_text().splitlines()
    columns = "prob.setosa,prob.versicolor,prob.virginica,prob.class"
    assert lines[0] == f"a,b,c,species,{columns}"
    cells = [line.split(",") for line in lines[1:]]
    probs = np.array([[float(v) for v in row[4:7]] for row in cells], np.float32)
    predicted = [row[7] for row in cells]
    truth = blobs["names"][blobs["cut"] :]
    want = reference(blobs, blobs["x"][blobs["cut"] :])
    np.testing.assert_allclose(probs, want, rtol=1e-5, atol=1e-6)
    assert predicted == [CLASSES[i] for i in np.argmax(want, axis=1)]
    # the same predictions as training's own validation: its confusion matrix, exactly
    summary = json.loads((blobs["run"] / "summary.json").read_text())
    matrix = np.zeros((3, 3), int)
    for t, p in zip(truth, predicted, strict=True):
        matrix[CLASSES.index(t), CLASSES.index(p)] += 1
    assert matrix.tolist() == summary["confusion"]["val"]["matrix"]
    accuracy = np.float32(np.mean(np.asarray(predicted) == truth))
    assert accuracy == np.float32(summary["metrics"]["val_accuracy"])
    assert accuracy > 0.8  # and a model given unstandardised rows would not be near it


def test_run_predict_takes_arrays_by_input_a_table_of_columns_or_a_file(blobs, tmp_path):
    run = compose.load_run(blobs["run"])
    x, names = blobs["x"][:50], blobs["names"][:50]
    by_input = run.predict({"x": x})
    table = run.predict({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "species": names})
    write_csv(tmp_path / "some.csv", x)
    from_file = run.predict(tmp_path / "some.csv")
    np.testing.assert_allclose(by_input["prob"], reference(blobs, x), rtol=1e-5, atol=1e-6)
    for got in (table, from_file):
        assert np.array_equal(got["prob"], by_input["prob"])
        assert got["prob.class"].tolist() == by_input["prob.class"].tolist()
    assert set(by_input["prob.class"]) <= set(CLASSES)
    np.savez(tmp_path / "some.npz", x=x.astype(np.float32))
    assert (
        main(["predict", str(blobs["run"]), "--data", str(tmp_path / "some.npz"), "--quiet"]) == 0
    )
    saved = np.load(tmp_path / "some.predictions.npz")
    assert np.array_equal(saved["prob"], by_input["prob"])
    assert saved["prob.class"].tolist() == by_input["prob.class"].tolist()


def test_data_that_does_not_fit_the_run_is_a_located_problem(blobs, tmp_path, capsys):
    run = str(blobs["run"])
    (tmp_path / "two.csv").write_text("a,b,species\n1,2,setosa\n")
    (tmp_path / "text.csv").write_text("a,b,c\n1,2,3\n1,2,x\n")
    np.savez(tmp_path / "wide.npz", x=np.zeros((4, 5), np.float32))
    for name in ("two.csv", "text.csv", "wide.npz"):
        assert main(["predict", run, "--data", str(tmp_path / name), "--quiet"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{tmp_path / 'two.csv'}: input 'x': expected column 'c' (the run's input 'x' of shape "
        "(3,) reads a, b, c), got a table without it (its columns give (2,))",
        f"{tmp_path / 'text.csv'}:3:3: column 'c': expected a number, got text of 1 character",
        f"{tmp_path / 'wide.npz'}: input 'x': expected (3,) per example, as the run was "
        "trained on, got (5,)",
    ]
    with pytest.raises(RecipeError) as err:
        compose.load_run(run).predict({"a": [1, 2], "b": [2, 3], "c": [3, "4x"]})
    assert str(err.value) == "data: column 'c', row 1: expected a number, got text of 2 characters"


def test_a_damaged_transforms_file_is_a_problem_naming_it(blobs, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(blobs["run"], copy)
    kept = json.loads((copy / "transforms.json").read_text())
    kept["standardize"]["x"]["deviation"] = [1.0, 0.0, 1.0]
    (copy / "transforms.json").write_text(json.dumps(kept))
    with pytest.raises(RecipeError) as err:
        compose.load_run(copy)
    assert str(err.value) == (
        f"{copy / 'transforms.json'}: damaged: expected finite means and positive deviations "
        "for 'x'"
    )
    (copy / "transforms.json").write_text('{"columns": ')
    with pytest.raises(RecipeError, match=r"transforms.json:1:13: damaged: not JSON"):
        compose.load_run(copy)


# Peak memory of `compose predict` on a CSV file of a million rows (24 MB), in a process of
# its own started by a small one, so that the figure is the command's alone. Measured on
# this project's CPU machine: 221-254 MiB on 1,000 rows, 260-269 MiB on 1,000,000; a Python
# process holding the file's rows as csv.reader gives them takes 294 MiB, on top of which
# the command's own would come (the run folder's model, JAX: the 1,000-row figure).
CEILING_MIB = 400


def test_predict_reads_and_writes_a_million_rows_in_bounded_memory(blobs, tmp_path):
    x, _ = rows(1000, seed=1)
    block = "".join(",".join(f"{v:.4f}" for v in row) + "\n" for row in x)
    with open(tmp_path / "big.csv", "w") as f:
        f.write("a,b,c\n")
        for _ in range(1000):
            f.write(block)
    command = [sys.executable, "-m", "compose.cli", "predict", str(blobs["run"]),
               "--data", str(tmp_path / "big.csv"), "--quiet"]  # fmt: skip
    measure = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run([sys.executable, "-c", measure, *command], capture_output=True,
                          text=True, check=True)  # fmt: skip
    lines = done.stdout.splitlines()
    assert lines[0] == f"1,000,000 predictions: {tmp_path / 'big.predictions.csv'}"
    peak_mib = int(lines[1]) / 1024  # Linux gives kibibytes
    assert peak_mib < CEILING_MIB, f"peak {peak_mib:.0f} MiB"
    with open(tmp_path / "big.predictions.csv") as f:
        assert sum(1 for _ in f) == 1_000_001


HOUSES = """\
name: houses
inputs: {x: [2], y: [1]}
nodes:
  fit: {block: linear, in: x, out: 1}
  loss: {block: mse, in: {pred: fit, target: y}}
outputs: [fit]
loss: loss
train:
  data: {csv: houses.csv, columns: {x: [rooms, age], y: [price]}, standardize: [x, y]}
  batch: 16
  steps: 5
  optimizer: {adam: {learning_rate: 0.01}}
"""


def test_a_standardised_target_is_predicted_in_the_datas_units(tmp_path):
    rng = np.random.default_rng(1)
    x = np.round(rng.normal([4.0, 30.0], [1.0, 10.0], (64, 2)), 3)
    price = np.round(50_000 * x[:, :1] - 800 * x[:, 1:] + 20_000, 1)
    rows_text = [f"{a},{b},{p}" for (a, b), (p,) in zip(x, price, strict=True)]
    (tmp_path / "houses.csv").write_text("rooms,age,price\n" + "\n".join(rows_text) + "\n")
    (tmp_path / "houses.yaml").write_text(HOUSES)
    assert main(["run", str(tmp_path / "houses.yaml"), "--out", str(tmp_path / "run"),
                 "--quiet"]) == 0  # fmt: skip
    run = compose.load_run(tmp_path / "run")
    got = run.predict({"x": x})["fit"]
    # the reference: standardise x and y by the rows' own statistics (numpy), call the
    # model, and undo y's standardisation
    xs = x.astype(np.float32).astype(np.float64)
    ys = price.astype(np.float32).astype(np.float64)
    scaled = ((x.astype(np.float32) - xs.mean(0)) / xs.std(0)).astype(np.float32)
    fit = np.asarray(jax.jit(jax.vmap(run.model))({"x": scaled})["fit"], np.float64)
    expected = fit * ys.std(0) + ys.mean(0)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert abs(float(np.median(got))) > 1_000  # in the price's units, not near zero
