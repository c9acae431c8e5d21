"""The `compose` command keeps the programs XLA compiles on disk and reuses them: a second
`compose run` of a recipe (or the editor, or `compose inspect`) skips compiling what it
compiled before, most of what a short run like `compose run recipes/xor.yaml` waits for.

Where: `$COMPOSE_CACHE` if set (`off` turns it off), else `$XDG_CACHE_HOME/blockcompose/xla`
(`~/.cache/blockcompose/xla`). A cache JAX was already told to use (JAX_COMPILATION_CACHE_DIR)
is left as it is. Only the command does this: importing `compose` from Python changes no
JAX setting. The cache is JAX's own (keyed by the program, the JAX version and the
device), kept to at most MAX_BYTES by the command as it starts, oldest entries removed
first. JAX's own size limit is not used: it lists and reads the whole folder at every
program it adds (and locks the folder at every one it reads), so a cache of a few thousand
programs made each new one cost a second.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "COMPOSE_CACHE"
MAX_BYTES = 1 << 30
CACHE_SUFFIX, ATIME_SUFFIX = "-cache", "-atime"  # JAX's names: a program, its last use


def cache_folder() -> Path | None:
    """Where the compiled programs go, or None when the cache is off."""
    setting = os.environ.get(ENV, "")
    if setting == "off":
        return None
    if setting:
        return Path(setting)
    home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(home) / "blockcompose" / "xla"


def use_compile_cache() -> Path | None:
    """Point JAX's persistent compilation cache at cache_folder(); return it (None: off, or
    JAX already has one, or the folder cannot be made: then it simply compiles again)."""
    folder = cache_folder()
    if folder is None or os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    import jax

    trim(folder, MAX_BYTES)
    for name, value in _settings(folder).items():
        jax.config.update(name, value)
    return folder


def _settings(folder: Path) -> dict[str, object]:
    """JAX's settings for the cache in `folder`, by JAX's names."""
    return {
        "jax_compilation_cache_dir": str(folder),
        "jax_persistent_cache_min_compile_time_secs": 0.0,  # small programs too
        "jax_compilation_cache_max_size": -1,  # no limit of JAX's: trimmed as commands start
    }


def trim(folder: Path, limit: int) -> int:
    """Remove the oldest programs in `folder` (by when they were written) until those left
    take at most `limit` bytes; returns how many were removed. A program another process
    removes meanwhile is simply gone."""
    entries = []
    for path in folder.glob(f"*{CACHE_SUFFIX}"):
        try:
            found = path.stat()
        except OSError:
            continue
        entries.append((found.st_mtime, found.st_size, path))
    total = sum(size for _, size, _ in entries)
    removed = 0
    for _, size, path in sorted(entries):
        if total <= limit:
            break
        for part in (path, path.with_name(path.name.removesuffix(CACHE_SUFFIX) + ATIME_SUFFIX)):
            part.unlink(missing_ok=True)
        total, removed = total - size, removed + 1
    return removed


def cache_environment(folder: Path | None) -> dict[str, str]:
    """The environment variables that have JAX in a fresh process (the editor's training
    runs) use the cache in `folder` as use_compile_cache does; none for no folder."""
    if folder is None:
        return {}
    return {name.upper(): str(value) for name, value in _settings(folder).items()}
