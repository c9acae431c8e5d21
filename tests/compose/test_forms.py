"""Every command works on every way of composing a model that docs/recipes.md shows: check,
run, inspect and plot on one small recipe of each form (tests/compose/forms.py); the
editor opens each in tests/tui/test_forms.py."""

from __future__ import annotations

import pytest

import compose
from compose.cli.main import main
from compose.plot import model_pictures
from tests.compose.forms import FORMS, write_form


def learned_names(weights: dict, prefix: str = "") -> set[str]:
    """`net/node.slot` for every array in nested weights: a dict of arrays is one node's."""
    names = set()
    for key, value in weights.items():
        if all(not isinstance(v, dict) for v in value.values()):
            names |= {f"{prefix}{key}.{slot}" for slot in value}
        else:
            names |= learned_names(value, f"{prefix}{key}/")
    return names


@pytest.mark.parametrize("form", list(FORMS))
def test_every_command_runs_on_the_form(form, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    # Each hidden node's picture shows 2 of its units (of up to 16 here): the same files,
    # drawn by the same code, with fewer of matplotlib's panels (about 0.5 s of CPU a form);
    # a picture of all 32 units of a node: tests/compose/test_plot.py.
    monkeypatch.setattr(model_pictures, "MAX_UNITS", 2)
    path = write_form(form, tmp_path)

    def command(*args: str) -> str:
        code = main(list(args))
        out, err = capsys.readouterr()
        assert (code, err) == (0, ""), f"compose {' '.join(args)}"
        return out

    assert command("check", path.name).startswith(f"{form}: the form '{form}'")
    assert command("run", path.name, "--out", "run", "--quiet").startswith(f"{form}: trained 5")
    summary = (tmp_path / "run" / "summary.json").read_text()
    assert "warnings" not in summary  # the initialisation check ran, and found nothing

    shown = command("inspect", "run")
    model = compose.load_run(tmp_path / "run").model
    rows = {line.split()[0] for line in shown.splitlines() if line.strip()}
    assert learned_names(model.weights) <= rows  # each weight, named as `net/node.slot`

    files = command("plot", "run").split()
    names = {f.rpartition("/")[2] for f in files}
    assert {"curves.png", "norms.png", "boundary.png"} <= names
    assert all((tmp_path / f).is_file() for f in files)
    assert any(n.startswith("units-") for n in names)  # the hidden nodes over the plane
