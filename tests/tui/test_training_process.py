"""Training from the editor runs in a process of its own: the editor's process traces and
compiles nothing while a run trains, and a run whose editor has gone stops by itself with
its run folder written."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import compose
from tests.tui.conftest import RECIPES, wait_for
from tui.app import EditorApp
from tui.training_process import RemoteRun


def test_the_editors_process_compiles_nothing_while_a_run_trains(trained_xor):
    # t pressed, the run finished, bend's Node tab shown (its health, its histograms), the
    # editor's process counting what it compiled meanwhile: conftest.py
    seen = trained_xor
    losses, session, look, compiled = (seen[k] for k in ("losses", "session", "look", "compiled"))
    # The run went through (curves, health with its histograms' arrays), compiled elsewhere
    assert len(losses) > 10 and losses[-1] < losses[0] and session is None
    assert look is not None and type(look.seen.activations["bend"]).__module__ == "numpy"
    assert compiled == []


def test_a_run_whose_editor_has_gone_stops_and_writes_its_run_folder(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process id that no longer runs: the editor, gone
    checked = compose.check(compose.load(RECIPES / "xor.yaml", overrides=["train.steps=10000000"]))
    run = RemoteRun(checked, tmp_path / "run", editor=gone.pid)
    began = time.monotonic()
    heard = []
    for name, _args in run.heard():
        heard.append(name)
        assert time.monotonic() - began < 120, f"the run did not stop: {heard[-5:]}"
    run.process.join(30)
    assert "started" in heard and heard[-1] == "finished" and run.process.exitcode == 0
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["stopped"] == "the editor closed" and summary["steps"] < 10000000
    assert (tmp_path / "run" / "model.eqx").stat().st_size > 0


def test_an_editor_that_closes_while_training_stops_its_run(tmp_path):
    """The app ends without `q` (as a closed terminal ends it): nobody reads the run's
    events any more, and the run still stops, writes its run folder and its process ends."""

    async def main():
        app = EditorApp(RECIPES / "xor.yaml", overrides=("train.steps=10000000",))
        async with app.run_test(size=(100, 50)) as pilot:
            await pilot.press("t")
            await wait_for(pilot, lambda: app.session is not None and app.session.step > 0)
            return app.session.process, app.folder

    process, folder = asyncio.run(main())
    process.join(60)
    assert process.exitcode == 0
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["stopped"] == "the editor closed" and 0 < summary["steps"] < 10000000
