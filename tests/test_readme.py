"""The README's Python example runs as written (from the repository root's recipes)."""

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_readme_python_example_runs(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    (code,) = re.findall(r"```python\n(.*?)```", text, re.S)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "recipes").symlink_to(ROOT / "recipes")
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert scope["result"].metrics["accuracy"] == 1.0
    assert (tmp_path / "runs" / "xor" / "model.eqx").exists()
    assert scope["seen"].activations["hidden"].shape == (2, 2)
