"""Reading a run folder that may come from anyone: a colleague's tarball, a shared disk.

A run folder's own entries (its files, `variants/` and each variant's folder and files,
`plots/` and its pictures) are never links and each is what its name says: a link, or a
named pipe where a file belongs, is a located problem naming it, found before anything
is read or written. Each file is read only when it is a regular file, without waiting,
and no further than the memory limit (compose.data.regular). What it holds is checked
as it is read: summary.json is a JSON object of the shape the tool writes, each line of
metrics.jsonl and norms.jsonl a record of a step (a last line cut short by a crash is
left out), and a path one of the folder's files names relative to the folder (a
variant's folder, a data file, `init_from`) stays inside it. Damage is a RecipeError
naming the file (and the line), never an error deep in what reads it.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import stat
from pathlib import Path
from typing import Any

from compose.data.regular import FileProblem, open_regular
from compose.recipe.problems import Problem, RecipeError, Where
from compose.recipe.records import DataSpec, Recipe
from compose.runs.names import (
    CHECKPOINT,
    DATA_FILES,
    METRICS,
    NORMS,
    PLOTS,
    PREVIOUS_CHECKPOINT,
    RECIPE,
    SUMMARY,
    TRANSFORMS,
    VARIANTS,
    WEIGHTS,
)
from compose.runtime.files import kind

FILES = {RECIPE, SUMMARY, METRICS, NORMS, WEIGHTS, CHECKPOINT, PREVIOUS_CHECKPOINT, TRANSFORMS}
FILES |= set(DATA_FILES.values())
FOLDERS = {VARIANTS, PLOTS}
MAX_STEP = 2**53  # a step is a whole number below this (a float64 holds each exactly)
NEVER = "a run folder's entries are never followed"
OWN = "a file or folder of its own"  # what an entry of no known name must be


def folder_problems(folder: Path) -> list[Problem]:
    """A problem for each of the folder's own entries that is a link, or not what its name
    says (a file, a folder), looking into `variants/`, each variant's folder and `plots/`."""
    problems = []
    for path, expected in _entries(folder):
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            got = f"a symbolic link to {os.readlink(path)}"
            problems.append(Problem(Where(str(path)), f"expected {expected}, got {got}: {NEVER}"))
        elif expected == "a folder" and not stat.S_ISDIR(mode):
            problems.append(Problem(Where(str(path)), f"expected a folder, got {kind(mode)}"))
        elif expected == "a file" and not stat.S_ISREG(mode):
            problems.append(Problem(Where(str(path)), f"expected a file, got {kind(mode)}"))
    return problems


def _entries(folder: Path, depth: int = 0) -> list[tuple[Path, str]]:
    """(path, what it should be) of the folder's own entries, those in its `variants/`
    and `plots/` and in each variant's folder, by name; an entry of no known name is
    expected to be anything but a link."""
    found = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        name = path.name
        expected = "a file" if name in FILES else "a folder" if name in FOLDERS else OWN
        if depth == 1:  # inside variants/ or plots/
            expected = "a folder" if folder.name == VARIANTS else "a file"
        found.append((path, expected))
        linked = stat.S_ISLNK(os.lstat(path).st_mode)
        if not linked and depth == 0 and name in FOLDERS:
            found += _entries(path, 1)
        elif not linked and depth == 1 and folder.name == VARIANTS:
            found += _entries(path, 2)
    return found


def check_folder(folder: Path) -> None:
    """Raise RecipeError naming each of the folder's own entries that is a link or not
    what its name says (folder_problems)."""
    problems = folder_problems(Path(folder))
    if problems:
        raise RecipeError(problems)


def check_run(folder: Path) -> None:
    """Check what resuming reads of a run folder before anything is written into it: its
    entries, its summary, and the logs it cuts back, a population's variants' included.
    Raises RecipeError naming what is damaged."""
    folder = Path(folder)
    check_folder(folder)
    if os.path.lexists(folder / SUMMARY):
        read_summary(folder)
    variants = folder / VARIANTS
    for own in [folder, *(sorted(variants.iterdir()) if variants.is_dir() else [])]:
        for name in (METRICS, NORMS):
            read_log(own / name)


def read_file(path: Path) -> bytes:
    """The bytes of one of a run folder's files: a regular file, never a link, read no
    further than the memory limit. Raises RecipeError naming it otherwise."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as err:
        raise _problem(path, f"cannot be read: {err.strerror or err}") from None
    if stat.S_ISLNK(mode):
        got = f"a symbolic link to {os.readlink(path)}"
        raise _problem(path, f"expected a file, got {got}: {NEVER}")
    try:
        with open_regular(path, path.name) as f:
            return f.read()
    except FileProblem as err:
        raise _problem(path, str(err).removeprefix(f"{path.name}: ")) from None


def read_json(path: Path) -> Any:
    """The JSON value of one of a run folder's files; damage is a RecipeError at its line."""
    raw = read_file(path)
    try:
        return json.loads(raw.decode("utf-8"))
    except json.JSONDecodeError as err:
        raise _problem(path, f"damaged: not JSON ({err.msg})", err.lineno, err.colno) from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _problem(path, "damaged: not JSON text") from None


