"""Data files from anywhere: what is not a data file is refused by what it is, never read
into memory, never echoed; numbers are plain and fit float32; NaN and infinity are a
located problem, or left out with a warning naming them when the recipe asks."""

import doctest
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import numpy as np
import pytest

import compose
from compose.checker.schema import recipe_schema
from compose.data import csv_cells, regular, sizes
from compose.data import loading as data

NET = """\
inputs: {x: [2], y: [1]}
nodes:
  h: {block: linear, in: x, out: 1}
  loss: {block: mse, in: {pred: h, target: y}}
outputs: [h]
loss: loss
train:
  data: %s
  batch: 4
  steps: 4
  optimizer: {adam: {learning_rate: 0.05}}
"""
CSV = "{csv: %s, columns: {x: [x1, x2], y: [y]}}"
LIKE_A_HEADER = "does not read as a CSV file with a header row"


def npy(array: np.ndarray) -> bytes:
    """The .npy file numpy writes for `array`."""
    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


def points(n: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 2)), rng.standard_normal((n, 1))


# what is not a CSV file is not echoed -------------------------------------------------

SECRETS = {
    "an env file": "API_TOKEN=sk-live-51HqLyjWDarjtT1zdp7dc\nDB_PASSWORD=hunter2-correct\n",
    "a token alone": "ghp_16C7e42F292c6912E7710c838347Ae178B4a\n",
    "credentials without a header": "alice,hunter2-correct\nbob,swordfish-horse\n",
    "a private key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5v\n"
    "bmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n",
    "a json key": '{"type": "service_account", "private_key_id": "9f8e7d6c5b4a"}\n',
    "binary": "\x00\x01SECRETPAYLOAD\x7f,\x02\n",
}


@pytest.mark.parametrize("case", list(SECRETS))
def test_a_file_that_is_not_a_csv_is_never_echoed(cli, tmp_path, case):
    (tmp_path / "secret.txt").write_text(SECRETS[case])
    code, out, err = cli(NET % (CSV % "secret.txt"))
    assert code == 2 and len(err) == 3
    for line, column in zip(err, ["x1", "x2", "y"], strict=True):
        assert f"secret.txt has no column '{column}' and {LIKE_A_HEADER} (" in line
        assert line.endswith("; its first row is not shown")
    said = out + "\n".join(err)
    for token in re.findall(r"[\w-]{6,}", SECRETS[case]):  # every word of it, and the lines
        assert token not in said, token
    assert not any(line in said for line in SECRETS[case].splitlines())


def test_proc_self_environ_is_never_echoed(cli):
    environ = Path("/proc/self/environ")
    if not environ.is_file():
        pytest.skip("no /proc/self/environ here")
    entries = [e.decode(errors="replace") for e in environ.read_bytes().split(b"\0") if e]
    code, out, err = cli(NET % (CSV % "/proc/self/environ"))
    assert code == 2 and len(err) == 3
    assert all("/proc/self/environ has no column" in line for line in err)
    assert all(LIKE_A_HEADER in line for line in err)
    for entry in entries:
        name, _, value = entry.partition("=")
        assert entry not in out + "\n".join(err)
        assert len(value) < 4 or value not in "\n".join(err), name


def test_a_csv_header_is_named_when_it_is_one(cli, tmp_path):
    (tmp_path / "p.csv").write_text("x1,x3,y\n1,2,3\n4,5,6\n")
    code, _, err = cli(NET % (CSV % "p.csv"))
    assert (code, err) == (2, [
        "r.yaml:8:40: train.data.columns.x[1]: input 'x': p.csv has no column 'x2' "
        "(known: x1, x3, y)",
    ])  # fmt: skip


# regular files only, sizes from headers ------------------------------------------------


