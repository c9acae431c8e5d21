"""Run folders from anyone: nothing is written through a link or outside the folder named,
a link among a folder's entries or a path leading out of it is refused where it is, damage
to any file is found when it is read (the checkpoint's header and model.eqx by their
checksum), a named pipe is refused without waiting; each a located problem, exit 2."""

import json
import os
import shutil
import stat

import equinox as eqx
import jax
import numpy as np
import pytest

import compose
from compose.runs.seal import seal, unseal
from compose.runtime.files import UnsafePath, make_folder, open_append, write_atomic
from tests.compose.run_folders import (
    RECIPES,
    command,
    copy,
    numbers,
    snapshot,
)
from tests.conftest import XOR

MINE = b"the user's own file\n"
NEVER = "a run folder's entries are never followed"
GOES_ON = ["--quiet", "--set", "train.steps=80"]  # resumed, it trains 20 steps more


@pytest.fixture
def run_dir(made_run):
    return made_run


@pytest.fixture
def population(made_population):
    return made_population


@pytest.fixture
def outside(tmp_path):
    """A folder beside the run folder holding a file of the user's own."""
    place = tmp_path / "outside"
    place.mkdir()
    (place / "target").write_bytes(MINE)
    return place


def plot_args(folder):
    pytest.importorskip("matplotlib")
    return ("plot", folder)


# -- the one writer -----------------------------------------------------------------------


def test_the_writer_never_writes_through_a_link(tmp_path, outside):
    target = outside / "target"
    (tmp_path / ".f.tmp").symlink_to(target)  # the temporary name writers once used
    write_atomic(tmp_path / "f", b"new")
    assert (tmp_path / "f").read_bytes() == b"new" and target.read_bytes() == MINE
    (tmp_path / "g").symlink_to(target)
    with pytest.raises(UnsafePath) as err:
        write_atomic(tmp_path / "g", b"new")
    assert str(err.value) == (
        f"{tmp_path / 'g'}: expected a file to write, got a symbolic link to {target} "
        "(a link is never written through)"
    )
    with pytest.raises(UnsafePath, match="expected a file to write, got a symbolic link"):
        open_append(tmp_path / "g")
    assert target.read_bytes() == MINE and (tmp_path / "g").is_symlink()
    assert sorted(os.listdir(tmp_path)) == [".f.tmp", "f", "g", "outside"]  # no temporary left
    os.mkfifo(tmp_path / "pipe")  # opened for appending, a pipe would wait for a reader
    with pytest.raises(UnsafePath, match="got a named pipe"):
        open_append(tmp_path / "pipe")
    (tmp_path / "f").chmod(0o600)
    write_atomic(tmp_path / "f", b"newer")
    assert stat.S_IMODE((tmp_path / "f").stat().st_mode) == 0o600  # a replaced file's mode
    (tmp_path / "sub").symlink_to(outside)
    with pytest.raises(UnsafePath, match="sub: expected a folder, got a symbolic link"):
        make_folder(tmp_path, "sub")


@pytest.mark.parametrize(
    "name", [".summary.json.tmp", ".checkpoint.ckpt.tmp", ".model.eqx.tmp", ".recipe.yaml.tmp"]
)
def test_a_link_planted_in_a_run_folder_is_refused_and_its_target_kept(
    run_dir, tmp_path, outside, name
):
    folder = copy(run_dir, tmp_path / "run")
    (folder / name).symlink_to(outside / "target")
    before = snapshot(tmp_path)
    for args in (("run", "--resume", folder, *GOES_ON), ("inspect", folder), plot_args(folder)):
        code, _, err = command(*args)
        assert (code, err) == (2, [
            f"{folder / name}: expected a file or folder of its own, got a symbolic link to "
            f"{outside / 'target'}: {NEVER}"
        ])  # fmt: skip
    assert snapshot(tmp_path) == before


def test_a_population_whose_variant_folder_is_a_link_is_refused(population, tmp_path):
    folder = copy(population, tmp_path / "population")
    victim = copy(population / "variants" / "seed=0", tmp_path / "victim")
    shutil.rmtree(folder / "variants" / "seed=0")
    (folder / "variants" / "seed=0").symlink_to(victim)
    before = snapshot(tmp_path)
    for args in (("run", "--resume", folder, "--quiet"), ("inspect", folder), plot_args(folder)):
        code, _, err = command(*args)
        assert (code, err) == (2, [
            f"{folder / 'variants' / 'seed=0'}: expected a folder, got a symbolic link to "
            f"{victim}: {NEVER}"
        ])  # fmt: skip
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("planted", ["plots", "plots/curves.png"])
def test_plot_refuses_a_link_among_the_plots(run_dir, tmp_path, outside, planted):
    folder = copy(run_dir, tmp_path / "run")
    to = outside if planted == "plots" else outside / "target"
    (folder / "plots").mkdir(exist_ok=planted != "plots")
    if planted == "plots":
        (folder / "plots").rmdir()
    (folder / planted).symlink_to(to)
    before = snapshot(tmp_path)
    code, _, err = command(*plot_args(folder))
    expected = "a folder" if planted == "plots" else "a file"
    assert (code, err) == (
        2,
        [f"{folder / planted}: expected {expected}, got a symbolic link to {to}: {NEVER}"],
    )
    assert snapshot(tmp_path) == before


