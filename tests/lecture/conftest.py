"""The lecture's claims (docs/lecture.md) checked on the numbers of the commands the doc
shows, run in this process, shortened where a full run is not needed for the claim."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from compose.cli.main import main

LECTURE = Path(__file__).parents[2] / "recipes" / "lecture"


def compose(*args: str | Path) -> tuple[int, str, str]:
    """`compose ARGS` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def compose_json(*args: str | Path):
    """`compose ARGS --json`'s JSON, read; the command must succeed."""
    code, out, err = compose(*args, "--json")
    assert code == 0, err
    return json.loads(out)
