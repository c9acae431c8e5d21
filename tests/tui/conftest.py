"""Drive the real editor headless, as a person would: press keys, read the screen."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import jax.monitoring
import pytest
from textual.widgets import Sparkline

from compose.runtime.compile_cache import cache_environment
from tui.app import EditorApp
from tui.graph import GraphView
from tui.healthview import HealthTable
from tui.pictureview import PictureView
from tui.training import TrainPanel
from tui.training_process import warm_up

RECIPES = Path(__file__).parents[2] / "recipes"


def screen_text(app: EditorApp) -> str:
    """What the terminal shows now, one line per row."""
    # Textual has no public text export; its compositor renders the same strips the
    # terminal gets.
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def wait_for(pilot, condition: Callable[[], bool], seconds: float = 60.0) -> None:
    """Let the app run until `condition()` holds (e.g. a training thread has reported)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not condition():
        assert loop.time() < end, "timed out waiting for the app"
        await pilot.pause(0.05)


def drive(
    path: str | Path,
    script: Callable[[EditorApp, Any], Awaitable[Any]],
    *,
    size: tuple[int, int] = (80, 24),
    overrides: tuple[str, ...] = (),
) -> Any:
    """Open the editor on `path` at `size`, run `script(app, pilot)` and return its value.
    Textual's animations are off (its `animation_level`, as TEXTUAL_ANIMATIONS=none sets
    it): a tab's underline sliding or a smooth scroll ends where it would, at once, instead of
    keeping the harness waiting for the app to be idle after the key."""

    async def main() -> Any:
        app = EditorApp(path, overrides=overrides)
        app.animation_level = "none"
        async with app.run_test(size=size) as pilot:
            try:
                await pilot.pause()
                return await script(app, pilot)
            finally:  # a failing script leaves no paused training thread holding the process
                app.trainer.close()

    return asyncio.run(main())


@pytest.fixture(autouse=True, scope="session")
def _runs_reuse_programs(_compile_cache) -> None:
    """The editor's training runs keep the programs they compile in this test run's cache
    (tests/conftest.py), as `compose edit`'s runs keep them in the command's: each run is a
    fresh child of one forkserver per test process, so without it each compiles the same
    programs again. The forkserver is started here with the environment `compose edit`
    gives it (the tests' own process and the commands they start keep theirs)."""
    warm_up(cache_environment(Path(os.environ["COMPOSE_CACHE"])))


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch) -> None:
    """Each test runs in a folder of its own: training writes its run folder
    (`runs/NAME-DATE-TIME`, as `compose run` does) where it is run."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def bad_recipe(tmp_path: Path) -> Path:
    """XOR with one misspelt wire: 'bend' reads from 'hiden'."""
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\n"
        "inputs: {x: [2], y: [1]}\n"
        "nodes:\n"
        "  hidden: {block: linear, in: x, out: 2}\n"
        "  bend: {block: sigmoid, in: hiden}\n"
        "  logit: {block: linear, in: bend, out: 1}\n"
        "  prob: {block: sigmoid, in: logit}\n"
        "  loss: {block: cross_entropy, in: {pred: prob, target: y}}\n"
        "outputs: [prob]\n"
        "loss: loss\n"
    )
    return path


@pytest.fixture(scope="session")
def trained_xor(tmp_path_factory) -> dict[str, Any]:
    """recipes/xor.yaml trained from the editor once, as a person does it (t, its 2000 steps
    to the end, then escape, down, i: bend's Node tab), for the tests that read what it
    showed: the screen, the panels, the run folder (`folder`, relative to `cwd`, where the
    editor was started) and the JAX compile events of the editor's own process from the key
    t to the Node tab shown (the run compiles in its child). Read-only to its readers."""
    compiled: list[str] = []
    counting = {"on": False}

    def listener(event: str, duration: float, **kwargs) -> None:
        if counting["on"] and event.startswith("/jax/core/compile/"):
            compiled.append(event)

    jax.monitoring.register_event_duration_secs_listener(listener)

    async def script(app, pilot):
        counting["on"] = True
        await pilot.press("t")
        await wait_for(pilot, lambda: not app.training)
        await pilot.pause()
        graph, table = app.query_one(GraphView), app.query_one(HealthTable)
        panel = app.query_one(TrainPanel)
        seen = {
            "screen": screen_text(app),
            "losses": panel.losses,
            "steps": panel.steps,
            "colours": {n: graph.drawing.colour_of(n) for n in ("hidden", "bend", "prob", "loss")},
            "rows": {p: table.cells(p) for p in ("hidden", "bend", "prob")},
            "plane": app.query_one("#plane", PictureView).text,
            "units": app.query_one("#plane-units", PictureView).text.plain,
            "folder": app.folder,
        }
        await pilot.press("escape", "down", "i")  # select bend, show the Node tab
        await pilot.pause()
        counting["on"] = False
        seen["inspector"] = screen_text(app)
        seen["history"] = app.query_one("#health-history", Sparkline).data
        seen["session"], seen["look"] = app.session, app.trainer.last_run.look
        return seen

    cwd, before = tmp_path_factory.mktemp("trained-xor"), os.getcwd()
    os.chdir(cwd)  # where the editor is started: its run folder goes there
    try:
        seen = drive(RECIPES / "xor.yaml", script, size=(100, 50))
    finally:
        os.chdir(before)
    return {**seen, "compiled": compiled, "cwd": cwd}
