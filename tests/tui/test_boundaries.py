"""The editor uses compose's public API only, and the block registry in one place."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

TUI = Path(__file__).parents[2] / "tui"
ALLOWED = set(sys.stdlib_module_names) | {"compose", "textual", "rich", "grandalf", "tui"}


def imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_tui_imports_compose_itself_never_its_modules():
    for path in TUI.rglob("*.py"):
        for name in imports(path):
            top = name.split(".")[0]
            assert not name.startswith("compose."), f"{path.name} imports {name}"
            if path.name != "catalog.py":
                assert top in ALLOWED, f"{path.name} imports {name}"


def test_only_the_catalog_reads_the_block_registry():
    users = {
        p.name for p in TUI.rglob("*.py") if any(n.split(".")[0] == "blocks" for n in imports(p))
    }
    assert users == {"catalog.py"}


def test_the_layout_library_has_one_home():
    users = {
        p.name for p in TUI.rglob("*.py") if any(n.split(".")[0] == "grandalf" for n in imports(p))
    }
    assert users == {"layout.py"}