def test_plot_out_replaces_only_the_pictures_it_drew(run_dir, tmp_path):
    out = tmp_path / "pictures"
    out.mkdir()
    photo = b"\x89PNG\r\n\x1a\n" + b"a picture of the user's own"
    (out / "curves.png").write_bytes(photo)
    code, _, err = command(*plot_args(run_dir), "--out", out)
    assert (code, err) == (2, [
        f"{out / 'curves.png'}: expected a picture compose plot drew (the only files it "
        "replaces), got a file it did not make: give another --out, or move the file"
    ])  # fmt: skip
    assert (out / "curves.png").read_bytes() == photo
    (out / "curves.png").unlink()
    assert command(*plot_args(run_dir), "--out", out)[0] == 0
    drawn = {path.name: path.read_bytes() for path in out.iterdir()}
    code, printed, _ = command(*plot_args(run_dir), "--out", out)  # its own: replaced
    assert code == 0 and sorted(printed.split()) == sorted(str(out / name) for name in drawn)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == drawn


@pytest.mark.parametrize("made", ["a symbolic link to nothing", "a path below a file", "a file"])
def test_out_that_cannot_be_a_folder_is_refused(run_dir, tmp_path, made):
    if made == "a file":
        out = tmp_path / "file"
        out.write_bytes(MINE)
    elif made == "a path below a file":
        (tmp_path / "file").write_bytes(MINE)
        out = tmp_path / "file" / "pictures"
    else:
        out = tmp_path / "dangling"
        out.symlink_to(tmp_path / "nothing")
    code, _, err = command(*plot_args(run_dir), "--out", out)
    assert (code, err) == (2, [f"--out {out}: expected a folder for the pictures, got {made}"])
    code, _, err = command("run", RECIPES / "xor.yaml", "--out", out, "--quiet")
    assert (code, err) == (2, [f"{out}: expected a folder for the run, got {made}"])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        out.name if made != "a path below a file" else "file"
    ]
    assert made == "a symbolic link to nothing" or (tmp_path / "file").read_bytes() == MINE


def test_out_with_resume_is_refused(run_dir, tmp_path):
    folder = copy(run_dir, tmp_path / "run")
    before = snapshot(tmp_path)
    code, _, err = command("run", "--resume", folder, "--out", tmp_path / "else", *GOES_ON)
    assert (code, err) == (2, [
        f"--out: expected no --out with --resume: the run goes on in its folder, {folder}"
    ])  # fmt: skip
    assert snapshot(tmp_path) == before


# -- paths read from a folder's files -----------------------------------------------------


@pytest.mark.parametrize("named", ["../victim", "ABSOLUTE", "variants/../../victim"])
def test_inspect_follows_no_variant_folder_outside_the_population(population, tmp_path, named):
    folder = copy(population, tmp_path / "population")
    victim = copy(population / "variants" / "seed=0", tmp_path / "victim")
    named = str(victim) if named == "ABSOLUTE" else named
    summary = json.loads((folder / "summary.json").read_text())
    summary["variants"]["seed=0"]["folder"] = named
    (folder / "summary.json").write_text(json.dumps(summary))
    code, out, err = command("inspect", folder)
    assert (code, out, err) == (2, "", [
        f"{folder / 'summary.json'}: variants: expected a path inside the run folder {folder}, "
        f'got "{named}", which leads outside it'
    ])  # fmt: skip


def test_a_data_file_the_folder_names_outside_itself_is_refused(run_dir, tmp_path):
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    np.savez(tmp_path / "secret.npz", x=x, y=np.array([[0], [1], [1], [0]], np.float32))
    folder = copy(run_dir, tmp_path / "run")
    text = (folder / "recipe.yaml").read_text()
    assert "  data: {dataset: xor}\n" in text
    (folder / "recipe.yaml").write_text(text.replace("{dataset: xor}", "{npz: ../secret.npz}"))
    line = text.splitlines().index("  data: {dataset: xor}") + 1
    said = (
        f"{folder / 'recipe.yaml'}:{line}:15: train.data.npz: expected a path inside the run "
        f'folder {folder}, got "../secret.npz", which leads outside it'
    )
    for args in (("inspect", folder), ("run", "--resume", folder, *GOES_ON), plot_args(folder)):
        assert command(*args)[::2] == (2, [said])
    shutil.copy(tmp_path / "secret.npz", folder / "mine.npz")  # inside the folder: read
    (folder / "recipe.yaml").write_text(text.replace("{dataset: xor}", "{npz: mine.npz}"))
    code, _, err = command("inspect", folder)
    assert (code, err) == (0, [])


