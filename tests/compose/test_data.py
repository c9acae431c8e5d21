"""Data sources: each gives what an independent computation says, is checked from what it
says of itself, splits deterministically, and every problem has its exact message."""

import doctest
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import compose
from compose.data import files as data_files
from compose.data import loading as data
from compose.data import npz, sizes
from compose.data import sklearn_sets as data_sklearn
from compose.data.generated import BUILTIN, DATASETS, GROUP, Dataset
from compose.recipe.problems import RecipeError

NET = """\
inputs: %(inputs)s
nodes:
  h: {block: linear, in: x, out: %(out)s}
  loss: {block: mse, in: {pred: h, target: y}}
outputs: [h]
loss: loss
train:
  data: %(data)s
  batch: 4
  steps: 10
  optimizer: {adam: {learning_rate: 0.05}}
"""


def text(data_text, inputs="{x: [2], y: [1]}", out=1):
    """A recipe whose linear node gives y's shape (out values) from x, on this data."""
    return NET % {"inputs": inputs, "out": out, "data": data_text}


def recipe(data_text, inputs="{x: [2], y: [1]}", out=1):
    return compose.loads(text(data_text, inputs, out))


def loaded(data_text, base=Path("."), names=("x", "y"), **kw):
    """The Split `data.load` gives for this data source."""
    return data.load(recipe(data_text, **kw).train.data, list(names), base)


