"""How much memory data may take, and sizes said in words."""

from __future__ import annotations

import os


def memory_limit() -> int | None:
    """The most a data set may take in memory: half the machine's physical memory."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (AttributeError, ValueError, OSError):  # no sysconf here: no limit
        return None


def text(nbytes: int) -> str:
    """A size in GiB, or MiB below one GiB: `1.5 GiB`."""
    if nbytes >= 2**30:
        return f"{nbytes / 2**30:,.1f} GiB"
    return f"{nbytes / 2**20:,.1f} MiB"