def test_special_files_are_refused_without_being_opened(tmp_path):
    """/dev/zero (never ends), a named pipe (opening it waits for a writer) and a link to
    /dev/zero: `compose check` in a process that cannot hang the test (a timeout) nor
    take the machine's memory (an address-space limit)."""
    if not Path("/dev/zero").exists() or not hasattr(os, "mkfifo"):
        pytest.skip("no /dev/zero or named pipes here")
    os.mkfifo(tmp_path / "pipe.npz")
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    source = (
        "{csv: /dev/zero, columns: {x: [x1, x2], y: [y]}, "
        "val: {npz: pipe.npz}, test: {csv: zero.csv, columns: {x: [x1, x2], y: [y]}}}"
    )
    (tmp_path / "r.yaml").write_text(NET % source)
    limited = (  # 3 GiB of address space: reading /dev/zero would fail, not swamp the machine
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))\n"
        "from compose.cli.main import main\n"
        "sys.exit(main(['check', 'r.yaml']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", limited], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert (done.returncode, done.stderr.splitlines()) == (2, [
        "r.yaml:8:15: train.data.csv: expected a regular file, got /dev/zero, which is a "
        "character device",
        "r.yaml:8:69: train.data.val.npz: expected a regular file, got pipe.npz, which is a "
        "named pipe",
        "r.yaml:8:92: train.data.test.csv: expected a regular file, got zero.csv, which is a "
        "character device",
    ])  # fmt: skip


