"""Files replaced whole, and strict JSON: what every writer of a run folder or a recipe uses.

A crash at any moment leaves a file written here either as it was or as it should be.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any


def write_atomic(path: Path, data: bytes, *, keep: Path | None = None) -> None:
    """Replace `path` by `data` all at once: a crash leaves the old file or the new, whole.

    With `keep`, the old file is moved there first (the previous checkpoint)."""
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    if keep is not None and path.exists():
        os.replace(path, keep)
    os.replace(temporary, path)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the renames themselves durable (where the system allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def to_json(value: Any, **kwargs: Any) -> str:
    """Strict JSON: a NaN or infinite number is written as null."""
    return json.dumps(json_ready(value), allow_nan=False, **kwargs)


def json_ready(value: Any) -> Any:
    """Plain data for strict JSON: tuples as lists, a NaN or infinite number as None."""
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
