"""Fixtures of tests/compose: run folders made once for the session, which tests copy
before they change anything (tests/compose/run_folders.py)."""

import pytest

from tests.compose.csv_runs import train_blobs
from tests.compose.run_folders import RECIPES, command, trained


@pytest.fixture(scope="session")
def made_run(tmp_path_factory):
    """A run folder, one for the session (tests copy it): its only checkpoint at the end."""
    folder = trained(tmp_path_factory.mktemp("made") / "run")
    assert not (folder / "checkpoint.prev.ckpt").exists()
    return folder


@pytest.fixture(scope="session")
def made_population(tmp_path_factory):
    """A population's folder of two seeds, one for the session (tests copy it)."""
    return trained(tmp_path_factory.mktemp("made") / "population", "--vary", "seed=0:2")


@pytest.fixture(scope="session")
def xor_seeds(tmp_path_factory):
    """XOR's seeds 0 and 1 trained 40 steps, logged at every step, as `compose run
    recipes/xor.yaml --vary seed=0:2 --set train.steps=40` writes them; one for the
    session (tests copy it before they resume or change it)."""
    folder = tmp_path_factory.mktemp("population") / "pop"
    more = ["--vary", "seed=0:2", "--set", "train.steps=40", "--quiet"]
    code, _, err = command("run", RECIPES / "xor.yaml", "--out", folder, *more)
    assert code == 0, err
    return folder


@pytest.fixture(scope="session")
def blobs(tmp_path_factory):
    """The blobs classifier of tests/compose/csv_runs.py trained once for the session, read
    by test_predict.py and test_evaluate.py: its folder is read-only to its readers."""
    return train_blobs(tmp_path_factory.mktemp("blobs"))
