"""Take the SVG screenshots in docs/images: `python -m tui.screenshots [FOLDER]`.

Each is the real app driven headless by a Pilot (as the tests drive it) and saved with
Textual's `save_screenshot`, so the pictures in the docs are what the editor shows.
"""

from __future__ import annotations

import asyncio
import os
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
    train: str = "",
    after: tuple[str, ...] = (),
    scroll_to: str = "",
):
    """Open `path`, press `keys`, train if asked (`train`: "end", to the end; "failure",
    until it pauses on a value that is not finite), press `after`, scroll the widget with
    id `scroll_to` (if any) to the top of its panel, and save the screen."""
    app = EditorApp(path)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        if train:
            await pilot.press("t")
            while app.training and not (
                train == "failure" and app.trainer.last_run.failure is not None
            ):
                await pilot.pause(0.1)
            while any(w.group == "look" and not w.is_finished for w in app.workers):
                await pilot.pause(0.1)  # the look at the refused step's batch
            await pilot.pause()
        for key in after:
            await pilot.press(key)
        if scroll_to:
            widget = app.query_one(f"#{scroll_to}")
            widget.parent.scroll_to_widget(widget, animate=False, top=True)
        await pilot.pause()
        app.save_screenshot(out.name, str(out.parent))
        if app.training:  # paused on a failure: stop it, as a person would
            await pilot.press("x")
            while app.training:
                await pilot.pause(0.1)


# the Train tab, e to its fields, tab to the learning rate: 1e6
RATE = ["c", "e", "tab", "tab", "tab", "tab", "1", "e", "6", "enter"]
# Each picture: the recipe (from the scratch folder), the keys pressed, the file, the
# terminal's size, how far to train, the keys pressed after, and what to scroll to the top.
SHOTS = [
    ("recipes/xor.yaml", [], "editor-graph.svg", (80, 24), "", (), ""),
    (
        "recipes/deep_residual.yaml",
        ["b", "s", "o", "f"],
        "editor-palette.svg",
        (80, 24),
        "",
        (),
        "",
    ),
    ("bad.yaml", ["p"], "editor-problems.svg", (80, 24), "", (), ""),
    ("xor.yaml", [], "editor-train.svg", (120, 36), "end", (), ""),
    (
        "recipes/hypernetwork.yaml",
        ["down", "right", "down"],
        "editor-large.svg",
        (120, 36),
        "",
        (),
        "",
    ),
    (
        "recipes/hypernetwork.yaml",
        ["right", "f", "down", "down", "down"],
        "editor-network.svg",
        (120, 36),
        "",
        (),
        "",
    ),
    ("xor.yaml", [], "editor-health.svg", (120, 36), "end", ("escape", "down", "i"), ""),
    ("recipes/spirals.yaml", [], "editor-plane.svg", (120, 36), "end", (), "plane-caption"),
    ("xor_log.yaml", RATE, "editor-failure.svg", (120, 30), "failure", ("i",), ""),
    ("recipes/sorted_transformer.yaml", ["z"], "editor-overview.svg", (80, 24), "", (), ""),
]


def _scratch(work: Path) -> None:
    """Fill the scratch folder `work` with the recipes the pictures open."""
    shutil.copytree(RECIPES, work / "recipes")
    (work / "bad.yaml").write_text(BAD)
    shutil.copy(RECIPES / "xor.yaml", work / "xor.yaml")
    text = (RECIPES / "xor.yaml").read_text()
    (work / "xor_log.yaml").write_text(
        text.replace("{block: sigmoid, in: hidden}", "{block: log, in: hidden}")
    )


def main(folder: str = "docs/images") -> None:
    out = Path(folder).resolve()
    out.mkdir(parents=True, exist_ok=True)
    home = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        # Recipes are opened by relative paths from a scratch folder (which also takes the
        # run folders training writes), so no path of this machine reaches a picture.
        work = Path(tmp)
        _scratch(work)
        os.chdir(work)
        try:
            for path, keys, name, size, train, after, scroll_to in SHOTS:
                asyncio.run(_shot(Path(path), keys, out / name, size, train, after, scroll_to))
                print(Path(folder) / name)
        finally:
            os.chdir(home)


if __name__ == "__main__":
    main(*sys.argv[1:])
