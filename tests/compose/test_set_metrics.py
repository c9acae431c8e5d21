"""Set metrics (precision, recall, F1, ROC AUC, R-squared, the confusion matrix) against
scikit-learn's on random data, over a log window of batches as over one whole set, and
what a run logs, prints and keeps of them."""

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import compose
from compose.checker import set_metrics
from compose.cli.class_table import class_tables
from compose.cli.main import main
from compose.runs import checkpoint
from compose.runtime.shown import number
from compose.trainer.records import Tally, filled, log_points

RNG = np.random.default_rng(0)
RECIPES = Path(__file__).parents[2] / "recipes"


def sk():
    """scikit-learn's metrics, the reference: imported by the tests that use it (with SciPy
    it takes a second, and every test process collects this file)."""
    from sklearn import metrics

    return metrics


def rows_of(names, pred, target, classifies):
    """Each example's raw values, as the evaluator and the training step make them."""
    return jax.vmap(lambda p, t: set_metrics.example(names, p, t, classifies))(
        jnp.asarray(pred), jnp.asarray(target)
    )


def whole(names, pred, target, classifies):
    """The metrics of one whole set, as the evaluator computes them (inside jit)."""
    classes = set_metrics.classes_of(pred.shape[1:])

    @jax.jit
    def measure(pred, target):
        rows = rows_of(names, pred, target, classifies)
        values = set_metrics.reduced(rows, names, classes, whole=True, confusion=True)
        return set_metrics.finished(values, jnp)

    return measure(pred, target)


def one_hot(labels, classes):
    return np.eye(classes, dtype=np.float32)[labels]


def test_precision_recall_and_f1_match_scikit_learn_with_zero_division_0():
    names = ("precision", "recall", "f1")
    for seed in range(3):
        rng = np.random.default_rng(seed)
        logits = rng.normal(size=(300, 5)).astype(np.float32)
        logits[:, 2] = -1e9  # class 2 is never predicted
        true = rng.integers(0, 4, 300)  # class 4 never occurs, and is predicted sometimes
        got = whole(names, logits, one_hot(true, 5), "logits")
        predicted = logits.argmax(axis=1)
        assert 2 not in predicted and 4 in predicted and 4 not in true
        for name, reference in (
            ("precision", sk().precision_score),
            ("recall", sk().recall_score),
            ("f1", sk().f1_score),
        ):
            expected = reference(true, predicted, average="macro", zero_division=0)
            assert float(got[name]) == pytest.approx(expected, rel=1e-6), name
        counts = np.asarray(got[set_metrics.CONFUSION])
        np.testing.assert_array_equal(
            counts, sk().confusion_matrix(true, predicted, labels=range(5))
        )
        each = set_metrics.Confusion(("a", "b", "c", "d", "e"), {"": counts}).per_class("")
        for name, reference in (
            ("precision", sk().precision_score),
            ("recall", sk().recall_score),
            ("f1", sk().f1_score),
        ):
            expected = reference(true, predicted, average=None, labels=range(5), zero_division=0)
            np.testing.assert_allclose(each[name], expected, rtol=1e-12)
        assert each["precision"][2] == 0.0 and each["recall"][4] == 0.0  # zero_division=0
        assert each["support"] == np.bincount(true, minlength=5).tolist()


@pytest.mark.parametrize("classifies", ["probability", "logits"])
def test_a_yes_no_classifier_has_two_classes_read_as_accuracy_reads_them(classifies):
    raw = RNG.normal(size=(200, 1)).astype(np.float32)
    pred = (1 / (1 + np.exp(-raw))).astype(np.float32) if classifies == "probability" else raw
    true = (RNG.random(200) < 0.3).astype(np.int64)
    predicted = (raw[:, 0] > 0).astype(np.int64)
    got = whole(("precision", "recall", "f1"), pred, true[:, None].astype(np.float32), classifies)
    for name, reference in (
        ("precision", sk().precision_score),
        ("recall", sk().recall_score),
        ("f1", sk().f1_score),
    ):
        expected = reference(true, predicted, average="macro", zero_division=0)
        assert float(got[name]) == pytest.approx(expected, rel=1e-6), name
    np.testing.assert_array_equal(
        np.asarray(got[set_metrics.CONFUSION]), sk().confusion_matrix(true, predicted)
    )


