"""Shared helpers: write a recipe into a temporary folder and run the CLI on it."""

import textwrap

import pytest

from compose.cli import main

XOR = """\
inputs: {x: [2], y: [1]}
nodes:
  hidden: {block: linear, in: x, out: 2}
  bend: {block: sigmoid, in: hidden}
  logit: {block: linear, in: bend, out: 1}
  prob: {block: sigmoid, in: logit}
  loss: {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob]
loss: loss
train:
  data: {dataset: xor}
  batch: 4
  steps: 10
  optimizer: {adam: {learning_rate: 0.05}}
  metrics: [accuracy]
"""


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """cli(text, *args) writes r.yaml, runs `compose check r.yaml` (or args), returns
    (exit code, stdout, stderr lines)."""
    monkeypatch.chdir(tmp_path)

    def run(text, *args):
        (tmp_path / "r.yaml").write_text(textwrap.dedent(text))
        code = main(list(args) or ["check", "r.yaml"])
        out, err = capsys.readouterr()
        return code, out, err.splitlines()

    return run
