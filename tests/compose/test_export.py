"""`compose export --format stablehlo`: a run's model as a file that a plain JAX program,
without this package, loads and calls, getting the model's outputs; and the messages of
`compose export` for what it cannot do."""

import json
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

import compose
from compose.cli.main import main
from compose.export.exporting import export_run

RECIPES = Path(__file__).parents[2] / "recipes"

# Two inputs read by the outputs, a target only the loss reads, and every block that acts
# differently in training: batch norm (running statistics), dropout and noise (identity).
TWO_INPUTS = """\
name: two_inputs
inputs: {a: [3], b: [2], y: [1]}
nodes:
  joined: {block: concat, in: [a, b]}
  norm:   {block: batch_norm, in: joined, momentum: 0.5}
  drop:   {block: dropout, in: norm, rate: 0.5}
  shaken: {block: noise, in: drop, stddev: 1.0}
  score:  {block: linear, in: shaken, out: 1}
  prob:   {block: sigmoid, in: score}
  loss:   {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob, score]
loss: loss
train:
  data: {npz: data.npz}
  batch: 8
  steps: 3
  optimizer: {adam: {learning_rate: 0.01}}
"""

# Run in a fresh interpreter that cannot import compose: no site processing (-S: no .pth
# file puts the repository on the path), isolated (-I: no PYTHONPATH, no script folder),
# started in a folder of its own; only the folder holding JAX is put on the path.
CALLER = """\
import importlib.util, json, sys
from pathlib import Path

sys.path.append(sys.argv[1])
for name in ("compose", "blocks", "tui"):
    assert importlib.util.find_spec(name) is None, f"{name} is importable"
import numpy as np
from jax import export

for artifact in sys.argv[2:]:
    artifact = Path(artifact)
    signature = json.loads(Path(f"{artifact}.json").read_text())
    exported = export.deserialize(bytearray(artifact.read_bytes()))
    given = np.load(f"{artifact}.in.npz")
    outputs = exported.call(*[given[i["name"]] for i in signature["inputs"]])
    named = {o["name"]: np.asarray(v) for o, v in zip(signature["outputs"], outputs)}
    np.savez(f"{artifact}.out.npz", **named)
print("called", len(sys.argv) - 2)
"""


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xor") / "run"
    compose.train(compose.load(RECIPES / "xor.yaml", overrides=["train.steps=5"]), folder=folder)
    return folder


@pytest.fixture(scope="module")
def two_inputs_run(tmp_path_factory):
    where = tmp_path_factory.mktemp("two")
    (where / "r.yaml").write_text(TWO_INPUTS)
    rng = np.random.default_rng(1)
    data = {
        "a": rng.normal(2.0, 3.0, (64, 3)).astype(np.float32),
        "b": rng.normal(-1.0, 0.5, (64, 2)).astype(np.float32),
        "y": rng.integers(0, 2, (64, 1)).astype(np.float32),
    }
    np.savez(where / "data.npz", **data)
    compose.train(compose.load(where / "r.yaml"), folder=where / "run")
    return where / "run"


@pytest.fixture(scope="module")
def hypernetwork_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hyper") / "run"
    overrides = ["train.steps=2", "train.data.n=100"]
    compose.train(compose.load(RECIPES / "hypernetwork.yaml", overrides=overrides), folder=folder)
    return folder


