"""A group's folder: one run or population folder per setting that changes the program.

group.json    the index: the keys varied, those that make a program each, the `--vary`
              texts each member's population varies, and per member its folder, its
              settings and how it ended (`pending` until it has)
recipe.yaml   the group's recipe, self-contained; each member's is it with the member's
              settings set (compose.checker.sweep.Member.overrides)
NAME/         each member's folder, named by its settings (`hidden.out=2`): a run folder,
              or a population's (compose.runs.population_folder) when it varies seeds or
              other numbers inside its program

A member's folder is an ordinary run folder, so `compose plot`, `compose inspect` and
`compose run --resume` read it alone; `compose run --resume GROUP` goes on with every
member that has not ended, and `compose compare GROUP` compares them all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compose.recipe.problems import Problem, RecipeError, Where
from compose.recipe.records import Recipe
from compose.recipe.standalone import resolved_text
from compose.runs.folder import refuse_unless_new
from compose.runs.names import GROUP, RECIPE, SUMMARY
from compose.runs.population_folder import folder_name
from compose.runs.reading import check_folder, inside, read_json, read_summary
from compose.runtime.files import make_folder, to_json, write_atomic

PENDING = "pending"  # a member not trained yet
ENDED = ("finished", "early_stopped", "failed")  # statuses a resumed group leaves as they are


def is_group(folder: str | Path) -> bool:
    """Whether `folder` is a group's folder (it has the index)."""
    return (Path(folder) / GROUP).is_file()


def start_group(
    folder: Path,
    recipe: Recipe,
    vary: dict[str, list],
    programs: list[str],
    within: list[str],
    members: list[Any],
) -> dict[str, Any]:
    """Make the group's folder (new or empty) with its recipe and index (see the module's
    docstring); `members` are compose.checker.sweep.Member. Returns the index."""
    refuse_unless_new(folder)
    make_folder(folder)
    write_atomic(folder / RECIPE, resolved_text(recipe).encode())
    index = {
        "recipe": recipe.name,
        "status": "running",
        "vary": vary,
        "programs": programs,
        "within": within,
        "members": {
            m.name: {
                "folder": folder_name(m),
                "settings": dict(m.settings),
                "overrides": m.overrides,
                "status": PENDING,
            }
            for m in members
        },
    }
    write_index(folder, index)
    return index


def write_index(folder: Path, index: dict[str, Any]) -> None:
    write_atomic(folder / GROUP, (to_json(index, indent=2) + "\n").encode())


def read_group(folder: str | Path) -> dict[str, Any]:
    """A group's index, checked to be of the shape `start_group` writes, each member's
    folder inside the group's. Raises RecipeError naming what is damaged."""
    folder = Path(folder)
    check_folder(folder)
    path = folder / GROUP
    index = read_json(path)
    members = index.get("members") if isinstance(index, dict) else None
    fine = isinstance(members, dict) and all(
        isinstance(m, dict)
        and isinstance(m.get("folder"), str)
        and isinstance(m.get("status"), str)
        and isinstance(m.get("settings"), dict)
        and isinstance(m.get("overrides"), list)
        and all(isinstance(o, str) for o in m["overrides"])
        for m in members.values()
    )
    within = index.get("within") if isinstance(index, dict) else None
    if not fine or not (isinstance(within, list) and all(isinstance(w, str) for w in within)):
        message = "damaged: expected a group's index (members, each with its folder and status)"
        raise RecipeError([Problem(Where(str(path)), message)])
    for member in members.values():
        inside(folder, member["folder"], Where(str(path), path="members"))
    return index


def member_status(folder: Path, index: dict[str, Any], name: str) -> str:
    """How member `name` stands, by its own summary: `pending` when it has no folder yet."""
    own = folder / index["members"][name]["folder"]
    if not (own / SUMMARY).is_file():
        return PENDING
    return read_summary(own)["status"]


def mark(folder: Path, index: dict[str, Any], name: str, status: str) -> None:
    """Say in the index how member `name` stands, and the group as a whole."""
    index["members"][name]["status"] = status
    statuses = [m["status"] for m in index["members"].values()]
    index["status"] = "finished" if all(s in ENDED for s in statuses) else "running"
    write_index(folder, index)


def member_folders(folder: str | Path) -> list[tuple[str, Path, dict[str, Any]]]:
    """(name, folder, settings) of each member of the group at `folder` that has a
    summary, in the group's order."""
    folder = Path(folder)
    index = read_group(folder)
    out = []
    for name, member in index["members"].items():
        own = folder / member["folder"]
        if (own / SUMMARY).is_file():
            out.append((name, own, member["settings"]))
    return out