# -- damaged run folders --------------------------------------------------------------------


def test_a_flipped_bit_in_the_checkpoint_header_is_found_before_anything_is_written(
    run_dir, tmp_path
):
    folder = copy(run_dir, tmp_path / "run")
    path = folder / "checkpoint.ckpt"
    raw = path.read_bytes()
    assert raw.startswith(b'blockcompose checkpoint 2\n{"step": 60,')
    path.write_bytes(raw.replace(b'{"step": 60,', b'{"step": 61,', 1))  # "0" -> "1": one bit
    before = snapshot(tmp_path)
    code, _, err = command("run", "--resume", folder, *GOES_ON)
    assert (code, err) == (2, [
        f"compose run: --resume: {folder}: expected a checkpoint to resume from, got {path}: "
        "damaged (its contents do not match the SHA-256 sealed at its end)"
    ])  # fmt: skip
    assert snapshot(tmp_path) == before


def with_header(path, **values):
    """Rewrite a checkpoint with `values` in its header, sealed as the tool seals it."""
    magic, header, payload = unseal(path.read_bytes()).split(b"\n", 2)
    meta = {**json.loads(header), **values}
    path.write_bytes(seal(magic + b"\n" + json.dumps(meta).encode() + b"\n" + payload))


@pytest.mark.parametrize(
    "step, shown", [(-1, "-1"), ("x", '"x"'), (1.5, "1.5"), (None, "null"), (np.nan, "NaN")]
)
def test_a_checkpoint_step_of_the_wrong_kind_is_refused_before_anything_is_written(
    run_dir, tmp_path, step, shown
):
    folder = copy(run_dir, tmp_path / "run")
    with_header(folder / "checkpoint.ckpt", step=step)
    before = snapshot(tmp_path)
    code, _, err = command("run", "--resume", folder, *GOES_ON)
    assert (code, err) == (2, [
        f"compose run: --resume: {folder}: expected a checkpoint to resume from, got "
        f"{folder / 'checkpoint.ckpt'}: damaged (its header holds step {shown}, expected a "
        "whole number from 0)"
    ])  # fmt: skip
    assert snapshot(tmp_path) == before


def test_a_checkpoint_of_the_format_before_is_resumed_with_a_warning(run_dir, tmp_path):
    """Format 1: the arrays' checksum in the header, which was outside it; still read."""
    folder = copy(run_dir, tmp_path / "run")
    path = folder / "checkpoint.ckpt"
    _, header, payload = unseal(path.read_bytes()).split(b"\n", 2)
    meta = {**json.loads(header), "sha256": __import__("hashlib").sha256(payload).hexdigest()}
    path.write_bytes(b"blockcompose checkpoint 1\n" + json.dumps(meta).encode() + b"\n" + payload)
    code, out, err = command("run", "--resume", folder, *GOES_ON)
    assert code == 0 and err == [
        f"warning: {path}: written by an earlier version: its header is not covered by its checksum"
    ]
    straight = copy(run_dir, tmp_path / "straight")
    assert command("run", "--resume", straight, *GOES_ON)[0] == 0
    assert (folder / "model.eqx").read_bytes() == (straight / "model.eqx").read_bytes()


