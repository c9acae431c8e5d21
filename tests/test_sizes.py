"""Small pieces: no module over 400 lines, no class over 300, no function over 60, so that
each file and each name keeps one job that a reader can hold at once."""

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGES = ("blocks", "compose", "tui")
LIMITS = {"module": 400, "class": 300, "function": 60}

# What may stay over a limit for now, and why; the key is `path` for a module and
# `path:Qualified.name` for a class or function.
EXCEPTIONS: dict[str, str] = {}


def lines(node: ast.AST) -> int:
    return node.end_lineno - node.lineno + 1


def definitions(body: list[ast.stmt], prefix: str = ""):
    """(kind, qualified name, line count) of each class and function, nested ones too."""
    for node in body:
        if isinstance(node, ast.ClassDef):
            kind = "class"
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            kind = "function"
        else:
            yield from definitions(list(ast.iter_child_nodes(node)), prefix)
            continue
        name = prefix + node.name
        yield kind, name, lines(node)
        yield from definitions(node.body, f"{name}.")


def oversized():
    """Each piece over its limit, as (key, what it is and how long)."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            where = path.relative_to(ROOT).as_posix()
            text = path.read_text()
            count = len(text.splitlines())
            if count > LIMITS["module"]:
                yield where, f"module of {count} lines (limit {LIMITS['module']})"
            for kind, name, size in definitions(ast.parse(text).body):
                if size > LIMITS[kind]:
                    yield f"{where}:{name}", f"{kind} of {size} lines (limit {LIMITS[kind]})"


def test_every_module_class_and_function_is_within_its_size_limit():
    found = [f"{key}: {what}" for key, what in oversized() if key not in EXCEPTIONS]
    assert not found, "split these by concept:\n" + "\n".join(found)


def test_every_exception_says_why_and_is_still_needed():
    assert all(reason.strip() for reason in EXCEPTIONS.values())
    over = {key for key, _ in oversized()}
    assert not set(EXCEPTIONS) - over, "within the limits now: drop their exceptions"