def test_roc_auc_matches_scikit_learn_ties_included():
    true = (RNG.random(500) < 0.4).astype(np.int64)
    logits = np.round(RNG.normal(size=500) + true, 1).astype(np.float32)  # many ties
    expected = sk().roc_auc_score(true, logits)
    one = whole(("roc_auc",), logits[:, None], true[:, None].astype(np.float32), "logits")
    assert float(one["roc_auc"]) == pytest.approx(expected, rel=1e-6)
    pair = np.stack([np.zeros(500, np.float32), logits], axis=1)  # log-odds: the 2nd less the 1st
    two = whole(("roc_auc",), pair, one_hot(true, 2), "logits")
    assert float(two["roc_auc"]) == pytest.approx(expected, rel=1e-6)
    probs = (np.exp(pair) / np.exp(pair).sum(axis=1, keepdims=True)).astype(np.float32)
    from_probs = whole(("roc_auc",), probs, one_hot(true, 2), "probability")
    assert float(from_probs["roc_auc"]) == pytest.approx(sk().roc_auc_score(true, probs[:, 1]))
    only = whole(("roc_auc",), logits[:, None], np.ones((500, 1), np.float32), "logits")
    assert np.isnan(float(only["roc_auc"]))  # scikit-learn refuses: one class only


@pytest.mark.parametrize("exact_flat", [True, False])
def test_r2_matches_scikit_learn_across_outputs(exact_flat):
    n = 400
    target = np.stack(
        [
            RNG.normal(size=n),
            1e4 + RNG.normal(size=n),  # far from 0: a one-pass variance would lose digits
            np.full(n, 2.0),  # does not vary
        ],
        axis=1,
    ).astype(np.float32)
    pred = (target + 0.5 * RNG.normal(size=target.shape)).astype(np.float32)
    if exact_flat:
        pred[:, 2] = 2.0
    got = whole(("r2",), pred, target, None)
    expected = sk().r2_score(target.astype(np.float64), pred.astype(np.float64))
    assert float(got["r2"]) == pytest.approx(expected, rel=1e-4)
    each = sk().r2_score(target, pred, multioutput="raw_values")
    assert each[2] == (1.0 if exact_flat else 0.0)  # scikit-learn's force_finite


def logged(names, batches, classifies, steps):
    """The records a run logs at `steps` (1-based, ascending) over per-step values made,
    as the compiled step makes them, from each (pred, target) batch."""
    classes = set_metrics.classes_of(batches[0][0].shape[1:])
    per_step = [
        set_metrics.reduced(rows_of(names, p, t, classifies), names, classes, whole=False)
        for p, t in batches
    ]
    values = {k: np.stack([np.asarray(v[k]) for v in per_step]) for k in per_step[0]}
    records, _ = filled(log_points(steps, 0, 0, len(batches)), values, Tally(), 0.0, 0.0)
    return records


def test_a_logged_value_is_the_metric_of_all_the_examples_of_its_steps():
    names = ("precision", "recall", "f1")
    batches = []
    for _ in range(6):
        true = RNG.integers(0, 4, 16)
        logits = (RNG.normal(size=(16, 4)) + 1.5 * one_hot(true, 4)).astype(np.float32)
        batches.append((logits, one_hot(true, 4)))
    records = logged(names, batches, "logits", [2, 6])
    for record, window in zip(records, (batches[:2], batches[2:]), strict=True):
        true = np.concatenate([t.argmax(axis=1) for _, t in window])
        predicted = np.concatenate([p.argmax(axis=1) for p, _ in window])
        expected = sk().f1_score(true, predicted, average="macro", zero_division=0)
        assert record["f1"] == pytest.approx(expected, rel=1e-6)
        expected = sk().precision_score(true, predicted, average="macro", zero_division=0)
        assert record["precision"] == pytest.approx(expected, rel=1e-6)
        assert set(record) == {"step", "f1", "precision", "recall", "seconds"}
    per_batch = np.mean(
        [
            sk().f1_score(t.argmax(axis=1), p.argmax(axis=1), average="macro", zero_division=0)
            for p, t in batches[2:]
        ]
    )
    assert abs(per_batch - records[1]["f1"]) > 1e-3  # not a mean of per-batch F1s


