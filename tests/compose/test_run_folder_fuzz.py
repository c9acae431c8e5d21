"""A seeded mutator of run folders, a single run's and a population's: a file of each
damaged (bits flipped, cut short, overwritten, emptied) or put out of place (a named pipe,
a link to a file outside, a folder), then `compose inspect`, `compose run --resume` or
`compose plot` run on the folder. Every outcome is exit 0 with the right result (what the
undamaged folder gives) or exit 2 with every line located in the folder; never exit 1,
never a wait, never a write outside the folder."""

import os
import random

import pytest

from tests.compose.run_folders import (
    command,
    copy,
    located,
    numbers,
    snapshot,
)

CASES = 60  # about 10 s on one core, with some more to train and resume the two folders
MINE = b"the user's own file\n"
FILES = {
    "run": [
        "recipe.yaml",
        "summary.json",
        "metrics.jsonl",
        "norms.jsonl",
        "model.eqx",
        "checkpoint.ckpt",
    ],
    "population": [
        "summary.json",
        "metrics.jsonl",
        "checkpoint.ckpt",
        "variants/seed=0/model.eqx",
        "variants/seed=1/metrics.jsonl",
        "variants/seed=1/summary.json",
    ],
}
ARGS = {  # resumed, a run trains 10 steps more; a population goes on to its end
    "inspect": lambda folder: ("inspect", folder, "--json"),
    "resume": lambda folder: ("run", "--resume", folder, "--quiet", "--set", "train.steps=70"),
    "plot": lambda folder: ("plot", folder),
}


def flipped(raw: bytes, rng: random.Random) -> bytes:
    out = bytearray(raw)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(out))
        out[at] ^= 1 << rng.randrange(8)
    return bytes(out)


def overwritten(raw: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(raw))
    return raw[:at] + rng.randbytes(rng.randint(1, 16)) + raw[at + 16 :]


DAMAGE = {
    "flip": lambda path, rng, outside: path.write_bytes(flipped(path.read_bytes(), rng)),
    "cut": lambda path, rng, outside: path.write_bytes(
        path.read_bytes()[: rng.randrange(path.stat().st_size)]
    ),
    "overwrite": lambda path, rng, outside: path.write_bytes(overwritten(path.read_bytes(), rng)),
    "empty": lambda path, rng, outside: path.write_bytes(b""),
    "pipe": lambda path, rng, outside: (path.unlink(), os.mkfifo(path)),
    "link": lambda path, rng, outside: (path.unlink(), path.symlink_to(outside / "target")),
    "folder": lambda path, rng, outside: (path.unlink(), path.mkdir()),
}
WEIGHT = {"flip": 4, "cut": 2, "overwrite": 2, "empty": 1, "pipe": 1, "link": 1, "folder": 1}


@pytest.fixture(scope="module")
def pristine(made_run, made_population, tmp_path_factory):
    """Each kind of folder, and what each command gives on it undamaged: inspect's numbers
    and the weights a resumed run ends with."""
    made = tmp_path_factory.mktemp("pristine")
    found = {}
    for kind, folder in (("run", made_run), ("population", made_population)):
        code, out, err = command(*ARGS["inspect"](folder))
        assert (code, err) == (0, [])
        resumed = copy(folder, made / f"{kind}-resumed")
        code, _, err = command(*ARGS["resume"](resumed))
        assert (code, err) == (0, [])
        found[kind] = (folder, numbers(out), weights(resumed))
    return found


def weights(folder):
    """Every model.eqx of a folder (a population's: each variant's), by place."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("model.eqx")}


def cases():
    rng = random.Random(17)
    kinds = list(DAMAGE)
    for number in range(CASES):
        kind = rng.choice(["run", "run", "population"])
        name = rng.choice(FILES[kind])
        damage = rng.choices(kinds, weights=[WEIGHT[k] for k in kinds])[0]
        does = rng.choices(list(ARGS), weights=[5, 4, 1])[0]
        yield number, kind, name, damage, does, rng.randrange(2**32)


def test_damaged_run_folders_end_in_the_right_result_or_a_located_problem(pristine, tmp_path):
    outcomes = set()
    for number, kind, name, damage, does, seed in cases():
        place = tmp_path / str(number)
        (place / "outside").mkdir(parents=True)
        (place / "outside" / "target").write_bytes(MINE)
        original, inspected, resumed = pristine[kind]
        folder = copy(original, place / kind)
        DAMAGE[damage](folder / name, random.Random(seed), place / "outside")
        before = snapshot(place, leave_out=folder)
        case = f"case {number}: {damage} {kind}/{name}, then {does}"
        code, out, err = command(*ARGS[does](folder))
        outcomes.add(code)
        assert code in (0, 2), f"{case}: exit {code}: {err}"
        assert snapshot(place, leave_out=folder) == before, f"{case}: wrote outside the folder"
        if code == 2:
            assert located(err, folder), f"{case}: not located: {err}"
            if name != "recipe.yaml":  # a recipe changed by a flip may fail elsewhere
                assert any(name.split("/")[-1] in line for line in err), f"{case}: {err}"
            continue
        if name == "recipe.yaml":
            continue  # a recipe still whole after a flip trains what it now says
        if does == "inspect":
            assert numbers(out) == inspected, case
        elif does == "resume":
            assert weights(folder) == resumed, case
        else:
            assert out and all(line.startswith(str(folder / "plots")) for line in out.split())
    assert outcomes == {0, 2}  # the mutations reach both
