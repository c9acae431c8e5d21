"""Drive the real editor headless, as a person would: press keys, read the screen."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tui.app import EditorApp

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
    """Open the editor on `path` at `size`, run `script(app, pilot)` and return its value."""

    async def main() -> Any:
        app = EditorApp(path, overrides=overrides)
        async with app.run_test(size=size) as pilot:
            try:
                await pilot.pause()
                return await script(app, pilot)
            finally:  # a failing script leaves no paused training thread holding the process
                app.trainer.close()

    return asyncio.run(main())


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
