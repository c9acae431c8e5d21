"""Shared helpers: write a recipe into a temporary folder and run the CLI on it; the
`compose` command's compiled-program cache kept inside this test run's own folder, one
for all its workers (pytest-xdist), so what one compiles the others read.

XLA compiles the suite's programs fast (set here, before JAX starts its backend, and
inherited by the commands tests start): backend optimisation level 0, and the CPU's
elemental emitters instead of its newer fusion emitters, in one piece of code per program.
The suite compiles a few thousand small programs and runs each briefly, so most of its time
is XLA's compiler (docs/performance.md has the figures). The values are the same
computation; tests that need the compiler users get (runs resumed bit for bit) are marked
`as_shipped`: `.ci/run` runs them on their own with `COMPOSE_TEST_XLA=as-shipped`, which
leaves XLA as it is. A test (or a module) marked `trains_long` trains for thousands of steps
in all: its training programs alone are compiled at backend optimisation level 1, which
takes two to three times as long to compile and runs them about twice as fast.

Python's garbage collector looks at the youngest objects after 10,000 more allocations than
frees instead of 700: a test process builds and drops millions of small objects (JAX's
traces, Textual's widgets), most gone before a collection would find them, and every
collection moves the survivors on towards the full ones, which walk the whole heap (a
tenth of a second each late in a worker's run). Only when collections run changes: every
cycle is still found.

JAX keeps one call-site frame (not the whole Python stack, pytest's frames included) as
the source location of each operation it lowers: locations are debugging text, no part of
what a program computes or of the compiled-program cache's key, and fewer of them make
each program quicker to trace and lower.
"""

import atexit
import contextlib
import gc
import os
import sys
import textwrap
from collections import OrderedDict

import pytest

from compose.cli.main import main
from compose.runtime import programs

FAST_COMPILE = (
    "--xla_backend_optimization_level=0"
    " --xla_cpu_use_fusion_emitters=false"
    " --xla_cpu_parallel_codegen_split_count=1"
)
FAST = os.environ.get("COMPOSE_TEST_XLA") != "as-shipped"
if FAST:
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_backend_optimization_level" not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {FAST_COMPILE}".strip()
os.environ.setdefault("JAX_INCLUDE_FULL_TRACEBACKS_IN_LOCATIONS", "false")
gc.set_threshold(10_000, *gc.get_threshold()[1:])


def pytest_xdist_auto_num_workers(config):
    """`-n auto` (pyproject's addopts): a worker per core and one more. The editor's tests
    spend about half their time waiting (Textual's harness waits after each key until the app
    is idle); the extra worker's tests run in those waits."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


def pytest_collection_modifyitems(config, items):
    """The files that train whole recipes (tests/*.py, the lecture's) first, and the
    editor's spread evenly among the others, each file's tests kept together, none last.
    The longest tests are among the first, so none is left running alone at the end; the
    editor's wait about half their time (see above), so where they all came at the end, as
    in file order, the suite's last minute kept the cores two-thirds busy; among CPU-bound
    files, a worker's waits are another's time to compute."""
    files: dict = {}
    for item in items:
        files.setdefault(item.path, []).append(item)
    editor = [tests for path, tests in files.items() if path.parent.name == "tui"]
    others = sorted(
        (tests for path, tests in files.items() if path.parent.name != "tui"),
        key=lambda tests: tests[0].path.parent.name not in ("tests", "lecture"),
    )  # stable: file order within each part
    if not editor or not others:
        return
    order, placed = [], 0
    for i, tests in enumerate(others, start=1):
        order.append(tests)
        while placed < len(editor) and (placed + 1) * len(others) <= i * (len(editor) + 1):
            order.append(editor[placed])
            placed += 1  # at the last of the others (i = N) the test holds for all left
    items[:] = [item for tests in order for item in tests]


def pytest_unconfigure(config):
    """A pytest-xdist worker, its tests run and reported, ends at once: JAX's own exit
    handler would free each of the thousands of programs the worker compiled, one by one
    (about 4 s a worker, in the suite's last seconds), memory the system takes back anyway."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        atexit.register(_end_now)  # run first: exit handlers run last registered first


def _end_now() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def pytest_ignore_collect(collection_path, config):
    """Under `-m as_shipped` alone (.ci/run's second call) only the files that mark tests
    as_shipped are imported: no other file can hold one, and importing them all again would
    cost that call more than its tests take."""
    if config.option.markexpr != "as_shipped" or not collection_path.name.startswith("test_"):
        return None
    if collection_path.suffix != ".py" or "mark.as_shipped" in collection_path.read_text():
        return None
    return True


@pytest.fixture(autouse=True, scope="module")
def _long_trainings_of_the_module(request):
    """A module marked trains_long as a whole: its module-scoped fixtures train too."""
    with _compiled_to_run_if_marked(request.node):
        yield


@pytest.fixture(autouse=True)
def _long_training_of_the_test(request):
    """A test marked trains_long, or one of a module so marked."""
    with _compiled_to_run_if_marked(request.node):
        yield


@contextlib.contextmanager
def _compiled_to_run_if_marked(node):
    """Where `node` is marked trains_long, its training programs are compiled to run fast (see
    above), in a program store of their own: none is handed to a test not marked, whose
    numbers come from the programs compiled fast."""
    if not (FAST and node.get_closest_marker("trains_long")):
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(programs, "_compile", _compiled_to_run)
        patch.setattr(programs, "_programs", OrderedDict())
        yield


def _compiled_to_run(lowered):
    return lowered.compile({"xla_backend_optimization_level": 1})


@pytest.fixture(autouse=True, scope="session")
def _compile_cache(tmp_path_factory):
    """The command (in this process and in the subprocesses tests start) caches compiled
    programs in a folder of this test run, never in the user's cache."""
    base = tmp_path_factory.getbasetemp()
    run = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # the workers' own
    folder = run / "xla-cache"
    folder.mkdir(exist_ok=True)
    os.environ["COMPOSE_CACHE"] = str(folder)


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
