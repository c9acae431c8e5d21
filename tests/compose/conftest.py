"""Fixtures of tests/compose: run folders made once for the session, which tests copy
before they change anything (tests/compose/run_folders.py)."""

import pytest

from tests.compose.run_folders import trained


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