@pytest.fixture
def files(tmp_path, monkeypatch):
    """Data files in tmp_path/data, the current folder tmp_path; returns the arrays written."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "data"
    folder.mkdir()
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((8, 2)), rng.integers(0, 2, (8, 1)).astype(np.float64)
    np.savez(folder / "points.npz", x=x, y=y, extra=np.arange(3))
    np.savez_compressed(folder / "wide.npz", x=rng.standard_normal((8, 3)), y=y)
    np.savez(folder / "counts.npz", x=x, y=y[:7])
    np.savez(folder / "objects.npz", x=np.array([{"a": 1}] * 8, dtype=object), y=y)
    np.savez(folder / "text.npz", x=np.array([["a", "b"]] * 8), y=y)
    (folder / "broken.npz").write_bytes(b"not a zip file")
    labels = np.array(["cat", "dog", "ant", "dog", "cat", "cat", "ant", "dog"])
    rows = [f"{float(a)!r},{float(b)!r},{label}" for (a, b), label in zip(x, labels, strict=True)]
    (folder / "points.csv").write_text("x1,x2,label\n" + "\n".join(rows) + "\n")
    (folder / "cells.csv").write_text("x1,x2,label\n1,2,a\n3,oops,b\n5,,a\n7,8,b\n")
    (folder / "ragged.csv").write_text("x1,x2,label\n1,2,a\n3,4\n5,6,a,9\n7,8,b\n")
    (folder / "empty.csv").write_text("")
    (folder / "header.csv").write_text("x1,x2,label\n")
    return {"x": x, "y": y, "labels": labels}


# sources ------------------------------------------------------------------------------


def test_npz_gives_its_arrays_as_float32(files):
    split = loaded("{npz: data/points.npz, shuffle: false}")
    np.testing.assert_array_equal(split.train["x"], files["x"].astype(np.float32))
    np.testing.assert_array_equal(split.train["y"], files["y"].astype(np.float32))
    assert split.train["x"].dtype == np.float32 and set(split.train) == {"x", "y"}
    assert split.val == {} and split.test == {}


def test_checking_an_npz_never_holds_an_array_and_reads_it_once(files, monkeypatch):
    """The check streams the arrays the inputs read (looking for NaN and infinity), never
    loading one whole; checking the unchanged file again reads no array at all."""

    def no_data(*args, **kwargs):
        raise AssertionError("the check loaded an array")

    monkeypatch.setattr(np, "load", no_data)
    monkeypatch.setattr(np.lib.format, "read_array", no_data)
    scanned = []
    scan = npz._scan
    monkeypatch.setattr(npz, "_scan", lambda archive, info, shown: scanned.append(info.filename)
                        or scan(archive, info, shown))  # fmt: skip
    monkeypatch.setattr(npz, "_FOUND", type(npz._FOUND)())
    r = recipe("{npz: data/points.npz}")
    assert compose.check(r).problems == () and sorted(scanned) == ["x.npy", "y.npy"]
    assert compose.check(r).problems == () and len(scanned) == 2


def test_paths_start_at_the_recipe_folder(files, tmp_path, monkeypatch):
    (tmp_path / "r.yaml").write_text(text("{npz: data/points.npz}"))
    monkeypatch.chdir("/")
    checked = compose.check(compose.load(tmp_path / "r.yaml"))
    assert checked.problems == ()


def test_csv_reads_listed_columns_and_one_hot_in_sorted_order(files):
    split = loaded(
        "{csv: data/points.csv, shuffle: false, columns: {x: [x1, x2], y: {onehot: label}}}",
        inputs="{x: [2], y: [3]}",
    )
    np.testing.assert_allclose(split.train["x"], files["x"].astype(np.float32))
    classes = sorted(set(files["labels"]))  # ant, cat, dog
    expected = np.array([[float(label == c) for c in classes] for label in files["labels"]])
    np.testing.assert_array_equal(split.train["y"], expected)


def test_csv_one_hot_with_given_classes_and_mixed_columns(files):
    split = loaded(
        "{csv: data/points.csv, shuffle: false, columns: "
        "{x: [x2, {onehot: label, classes: [dog, cat, ant]}], y: [x1]}}",
        inputs="{x: [4], y: [1]}",
    )
    order = ["dog", "cat", "ant"]
    onehot = np.array([[float(label == c) for c in order] for label in files["labels"]])
    expected = np.concatenate([files["x"][:, 1:], onehot], axis=1).astype(np.float32)
    np.testing.assert_allclose(split.train["x"], expected)
    np.testing.assert_allclose(split.train["y"], files["x"][:, :1].astype(np.float32))


def test_csv_numeric_classes_sort_as_numbers(tmp_path):
    (tmp_path / "n.csv").write_text("v,label\n0,10\n1,2\n2,1\n")
    split = loaded(
        "{csv: n.csv, shuffle: false, columns: {x: [v, v], y: {onehot: label}}}",
        base=tmp_path,
        inputs="{x: [2], y: [3]}",
    )
    np.testing.assert_array_equal(split.train["y"], [[0, 0, 1], [0, 1, 0], [1, 0, 0]])


@pytest.mark.parametrize("name", list(data_sklearn.SETS))
def test_sklearn_sets_match_scikit_learn(name):
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")()
    n, features, classes = data_sklearn.SETS[name]
    assert bunch.data.shape == (n, features) and len(bunch.target_names) == classes
    split = data.load(
        recipe(f"{{sklearn: {name}, shuffle: false}}").train.data, ["x", "y"], Path(".")
    )
    x, y = split.train["x"], split.train["y"]
    assert x.shape == (n, features) and y.shape == (n, classes) and x.dtype == np.float32
    np.testing.assert_array_equal(y.sum(axis=1), 1.0)
    np.testing.assert_array_equal(y.argmax(axis=1), bunch.target)
    scale = 16.0 if name == "digits" else 1.0
    np.testing.assert_allclose(x, bunch.data / scale, rtol=1e-6)
    if name == "digits":
        assert x.min() == 0.0 and x.max() == 1.0


def test_describing_sklearn_does_not_import_it(monkeypatch):
    monkeypatch.delitem(sys.modules, "sklearn", raising=False)
    monkeypatch.delitem(sys.modules, "sklearn.datasets", raising=False)
    checked = compose.check(recipe("{sklearn: iris}", inputs="{x: [4], y: [3]}", out=3))
    assert checked.problems == () and "sklearn" not in sys.modules


# generated sets -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(BUILTIN))
def test_generated_sets_give_what_they_describe_and_follow_the_seed(name):
    dataset = DATASETS[name]
    args = {a.name: a.default for a in dataset.args}
    made = dataset.make(**args)
    n, shapes = dataset.shapes(**args)
    assert {k: a.shape for k, a in made.items()} == {k: (n, *s) for k, s in shapes.items()}
    assert all(a.dtype == np.float32 for a in made.values())
    again = dataset.make(**args)
    assert all(np.array_equal(made[k], again[k]) for k in made)
    if "seed" in args:
        other = dataset.make(**{**args, "seed": 1})
        assert not np.array_equal(made["x"], other["x"])


@pytest.mark.parametrize("name", ["circle", "quadrants", "gauss", "moons"])
def test_playground_sets_are_labelled_zero_or_one_and_balanced(name):
    made = DATASETS[name].make(n=1000, noise=0.0, seed=0)
    y = made["y"]
    assert made["x"].shape == (1000, 2) and y.shape == (1000, 1)
    assert set(np.unique(y)) == {0.0, 1.0}
    assert 0.4 < y.mean() < 0.6


def test_playground_labels_follow_their_rule_without_noise():
    circle = DATASETS["circle"].make(n=400, noise=0.0, seed=0)
    radius = np.hypot(circle["x"][:, 0], circle["x"][:, 1])
    np.testing.assert_array_equal(circle["y"][:, 0], radius < 2.5)
    assert ((radius < 2.5) | (radius >= 3.5)).all()  # the gap between disc and ring
    quadrants = DATASETS["quadrants"].make(n=400, noise=0.0, seed=0)
    x = quadrants["x"]
    np.testing.assert_array_equal(quadrants["y"][:, 0], x[:, 0] * x[:, 1] >= 0)
    assert (np.abs(x) >= 0.3).all()
    gauss = DATASETS["gauss"].make(n=4000, noise=0.0, seed=0)
    ones = gauss["y"][:, 0] == 1
    np.testing.assert_allclose(gauss["x"][ones].mean(axis=0), [2, 2], atol=0.1)
    np.testing.assert_allclose(gauss["x"][~ones].mean(axis=0), [-2, -2], atol=0.1)
    moons = DATASETS["moons"].make(n=400, noise=0.0, seed=0)
    upper = moons["x"][moons["y"][:, 0] == 0]
    lower = moons["x"][moons["y"][:, 0] == 1] - [1.0, 0.5]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.hypot(*lower.T), 1.0, rtol=1e-5)


def test_sine_is_the_sine_plus_noise():
    clean = DATASETS["sine"].make(n=500, low=-2.0, high=5.0, noise=0.0, seed=0)
    assert clean["x"].min() >= -2.0 and clean["x"].max() < 5.0
    np.testing.assert_allclose(clean["y"], np.sin(clean["x"]), atol=1e-6)
    noisy = DATASETS["sine"].make(n=5000, low=-2.0, high=5.0, noise=0.1, seed=0)
    assert abs(float(np.std(noisy["y"] - np.sin(noisy["x"]))) - 0.1) < 0.01


def test_xor_keeps_its_four_points_and_empty_val_and_test():
    split = loaded("{dataset: xor, shuffle: false}")
    np.testing.assert_array_equal(split.train["x"], [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(split.train["y"], [[0], [1], [1], [0]])
    assert loaded("{dataset: xor}").val == {} and loaded("{dataset: xor}").test == {}


def test_the_source_seed_seeds_a_generated_set():
    a = loaded("{dataset: spiral, n: 50, seed: 1, shuffle: false}").train["x"]
    b = DATASETS["spiral"].make(n=50, noise=0.1, classes=2, turns=1.0, seed=1)["x"]
    np.testing.assert_array_equal(a, b)


def test_a_huge_generated_set_is_described_without_being_made(monkeypatch):
    def never(**args):
        raise AssertionError("the check made the data set")

    monkeypatch.setitem(DATASETS, "spiral", Dataset(**{**vars(DATASETS["spiral"]), "make": never}))
    monkeypatch.setattr(sizes, "memory_limit", lambda: 4 * 2**30)
    fits = recipe("{dataset: spiral, n: 100000000}", inputs="{x: [2], y: [2]}", out=2)
    assert compose.check(fits).problems == ()  # 1.5 GiB: accepted, nothing allocated
    huge = recipe(
        "{dataset: spiral, n: 2147483647, classes: 1000}", inputs="{x: [2], y: [1000]}", out=1000
    )
    assert [str(p) for p in compose.check(huge).problems] == [
        "<recipe>:8:19: train.data.dataset: dataset 'spiral': expected data that fits in "
        "memory (at most 4.0 GiB, half of this machine's), got an estimated 8,016.0 GiB"
    ]


# splitting and standardising ----------------------------------------------------------


def test_split_holds_out_rounded_fractions_deterministically():
    arrays = {"x": np.arange(100).reshape(100, 1), "y": np.arange(100)}
    one = data.split(arrays, val=0.2, test=0.15, shuffle=True, seed=3)
    two = data.split(arrays, val=0.2, test=0.15, shuffle=True, seed=3)
    sizes = [len(part["y"]) for part in (one.train, one.val, one.test)]
    assert sizes == [65, 20, 15]
    for a, b in zip((one.train, one.val, one.test), (two.train, two.val, two.test), strict=True):
        np.testing.assert_array_equal(a["y"], b["y"])
    every = np.concatenate([one.train["y"], one.val["y"], one.test["y"]])
    assert sorted(every) == list(range(100)), "each example in exactly one part"
    np.testing.assert_array_equal(one.train["x"][:, 0], one.train["y"])  # rows stay together
    assert list(one.train["y"][:10]) != list(range(10)), "shuffled"
    other = data.split(arrays, val=0.2, test=0.15, shuffle=True, seed=4)
    assert not np.array_equal(one.val["y"], other.val["y"])


def test_split_without_shuffle_keeps_the_order_and_empty_parts_are_empty():
    parts = data.split({"y": np.arange(10)}, val=0.3, test=0.0, shuffle=False, seed=0)
    assert parts.train["y"].tolist() == list(range(7)) and parts.val["y"].tolist() == [7, 8, 9]
    assert parts.test == {}


def test_split_doctest():
    assert doctest.testmod(data).failed == 0


def test_iris_is_shuffled_before_the_split():
    split = loaded("{sklearn: iris, val: 0.2}", inputs="{x: [4], y: [3]}")
    assert split.val["y"].sum(axis=0).min() > 0, "every class in validation"
    unshuffled = loaded("{sklearn: iris, val: 0.2, shuffle: false}", inputs="{x: [4], y: [3]}")
    assert unshuffled.val["y"].sum(axis=0).tolist() == [0, 0, 30]  # iris is sorted by class


def test_held_out_sources_of_their_own(files):
    split = loaded("{dataset: moons, n: 40, val: {npz: data/points.npz}, test: 0.25}")
    assert len(split.train["x"]) == 30 and len(split.test["x"]) == 10
    np.testing.assert_array_equal(split.val["x"], files["x"].astype(np.float32))
    seeded = loaded("{dataset: moons, n: 40, val: {dataset: moons, n: 10, seed: 7}}")
    np.testing.assert_array_equal(
        seeded.val["x"], DATASETS["moons"].make(n=10, noise=0.0, seed=7)["x"]
    )


def test_standardize_uses_the_training_part_mean_and_deviation():
    source = "{dataset: gauss, n: 200, val: 0.25, seed: 2, standardize: [x]}"
    split = loaded(source)
    raw = loaded(source.replace(", standardize: [x]", ""))
    mean, std = raw.train["x"].mean(axis=0), raw.train["x"].std(axis=0)
    np.testing.assert_allclose(split.train["x"], (raw.train["x"] - mean) / std, atol=1e-5)
    np.testing.assert_allclose(split.val["x"], (raw.val["x"] - mean) / std, atol=1e-5)
    np.testing.assert_array_equal(split.train["y"], raw.train["y"])  # not standardised


# the CSV cache ------------------------------------------------------------------------


def test_a_csv_is_parsed_once_across_check_and_load(files, monkeypatch):
    calls = []
    parse = data_files._parse_csv
    monkeypatch.setattr(data_files, "_parse_csv", lambda *a: calls.append(a) or parse(*a))
    monkeypatch.setattr(data_files, "_CACHE", type(data_files._CACHE)())
    source = "{csv: data/points.csv, val: 0.25, columns: {x: [x1, x2], y: {onehot: label}}}"
    r = recipe(source, inputs="{x: [2], y: [3]}", out=3)
    assert compose.check(r).problems == ()
    split = data.load(r.train.data, ["x", "y"], Path("."))
    assert len(split.train["x"]) == 6 and len(calls) == 1
    (files_dir := Path("data")).joinpath("points.csv").write_text("x1,x2,label\n1,2,a\n")
    data.load(r.train.data, ["x", "y"], Path("."))
    assert len(calls) == 2, "a changed file is parsed again"
    assert files_dir.exists()


# data given from Python ---------------------------------------------------------------


def test_array_problems_name_the_input_and_both_shapes():
    inputs = recipe("{dataset: xor}", inputs="{x: [2], y: [1], z: [3]}").inputs
    arrays = {"x": np.zeros((5, 2)), "y": np.zeros((4, 1)), "z": np.zeros((5, 4))}
    assert [str(p) for p in data.array_problems(arrays, inputs, what="validation data")] == [
        "<recipe>:1:18: inputs.y: input 'y': validation data array 'y' has 4 examples, but "
        "validation data array 'x' has 5",
        "<recipe>:1:26: inputs.z: input 'z': declared [3], but validation data array 'z' "
        "gives (4,) per example",
    ]
    assert [str(p) for p in data.array_problems({"x": 1.0}, inputs[:2])] == [
        "<recipe>:1:10: inputs.x: input 'x': expected data array 'x' to have a leading axis "
        "of examples, got a scalar",
        "<recipe>:1:18: inputs.y: input 'y': data has no array of that name (it gives x ())",
    ]
    assert data.array_problems({"x": np.zeros((3, 2)), "y": [[1], [0], [1]]}, inputs[:2]) == []


# plugins ------------------------------------------------------------------------------

RING = """
import numpy as np
from blocks import Hyper
from compose.data.generated import Dataset