def test_a_logged_r2_counts_the_spread_between_batches():
    batches = []
    for shift in (0.0, 3.0, -2.0, 5.0):  # batch means far apart: most of the variance
        target = (shift + RNG.normal(size=(16, 2))).astype(np.float32)
        batches.append(((target + 0.3 * RNG.normal(size=target.shape)).astype(np.float32), target))
    (record,) = logged(("r2",), batches, None, [4])
    pred, target = (
        np.concatenate(parts).astype(np.float64) for parts in zip(*batches, strict=True)
    )
    assert record["r2"] == pytest.approx(sk().r2_score(target, pred), rel=1e-5)


SET_METRICS = "[accuracy, precision, recall, f1, roc_auc, confusion_matrix]"


def spiral_arrays(n, seed):
    """Two noisy interleaved arms, as the spiral set draws them: x (n, 2), y one-hot (n, 2)."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n)
    radius = rng.random(n)
    angle = 2 * np.pi * (1.5 * radius + label / 2)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    x += 0.05 * rng.normal(size=x.shape)
    return {"x": x.astype(np.float32), "y": one_hot(label, 2)}


def test_a_run_logs_its_set_metrics_and_keeps_the_confusion_matrix(tmp_path):
    recipe = compose.load(
        RECIPES / "spirals.yaml",
        overrides=["train.steps=60", "train.log_every=20", f"train.metrics={SET_METRICS}"],
    )
    data, val = spiral_arrays(320, 1), spiral_arrays(150, 2)
    result = compose.train(recipe, data=data, val=val, folder=tmp_path / "run")
    probs = np.asarray(jax.vmap(result.model)({"x": jnp.asarray(val["x"])})["probs"])
    true, predicted = val["y"].argmax(axis=1), probs.argmax(axis=1)
    for name, expected in (
        ("val_precision", sk().precision_score(true, predicted, average="macro", zero_division=0)),
        ("val_recall", sk().recall_score(true, predicted, average="macro", zero_division=0)),
        ("val_f1", sk().f1_score(true, predicted, average="macro", zero_division=0)),
        ("val_roc_auc", sk().roc_auc_score(true, probs[:, 1])),
    ):
        assert result.metrics[name] == pytest.approx(expected, rel=1e-5), name
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    confusion = summary["confusion"]
    assert confusion["classes"] == ["0", "1"] and set(confusion) == {"classes", "train", "val"}
    assert confusion["val"]["matrix"] == sk().confusion_matrix(true, predicted).tolist()
    expected = sk().f1_score(true, predicted, average=None, zero_division=0)
    np.testing.assert_allclose(confusion["val"]["f1"], expected, rtol=1e-12)
    assert summary["epochs"] == 60 / (320 // 64)
    lines = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in lines] == [20, 40, 60]
    for line in lines:  # ROC AUC ranks a whole set: validation only, never a training line
        assert {"precision", "recall", "f1", "val_f1", "val_roc_auc"} <= set(line)
        assert "roc_auc" not in line and "confusion_matrix" not in line


def test_the_confusion_matrix_names_a_csv_targets_classes(tmp_path):
    rng = np.random.default_rng(0)
    labels = rng.choice(["owl", "cat", "eel"], 60)
    rows = [
        f"{a:.3f},{b:.3f},{c}" for (a, b), c in zip(rng.normal(size=(60, 2)), labels, strict=True)
    ]
    (tmp_path / "pets.csv").write_text("a,b,kind\n" + "\n".join(rows) + "\n")
    text = (RECIPES / "spirals.yaml").read_text()
    (tmp_path / "r.yaml").write_text(text)
    for given, expected in (("", ["cat", "eel", "owl"]), (", classes: [owl, eel, cat]", None)):
        columns = f"{{x: [a, b], y: {{onehot: kind{given}}}}}"
        recipe = compose.load(
            tmp_path / "r.yaml",
            overrides=[
                f"train.data={{csv: pets.csv, val: 0.25, columns: {columns}}}",
                "inputs.y=[3]", "nodes.logits.out=3", "train.steps=5", "train.batch=9",
                "train.metrics=[confusion_matrix]",
            ],
        )  # fmt: skip
        result = compose.train(recipe)
        assert list(result.confusion.classes) == (expected or ["owl", "eel", "cat"])
        assert result.confusion.matrices["val_"].sum() == 15


def test_the_summary_prints_epochs_and_the_confusion_matrix_within_100_columns(tmp_path, capsys):
    folder = tmp_path / "run"
    code = main(["run", str(RECIPES / "spirals.yaml"), "--out", str(folder),
                 "--set", "train.steps=25", "--set", "train.log_every=5",
                 "--set", f"train.metrics={SET_METRICS}"])  # fmt: skip
    assert code == 0
    captured = capsys.readouterr()
    out, err = captured.out.splitlines(), captured.err.splitlines()
    # 800 training examples in batches of 64: 12 steps an epoch
    assert out[0].startswith("spirals: trained 25 steps (2.1 epochs) in ")
    assert err[0].startswith("spirals step 5/25 (epoch 0.4/2.1) ")
    assert any(line.startswith("spirals step 25/25 (epoch 2.1/2.1) ") for line in err)
    at = out.index("confusion on val (rows: true class, columns: predicted class, by number):")
    matrix = json.loads((folder / "summary.json").read_text())["confusion"]["val"]["matrix"]
    assert [line.split() for line in out[at + 1 : at + 4]] == [
        ["0", "1"], ["0", *map(str, matrix[0])], ["1", *map(str, matrix[1])]
    ]  # fmt: skip
    assert out[at + 4].split() == ["class", "precision", "recall", "f1", "support"]
    assert all(len(line) <= 100 for line in out + err), max(out + err, key=len)


def test_a_run_resumed_between_log_points_logs_the_same_set_metrics(tmp_path, capsys):
    """The per-class counts of the steps after the last log point go into the checkpoint
    and on into the next line, as the per-step values of other metrics do."""

    class StopAt(compose.Listener):
        def advanced(self, session):
            if session.step == 50:
                raise KeyboardInterrupt  # Ctrl-C between two log points

    base = ["train.steps=80", "train.log_every=20", "train.metrics=[precision, f1]"]
    every = "train.checkpoint={every: 25, seconds: 0}"  # calls end at 25, 50, 75
    straight = compose.load(RECIPES / "xor.yaml", overrides=[*base, every])
    compose.train(straight, folder=tmp_path / "straight")
    stopped = compose.train(straight, folder=tmp_path / "resumed", listeners=[StopAt()])
    assert stopped.steps == 50
    header = (tmp_path / "resumed" / checkpoint.FILE).read_bytes().split(b"\n", 2)[1]
    assert len(json.loads(header)["tally"]["values"]["f1:tp"]) == 10  # steps 41 to 50
    assert main(["run", "--resume", str(tmp_path / "resumed"), "--quiet"]) == 0
    capsys.readouterr()

    def lines(folder):
        text = (folder / "metrics.jsonl").read_text().splitlines()
        return [{k: v for k, v in json.loads(x).items() if k != "seconds"} for x in text]

    expected = lines(tmp_path / "straight")
    assert [r["step"] for r in expected] == [20, 40, 60, 80] and "f1" in expected[-1]
    assert lines(tmp_path / "resumed") == expected


REGRESSION = """\
inputs: {x: [1], y: [1]}
nodes:
  h: {block: linear, in: x, out: 1}
  loss: {block: mse, in: {pred: h, target: y}}
