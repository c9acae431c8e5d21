"""The `compose` command as a user types it."""

import json
import signal
import subprocess
import sys

import pytest

from compose.cli.main import main
from tests.compose.run_folders import copy
from tests.conftest import XOR


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """XOR as written (10 steps), trained once for the tests that resume it or start from
    it: each copies it into its own folder as `first`."""
    where = tmp_path_factory.mktemp("first")
    (where / "r.yaml").write_text(XOR)
    assert main(["run", str(where / "r.yaml"), "--out", str(where / "first"), "--quiet"]) == 0
    return where / "first"


def test_check_prints_the_model_summary(cli):
    code, out, err = cli("name: xor\nabout: Learns XOR.\n" + XOR)
    assert (code, err) == (0, [])
    title, *lines = out.splitlines()
    assert title == "xor: Learns XOR."
    assert lines[0].split() == ["node", "block", "inputs", "output", "weights", "params"]
    table = lines[1 : lines.index("total parameters: 9")]
    rows = {line.split()[0]: line.split() for line in table if not line.startswith(" ")}
    assert list(rows) == ["x", "y", "hidden", "bend", "logit", "prob", "loss"]
    assert table[table.index(next(t for t in table if t.startswith("hidden"))) + 1].split() == [
        "bias",
        "(2,)",
        "learned,",
        "zeros",
    ]
    assert rows["hidden"] == [
        "hidden",
        "linear",
        "x",
        "(2,)",
        "(2,)",
        "weight",
        "(2,",
        "2)",
        "learned,",
        "lecun_normal",
        "6",
    ]
    assert rows["loss"][:3] == ["loss", "cross_entropy", "*"]
    assert "rewrites (*):" in lines
    assert lines[-1] == ("train: adam(learning_rate=0.05), 10 steps of batch 4 on xor; loss 'loss'")


def test_blocks_lists_every_block_one_line_each(capsys):
    assert main(["blocks"]) == 0
    lines = capsys.readouterr().out.splitlines()
    from blocks import BLOCKS

    assert [line.split()[0] for line in lines] == list(BLOCKS)
    assert lines[0].split(None, 1)[1] == "Affine map of a vector: weight @ x + bias."


def test_blocks_name_shows_one_block(capsys):
    assert main(["blocks", "linear"]) == 0
    out = capsys.readouterr().out
    assert "inputs: x" in out
    assert "  out: int, required, a positive value. number of outputs" in out
    assert "  use_bias: bool, default true. add a learned bias" in out
    assert "  weight (out, in), initialiser lecun_normal" in out


def test_blocks_unknown_name(capsys):
    assert main(["blocks", "linaer"]) == 2
    assert (
        capsys.readouterr().err
        == "compose blocks: unknown block 'linaer' (did you mean 'linear'?)\n"
    )


def test_run_trains_and_writes_the_folder(cli, tmp_path):
    code, out, err = cli(XOR, "run", "r.yaml", "--out", "out", "--quiet", "--set", "train.steps=30")
    assert code == 0, err
    assert out.startswith("recipe: trained 30 steps (30 epochs) in ")
    assert out.splitlines()[-1] == "run folder: out"
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["steps"] == 30 and set(summary["metrics"]) == {"loss", "accuracy"}


