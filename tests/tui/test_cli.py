"""`compose edit` opens the editor through the command line like the other commands."""

from __future__ import annotations

from compose.cli.main import main


def test_compose_edit_runs_the_editor_and_returns_its_status(monkeypatch, tmp_path):
    seen = {}

    def fake_run(path, *, overrides=()):
        seen.update(path=path, overrides=list(overrides))
        return 0

    monkeypatch.setattr("tui.app.run", fake_run)
    path = tmp_path / "r.yaml"
    assert main(["edit", str(path), "--set", "train.steps=5"]) == 0
    assert seen == {"path": str(path), "overrides": ["train.steps=5"]}


def test_compose_edit_without_a_recipe_is_a_usage_error(capsys):
    assert main(["edit"]) == 2
    assert "the following arguments are required: recipe" in capsys.readouterr().err
