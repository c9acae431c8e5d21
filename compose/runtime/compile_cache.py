"""The `compose` command keeps the programs XLA compiles on disk and reuses them: a second
`compose run` of a recipe (or the editor, or `compose inspect`) skips compiling what it
compiled before, most of what a short run like `compose run recipes/xor.yaml` waits for.

Where: `$COMPOSE_CACHE` if set (`off` turns it off), else `$XDG_CACHE_HOME/blockcompose/xla`
(`~/.cache/blockcompose/xla`). A cache JAX was already told to use (JAX_COMPILATION_CACHE_DIR)
is left as it is. Only the command does this: importing `compose` from Python changes no
JAX setting. The cache is JAX's own (keyed by the program, the JAX version and the
device), at most MAX_BYTES, oldest entries evicted first.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "COMPOSE_CACHE"
MAX_BYTES = 1 << 30


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

    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)  # small ones too
    jax.config.update("jax_compilation_cache_max_size", MAX_BYTES)
    return folder


def cache_environment(folder: Path | None) -> dict[str, str]:
    """The environment variables that have JAX in a fresh process (the editor's training
    runs) use the cache in `folder` as use_compile_cache does; none for no folder."""
    if folder is None:
        return {}
    return {
        "JAX_COMPILATION_CACHE_DIR": str(folder),
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
        "JAX_COMPILATION_CACHE_MAX_SIZE": str(MAX_BYTES),
    }
