"""Run folders as someone else may hand them over: made once, copied for each test, and the
commands that read them run in this process, each under a time limit (an alarm) so that a
command that waits on a pipe fails its test instead of hanging the suite (tests/compose/
test_run_folders_from_others.py and test_run_folder_fuzz.py)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import signal
from pathlib import Path

from compose.cli.main import main

RECIPES = Path(__file__).parents[2] / "recipes"
# 60 XOR steps logged every 10: norms.jsonl gets a line at step 50; one checkpoint, at 60.
RUN = ["--set", "train.steps=60", "--set", "train.log_every=10", "--quiet"]
LIMIT = 120  # seconds a command may take before its test fails (it takes about one)


class Waits(BaseException):
    """A command still running when its time is up (a BaseException: no command turns it
    into an exit code)."""


def command(*args: str | Path) -> tuple[int, str, list[str]]:
    """`compose ARGS` in this process: (exit code, stdout, stderr lines). Raises Waits if
    it has not ended within LIMIT seconds (the alarm interrupts a wait on a pipe too)."""
    out, err = io.StringIO(), io.StringIO()

    def up(number, frame):
        raise Waits(f"compose {' '.join(map(str, args))} did not end: it waits")

    before = signal.signal(signal.SIGALRM, up)
    signal.alarm(LIMIT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
    return code, out.getvalue(), err.getvalue().splitlines()


def trained(folder: Path, *more: str) -> Path:
    """A run folder of recipes/xor.yaml trained by `compose run` (with `more` arguments)."""
    code, _, err = command("run", RECIPES / "xor.yaml", "--out", folder, *RUN, *more)
    assert code == 0, err
    return folder


def copy(folder: Path, to: Path) -> Path:
    """A copy of a run folder (links copied as links)."""
    return Path(shutil.copytree(folder, to, symlinks=True))


def snapshot(root: Path, *, leave_out: Path | None = None) -> dict[str, str]:
    """Every entry under `root` (but `leave_out`) with its contents' SHA-256, a link's
    target or a folder's mark: what a command must not change outside a run folder."""
    found = {}
    for base, folders, files in os.walk(root):
        if leave_out is not None and Path(base) == leave_out.parent:
            folders[:] = [f for f in folders if f != leave_out.name]
            files[:] = [f for f in files if f != leave_out.name]
        for name in folders + files:
            path = Path(base) / name
            if path.is_symlink():
                found[str(path)] = "-> " + os.readlink(path)
            elif path.is_dir():
                found[str(path)] = "folder"
            elif path.is_file():
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[str(path)] = "special"
    return found


def located(lines: list[str], folder: Path) -> bool:
    """Whether every line said is located in `folder`, or at the command-line argument that
    set what it speaks of (a warning aside), and one is said."""
    said = [line for line in lines if not line.startswith("warning: ")]
    return bool(said) and all(str(folder) in line or line.startswith("--") for line in said)


def numbers(text: str) -> dict:
    """What `compose inspect --json` measured of the model and its batch: not what it says
    the run is, nor the update ratios, which depend on the optimizer state it found."""
    found = json.loads(text)
    found = found[0] if isinstance(found, list) else found
    weights = [
        {k: v for k, v in w.items() if k not in ("update_ratio", "update_norm")}
        for w in found["weights"]
    ]
    return {"loss": found["loss"], "nodes": found["nodes"], "weights": weights}
