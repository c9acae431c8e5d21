"""The `compose` command's cache of compiled programs: where it goes, how to turn it off,
and that a run fills it (the saving itself is measured, not tested)."""

import os
import subprocess
import sys
from pathlib import Path

import jax

from compose.runtime.compile_cache import cache_folder, use_compile_cache

XOR = Path(__file__).parents[2] / "recipes" / "xor.yaml"


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPOSE_CACHE", str(tmp_path / "mine"))
    assert cache_folder() == tmp_path / "mine"
    monkeypatch.setenv("COMPOSE_CACHE", "off")
    assert cache_folder() is None
    monkeypatch.delenv("COMPOSE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_folder() == tmp_path / "xdg" / "blockcompose" / "xla"


def test_a_run_keeps_its_compiled_programs_and_a_second_run_reuses_them(tmp_path):
    cache = tmp_path / "cache"
    env = {"COMPOSE_CACHE": str(cache), "PATH": "", "HOME": str(tmp_path)}
    if "XLA_FLAGS" in os.environ:  # the suite's fast compiling (tests/conftest.py) goes on
        env["XLA_FLAGS"] = os.environ["XLA_FLAGS"]
    command = [sys.executable, "-m", "compose.cli.main", "run", str(XOR), "--quiet"]
    command += ["--set", "train.steps=20"]
    first = subprocess.run([*command, "--out", str(tmp_path / "a")], env=env, capture_output=True)
    assert first.returncode == 0, first.stderr.decode()
    kept = sorted(p.name for p in cache.iterdir())
    assert kept, "nothing was cached"
    second = subprocess.run([*command, "--out", str(tmp_path / "b")], env=env, capture_output=True)
    assert second.returncode == 0, second.stderr.decode()
    assert sorted(p.name for p in cache.iterdir()) == kept  # every program found, none added


def test_a_cache_folder_that_cannot_be_made_means_no_cache(monkeypatch, tmp_path):
    taken = tmp_path / "a-file"
    taken.write_text("not a folder")
    monkeypatch.setenv("COMPOSE_CACHE", str(taken / "xla"))
    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)
    assert use_compile_cache() is None  # it compiles again instead of failing the command


def test_the_cache_is_trimmed_to_its_limit_oldest_first_as_the_command_starts(
    monkeypatch, tmp_path
):
    cache = tmp_path / "cache"
    cache.mkdir()
    for age, name in enumerate(["new", "middle", "old"]):  # 100 bytes each
        program = cache / f"{name}-cache"
        program.write_bytes(b"x" * 100)
        (cache / f"{name}-atime").write_bytes(b"t" * 8)
        os.utime(program, (1000 - age, 1000 - age))
    monkeypatch.setenv("COMPOSE_CACHE", str(cache))
    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)
    monkeypatch.setattr("compose.runtime.compile_cache.MAX_BYTES", 250)
    before = jax.config.jax_compilation_cache_dir
    try:
        assert use_compile_cache() == cache
    finally:  # the other tests of this process keep the suite's cache
        jax.config.update("jax_compilation_cache_dir", before)
    assert sorted(p.name for p in cache.iterdir()) == [
        "middle-atime",
        "middle-cache",
        "new-atime",
        "new-cache",
    ]
    # JAX itself keeps no limit: it would read the whole folder at every program it adds
    assert jax.config.jax_compilation_cache_max_size == -1
