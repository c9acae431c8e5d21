"""Reading plain YAML data with its places: typed values, known keys, parameters.

The parsers of the graph and of the train section share this: every problem is collected
with its file, line, column and key path, never raised one at a time.
"""

from __future__ import annotations

import re
from typing import Any

from blocks import Hyper
from compose.recipe.numbers import hyper_problem
from compose.recipe.problems import Problem, Where, did_you_mean, shown
from compose.recipe.source import Source

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
MISSING = object()  # a value that could not be read; its problem is already recorded


class Reader:
    """Collects problems while reading `source`; `params` are the `$name`s in scope."""

    def __init__(self, source: Source, params: dict[str, Any] | None = None):
        self.source = source
        self.params = params or {}
        self.problems: list[Problem] = []

    def at(self, path: tuple, *, key: bool = False) -> Where:
        return self.source.where(path, key=key)

    def bad(self, path: tuple, message: str, hint: str = "", *, key: bool = False) -> None:
        self.problems.append(Problem(self.at(path, key=key), message, hint))

    def expect(self, path: tuple, expected: str, got: Any, *, label: str = "") -> None:
        prefix = f"{label}: " if label else ""
        self.bad(path, f"{prefix}expected {expected}, got {shown(got)}")

    def mapping(self, value: Any, path: tuple, expected: str = "a mapping") -> dict | None:
        if isinstance(value, dict):
            return value
        self.expect(path, expected, value)
        return None

    def known_keys(
        self,
        mapping: dict,
        path: tuple,
        known: tuple[str, ...],
        what: str,
        hints: dict | None = None,
    ) -> None:
        for key in mapping:
            if key not in known:
                hint = (hints or {}).get(key) or did_you_mean(str(key), known)
                self.bad(path + (key,), f"unknown key '{key}' in {what}", hint, key=True)

    def param(self, value: Any, path: tuple) -> Any:
        """`$name` replaced by the parameter's value, also inside a list (`[$width, -1]`);
        anything else unchanged."""
        if isinstance(value, list):
            found = [self.param(v, path + (i,)) for i, v in enumerate(value)]
            return MISSING if MISSING in found else found
        if not (isinstance(value, str) and value.startswith("$")):
            return value
        name = value[1:]
        if name in self.params:
            return self.params[name]
        known = ", ".join(f"${p}" for p in self.params) or "none here"
        self.bad(path, f"expected a parameter, got {shown(value)} (parameters: {known})")
        return MISSING

    def typed(self, value: Any, path: tuple, hyper: Hyper, *, label: str = "") -> Any:
        """The value checked against `hyper`'s kind and range; None after a problem."""
        value = self.param(value, path)
        if value is MISSING:
            return None
        expected = hyper_problem(hyper, value)
        if expected:
            prefix = f"{label}: " if label else ""
            hint = integer_hint(value) if hyper.kind is int else ""
            self.bad(path, f"{prefix}expected {expected}, got {shown(value)}", hint)
            return None
        if hyper.kind is tuple:
            return tuple(value)  # plans are hashed: lists become tuples
        return float(value) if hyper.kind is float else value

    def identifier(self, name: Any, path: tuple) -> bool:
        if isinstance(name, str) and IDENTIFIER.match(name):
            return True
        hint = (
            "YAML reads yes/no/on/off as true/false: quote the name"
            if isinstance(name, bool)
            else ""
        )
        self.bad(
            path,
            "expected a name of letters, digits and underscores, not starting with a digit, "
            f"got {shown(name)}",
            hint,
            key=True,
        )
        return False


def integer_hint(value: Any) -> str:
    """A whole float where an integer was expected: YAML 1.2 reads `1e6` as a float."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return f"a number with a dot or an exponent is a float: write {int(value)}"
    return ""