def export_cli(capsys, *args):
    code = main(["export", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def xor_by_hand(weights, x):
    """XOR's two sigmoid layers in numpy, from the trained weights."""
    w = {
        node: {slot: np.asarray(a) for slot, a in slots.items()} for node, slots in weights.items()
    }
    hidden = sigmoid(x @ w["hidden"]["weight"].T + w["hidden"]["bias"])
    return sigmoid(hidden @ w["logit"]["weight"].T + w["logit"]["bias"])


def two_inputs_by_hand(model, a, b):
    """TWO_INPUTS in evaluation mode, in numpy: batch norm by its running statistics,
    dropout and noise left out."""
    w = {
        node: {slot: np.asarray(x) for slot, x in slots.items()}
        for node, slots in model.weights.items()
    }
    state = {k: np.asarray(v) for k, v in model.state["norm"].items()}
    joined = np.concatenate([a, b], axis=1)
    normal = (joined - state["mean"]) / np.sqrt(state["var"] + 1e-5)
    normal = normal * w["norm"]["scale"] + w["norm"]["bias"]
    score = normal @ w["score"]["weight"].T + w["score"]["bias"]
    return sigmoid(score), score


def call_without_compose(tmp_path, artifacts, inputs):
    """Save each artifact's inputs, call them all in an interpreter without compose,
    return each one's outputs by name."""
    for artifact, given in zip(artifacts, inputs, strict=True):
        np.savez(f"{artifact}.in.npz", **given)
    script = tmp_path / "call.py"
    script.write_text(CALLER)
    site = str(Path(jax.__file__).parents[1])
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(script), site, *map(str, artifacts)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"called {len(artifacts)}"
    return [dict(np.load(f"{artifact}.out.npz")) for artifact in artifacts]


def test_stablehlo_is_called_without_compose_and_gives_the_models_outputs(
    xor_run, two_inputs_run, hypernetwork_run, tmp_path, capsys
):
    runs = [xor_run, two_inputs_run, hypernetwork_run]
    for run in runs:
        code, out, err = export_cli(capsys, run, "--format", "stablehlo")
        assert (code, err) == (0, [])
        assert out[:2] == [str(run / "model.stablehlo"), str(run / "model.stablehlo.json")]
        assert out[2].startswith("checked: largest difference from the model's outputs on 16 ")
    rng = np.random.default_rng(7)
    x = rng.normal(size=(5, 2)).astype(np.float32)  # a batch size no export saw
    a, b = rng.normal(size=(1, 3)).astype(np.float32), rng.normal(size=(1, 2)).astype(np.float32)
    h = rng.normal(size=(9, 2)).astype(np.float32)
    inputs = [{"x": x}, {"a": a, "b": b}, {"x": h}]
    got = call_without_compose(tmp_path, [r / "model.stablehlo" for r in runs], inputs)

    xor = compose.load_run(xor_run).model
    want_xor = xor_by_hand(xor.weights, x)
    two = compose.load_run(two_inputs_run).model
    want_prob, want_score = two_inputs_by_hand(two, a, b)
    hyper = compose.load_run(hypernetwork_run).model
    want_hyper = np.asarray(jax.jit(jax.vmap(hyper))({"x": h})["probs"])  # one program
    pairs = [
        (got[0]["prob"], want_xor),
        (got[1]["prob"], want_prob),
        (got[1]["score"], want_score),
        (got[2]["probs"], want_hyper),
    ]
    for found, want in pairs:
        print("max abs difference:", np.max(np.abs(found - want)))
        assert found.shape == want.shape
        np.testing.assert_allclose(found, want, rtol=1e-5, atol=1e-6)
    assert set(got[1]) == {"prob", "score"}
    assert np.isclose(np.asarray(two.state["norm"]["var"]), 1.0).sum() == 0  # the stats moved


def test_the_signature_says_the_calling_order_shapes_and_the_check(two_inputs_run, tmp_path):
    done = export_run(two_inputs_run, "stablehlo", out=tmp_path / "two.stablehlo")
    assert (done.artifact, done.signature) == (
        tmp_path / "two.stablehlo",
        tmp_path / "two.stablehlo.json",
    )
    signature = json.loads(done.signature.read_text())
    assert signature["inputs"] == [  # the recipe's order; y, read by the loss only, left out
        {"name": "a", "shape": ["batch", 3], "dtype": "float32"},
        {"name": "b", "shape": ["batch", 2], "dtype": "float32"},
    ]
    assert signature["outputs"] == [
        {"name": "prob", "shape": ["batch", 1], "dtype": "float32"},
        {"name": "score", "shape": ["batch", 1], "dtype": "float32"},
    ]
    assert (signature["format"], signature["recipe"]) == ("stablehlo", "two_inputs")
    assert signature["platforms"] == ["cpu", "cuda"]
    assert signature["checked"] == {"examples": 16, "max_abs_difference": done.difference}
    assert done.difference < 1e-5


def test_evaluation_is_deterministic_with_dropout_and_noise(two_inputs_run, tmp_path):
    """The exported function has no key: the same inputs give the same outputs, those of
    the model without dropout and noise."""
    done = export_run(two_inputs_run, "stablehlo", out=tmp_path / "m.stablehlo")
    exported = jax.export.deserialize(bytearray(done.artifact.read_bytes()))
    a, b = np.ones((4, 3), np.float32), np.full((4, 2), -2.0, np.float32)
    first, again = exported.call(a, b), exported.call(a, b)
    np.testing.assert_array_equal(np.asarray(first[0]), np.asarray(again[0]))
    model = compose.load_run(two_inputs_run).model
    np.testing.assert_allclose(first[0], two_inputs_by_hand(model, a, b)[0], rtol=1e-5, atol=1e-6)


def test_not_a_run_folder_is_said_and_exits_2(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, out, err = export_cli(capsys, tmp_path / "empty", "--format", "stablehlo")
    assert (code, out) == (2, [])
    assert err == [
        f"{tmp_path / 'empty'}: expected a run folder (with recipe.yaml and model.eqx), "
        "got a folder without recipe.yaml or model.eqx"
    ]
    code, out, err = export_cli(capsys, tmp_path / "none", "--format", "stablehlo")
    assert err == [
        f"{tmp_path / 'none'}: expected a run folder (with recipe.yaml and model.eqx), got nothing"
    ]


def test_a_population_folder_points_to_its_variants(tmp_path, capsys):
    population = tmp_path / "pop"  # laid out as compose.runs.population_folder writes one
    (population / "variants" / "seed=0").mkdir(parents=True)
    (population / "variants" / "seed=1").mkdir()
    (population / "recipe.yaml").write_text((RECIPES / "xor.yaml").read_text())
    code, out, err = export_cli(capsys, population, "--format", "stablehlo")
    assert (code, out) == (2, [])
    assert err == [
        f"{population}: expected a run folder (with recipe.yaml and model.eqx), got a "
        f"population's folder: export one of its variants, e.g. {population}/variants/seed=0"
    ]


def test_out_must_be_a_file_in_an_existing_folder(xor_run, tmp_path, capsys):
    code, out, err = export_cli(capsys, xor_run, "--format", "stablehlo", "--out", tmp_path)
    assert (code, out) == (2, [])
    assert err == [f"compose export: --out {tmp_path}: expected a file to write, got a folder"]
    where = tmp_path / "no" / "m.stablehlo"
    code, out, err = export_cli(capsys, xor_run, "--format", "stablehlo", "--out", where)
    assert (code, out) == (2, [])
    assert err == [
        f"compose export: --out {where}: expected a file in an existing folder, "
        f"got no folder {where.parent}"
    ]


def test_out_replaces_an_earlier_export_only(xor_run, tmp_path, capsys):
    out = tmp_path / "m.stablehlo"
    for _ in range(2):  # the second replaces the first
        code, lines, err = export_cli(capsys, xor_run, "--format", "stablehlo", "--out", out)
        assert (code, err, lines[0]) == (0, [], str(out))
    model = xor_run / "model.eqx"
    before = model.read_bytes()
    code, lines, err = export_cli(capsys, xor_run, "--format", "stablehlo", "--out", model)
    assert (code, lines) == (2, [])
    assert err == [
        f"compose export: --out {model}: expected a new file or an earlier export (with "
        "model.eqx.json beside it), got another file: it is left as it is"
    ]
    assert model.read_bytes() == before
    assert not (xor_run / "model.eqx.json").exists()


def test_out_that_is_a_link_is_not_written_through(xor_run, tmp_path, capsys):
    target = tmp_path / "elsewhere.txt"
    target.write_text("mine")
    (tmp_path / "m.stablehlo").symlink_to(target)
    out = tmp_path / "m.stablehlo"
    code, lines, err = export_cli(capsys, xor_run, "--format", "stablehlo", "--out", out)
    assert (code, lines) == (2, [])
    assert err == [
        f"compose export: --out {out}: expected a file to write, got a symbolic link to "
        f"{target} (never written through)"
    ]
    assert target.read_text() == "mine"


def test_a_format_is_required_and_one_of_two(xor_run, capsys):
    code, out, err = export_cli(capsys, xor_run, "--format", "tflite")
    assert code == 2
    assert "argument --format: invalid choice: 'tflite' (choose from" in err[-1]
    assert "stablehlo" in err[-1] and "onnx" in err[-1]


def test_without_the_onnx_extra_the_message_says_how_to_install_it(xor_run, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "jax2onnx", None)  # import jax2onnx raises
    code, out, err = export_cli(capsys, xor_run, "--format", "onnx")
    assert (code, out) == (2, [])
    assert err == [
        "compose export: expected jax2onnx to export ONNX with, got none installed: "
        'pip install "blockcompose[onnx]"'
    ]
    assert not (xor_run / "model.onnx").exists()
