"""`compose evaluate`: a trained run's loss and metrics on labelled data, measured as training
measures its sets, with a confusion matrix named by class."""

import json

import numpy as np

from compose.cli.main import main
from tests.compose.csv_runs import CLASSES


def evaluate(capsys, *args):
    code = main(["evaluate", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_validation_split_scores_as_training_scored_it(blobs, capsys):
    code, out, _ = evaluate(capsys, blobs["run"], "--split", "val", "--json")
    assert code == 0
    found = json.loads(out)
    summary = json.loads((blobs["run"] / "summary.json").read_text())
    assert found["examples"] == 100
    assert found["metrics"] == {
        k.removeprefix("val_"): v for k, v in summary["metrics"].items() if k.startswith("val_")
    }
    assert found["confusion"] == {"classes": list(CLASSES), **summary["confusion"]["val"]}


def test_a_labelled_file_scores_with_the_saved_transformations_and_asked_metrics(blobs, capsys):
    code, out, _ = evaluate(
        capsys, blobs["run"], "--data", blobs["run"].parent / "val.csv",
        "--metrics", "f1", "precision",
    )  # fmt: skip
    assert code == 0
    summary = json.loads((blobs["run"] / "summary.json").read_text())
    matrix = np.array(summary["confusion"]["val"]["matrix"])
    # macro precision from the confusion matrix training wrote, computed here
    precision = np.mean(np.diag(matrix) / matrix.sum(axis=0))
    lines = out.splitlines()
    head = lines[0]
    assert head.startswith(f"{blobs['run'].parent / 'val.csv'} (100 examples): loss ")
    assert f"precision {precision:.4g}" in head
    assert f"f1 {summary['metrics']['val_f1']:.4g}" in head
    assert lines[1].startswith("confusion on ") and lines[1].endswith(
        "(rows: true class, columns: predicted class, by number):"
    )
    rows = lines[3:6]
    for i, (name, row) in enumerate(zip(CLASSES, rows, strict=True)):
        assert row.split() == [str(i), name, *map(str, matrix[i])]
    assert all(len(line) <= 80 for line in lines[2:])


def test_metrics_the_loss_cannot_give_and_unknown_classes_are_problems(blobs, capsys, tmp_path):
    code, _, err = evaluate(capsys, blobs["run"], "--metrics", "r2")
    assert code == 2
    assert err.startswith("--metrics: metric 'r2': expected a regression loss")
    (tmp_path / "rose.csv").write_text("a,b,c,species\n100,5,-30,setosa\n100,5,-30,rose\n")
    code, _, err = evaluate(capsys, blobs["run"], "--data", tmp_path / "rose.csv")
    assert code == 2
    assert err == (
        f"{tmp_path / 'rose.csv'}:3:4: column 'species': expected one of the classes the run "
        "was trained on (setosa, versicolor, virginica), got text of 4 characters\n"
    )
    code, _, err = evaluate(capsys, blobs["run"], "--split", "test")
    assert code == 2
    assert "train.data.test: expected examples held out as test to evaluate on, got none" in err
