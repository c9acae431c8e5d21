"""Training from the editor: the session runs in a worker thread, the screen keeps up."""

from __future__ import annotations

import re

from tests.tui.conftest import RECIPES, drive, screen_text, wait_for
from tui.training import TrainPanel


def test_train_xor_from_the_app_and_read_accuracy_one_from_the_screen():
    async def script(app, pilot):
        await pilot.press("t")
        await wait_for(pilot, lambda: not app.training)
        return screen_text(app), app.query_one(TrainPanel).losses

    screen, losses = drive(RECIPES / "xor.yaml", script, size=(100, 36))
    assert "finished 2000 steps" in screen
    assert re.search(r"^\s*accuracy 1\.0000\b", screen.replace("│", "\n"), re.M), screen
    assert len(losses) > 10 and losses[-1] < losses[0]  # the curve was drawn as it learned


def test_pause_step_and_stop_steer_the_running_session():
    async def script(app, pilot):
        await pilot.press("t", "space")  # pause, asked while the session prepares or runs
        await wait_for(pilot, lambda: app.session is not None and app.session.paused)
        await pilot.pause(0.2)  # let the chunk under way finish
        before = app.session.step
        await pilot.press("n")  # one step
        await wait_for(pilot, lambda: app.session.step == before + 1)
        await pilot.press("x")
        await wait_for(pilot, lambda: not app.training)
        return before, screen_text(app)

    # Many steps, so that the run is still going when the pause arrives.
    before, screen = drive(
        RECIPES / "xor.yaml", script, size=(100, 36), overrides=("train.steps=2000000",)
    )
    assert f"stopped after {before + 1} steps: stopped" in screen


def test_training_a_recipe_with_problems_is_refused_with_the_reason(bad_recipe):
    async def script(app, pilot):
        await pilot.press("t")
        await pilot.pause()
        return app.training, screen_text(app)

    training, screen = drive(bad_recipe, script)
    assert not training
    assert "cannot train: fix the recipe's problems first" in screen
