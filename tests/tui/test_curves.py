"""The Train tab's curves: nothing drawn before a run has logged (an empty Sparkline would
draw a row of bars, as if every value were 0), the line and its value axis once it has."""

from __future__ import annotations

from tests.tui.conftest import RECIPES, drive, screen_text, wait_for

BARS = "▁▂▃▄▅▆▇█"


def train_panel(screen: str) -> str:
    """The right-hand pane of each screen row (the Train tab)."""
    return "\n".join(line.split("││", 1)[-1] for line in screen.splitlines())


def test_curves_draw_nothing_until_the_run_logs_then_the_line_and_its_values():
    async def script(app, pilot):
        await pilot.press("c", "escape")  # the Train tab, focus back on the graph
        await pilot.pause()
        before = screen_text(app)
        await pilot.press("t")
        await wait_for(pilot, lambda: not app.training)
        await pilot.pause()
        return before, screen_text(app)

    before, after = drive(
        RECIPES / "xor.yaml", script, size=(100, 40), overrides=("train.steps=200",)
    )
    assert "loss" in train_panel(before) and not any(b in train_panel(before) for b in BARS)
    assert "finished 200 steps" in after and any(b * 3 in train_panel(after) for b in BARS)
