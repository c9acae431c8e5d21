"""A population's folder trained once and read by several tests: XOR's seeds 0 and 1, 40
steps, as `compose run recipes/xor.yaml --vary seed=0:2 --set train.steps=40` writes it
(test_population.py and test_population_runs.py). Made once per process; read-only to its
readers: a test that resumes or changes it works on a copy."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.compose.run_folders import RECIPES, command

SEEDS = ["--vary", "seed=0:2", "--set", "train.steps=40", "--quiet"]
_made: dict[str, Path] = {}


def xor_seeds(tmp_path_factory) -> Path:
    """The folder of XOR's two seeds trained 40 steps (made by the first test that asks)."""
    if "xor_seeds" not in _made:
        folder = tmp_path_factory.mktemp("population") / "pop"
        code, _, err = command("run", RECIPES / "xor.yaml", "--out", folder, *SEEDS)
        assert code == 0, err
        _made["xor_seeds"] = folder
    return _made["xor_seeds"]


def copied(folder: Path, to: Path) -> Path:
    """A copy of a population's folder, for a test that resumes or changes it."""
    return Path(shutil.copytree(folder, to, symlinks=True))
