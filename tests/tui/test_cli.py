"""`compose edit` opens the editor through the command line like the other commands."""

from __future__ import annotations

import os
import subprocess
import sys

from compose.cli.main import main


def test_compose_edit_runs_the_editor_and_returns_its_status(monkeypatch, tmp_path):
    seen = {}

    def fake_run(path, *, overrides=(), environment=None):
        seen.update(path=path, overrides=list(overrides), environment=environment)
        return 0

    monkeypatch.setattr("tui.app.run", fake_run)
    monkeypatch.setenv("COMPOSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)
    path = tmp_path / "r.yaml"
    assert main(["edit", str(path), "--set", "train.steps=5"]) == 0
    # The training runs' processes are told the command's compiled-program cache
    environment = seen.pop("environment")
    assert seen == {"path": str(path), "overrides": ["train.steps=5"]}
    assert environment["JAX_COMPILATION_CACHE_DIR"] == str(tmp_path / "cache")
    assert environment["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] == "0.0"


FORKED = """
import multiprocessing, os
from tui.training_process import _context, warm_up
warm_up({"COMPOSE_TEST_MARK": "forked"})
with _context().Pool(1) as pool:
    print(pool.apply(os.getenv, ("COMPOSE_TEST_MARK",)), os.getenv("COMPOSE_TEST_MARK"))
"""


def test_the_environment_given_to_the_editor_reaches_its_runs_processes_only():
    env = {k: v for k, v in os.environ.items() if k != "COMPOSE_TEST_MARK"}
    done = subprocess.run(
        [sys.executable, "-c", FORKED], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["forked", "None"]


def test_compose_edit_without_a_recipe_is_a_usage_error(capsys):
    assert main(["edit"]) == 2
    assert "the following arguments are required: recipe" in capsys.readouterr().err
