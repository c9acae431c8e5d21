"""Every Python name the docs give in `compose.x.y` form, or import with `from compose...
import ...` or `import compose...`, exists: a rename that leaves the docs behind fails here."""

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

DOTTED = re.compile(r"\bcompose(?:\.[A-Za-z_]\w*)+")
FROM_IMPORT = re.compile(r"^\s*from\s+(compose(?:\.\w+)*)\s+import\s+\(?([\w\s,]+?)\)?\s*(?:#.*)?$")
IMPORT = re.compile(r"^\s*import\s+(compose(?:\.\w+)*)")


def names_in(text: str) -> list[tuple[int, str]]:
    """(line number, dotted name) for each name `text` uses."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        found += [(number, name) for name in DOTTED.findall(line)]
        if match := FROM_IMPORT.match(line):
            module, imported = match.groups()
            for name in imported.split(","):
                name = name.split(" as ")[0].strip()
                if name:
                    found.append((number, f"{module}.{name}"))
        elif match := IMPORT.match(line):
            found.append((number, match.group(1)))
    return found


def resolves(dotted: str) -> bool:
    """Whether `dotted` is a module, or an attribute chain from the longest module in it."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for part in parts[cut:]:
            if not hasattr(target, part):
                return False
            target = getattr(target, part)
        return True
    return False


def test_the_name_finder_sees_each_form():
    text = (
        "see `compose.model.health.health`\nfrom compose.cli.inspect_command import look, subject\n"
    )
    text += "import compose.recipe.source\nfrom compose import Document, Init  # the records\n"
    assert [name for _, name in names_in(text)] == [
        "compose.model.health.health",
        "compose.cli.inspect_command",
        "compose.cli.inspect_command.look",
        "compose.cli.inspect_command.subject",
        "compose.recipe.source",
        "compose.recipe.source",
        "compose.Document",
        "compose.Init",
    ]
    assert resolves("compose.model.health.health") and resolves("compose.Document")
    assert not resolves("compose.model.health.subject")  # a name that moved away
    assert not resolves("compose.train.make_session")  # `train` is a function: no such name


def test_every_python_name_in_the_docs_exists():
    missing = [
        f"{path.relative_to(ROOT)}:{number}: {name}"
        for path in DOCS
        for number, name in names_in(path.read_text(encoding="utf-8"))
        if not resolves(name)
    ]
    assert missing == []
