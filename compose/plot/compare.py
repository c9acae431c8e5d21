"""The picture `compose compare` draws: a metric against the setting, every seed a dot.

Left: each setting's samples as dots (spread sideways so that equal values stay
visible), its median as a black bar and its range as a grey line; a threshold on the same
metric as a dashed line. Right, with a threshold: the fraction of each setting's samples
that reached it, as bars labelled `k/n`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compose.plot.figures import BLUE, ORANGE, figure, save, title_lines
from compose.runs.comparison import Setting, Threshold, figures, values

WIDE = 0.9  # inches per setting on the horizontal axis
SPREAD = 0.25  # how far sideways a setting's dots spread, in settings


def compare_picture(
    settings: list[Setting], metric: str, threshold: Threshold | None, path: Path, *, title: str
) -> Path:
    """Draw `metric` against `settings` (and the fraction reaching `threshold`) into the PNG
    at `path`, titled `title` (what is compared); returns it."""
    panels = 2 if threshold is not None else 1
    width = max(4.0, 1.6 + WIDE * len(settings)) * (1.6 if panels == 2 else 1)
    fig = figure(width, 4.2)
    axes = fig.subplots(1, panels, squeeze=False)[0]
    _values(axes[0], settings, metric, threshold)
    if threshold is not None:
        _reached(axes[1], settings, metric, threshold)
    for ax in axes:  # two panels of two settings are narrower than their titles
        ax.set_title(title_lines(ax.get_title(), width / panels - 0.6))
    fig.suptitle(f"{title}: {metric} by setting", fontsize="medium")
    return save(fig, path)


def _values(ax: Any, settings: list[Setting], metric: str, threshold: Threshold | None) -> None:
    """Each sample a dot, each setting's median a bar and its range a line."""
    every = [v for setting in settings for v in values(setting, metric)]
    for place, setting in enumerate(settings):
        numbers, got = figures(setting, metric, None), values(setting, metric)
        count = len(got)
        offsets = [SPREAD * (2 * i / (count - 1) - 1) if count > 1 else 0.0 for i in range(count)]
        ax.scatter([place + o for o in offsets], got, s=18, color=BLUE, alpha=0.8, zorder=5,
                   label="a seed" if place == 0 else None)  # fmt: skip
        if numbers.median is not None:
            ax.vlines(place, numbers.lowest, numbers.highest, color="0.6", linewidth=1, zorder=1)
            ax.hlines(numbers.median, place - 0.4, place + 0.4, color="black", linewidth=1.5,
                      zorder=4, label="median" if place == 0 else None)  # fmt: skip
    if threshold is not None and threshold.metric == metric:
        ax.axhline(threshold.value, color=ORANGE, linestyle="--", linewidth=1,
                   label=f"threshold {threshold}")  # fmt: skip
    if every and min(every) > 0 and max(every) / min(every) > 100:  # losses spanning decades
        ax.set_yscale("log")
    _categories(ax, settings)
    ax.set(ylabel=metric, title="each seed, the median and the range")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")


def _reached(ax: Any, settings: list[Setting], metric: str, threshold: Threshold) -> None:
    """The fraction of each setting's samples that reached `threshold`, labelled k/n."""
    for place, setting in enumerate(settings):
        numbers = figures(setting, metric, threshold)
        share = numbers.reached / numbers.samples if numbers.samples else 0.0
        ax.bar(place, share, width=0.6, color=BLUE)
        ax.annotate(f"{numbers.reached}/{numbers.samples}", (place, share), xytext=(0, 2),
                    textcoords="offset points", ha="center", fontsize="small")  # fmt: skip
    ax.set_ylim(0, 1.12)
    _categories(ax, settings)
    ax.set(ylabel="fraction", title=f"fraction reaching {threshold}")


def _categories(ax: Any, settings: list[Setting]) -> None:
    """The settings' labels under the horizontal axis, slanted when they would not fit side
    by side in the panel's width (about 15 characters of the small font an inch)."""
    labels = [s.label for s in settings]
    inches = ax.get_position().width * ax.figure.get_figwidth()
    slant = sum(len(label) + 2 for label in labels) > 15 * inches  # 2: the gap
    ax.set_xticks(range(len(settings)), labels, rotation=30 if slant else 0,
                  ha="right" if slant else "center", fontsize="small")  # fmt: skip
    ax.set_xlim(-0.6, len(settings) - 0.4)