def test_bad_arguments_exit_2(capsys):
    assert main(["frobnicate"]) == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_installed_command_runs(tmp_path):
    """The console entry point exits with main's status."""
    done = subprocess.run(
        [sys.executable, "-m", "compose.cli", "blocks", "nope"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 2 and "unknown block 'nope'" in done.stderr


def test_ctrl_c_as_the_command_exits_ends_it_without_a_traceback(tmp_path):
    """A Ctrl-C that comes while the interpreter exits (here sent by an exit handler, after
    the command returned) ends the process as the signal's default action does, silently."""
    script = (
        "import atexit, os, signal, sys; "
        "atexit.register(os.kill, os.getpid(), signal.SIGINT); "
        "sys.argv = ['compose', 'blocks']; "
        "from compose.cli.main import main_exit; main_exit()"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path
    )
    assert (done.returncode, done.stderr) == (-signal.SIGINT, "")
    assert "linear" in done.stdout  # the command ran to its end first


def test_recipe_text_is_printed_as_written_not_as_markup(cli):
    code, out, err = cli('name: "[bold]x"\nabout: "a [/] tag"\n' + XOR)
    assert code == 0, err
    assert out.splitlines()[0] == "[bold]x: a [/] tag"


def test_schema_prints_the_recipe_json_schema(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "blockcompose recipe"
    assert schema["$schema"].startswith("https://json-schema.org/")


def test_blocks_name_shows_state_and_randomness(capsys):
    assert main(["blocks", "batch_norm"]) == 0
    out = capsys.readouterr().out
    assert "running state (kept in the model, not trained):\n  mean (features,) running mean" in out
    assert main(["blocks", "dropout"]) == 0
    assert "random: acts only while training" in capsys.readouterr().out


def test_run_without_a_train_section_is_a_located_problem(cli):
    text = "inputs: {x: [2]}\nnodes:\n  h: {block: relu, in: x}\noutputs: [h]\n"
    code, out, err = cli(text, "run", "r.yaml", "--out", "out", "--quiet")
    assert (code, err) == (2, ["r.yaml:1:1: expected a train section to run, got none"])


def test_run_that_gives_a_non_finite_loss_names_the_node_and_exits_1(cli, tmp_path):
    bad = XOR.replace(
        "bend: {block: sigmoid, in: hidden}", "bend: {block: log, in: hidden}"
    ).replace("hidden: {block: linear, in: x, out: 2}",
              "hidden: {block: linear, in: x, out: 2, bias: {init: zeros}}")  # fmt: skip
    code, out, err = cli(bad, "run", "r.yaml", "--out", "out", "--quiet")
    assert code == 1
    assert err == [
        "stopped: node 'bend' (log) gave nan at step 1: its input went below 0 (to -1.51)"
    ]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["failure"] == {"step": 1, "node": "bend"}


def test_run_prints_plain_lines_when_not_on_a_terminal(cli):
    code, out, err = cli(XOR, "run", "r.yaml", "--out", "out", "--set", "train.steps=30")
    assert code == 0
    assert err[0].startswith("recipe step 1/30 ") and " steps/s  loss " in err[0]
    assert len(err) == 30 and err[-1].startswith("recipe step 30/30 ")


def test_progress_fits_eighty_columns():
    from compose.cli.progress import fit

    values = ["loss 0.6931", "accuracy 0.5", "val_loss 0.7", "val_accuracy 0.5"]
    assert fit(values, 22) == "loss 0.6931"
    assert fit(values, 80 - 58) == "loss 0.6931"
    assert fit(values, 40) == "loss 0.6931  accuracy 0.5  val_loss 0.7"


def test_run_resumes_and_init_from_reports(cli, first, tmp_path):
    copy(first, tmp_path / "first")  # where `compose run r.yaml --out first` puts it
    code, out, err = cli(XOR, "run", "--resume", "first", "--quiet", "--set", "train.steps=20")
    assert code == 0 and out.startswith("recipe: trained 20 steps (20 epochs) in ")
    code, out, err = cli(XOR, "run", "r.yaml", "--init-from", "first", "--out", "second", "--quiet")
    assert code == 0
    assert "started from 4 of 4 trained weights" in out.splitlines()
    code, out, err = cli(XOR, "run", "r.yaml", "--resume", "first")
    assert (code, err) == (2, ["compose run: expected a recipe, or --resume RUN_DIR, got both"])


def test_numbers_with_an_exponent_are_numbers_in_recipes_and_in_set(cli):
    text = XOR.replace("learning_rate: 0.05", "learning_rate: 5E-2").replace(
        "out: 2}", "out: 2, weight: {init: normal, stddev: 1e-1}}"
    )
    code, out, err = cli(text)
    assert (code, err) == (0, [])
    assert out.splitlines()[-1].startswith("train: adam(learning_rate=0.05), 10 steps")
    code, out, err = cli(XOR, "check", "r.yaml", "--set", "train.optimizer.adam.learning_rate=1e-2")
    assert (code, err) == (0, [])
    assert out.splitlines()[-1].startswith("train: adam(learning_rate=0.01), 10 steps")
    code, out, err = cli(XOR, "check", "r.yaml", "--set", "train.steps=1e6")
    assert (code, err) == (2, [
        "--set train.steps=1e6: train.steps: expected an integer, got 1000000.0 (a number with a "
        "dot or an exponent is a float: write 1000000)"
    ])  # fmt: skip


def test_help_names_and_describes_every_command(capsys):
    import argparse

    from compose.cli.main import COMMANDS, _parser

    parser = _parser()
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    commands = list(sub.choices)
    assert len(commands) >= 7 and commands == [c.name for c in COMMANDS]
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    description = text.split("\n\n")[1]  # after the usage line, before the listing
    assert all(f" {name}" in description.replace("\n", " ") for name in commands), description
    listing = text[text.index("COMMAND\n") :]
    for command in COMMANDS:
        (row,) = (line for line in listing.splitlines() if line.split()[:1] == [command.name])
        assert row.split(None, 1)[1] == command.help


def test_init_from_names_the_weights_as_inspect_does(cli, first, tmp_path):
    copy(first, tmp_path / "first")  # where `compose run r.yaml --out first` puts it
    code, out, err = cli(
        XOR, "run", "r.yaml", "--init-from", "first", "--out", "wider", "--quiet",
        "--set", "nodes.hidden.out=3",
    )  # fmt: skip
    assert code == 0, err
    assert (
        "started from 1 of 4 trained weights (initialised: hidden.bias, hidden.weight, "
        "logit.weight)" in out.splitlines()
    )
    code, out, err = cli(XOR, "inspect", "wider")
    assert code == 0, err
    rows = {line.split()[0] for line in out.splitlines() if line.strip()}
    assert {"logit.bias", "hidden.bias", "hidden.weight", "logit.weight"} <= rows