def test_a_pipe_swapped_in_after_the_look_is_not_waited_on(tmp_path):
    """Between looking at a path and opening it, a named pipe may take the file's place:
    it is opened without waiting and refused from what was opened (in a process of its
    own, with a timeout, so that waiting could not hang the test)."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "file").write_text("x\n")
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from compose.data import regular\n"
        "real = os.stat\n"
        "os.stat = lambda path, *a, **k: real(Path(path).with_name('file'))\n"
        "try:\n"
        "    regular.open_regular(Path(sys.argv[1]), 'pipe')\n"
        "except regular.FileProblem as err:\n"
        "    print(err)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "pipe")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout) == (
        0,
        "expected a regular file, got pipe, which is a named pipe\n",
    )


@pytest.mark.parametrize("kind", ["csv", "npz"])
def test_a_folder_and_a_link_to_one_are_refused(cli, tmp_path, kind):
    (tmp_path / "folder").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "folder")
    columns = ", columns: {x: [x1, x2], y: [y]}" if kind == "csv" else ""
    for name in ("folder", "link"):
        code, _, err = cli(NET % f"{{{kind}: {name}{columns}}}")
        expected = f"expected a regular file, got {name}, which is a folder"
        assert (code, err) == (2, [f"r.yaml:8:15: train.data.{kind}: {expected}"])


def test_a_file_past_the_memory_limit_is_refused_as_it_is_read(tmp_path, monkeypatch):
    """A file whose size says little (as /proc's files do) is read no further than the
    limit allows."""
    (tmp_path / "big.csv").write_text("x1,x2,y\n" + "1,2,3\n" * 200_000)  # 1.1 MiB
    monkeypatch.setattr(sizes, "memory_limit", lambda: 1 << 20)
    real_fstat = os.fstat

    def says_empty(fd):
        seen = real_fstat(fd)
        return os.stat_result((*seen[:6], 0, *seen[7:]))  # st_size 0

    monkeypatch.setattr(regular.os, "fstat", says_empty)
    with (
        pytest.raises(regular.FileProblem) as err,
        regular.open_regular(tmp_path / "big.csv", "big.csv") as f,
    ):
        f.read()
    assert str(err.value) == (
        "big.csv: expected a file that fits in memory (at most 1.0 MiB, half of this "
        "machine's), got more than 1.0 MiB"
    )


def zeros_member(archive: zipfile.ZipFile, name: str, shape: tuple, nbytes: int) -> None:
    """A member `name` with a float32 .npy header of `shape`, then `nbytes` zero bytes,
    compressed, written a MiB at a time (the test's own memory stays small)."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": shape}
    )
    with archive.open(name, "w", force_zip64=True) as f:
        f.write(header.getvalue())
        for start in range(0, nbytes, 1 << 20):
            f.write(bytes(min(1 << 20, nbytes - start)))


def test_an_npz_bomb_is_refused_from_its_directory_before_anything_unpacks(
    cli, tmp_path, monkeypatch
):
    """A member that unpacks to more than the memory limit is refused from the size the
    zip directory gives, before its header is unpacked (the limit is made 4 MiB here)."""
    x, y = points()
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        zeros_member(archive, "x.npy", (1 << 20, 2), 8 << 20)
        archive.writestr("y.npy", npy(y))
    assert (tmp_path / "bomb.npz").stat().st_size < 64 << 10  # it is a bomb: 8 MiB in it
    monkeypatch.setattr(sizes, "memory_limit", lambda: 4 << 20)
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(
        zipfile.ZipFile,
        "open",
        lambda self, name, *a, **k: (
            opened.append(getattr(name, "filename", name)) or real_open(self, name, *a, **k)
        ),
    )
    code, _, err = cli(NET % "{npz: bomb.npz}")
    assert (code, err) == (2, [
        "r.yaml:8:15: train.data.npz: bomb.npz array 'x': expected an array that fits in "
        "memory (at most 4.0 MiB, half of this machine's), got a member that unpacks to 8.0 MiB",
    ])  # fmt: skip
    assert "x.npy" not in opened


def test_a_member_larger_than_its_header_says_is_refused(cli, tmp_path):
    """A header saying a small array over a member that unpacks to far more."""
    x, y = points()
    with zipfile.ZipFile(tmp_path / "lying.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        zeros_member(archive, "x.npy", (8, 2), 1 << 20)
        archive.writestr("y.npy", npy(y))
    code, _, err = cli(NET % "{npz: lying.npz}")
    assert (code, err) == (2, [
        "r.yaml:8:15: train.data.npz: lying.npz array 'x': expected a member of 192 bytes, "
        "as its header says (shape (8, 2), float32), got 1,048,704",
    ])  # fmt: skip


# one rule for which member is an array -------------------------------------------------


@pytest.mark.parametrize("plain", [b"not an array", npy(np.zeros((8, 3)))])
def test_x_npy_and_x_in_one_archive_are_refused_by_check_and_run(cli, tmp_path, plain):
    x, y = points()
    with zipfile.ZipFile(tmp_path / "both.npz", "w") as archive:
        archive.writestr("x.npy", npy(x))
        archive.writestr("y.npy", npy(y))
        archive.writestr("x", plain)
    expected = [
        "r.yaml:8:15: train.data.npz: both.npz: expected one member for array 'x', got both "
        "'x.npy' and 'x' (numpy.load would read 'x'), so which is the array is unclear",
    ]
    assert cli(NET % "{npz: both.npz}")[::2] == (2, expected)
    assert cli(NET % "{npz: both.npz}", "run", "r.yaml", "--out", "out", "--quiet")[::2] == (
        2,
        expected,
    )
    assert not (tmp_path / "out").exists()


def test_a_member_twice_is_refused(cli, tmp_path):
    x, y = points()
    with pytest.warns(UserWarning, match="Duplicate name"):
        with zipfile.ZipFile(tmp_path / "twice.npz", "w") as archive:
            archive.writestr("x.npy", npy(x))
            archive.writestr("y.npy", npy(y))
            archive.writestr("x.npy", npy(x[:, :1]))
    code, _, err = cli(NET % "{npz: twice.npz}")
    assert (code, err) == (2, [
        "r.yaml:8:15: train.data.npz: twice.npz: expected each member once, got 'x.npy' twice",
    ])  # fmt: skip


# numbers in CSV cells ------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["1_000", "١٢", "１２", "0x10"])
def test_a_number_not_written_in_plain_ascii_is_refused(cli, tmp_path, cell):
    """Python's float() reads each of these; a data file's number is ASCII decimal."""
    if cell != "0x10":
        float(cell)  # Python would take it
    (tmp_path / "p.csv").write_text(f"x1,x2,y\n1,2,3\n4,{cell},6\n")
    code, _, err = cli(NET % (CSV % "p.csv"))
    assert (code, err) == (2, [
        "r.yaml:8:40: train.data.columns.x[1]: input 'x': expected a number in p.csv line 3, "
        f"column 'x2', got text of {len(cell)} characters"
        + (", not a plain decimal number (ASCII digits, a sign, a point, an exponent)"
           if cell != "0x10" else ""),
    ])  # fmt: skip


@pytest.mark.parametrize("cell", ["1e39", "-1e39", "3.4028236e38", "1" + "0" * 40])
def test_a_number_beyond_float32_is_refused_with_its_text(cli, tmp_path, cell):
    with np.errstate(over="ignore"):
        assert np.isinf(np.float32(float(cell)))  # what float32 would make of it
    (tmp_path / "p.csv").write_text(f"x1,x2,y\n1,2,3\n4,{cell},6\n7,{cell},9\n")
    code, _, err = cli(NET % (CSV % "p.csv"))
    shown = cell if len(cell) <= 24 else f"a number of {len(cell)} characters"
    assert (code, err) == (2, [
        "r.yaml:8:40: train.data.columns.x[1]: input 'x': expected a number within float32's "
        f"range (±3.4e38) in p.csv line 3, column 'x2', got {shown} (and 1 more in that "
        "column)",
    ])  # fmt: skip


def test_cell_kinds_doctest():
    assert doctest.testmod(csv_cells).failed == 0


def test_plain_numbers_read_as_float32_does(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cells = ["+1.5", "-.5", "1.", "2E+3", " 7 ", "3.4028235e38", "-0", "1e-50"]
    rows = "".join(f"{c},0,1\n" for c in cells)
    (tmp_path / "p.csv").write_text("x1,x2,y\n" + rows)
    r = compose.loads(NET % "{csv: p.csv, shuffle: false, columns: {x: [x1, x2], y: [y]}}")
    assert compose.check(r).problems == ()
    split = data.load(r.train.data, ["x", "y"], tmp_path)
    expected = np.array([float(c) for c in cells], np.float32)
    np.testing.assert_array_equal(split.train["x"][:, 0], expected)
    assert np.isfinite(split.train["x"]).all()


# NaN and infinity ----------------------------------------------------------------------


def test_nan_and_infinity_in_csv_cells_are_located_problems(cli, tmp_path):
    (tmp_path / "p.csv").write_text(
        "x1,x2,y\n1,2,3\n4,nan,6\n7,8,-Infinity\n1,NaN,2\n3,4,5\n6,7,8\n"
    )
    code, _, err = cli(NET % (CSV % "p.csv"))
    hint = " (or leave out the examples holding one: `non_finite: drop` in train.data)"
    assert (code, err) == (2, [
        "r.yaml:8:40: train.data.columns.x[1]: input 'x': expected a finite number in p.csv "
        "line 3, column 'x2', got NaN (and 1 more in that column)" + hint,
        "r.yaml:8:49: train.data.columns.y[0]: input 'y': expected a finite number in p.csv "
        "line 4, column 'y', got -infinity" + hint,
    ])  # fmt: skip


@pytest.mark.parametrize("fortran", [False, True])
def test_nan_and_infinity_in_npz_arrays_are_located_problems(cli, tmp_path, fortran):
    x, y = points(12)
    x[5, 1], x[9, 0], y[7, 0] = np.nan, np.inf, -np.inf
    np.savez(tmp_path / "p.npz", x=np.asfortranarray(x) if fortran else x, y=y)
    code, _, err = cli(NET % "{npz: p.npz}")
    hint = " (or leave out the examples holding one: `non_finite: drop` in train.data)"
    first = "infinity at [9, 0]" if fortran else "NaN at [5, 1]"  # the first in memory order
    assert (code, err) == (2, [
        f"r.yaml:8:15: train.data.npz: input 'x': expected finite numbers in p.npz array 'x', "
        f"got {first} (and 1 more in that array)" + hint,
        "r.yaml:8:15: train.data.npz: input 'y': expected finite numbers in p.npz array 'y', "
        "got -infinity at [7, 0]" + hint,
    ])  # fmt: skip


def test_nan_in_a_held_out_source_is_a_problem_there(cli, tmp_path):
    x, y = points()
    np.savez(tmp_path / "p.npz", x=x, y=y)
    x[3, 0] = np.nan
    np.savez(tmp_path / "v.npz", x=x, y=y)
    code, _, err = cli(NET % "{npz: p.npz, val: {npz: v.npz}}")
    assert (code, err) == (2, [
        "r.yaml:8:33: train.data.val.npz: input 'x': expected finite numbers in v.npz array "
        "'x', got NaN at [3, 0] (or leave out the examples holding one: `non_finite: drop` in "
        "train.data)",
    ])  # fmt: skip


def test_dropping_leaves_out_exactly_the_examples_holding_nan_or_infinity(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    x, y = points(10)
    x[2, 1], y[6, 0], x[6, 0] = np.nan, np.inf, -np.inf
    np.savez(tmp_path / "p.npz", x=x, y=y)
    rows = "".join(
        f"{float(a)!r},{float(b)!r},{float(c)!r}\n" for (a, b), (c,) in zip(x, y, strict=True)
    )
    (tmp_path / "p.csv").write_text("x1,x2,y\n" + rows)
    keep = np.isfinite(x).all(axis=1) & np.isfinite(y).all(axis=1)
    for name, source, which in [
        ("p.npz", "{npz: p.npz, non_finite: drop, shuffle: false, val: 0.25}", "indices 2, 6"),
        (
            "p.csv",
            "{csv: p.csv, non_finite: drop, shuffle: false, val: 0.25, "
            "columns: {x: [x1, x2], y: [y]}}",
            "lines 4, 8",
        ),
    ]:
        r = compose.loads(NET % source)
        assert compose.check(r).problems == ()
        split = data.load(r.train.data, ["x", "y"], tmp_path)
        got = np.concatenate([split.train["x"], split.val["x"]])
        np.testing.assert_array_equal(got, x[keep].astype(np.float32))
        assert len(split.val["x"]) == 2  # a quarter of the 8 kept
        assert split.warnings == (f"{name}: left out 2 examples holding NaN or infinity ({which})",)


def test_a_run_that_drops_says_which_and_validates_on_finite_numbers(cli, tmp_path):
    """The issue's case: NaN in what becomes the validation part. The check refuses it;
    with `non_finite: drop` the run warns, keeps the warning, and its val_loss is a number."""
    x, y = points(12)
    x[11, 0] = np.nan  # unshuffled, the last examples validate
    np.savez(tmp_path / "p.npz", x=x, y=y)
    refused = cli(NET % "{npz: p.npz, shuffle: false, val: 0.25}", "run", "r.yaml", "--out", "a")
    assert refused[0] == 2 and "got NaN at [11, 0]" in refused[2][0]
    source = "{npz: p.npz, shuffle: false, val: 0.25, non_finite: drop}"
    code, _, err = cli(NET % source, "run", "r.yaml", "--out", "b", "--quiet")
    warning = "p.npz: left out 1 example holding NaN or infinity (index 11)"
    assert code == 0 and f"warning: {warning}" in err
    summary = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert summary["warnings"][0] == warning
    assert np.isfinite(summary["metrics"]["val_loss"])


def test_dropping_counts_toward_a_batch(cli, tmp_path):
    x, y = points()
    x[:5, 0] = np.nan
    np.savez(tmp_path / "p.npz", x=x, y=y)
    code, _, err = cli(NET % "{npz: p.npz, non_finite: drop}")
    assert (code, err) == (2, [
        "r.yaml:9:10: train.batch: expected a batch of at most the 3 training examples of "
        "p.npz (of 8, after val: 0.0, 5 left out holding NaN or infinity), got 4",
    ])  # fmt: skip


def test_a_generated_set_that_overflows_float32_is_refused_as_it_loads(tmp_path):
    r = compose.loads((NET % "{dataset: sine, n: 64, noise: 3.0e38}").replace("x: [2]", "x: [1]"))
    assert compose.check(r).problems == ()  # a generated set is not made to be checked
    with pytest.raises(compose.RecipeError) as err:
        data.load(r.train.data, ["x", "y"], tmp_path)
    assert str(err.value).startswith(
        "<recipe>:8:19: train.data.dataset: dataset 'sine': expected finite numbers, got NaN "
        "or infinity in indices "
    )


def test_non_finite_is_read_checked_and_in_the_schema(cli):
    code, _, err = cli(NET % "{dataset: xor, non_finite: keep}")
    assert (code, err) == (2, [
        "r.yaml:8:36: train.data.non_finite: expected one of 'error', 'drop', got 'keep'",
    ])  # fmt: skip
    code, _, err = cli(NET % "{dataset: xor, val: {dataset: xor, non_finite: drop}}")
    assert (code, err) == (2, [
        "r.yaml:8:44: train.data.val.non_finite: 'non_finite' is set once, on the training data",
    ])  # fmt: skip
    validator = jsonschema.Draft202012Validator(recipe_schema())
    recipe = {
        "inputs": {"x": [2], "y": [1]},
        "nodes": {"h": {"block": "linear", "in": "x", "out": 1}},
        "outputs": ["h"],
        "train": {"data": {"npz": "p.npz", "non_finite": "drop"}, "steps": 1, "optimizer": "sgd"},
    }
    assert list(validator.iter_errors(recipe)) == []
    recipe["train"]["data"]["non_finite"] = "keep"
    assert list(validator.iter_errors(recipe)) != []


# a seeded mutator ----------------------------------------------------------------------


def mutated(data: bytes, rng: np.random.Generator) -> bytes:
    """`data` truncated, with bytes flipped, or with a run of bytes inserted or repeated."""
    data = bytearray(data)
    how = rng.integers(4)
    at = int(rng.integers(len(data)))
    if how == 0:
        return bytes(data[:at])
    if how == 1:
        for i in rng.integers(len(data), size=int(rng.integers(1, 8))):
            data[i] ^= 1 << int(rng.integers(8))
        return bytes(data)
    if how == 2:
        return bytes(
            data[:at]
            + rng.integers(256, size=int(rng.integers(1, 64))).astype(np.uint8).tobytes()
            + data[at:]
        )
    return bytes(data[:at] + data[at : at + 200] * 3 + data[at:])


@pytest.mark.parametrize("kind", ["csv", "npz"])
def test_mutated_data_files_end_in_data_or_a_located_problem(cli, tmp_path, kind):
    """200 seeded mutations of a good file: each check ends with exit 0 (a summary, and
    data that loads) or exit 2 with every line located in the recipe, never exit 1."""
    x, y = points(16)
    if kind == "npz":
        buffer = io.BytesIO()
        np.savez_compressed(buffer, x=x, y=y)
        good = buffer.getvalue()
        source = "{npz: d.npz, val: 0.25}"
    else:
        rows = "".join(f"{a:.6g},{b:.6g},{c:.6g}\n" for (a, b), (c,) in zip(x, y, strict=True))
        good = ("x1,x2,y\n" + rows).encode()
        source = "{csv: d.npz, val: 0.25, columns: {x: [x1, x2], y: [y]}}"
    rng = np.random.default_rng(17)
    outcomes = set()
    for _ in range(200):
        (tmp_path / "d.npz").write_bytes(mutated(good, rng))
        code, out, err = cli(NET % source)
        assert code in (0, 2), err
        if code == 0:  # and training reads what the check passed
            assert "on d.npz; loss 'loss'" in out
            split = data.load(compose.load(tmp_path / "r.yaml").train.data, ["x", "y"], tmp_path)
            assert len(split.train["x"]) >= 4 and np.isfinite(split.train["x"]).all()
        else:
            assert err and all(line.startswith("r.yaml:") for line in err), err
        outcomes.add(code)
    assert outcomes == {0, 2}  # the mutations reach both
