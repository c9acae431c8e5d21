"""Start-up: `compose --help` and every `compose COMMAND --help` answer without importing
JAX (the command line parses its arguments first and imports what a command needs only to
run it), and `compose check` imports no Equinox, editor or plotting (bench/cli_speed.py
times them)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
COMMANDS = [
    "run", "check", "inspect", "blocks", "schema", "edit", "plot", "regions", "export", "predict",
    "evaluate", "compare",
]  # fmt: skip

SCRIPT = """
import contextlib, io, json, sys
from compose.cli.main import COMMANDS, main
heavy = ("jax", "equinox", "optax", "numpy", "textual")
found = {"commands": sorted(c.name for c in COMMANDS)}
for command in [[]] + [[c] for c in sys.argv[1:]]:
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main([*command, "--help"])
    found[" ".join(command) or "compose"] = [
        code, "usage:" in out.getvalue(), [m for m in heavy if m in sys.modules]
    ]
print(json.dumps(found))
"""


def test_help_imports_no_jax():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *COMMANDS],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    found = json.loads(done.stdout)
    assert found.pop("commands") == sorted(COMMANDS)  # a new command is tested here too
    assert found == {name: [0, True, []] for name in ["compose", *COMMANDS]}


def test_check_imports_no_equinox_and_no_editor():
    script = (
        "import contextlib, io, sys\n"
        "from compose.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['check', 'recipes/xor.yaml']) == 0\n"
        "print(sorted(m for m in ('equinox', 'textual', 'matplotlib') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == "[]"


def test_the_summary_prints_emoji_codes_as_written():
    # The console skips rich's emoji pass (a fifth of a long summary's time) and so
    # leaves a recipe's own text alone.
    from compose.checker.graph import check
    from compose.checker.summary import model_summary
    from compose.recipe.loader import loads
    from tests.conftest import XOR

    summary = model_summary(check(loads("name: smile\nabout: ':smile: :+1:'\n" + XOR)))
    assert summary.startswith("smile: :smile: :+1:\n")
