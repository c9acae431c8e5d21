"""Dependencies run one way: blocks <- compose <- tui, and inside compose each package
imports only the ones below it; each library has one home."""

import ast
import shutil
import subprocess
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
    "library, home",
    [
        ("yaml", "compose/recipe/source.py"),
        ("optax", "compose/checker/optimizers.py"),
        ("sklearn", "compose/data/sklearn_sets.py"),
        ("jax2onnx", "compose/export/onnx_model.py"),
        ("onnxruntime", "compose/export/onnx_model.py"),
    ],
)
def test_each_library_has_one_home_in_compose(library, home):
    users = {
        path.relative_to(ROOT).as_posix() for path, names in imports("compose") if library in names
    }
    assert users == {home}


def test_compose_never_imports_textual_and_only_the_command_line_opens_the_editor():
    for path, names in imports("compose"):
        assert "textual" not in names, path.name
        if "tui" in names:  # `compose edit`: the CLI is a thin client of compose and tui
            assert path.relative_to(ROOT).as_posix() == "compose/cli/main.py", path


def test_the_import_contracts_hold():
    """lint-imports (import-linter) checks the contracts in pyproject.toml: compose's layers
    (cli > plot > runs > document | trainer > model > checker > data > recipe > runtime),
    no circles among a package's modules, blocks a leaf, Textual only under tui."""
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert command, "expected import-linter's lint-imports beside this Python"
    done = subprocess.run(
        [command, "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "4 kept, 0 broken" in done.stdout