def make(n, seed):
    angle = np.random.default_rng(seed).uniform(0, 2 * np.pi, n)
    x = np.stack([np.cos(angle), np.sin(angle)], axis=1).astype(np.float32)
    return {"x": x, "y": np.ones((n, 1), np.float32)}

shapes = lambda n, **_: (n, {"x": (2,), "y": (1,)})
ring = Dataset("ring", "points on the unit circle", make, shapes,
               (Hyper("n", int, 12, "points"), Hyper("seed", int, 0, "seed")))
misnamed = Dataset("other", "d", make, lambda n, **_: (n, {}))
taken = Dataset("ring2", "d", make, lambda n, **_: (n, {}), (Hyper("val", float, 0.0),))
not_a_dataset = 3
"""


def install(tmp_path, monkeypatch, entries):
    (tmp_path / "demo_data.py").write_text(RING)
    info = tmp_path / "demo_data-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-data\nVersion: 0.1\n")
    lines = "\n".join(f"{name} = demo_data:{target}" for name, target in entries)
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{lines}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "demo_data", raising=False)


def plugins():
    from blocks.plugins import entry_point_plugins
    from compose.data.generated import _plugin_problem

    return entry_point_plugins(
        GROUP, "dataset", (Dataset, "compose.data.generated.Dataset"), BUILTIN, _plugin_problem
    )


def test_an_installed_dataset_is_found_and_usable(tmp_path, monkeypatch):
    install(tmp_path, monkeypatch, [("ring", "ring")])
    found, origins = plugins()
    assert list(found) == ["ring"] and origins == {"ring": "demo-data"}
    monkeypatch.setitem(DATASETS, "ring", found["ring"])
    r = recipe("{dataset: ring, n: 20, val: 0.25}")
    assert compose.check(r).problems == ()
    split = data.load(r.train.data, ["x", "y"], Path("."))
    assert split.train["x"].shape == (15, 2) and split.val["x"].shape == (5, 2)
    np.testing.assert_allclose(np.hypot(*split.train["x"].T), 1.0, rtol=1e-6)


@pytest.mark.parametrize(
    "entry, warning",
    [
        (("bad", "not_a_dataset"), "expected a compose.data.generated.Dataset, got int"),
        (("renamed", "misnamed"), "expected the entry point's name to be the dataset's, got"),
        (("xor", "ring"), "expected the entry point's name to be the dataset's, got 'ring'"),
        (("ring2", "taken"), "expected argument names other than a source's own keys, got val"),
        (("gone", "missing"), "could not be loaded"),
    ],
)
def test_a_bad_dataset_plugin_is_skipped_with_a_warning(tmp_path, monkeypatch, entry, warning):
    install(tmp_path, monkeypatch, [entry, ("ring", "ring")])
    with pytest.warns(UserWarning, match=warning):
        found, _ = plugins()
    assert list(found) == ["ring"]


# problems, as the command line prints them --------------------------------------------

CASES = {
    "missing file": ("{npz: data/nothere.npz}", [
        "r.yaml:8:15: train.data.npz: cannot read data/nothere.npz: No such file or directory "
        "(a relative path starts at the recipe's folder)",
    ]),
    "not an npz": ("{npz: data/broken.npz}", [
        "r.yaml:8:15: train.data.npz: expected a NumPy .npz archive, got data/broken.npz, "
        "which is not one (File is not a zip file)",
    ]),
    "objects in an npz": ("{npz: data/objects.npz}", [
        "r.yaml:8:15: train.data.npz: data/objects.npz array 'x': expected numbers, got Python "
        "objects, which are never loaded",
    ]),
    "text in an npz": ("{npz: data/text.npz}", [
        "r.yaml:8:15: train.data.npz: data/text.npz array 'x': expected numbers, got dtype <U1",
    ]),
    "an array missing for an input": ("{npz: data/points.npz}", [
        "r.yaml:1:26: inputs.z: input 'z': data/points.npz has no array of that name (it gives "
        "x (2,), y (1,), extra ())",
    ]),
    "per-example shape": ("{npz: data/wide.npz}", [
        "r.yaml:1:10: inputs.x: input 'x': declared [2], but data/wide.npz array 'x' gives "
        "(3,) per example",
    ]),
    "different counts": ("{npz: data/counts.npz}", [
        "r.yaml:8:15: train.data.npz: input 'y': data/counts.npz array 'y' has 7 examples, "
        "but data/counts.npz array 'x' has 8",
    ]),
    "non-numeric cells": ("{csv: data/cells.csv, columns: {x: [x1, x2], y: [label]}}", [
        "r.yaml:8:49: train.data.columns.x[1]: input 'x': expected a number in data/cells.csv "
        "line 3, column 'x2', got text of 4 characters (and 1 more in that column)",
        "r.yaml:8:58: train.data.columns.y[0]: input 'y': expected a number in data/cells.csv "
        "line 2, column 'label', got text of 1 character (and 3 more in that column)",
    ]),
    "ragged rows": ("{csv: data/ragged.csv, columns: {x: [x1, x2], y: {onehot: label}}}", [
        "r.yaml:8:15: train.data.csv: data/ragged.csv line 3: expected 3 cells, as the header "
        "has, got 2 (and 1 more rows)",
    ]),
    "an empty csv": ("{csv: data/empty.csv, columns: {x: [x1, x2], y: [label]}}", [
        "r.yaml:8:15: train.data.csv: data/empty.csv: expected a header row naming the "
        "columns, got an empty file",
    ]),
    "a header alone": ("{csv: data/header.csv, columns: {x: [x1, x2], y: [x1]}}", [
        "r.yaml:8:15: train.data.csv: data/header.csv: expected rows of data after the "
        "header, got none",
    ]),
    "unknown column": ("{csv: data/points.csv, columns: {x: [x1, x3], y: [x1]}}", [
        "r.yaml:8:50: train.data.columns.x[1]: input 'x': data/points.csv has no column 'x3' "
        "(known: label, x1, x2)",
    ]),
    "a class not listed": (
        "{csv: data/points.csv, columns: {x: [x1, x2], y: {onehot: label, classes: [cat, dog]}}}", [
        "r.yaml:8:67: train.data.columns.y.onehot: input 'y': expected one of the classes cat, "
        "dog in data/points.csv line 4, column 'label', got text of 3 characters (and 1 more in "
        "that column)",
    ]),
    "csv columns that do not fit": ("{csv: data/points.csv, columns: {x: [x1], y: [x2]}}", [
        "r.yaml:1:10: inputs.x: input 'x': declared [2], but data/points.csv (column x1) gives "
        "(1,) per example",
    ]),
    "too few examples for a batch": ("{npz: data/points.npz, val: 0.75}", [
        "r.yaml:9:10: train.batch: expected a batch of at most the 2 training examples of "
        "data/points.npz (of 8, after val: 0.75), got 4",
    ]),
    "nothing left to train on": ("{dataset: xor, val: 0.5, test: 0.5}", [
        "r.yaml:8:24: train.data.val: expected training examples left after holding out "
        "val: 0.5, test: 0.5, got none of 4",
    ]),
    "unknown kind of source": ("{datset: xor}", [
        "r.yaml:8:10: train.data.datset: unknown kind of data source 'datset' (did you mean "
        "'dataset'?)",
    ]),
    "no kind of source": ("{val: 0.2}", [
        "r.yaml:8:9: train.data: expected a data source like {dataset: xor}, {npz: FILE}, "
        "{csv: FILE, columns: ...} or {sklearn: digits}, got {'val': 0.2}",
    ]),
    "two kinds of source": ("{npz: a.npz, csv: b.csv}", [
        "r.yaml:8:9: train.data: expected one data source, got npz and csv",
    ]),
    "unknown dataset": ("{dataset: circel}", [
        "r.yaml:8:19: train.data.dataset: unknown dataset 'circel' (did you mean 'circle'?)",
    ]),
    "unknown sklearn set": ("{sklearn: digit}", [
        "r.yaml:8:19: train.data.sklearn: unknown sklearn data set 'digit' (did you mean "
        "'digits'?)",
    ]),
    "a dataset argument of the wrong kind": ("{dataset: moons, noise: loud}", [
        "r.yaml:8:26: train.data.noise: dataset 'moons': expected 'noise' to be a number, "
        "got 'loud'",
    ]),
    "arguments that disagree": ("{dataset: sine, low: 2.0, high: 1.0}", [
        "r.yaml:8:19: train.data.dataset: dataset 'sine': expected low below high, got low "
        "2.0, high 1.0",
    ]),
    "an argument of another source": ("{npz: data/points.npz, n: 3}", [
        "r.yaml:8:32: train.data.n: unknown key 'n' in the npz source (known: non_finite, npz, "
        "seed, shuffle, standardize, test, val)",
    ]),
    "a fraction out of range": ("{dataset: xor, test: 1.0}", [
        "r.yaml:8:30: train.data.test: expected a fraction in [0, 1), got 1.0",
    ]),
    "a split key on a held-out source": ("{dataset: xor, val: {dataset: xor, shuffle: false}}", [
        "r.yaml:8:44: train.data.val.shuffle: 'shuffle' is set once, on the training data",
    ]),
    "standardize an array the data lacks": ("{dataset: xor, standardize: [x, z]}", [
        "r.yaml:8:24: train.data.standardize: expected inputs to standardize (x, y), got 'z'",
    ]),
    "a held-out file that does not fit": ("{dataset: moons, val: {npz: data/wide.npz}}", [
        "r.yaml:1:10: inputs.x: input 'x': declared [2], but data/wide.npz array 'x' gives "
        "(3,) per example",
    ]),
    "columns missing": ("{csv: data/points.csv}", [
        "r.yaml:8:15: train.data.csv: expected `columns:`, a mapping of inputs to columns, like "
        "{x: [x1, x2], y: {onehot: label}}, got none",
    ]),
    "a column entry that is neither": (
        "{csv: data/points.csv, columns: {x: [x1, [x2]], y: [x1]}}", [
        "r.yaml:8:50: train.data.columns.x[1]: expected a column name, or {onehot: COLUMN}, "
        "got ['x2']",
    ]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_bad_data_message(cli, files, case):
    data_text, expected = CASES[case]
    inputs = "{x: [2], y: [1], z: [3]}" if case == "an array missing for an input" else None
    code, out, err = cli(text(data_text, inputs or "{x: [2], y: [1]}"))
    assert (code, err, out) == (2, expected, "")


def test_missing_scikit_learn_is_a_located_problem(cli, monkeypatch):
    monkeypatch.setattr(data_sklearn, "installed", lambda: False)
    code, _, err = cli(text("{sklearn: digits}", "{x: [64], y: [10]}", out=10))
    assert (code, err) == (2, [
        "r.yaml:8:19: train.data.sklearn: sklearn 'digits' needs scikit-learn, which is not "
        "installed (pip install 'blockcompose[sklearn]', or pip install scikit-learn)",
    ])  # fmt: skip


def test_a_good_file_recipe_checks_and_names_its_source(cli, files):
    code, out, err = cli(text("{npz: data/points.npz, val: 0.25}"))
    assert (code, err) == (0, [])
    assert "on data/points.npz; loss 'loss'" in out.splitlines()[-1]


def test_loading_a_broken_source_raises_its_problems(files):
    with pytest.raises(RecipeError) as err:
        data.load(recipe("{npz: data/broken.npz}").train.data, ["x", "y"], Path("."))
    assert "expected a NumPy .npz archive" in str(err.value)


def test_load_gives_only_the_named_inputs(files):
    split = loaded("{npz: data/points.npz, standardize: [y]}", names=("x",))
    assert set(split.train) == {"x"}


def test_docs_list_every_generated_and_sklearn_set():
    docs = (Path(__file__).parents[2] / "docs" / "recipes.md").read_text()
    for name in [*BUILTIN, *data_sklearn.SETS]:
        assert f"`{name}`" in docs, name


def test_recipe_text_example():
    sine = textwrap.dedent("""\
        inputs: {x: [1], y: [1]}
        nodes:
          h: {block: linear, in: x, out: 16}
          a: {block: tanh, in: h}
          p: {block: linear, in: a, out: 1}
          loss: {block: mse, in: {pred: p, target: y}}
        outputs: [p]
        loss: loss
        train:
          data: {dataset: sine, n: 200, val: 0.25, standardize: [x]}
          steps: 5
          optimizer: {adam: {learning_rate: 0.01}}
        """)
    checked = compose.check(compose.loads(sine))
    assert checked.problems == ()
