"""Dependencies run one way: blocks <- compose <- tui; each library has one home."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
STDLIB_AND_JAX = set(sys.stdlib_module_names) | {"jax", "blocks"}


def imports(package):
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                yield path, {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                yield path, {node.module.split(".")[0]}


def test_blocks_import_jax_and_the_standard_library_only():
    for path, names in imports("blocks"):
        assert names <= STDLIB_AND_JAX, f"{path.name} imports {names - STDLIB_AND_JAX}"


@pytest.mark.parametrize(
    "library, home", [("yaml", "source.py"), ("optax", "optim.py"), ("sklearn", "data_sklearn.py")]
)
def test_each_library_has_one_home_in_compose(library, home):
    users = {path.name for path, names in imports("compose") if library in names}
    assert users == {home}


def test_compose_never_imports_textual_and_only_the_command_line_opens_the_editor():
    for path, names in imports("compose"):
        assert "textual" not in names, path.name
        if "tui" in names:  # `compose edit`: the CLI is a thin client of compose and tui
            assert path.name == "cli.py", path.name
