"""Take the SVG screenshots in docs/images: `python -m tui.screenshots [FOLDER]`.

Each is the real app driven headless by a Pilot (as the tests drive it) and saved with
Textual's `save_screenshot`, so the pictures in the docs are what the editor shows.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

from tui.app import EditorApp

RECIPES = Path(__file__).parents[1] / "recipes"

BAD = """name: bad
about: XOR with one misspelt wire.
inputs: {x: [2], y: [1]}
nodes:
  hidden: {block: linear, in: x, out: 2}
  bend: {block: sigmoid, in: hiden}
  logit: {block: linear, in: bend, out: 1}
  prob: {block: sigmoid, in: logit}
  loss: {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob]
loss: loss
"""


async def _shot(
    path: Path,
    keys: list[str],
    out: Path,
    size: tuple[int, int],
    train=False,
    after: tuple[str, ...] = (),
    scroll_to: str = "",
):
    """Open `path`, press `keys`, train to the end if asked, press `after`, scroll the
    widget with id `scroll_to` (if any) to the top of its panel, and save the screen."""
    app = EditorApp(path)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        if train:
            await pilot.press("t")
            while app.training:
                await pilot.pause(0.1)
            await pilot.pause()
        for key in after:
            await pilot.press(key)
        if scroll_to:
            widget = app.query_one(f"#{scroll_to}")
            widget.parent.scroll_to_widget(widget, animate=False, top=True)
        await pilot.pause()
        app.save_screenshot(out.name, str(out.parent))


def main(folder: str = "docs/images") -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        bad = Path(tmp) / "bad.yaml"
        bad.write_text(BAD)
        xor = Path(tmp) / "xor.yaml"
        shutil.copy(RECIPES / "xor.yaml", xor)
        diverging = Path(tmp) / "xor_log.yaml"
        text = (RECIPES / "xor.yaml").read_text()
        diverging.write_text(
            text.replace("{block: sigmoid, in: hidden}", "{block: log, in: hidden}")
        )
        rate = ["c", "tab", "tab", "tab", "tab", "1", "e", "3", "0", "enter", "escape"]
        shots = [
            (RECIPES / "xor.yaml", [], "editor-graph.svg", (80, 24), False),
            (
                RECIPES / "deep_residual.yaml",
                ["b", "s", "o", "f"],
                "editor-palette.svg",
                (80, 24),
                False,
            ),
            (bad, ["p"], "editor-problems.svg", (80, 24), False),
            (xor, [], "editor-train.svg", (120, 36), True),
            (
                RECIPES / "hypernetwork.yaml",
                ["down", "right", "down"],
                "editor-large.svg",
                (120, 36),
                False,
            ),
        ]
        trained = [
            (xor, [], "editor-health.svg", (120, 36), True, ("escape", "down", "i"), ""),
            (
                RECIPES / "spirals.yaml",
                [],
                "editor-plane.svg",
                (120, 36),
                True,
                (),
                "plane-caption",
            ),
            (diverging, rate, "editor-failure.svg", (120, 30), True, ("i",), ""),
        ]
        for path, keys, name, size, train in shots:
            asyncio.run(_shot(path, keys, out / name, size, train))
            print(out / name)
        for path, keys, name, size, train, after, scroll_to in trained:
            asyncio.run(_shot(path, keys, out / name, size, train, after, scroll_to))
            print(out / name)


if __name__ == "__main__":
    main(*sys.argv[1:])