def read_summary(folder: Path) -> dict[str, Any]:
    """A run folder's summary.json, checked to be of the shape the tool writes: its status,
    its steps, and a population's variants with the folder of each inside the run folder."""
    path = Path(folder) / SUMMARY
    summary = read_json(path)
    if not isinstance(summary, dict):
        raise _problem(path, f"damaged: expected a JSON object, got {_type(summary)}")
    steps = summary.get("steps")
    if not _is_step(steps):
        raise _problem(path, f"damaged: expected steps to be a whole number, got {_shown(steps)}")
    if not isinstance(summary.get("status"), str):
        raise _problem(path, f"damaged: expected a status, got {_shown(summary.get('status'))}")
    variants = summary.get("variants", {})
    if not isinstance(variants, dict) or not all(
        isinstance(v, dict) and isinstance(v.get("folder"), str) for v in variants.values()
    ):
        raise _problem(path, "damaged: expected variants to name each variant's folder")
    for entry in variants.values():
        inside(Path(folder), entry["folder"], Where(str(path), path="variants"))
    return summary


def read_log(path: Path) -> list[dict[str, Any]]:
    """The records of a run folder's JSON-lines log (metrics.jsonl, norms.jsonl), each an
    object of a `step` and numbers (or objects of numbers); a missing log has none. A
    last line cut short by a crash (no newline after it, not JSON) is left out; any other
    line that is not such a record is a RecipeError at its line."""
    return [record for _, record in log_lines(path)]


def log_lines(path: Path) -> list[tuple[bytes, dict[str, Any]]]:
    """(line as written, record) of each record of a log, as `read_log` reads them."""
    if not os.path.lexists(path):
        return []
    lines = read_file(path).split(b"\n")
    found = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except (ValueError, RecursionError):
            if number == len(lines):  # the last line, not ended: cut short by a crash
                break
            raise _problem(path, "damaged: expected a JSON record, got a line that is not one",
                           number) from None  # fmt: skip
        why = _not_a_record(record)
        if why:
            raise _problem(path, f"damaged: expected a record of a step, got {why}", number)
        found.append((line, record))
    return found


def _not_a_record(record: Any) -> str:
    """What makes `record` no log record (empty: it is one)."""
    if not isinstance(record, dict):
        return _type(record)
    if not _is_step(record.get("step")):
        return f"step {_shown(record.get('step'))}"
    bad = next((k for k, v in record.items() if not _numbers(v)), None)
    return "" if bad is None else f"{_shown(bad)} holding {_type(record[bad])}"


def _numbers(value: Any, depth: int = 0) -> bool:
    """Whether `value` is a number a float holds, null, or an object of them (two deep)."""
    if value is None or isinstance(value, float):
        return True
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) < 2**63
    if isinstance(value, dict) and depth < 2:
        return all(_numbers(v, depth + 1) for v in value.values())
    return False


def _is_step(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < MAX_STEP


def inside(folder: Path, relative: str, where: Where) -> Path:
    """`folder / relative`, a path one of the folder's files names: raise RecipeError at
    `where` unless it is relative and stays inside the folder (links resolved)."""
    path = folder / relative
    try:
        leads_out = Path(relative).is_absolute() or not path.resolve().is_relative_to(
            folder.resolve()
        )
    except (OSError, ValueError, RuntimeError):  # a NUL in it, a loop of links
        leads_out = True
    if leads_out:
        message = (
            f"expected a path inside the run folder {folder}, got {json.dumps(relative)}, "
            "which leads outside it"
        )
        raise RecipeError([Problem(where, message)])
    return path


def outside_paths(recipe: Recipe, folder: Path) -> list[Problem]:
    """A problem for each data file and `init_from` that the run folder's recipe names
    relative to the folder and that leads outside it (an absolute path names a file of
    the machine, as any recipe may)."""
    problems = []
    train = recipe.train
    named = []
    if train is not None:
        named += _data_files(train.data, "train.data")
        if train.init_from:
            where = train.where.get("init_from", train.where.get("train", recipe.where))
            named.append((train.init_from, dataclasses.replace(where, path="train.init_from")))
    for text, where in named:
        if Path(text).is_absolute():
            continue
        try:
            inside(folder, text, where)
        except RecipeError as err:
            problems += err.problems
    return problems


def _data_files(spec: DataSpec, path: str) -> list[tuple[str, Where]]:
    found = []
    if spec.kind in ("csv", "npz"):
        found.append((spec.source, dataclasses.replace(spec.where, path=f"{path}.{spec.kind}")))
    for part in ("val", "test"):
        held = getattr(spec, part)
        if isinstance(held, DataSpec):
            found += _data_files(held, f"{path}.{part}")
    return found


def _problem(path: Path, message: str, line: int = 0, col: int = 0) -> RecipeError:
    return RecipeError([Problem(Where(str(path), line, (col or 1) if line else 0), message)])


def _type(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "a number that is not finite"
    names = {dict: "an object", list: "a list", str: "text", bool: "true or false"}
    return "null" if value is None else names.get(type(value), "a number")


def _shown(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, float) or math.isfinite(value) else "NaN"
    return text if len(text) <= 40 else text[:37] + "..."
