"""Keep Python's garbage collector from pausing the editor for a tenth of a second.

The editor's process holds a few hundred thousand long-lived objects (JAX, Textual, the
compiled training programs). A full collection walks all of them, holding Python's lock
all the while, about once a second while training (Textual's redraws leave short-lived
cycles behind), and a key press that lands in one waits for it. Freezing what exists once
the editor has drawn its first screen, and again once a training session is prepared,
moves those objects out of the collector's view, and collections get several times
shorter (bench/editor_latency.py; the figures are in docs/editor.md's Latency).
"""

from __future__ import annotations

import gc


def freeze_long_lived(*, collect: bool = False) -> None:
    """Move every object tracked now into the collector's permanent generation (never
    walked again), after collecting the garbage there is if `collect` (a full collection
    now: call it where a pause is expected). It does not count them: gc.get_freeze_count
    walks the whole permanent generation (17 ms for the editor's 200,000 objects)."""
    if collect:
        gc.collect()
    gc.freeze()