outputs: [h]
loss: loss
train:
  data: {dataset: sine, n: 64}
  batch: 16
  steps: 10
  optimizer: {adam: {learning_rate: 0.05}}
  metrics: [r2, precision, roc_auc, confusion_matrix]
"""


def test_set_metrics_the_loss_cannot_give_are_located_problems():
    assert [str(p) for p in compose.check(compose.loads(REGRESSION)).problems] == [
        f"<recipe>:12:12: train.metrics: metric '{name}': expected a classification loss "
        "(cross_entropy), got mse"
        for name in ("precision", "roc_auc", "confusion_matrix")
    ]
    three = compose.load(
        RECIPES / "spirals.yaml",
        overrides=[
            "train.data={dataset: spiral, n: 100, classes: 3, val: 0.2}", "inputs.y=[3]",
            "nodes.logits.out=3", "train.metrics=[f1, roc_auc, r2]",
            "train.early_stop={metric: roc_auc, patience: 2}",
        ],
    )  # fmt: skip
    assert [(p.message, p.hint) for p in compose.check(three).problems] == [
        (
            "metric 'roc_auc': expected a binary classifier (one output, or two classes), "
            "got a prediction of shape (3,)",
            "use f1 or a confusion_matrix for more classes",
        ),
        (
            "metric 'r2': expected a regression loss (mse), got cross_entropy, whose "
            "prediction is a probability",
            "use accuracy or topK_accuracy for a classifier",
        ),
        (
            "expected a logged metric (f1, loss, r2, val_f1, val_loss, val_r2, "
            "val_roc_auc), got 'roc_auc'",
            "roc_auc is measured on whole sets only: watch val_roc_auc",
        ),
    ]


def test_a_regression_run_logs_r2_against_scikit_learn():
    data = {"x": RNG.normal(size=(64, 1)).astype(np.float32)}
    data["y"] = (3 * data["x"] + 0.5 * RNG.normal(size=(64, 1))).astype(np.float32)
    recipe = compose.loads(REGRESSION.replace("[r2, precision, roc_auc, confusion_matrix]", "[r2]"))
    result = compose.train(recipe, data=data, val=data)
    pred = np.asarray(jax.vmap(result.model)({"x": jnp.asarray(data["x"])})["h"])
    assert result.metrics["val_r2"] == pytest.approx(sk().r2_score(data["y"], pred), rel=1e-5)
    assert result.confusion is None


def test_ten_named_classes_fit_80_columns():
    names = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship")
    names += ("a truck with a name longer than a column allows",)
    matrix = RNG.integers(0, 1000, (10, 10))
    lines = class_tables(set_metrics.Confusion(names, {"test_": matrix}), "test_", width=80)
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    assert lines[0] == "confusion on test (rows: true class, columns: predicted class, by number):"
    assert lines[1].split() == [str(i) for i in range(10)]
    for i, line in enumerate(lines[2:12]):
        assert line.split()[0] == str(i) and line.split()[-10:] == [str(c) for c in matrix[i]]
    assert lines[3].split()[:2] == ["1", "automobile"]
    assert lines[11].startswith("  9 a truck with a name…  ")  # cut to a quarter of the width
    true = np.repeat(np.arange(10), 10)  # examples that give the matrix, for scikit-learn
    predicted = np.tile(np.arange(10), 10)
    weights = matrix.ravel()
    f1 = sk().f1_score(true, predicted, average=None, sample_weight=weights, zero_division=0)
    assert [line.split()[-2] for line in lines[13:23]] == [number(v) for v in f1]
    assert [int(line.split()[-1]) for line in lines[13:23]] == matrix.sum(axis=1).tolist()
