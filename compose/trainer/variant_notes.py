"""What a population's result says of how its variants ended, in words."""

from __future__ import annotations

from typing import Any

import numpy as np

from compose.runtime.shown import number

STATUSES = ("finished", "early_stopped", "interrupted", "stopped", "failed")  # Result.status


def distribution(population: Any) -> list[str]:
    """How the variants ended, in words: how many reach the best accuracy, the spread of
    the loss, how many ended each way when they did not all end alike, which failed."""
    results = population.results
    lines = []
    key = next(
        (k for k in ("val_accuracy", "accuracy") if all(k in r.metrics for r in results.values())),
        None,
    )
    if key:
        values = [r.metrics[key] for r in results.values()]
        best = max(values)
        reached = sum(v >= best - 1e-6 for v in values)
        varied = {k for v in population.variants for k, _ in v.settings}
        noun = "seeds" if varied == {"seed"} else "variants"
        shown = number(best) if "." in number(best) else number(best, ".1f")
        lines.append(f"{reached} of {len(values)} {noun} reach {key} {shown}")
    losses = [r.metrics["loss"] for r in results.values() if "loss" in r.metrics]
    if losses:
        median, lowest, highest = (number(f(losses)) for f in (np.median, min, max))
        lines.append(f"loss: median {median}, best {lowest}, worst {highest}")
    ended = [r.status for r in results.values()]
    if len(set(ended)) > 1:
        counts = [f"{ended.count(s)} {s}" for s in STATUSES if s in ended]
        lines.append(f"the variants ended: {', '.join(counts)}")
    for variant in population.variants:  # in their order, not the order they failed in
        if variant.name in population.failures:
            step = population.failures[variant.name]
            lines.append(f"variant {variant.name}: the loss stopped being finite at step {step}")
    return lines