def test_a_damaged_model_eqx_is_found_by_its_checksum(run_dir, tmp_path):
    folder = copy(run_dir, tmp_path / "run")
    path = folder / "model.eqx"
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))
    said = f"{path}: damaged: its contents do not match the SHA-256 sealed at its end"
    for args in (("inspect", folder), plot_args(folder)):
        assert command(*args)[::2] == (2, [said])
    path.write_bytes(bytes(raw[: len(raw) // 2]))  # cut short: no seal, and not whole
    code, _, err = command("inspect", folder)
    assert code == 2 and len(err) == 1
    assert err[0].startswith(
        f"{path}: expected whole, or the weights of the model its recipe.yaml builds, got others ("
    )


def test_model_eqx_loads_with_equinox_alone_and_one_without_a_seal_with_a_warning(
    run_dir, tmp_path
):
    folder = copy(run_dir, tmp_path / "run")
    model = compose.load_run(folder).model
    alone = eqx.tree_deserialise_leaves(folder / "model.eqx", model)  # the seal is ignored
    assert all(
        np.array_equal(a, b)
        for a, b in zip(jax.tree.leaves(alone), jax.tree.leaves(model), strict=True)
    )
    code, sealed, err = command("inspect", folder, "--json")
    assert (code, err) == (0, [])
    path = folder / "model.eqx"
    path.write_bytes(unseal(path.read_bytes()))  # as written before files were sealed
    code, unsealed, err = command("inspect", folder, "--json")
    assert (code, err) == (0, [
        f"warning: {path} has no checksum (written by an earlier version): damage to it "
        "cannot be found"
    ])  # fmt: skip
    assert numbers(unsealed) == numbers(sealed)


SUMMARY, METRICS, NORMS = "summary.json", "metrics.jsonl", "norms.jsonl"
DAMAGE = {  # what is done to which file, and what each command that reads it says
    "summary a list": (
        SUMMARY,
        lambda raw: b"[1, 2]\n",
        ": damaged: expected a JSON object, got a list",
    ),
    "summary cut short": (
        SUMMARY,
        lambda raw: raw[:30],
        ":3:3: damaged: not JSON (Unterminated string starting at)",
    ),
    "summary steps as text": (
        SUMMARY,
        lambda raw: raw.replace(b'"steps": 60', b'"steps": "60"'),
        ': damaged: expected steps to be a whole number, got "60"',
    ),
    "metrics line garbled": (
        METRICS,
        lambda raw: raw.replace(b'{"step": 20', b'{"step": 2\x00', 1),
        ":2:1: damaged: expected a JSON record, got a line that is not one",
    ),
    "metrics step negative": (
        METRICS,
        lambda raw: raw.replace(b'{"step": 20', b'{"step": -20', 1),
        ":2:1: damaged: expected a record of a step, got step -20",
    ),
    "norms of text": (
        NORMS,
        lambda raw: b'{"step": 50, "nodes": "x"}\n',
        ':1:1: damaged: expected a record of a step, got "nodes" holding text',
    ),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damage_to_a_file_is_a_problem_naming_it_wherever_it_is_read(run_dir, tmp_path, case):
    name, damage, message = DAMAGE[case]
    folder = copy(run_dir, tmp_path / "run")
    path = folder / name
    path.write_bytes(damage(path.read_bytes()))
    readers = [("run", "--resume", folder, *GOES_ON)]
    readers.append(("inspect", folder) if name == SUMMARY else plot_args(folder))
    before = snapshot(tmp_path)
    for args in readers:
        assert command(*args)[::2] == (2, [f"{path}{message}"])
    assert snapshot(tmp_path) == before


def test_plot_refuses_a_log_of_more_quantities_than_a_run_logs(run_dir, tmp_path):
    folder = copy(run_dir, tmp_path / "run")
    record = {"step": 10, **{f"q{i}": 0.5 for i in range(40)}}  # curves.png: 40 panels
    (folder / METRICS).write_text(json.dumps(record) + "\n")
    code, _, err = command(*plot_args(folder))
    assert (code, err) == (
        2,
        [f"{folder / METRICS}: damaged: expected at most 32 quantities, got 40"],
    )


def test_a_log_line_cut_short_by_a_crash_is_left_out(run_dir, tmp_path):
    folder = copy(run_dir, tmp_path / "run")
    path = folder / METRICS
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:3]) + lines[3][:10])  # killed while writing line 4
    code, _, err = command("run", "--resume", folder, *GOES_ON)
    assert (code, err) == (0, [])
    steps = [json.loads(line)["step"] for line in path.read_text().splitlines()]
    assert steps == [10, 20, 30, 70, 80]  # the lines up to the checkpoint kept, then on


@pytest.mark.parametrize("name", ["recipe.yaml", SUMMARY, METRICS, "model.eqx", "checkpoint.ckpt"])
def test_a_named_pipe_in_place_of_a_file_is_refused_without_waiting(run_dir, tmp_path, name):
    folder = copy(run_dir, tmp_path / "run")
    (folder / name).unlink()
    os.mkfifo(folder / name)
    for args in (("inspect", folder), ("run", "--resume", folder, *GOES_ON), plot_args(folder)):
        code, _, err = command(*args)
        assert (code, err) == (2, [f"{folder / name}: expected a file, got a named pipe"])


# -- what compose check says first -----------------------------------------------------------


def test_early_stopping_on_validation_without_a_validation_set_is_said_by_check(cli):
    stops = XOR + "  early_stop: {metric: val_loss, patience: 2}\n"
    line = stops.splitlines().index("  early_stop: {metric: val_loss, patience: 2}") + 1
    code, _, err = cli(stops)
    assert (code, err) == (2, [
        f"r.yaml:{line}:15: train.early_stop: expected a logged metric (accuracy, loss), got "
        "'val_loss' (val_ metrics need a validation set: add val: 0.2 to train.data)"
    ])  # fmt: skip
    code, _, err = cli(stops.replace("{dataset: xor}", "{dataset: xor, val: {dataset: xor}}"))
    assert (code, err) == (0, [])
