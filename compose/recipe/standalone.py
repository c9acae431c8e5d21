"""The recipe a run folder keeps: self-contained, so it loads wherever the folder goes.

Overrides are already applied to the recipe's document; here networks read from other
files are written inline, and paths to data files and to a starting run are made
absolute (they were relative to the recipe's own folder, which the run folder is not).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from compose.recipe.records import Recipe
from compose.recipe.source import dump_text, load_file

DATA_FILE_KEYS = ("npz", "csv")  # data sources whose value is a path


def resolved_text(recipe: Recipe) -> str:
    """YAML text of `recipe`, self-contained (see the module's docstring)."""
    return dump_text(resolved_document(recipe))


def resolved_document(recipe: Recipe) -> dict[str, Any]:
    """`recipe`'s document as plain data, self-contained (see the module's docstring)."""
    document = copy.deepcopy(dict(recipe.data))
    base = Path(recipe.file).parent
    _inline_networks(document, base, seen=(str(Path(recipe.file).resolve()),))
    train = document.get("train")
    if isinstance(train, dict):
        _absolute_data_paths(train.get("data"), base)
        if isinstance(train.get("init_from"), str):
            train["init_from"] = str((base / train["init_from"]).resolve())
    return document


def _inline_networks(document: Any, base: Path, seen: tuple[str, ...]) -> None:
    """Replace each `network: FILE.yaml` in `document` (its nodes and its networks' nodes)
    by the body of that file. A file that declares networks of its own is left as a path:
    an inline body cannot hold them. The check has already refused cycles among files."""
    if not isinstance(document, dict):
        return
    bodies = [document] + [n for n in (document.get("networks") or {}).values()]
    for body in bodies:
        if not isinstance(body, dict) or not isinstance(body.get("nodes"), dict):
            continue
        for node in body["nodes"].values():
            if not isinstance(node, dict):
                continue
            ref = node.get("network")
            if isinstance(ref, dict):
                _inline_networks(ref, base, seen)
            elif isinstance(ref, str) and ref.endswith((".yaml", ".yml")):
                path = (base / ref).resolve()
                if str(path) in seen:
                    continue
                inner = copy.deepcopy(load_file(path).data)
                if not isinstance(inner, dict) or inner.get("networks"):
                    node["network"] = str(path)
                    continue
                _inline_networks(inner, path.parent, seen + (str(path),))
                keep = ("about", "params", "inputs", "nodes", "outputs")
                node["network"] = {k: inner[k] for k in keep if k in inner}


def _absolute_data_paths(spec: Any, base: Path) -> None:
    """Make the file paths of a data source (and of its val and test sources) absolute."""
    if not isinstance(spec, dict):
        return
    for key in DATA_FILE_KEYS:
        if isinstance(spec.get(key), str):
            spec[key] = str((base / spec[key]).resolve())
    for part in ("val", "test"):
        _absolute_data_paths(spec.get(part), base)
