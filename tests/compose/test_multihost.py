"""Two hosts for real: two processes on this machine join through `jax.distributed` (CPU
collectives over gloo), each with two forced host devices, and train one recipe together.

They give the losses of one process; only host 0 writes the run folder; and a host killed
mid-run ends the other with a message, not a hang (the subprocess timeouts here are only a
safety net against a hang: what is asserted is the message and the exit status).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from compose.cli.main import main

RECIPE = """\
name: tiny
inputs: {x: [2], y: [2]}
nodes:
  h1:     {block: linear, in: x, out: 8}
  a1:     {block: tanh, in: h1}
  logits: {block: linear, in: a1, out: 2}
  probs:  {block: softmax, in: logits}
  loss:   {block: cross_entropy, in: {pred: probs, target: y}}
outputs: [probs]
loss: loss
train:
  data: {dataset: spiral, n: 200, noise: 0.05, val: 0.2}  # validation ends each call at a log point
  batch: 16
  steps: 20
  log_every: 5
  optimizer: {adam: {learning_rate: 0.01}}
  seed: 0
"""
SAFETY = 240  # seconds: a hang fails the test here instead of hanging the suite


def free_port() -> int:
    """A port nobody listens on now (the OS picks it; it is held by no one once closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(tmp: Path, *extra: str) -> list[subprocess.Popen]:
    """Hosts 0 and 1, each in a folder of its own (host I: tmp/hostI, recipe and run folder
    `run` there), with two forced devices each, joined on a free port."""
    flags = os.environ.get("XLA_FLAGS", "")
    env = {**os.environ, "XLA_FLAGS": f"{flags} --xla_force_host_platform_device_count=2"}
    port, hosts = free_port(), []
    for host in (0, 1):
        folder = tmp / f"host{host}"
        folder.mkdir(exist_ok=True)
        (folder / "tiny.yaml").write_text(RECIPE)
        command = [sys.executable, "-m", "compose.cli", "run", "tiny.yaml", "--out", "run"]
        command += ["--quiet", "--coordinator", f"127.0.0.1:{port}", "--hosts", "2"]
        command += ["--host-id", str(host), *extra]
        pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
        hosts.append(subprocess.Popen(command, cwd=folder, env=env, text=True, **pipes))
    return hosts


def ended(host: subprocess.Popen) -> tuple[int, str, str]:
    try:
        out, err = host.communicate(timeout=SAFETY)
    except subprocess.TimeoutExpired:
        host.kill()
        out, err = host.communicate()
        raise AssertionError(f"a host hung:\n{out}\n{err}") from None
    return host.returncode, out, err


def losses(folder: Path) -> list[dict]:
    lines = (folder / "metrics.jsonl").read_text().splitlines()
    return [{k: v for k, v in json.loads(line).items() if k != "seconds"} for line in lines]


def test_two_hosts_give_the_losses_of_one_process_and_host_0_writes(tmp_path, capsys):
    hosts = start(tmp_path)
    (code0, out0, err0), (code1, out1, err1) = ended(hosts[0]), ended(hosts[1])
    assert (code0, code1) == (0, 0), err0 + err1
    assert "run folder: run\n" in out0
    assert "run folder: run (host 0 writes it)" in out1
    assert sorted(p.name for p in (tmp_path / "host1").iterdir()) == ["tiny.yaml"]
    two = losses(tmp_path / "host0" / "run")
    summary = json.loads((tmp_path / "host0" / "run" / "summary.json").read_text())
    assert summary["status"] == "finished"

    # The same recipe in this process, on one device: the same numbers.
    assert main(["run", str(tmp_path / "host0" / "tiny.yaml"), "--quiet", "--out",
                 str(tmp_path / "one"), "--set", "train.devices=1"]) == 0  # fmt: skip
    capsys.readouterr()
    one = losses(tmp_path / "one")
    assert [r["step"] for r in two] == [r["step"] for r in one] == [5, 10, 15, 20]
    for mine, theirs in zip(two, one, strict=True):
        assert mine.keys() == theirs.keys()
        for key, value in theirs.items():
            assert abs(mine[key] - value) <= 1e-5 * max(1.0, abs(value)), (key, mine, theirs)


def test_a_host_killed_ends_the_other_with_a_message(tmp_path):
    hosts = start(tmp_path, "--set", "train.steps=1000000", "--host-timeout", "5")
    metrics = tmp_path / "host0" / "run" / "metrics.jsonl"
    deadline = time.monotonic() + SAFETY
    while not (metrics.exists() and metrics.stat().st_size) and time.monotonic() < deadline:
        assert hosts[0].poll() is None and hosts[1].poll() is None, ended(hosts[0])
        time.sleep(0.2)
    assert metrics.stat().st_size, "host 0 logged nothing"  # training runs on both
    hosts[1].send_signal(signal.SIGKILL)
    code, _, err = ended(hosts[0])
    hosts[1].wait()
    assert code == 1, err
    said = [line for line in err.splitlines() if line.startswith("compose run: ")]
    assert len(said) == 1, err
    assert said[0].startswith("compose run: host 0 of 2 stops: "), err
    assert (
        "host 1 sent no sign of life for 5 s (it stopped, or cannot be reached)" in said[0]
        or "another host stopped, or cannot be reached" in said[0]
    ), err
    assert "Traceback" not in err and "Check failure" not in err


def test_the_host_options_go_together(tmp_path, capsys):
    recipe = tmp_path / "tiny.yaml"
    recipe.write_text(RECIPE)
    join = ["--coordinator", "127.0.0.1:1", "--hosts", "2"]
    for args, said in (
        (["--coordinator", "127.0.0.1:1"], "--hosts: expected --coordinator HOST:PORT, "
         "--hosts N and --host-id I together, got no --hosts"),
        (["--host-id", "0"], "--coordinator: expected --coordinator HOST:PORT, --hosts N and "
         "--host-id I together, got no --coordinator"),
        ([*join, "--host-id", "2"], "--host-id: expected a number from 0 to 1, got 2"),
        ([*join, "--host-id", "1", "--host-timeout", "0"],
         "--host-timeout: expected 1 or more seconds, got 0"),
    ):  # fmt: skip
        assert main(["run", str(recipe), "--out", str(tmp_path / "run"), *args]) == 2
        assert capsys.readouterr().err == said + "\n"
    assert not (tmp_path / "run").exists()
