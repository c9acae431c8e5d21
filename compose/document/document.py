"""The document the editor edits: a recipe in memory, changed by undoable operations.

    doc = Document.open("recipes/xor.yaml")     # a missing file starts an empty recipe
    doc.set_hyper("hidden", "out", 3)           # refused with the reason if the value is bad
    doc.node("hidden").shape                    # (3,): re-checked after every edit
    doc.undo()
    doc.save()                                  # comments and layout kept; atomic

The text is the document: every edit rewrites the few lines it concerns
(compose.document.splice) and the result is read and checked by compose's own stages
(compose.recipe.source, compose.recipe.parse, compose.check), so what the editor shows is what
`compose check` and `compose run` say about the file it saves. docs/document.md has the
design.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compose.checker.checked import Checked
from compose.checker.plan import Shape
from compose.document import rules
from compose.document.file import Stamp, conflict, stamp_of
from compose.document.layout import same
from compose.document.operations import Operations
from compose.document.recheck import recheck
from compose.document.records import (
    ChangedOnDisk,
    Choice,
    DocInput,
    DocNetwork,
    DocNode,
    DocWire,
    Init,
    Instance,
    Issue,
    Port,
    Refused,
    Setting,
)
from compose.document.rendering import starter
from compose.document.splice import Edit, Text, apply
from compose.document.view import View
from compose.recipe.problems import RecipeError
from compose.recipe.records import Recipe
from compose.recipe.source import Source, load_file, load_text
from compose.runtime.files import write_atomic

__all__ = [
    "ChangedOnDisk",
    "Choice",
    "DocInput",
    "DocNetwork",
    "DocNode",
    "DocWire",
    "Document",
    "Init",
    "Instance",
    "Issue",
    "Port",
    "Refused",
    "Setting",
    "read_value",
]


@dataclass(frozen=True)
class _Step:
    text: Text
    label: str


class Document(Operations):
    """A recipe being edited: its text, its records with places, and its check.

    Every operation either raises `Refused` (nothing changes) or changes the text, pushes
    an undo step and re-checks; each returns the new `Checked`.
    """

    verify = False  # tests: after each edit, compare the spliced reading with a full one

    def __init__(self, text: str, *, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        self._newline = "\r\n" if "\r\n" in text else "\n"
        self._bom = text.startswith("\ufeff")
        text = text.removeprefix("\ufeff").replace("\r\n", "\n")
        if text and not text.endswith("\n"):
            text += "\n"
        read = Text.read(text, file=self._file)
        if read.source.data is None:  # empty, or comments only: a recipe starts below them
            read = Text.read(
                text + starter(self.path.stem if self.path else "recipe"), file=self._file
            )
        self._undo: list[_Step] = []
        self._redo: list[_Step] = []
        self._stamp: Stamp | None = None
        self._saved: str | None = None
        self.revision = 0
        self._show(read)

    @classmethod
    def open(cls, path: str | Path) -> Document:
        """The recipe in `path`; a missing file starts a new one, written on first save.

        Raises RecipeError when the file is not readable YAML (it names each problem).
        """
        path = Path(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls("", path=path)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            load_file(path)  # raises the located RecipeError
            raise
        document = cls(text, path=path)
        document._stamp = stamp_of(path)
        document._saved = document.text
        return document

    # -- what the editor reads --------------------------------------------------------------
    @property
    def text(self) -> str:
        """The YAML text as it will be saved."""
        return self._text.text

    @property
    def data(self) -> Mapping[str, Any]:
        """The plain data the text reads as (shared with the records: do not modify it)."""
        return self._view.data

    @property
    def recipe(self) -> Recipe:
        return self._view.recipe

    @property
    def checked(self) -> Checked:
        """The check after the last edit: problems, NodeReports with shapes, the plan if none."""
        return self._view.checked

    @property
    def problems(self) -> tuple[Issue, ...]:
        return self._view.problems

    @property
    def nodes(self) -> tuple[DocNode, ...]:
        return self._view.nodes

    @property
    def inputs(self) -> tuple[DocInput, ...]:
        return self._view.inputs

    @property
    def networks(self) -> tuple[DocNetwork, ...]:
        return self._view.networks

    @property
    def wires(self) -> tuple[DocWire, ...]:
        return self._view.wires

    @property
    def shapes(self) -> dict[str, Shape]:
        """Checked shapes of inputs, node outputs and `node.slot` weights, by name."""
        return self._view.shapes

    @property
    def modified(self) -> bool:
        """Whether the text differs from what was last read from or written to the file."""
        return self.text != self._saved

    def node(self, name: str) -> DocNode | None:
        return next((n for n in self.nodes if n.name == name), None)

    def input(self, name: str) -> DocInput | None:
        return next((i for i in self.inputs if i.name == name), None)

    def sources(self, node: str, port: str) -> tuple[Choice, ...]:
        """What `port` (an input port or weight slot) of `node` may be wired to: inputs,
        nodes and weights that do not depend on it, and for a weight slot, networks."""
        return rules.sources(self._view, node, port)

    # -- undo ---------------------------------------------------------------------------------
    @property
    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    @property
    def redo_label(self) -> str | None:
        return self._redo[-1].label if self._redo else None

    def undo(self) -> bool:
        """Take back the last edit; False when there is none."""
        if not self._undo:
            return False
        step = self._undo.pop()
        self._redo.append(_Step(self._text, step.label))
        self._show(step.text)
        return True

    def redo(self) -> bool:
        """Make the last undone edit again; False when there is none."""
        if not self._redo:
            return False
        step = self._redo.pop()
        self._undo.append(_Step(self._text, step.label))
        self._show(step.text)
        return True

    # -- the file -----------------------------------------------------------------------------
    def save(self, path: str | Path | None = None, *, force: bool = False) -> Path:
        """Write the text to `path` (default: the document's file) atomically.

        Raises ChangedOnDisk, writing nothing, when the file changed since it was opened or
        last saved, or when another existing file would be replaced; `force` overwrites.
        """
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("the document has no file yet: save(path)")
        if not force:
            reason = conflict(target, self.path, self._stamp)
            if reason:
                raise ChangedOnDisk(target, reason)
        text = self.text.replace("\n", self._newline)
        write_atomic(target, (("\ufeff" if self._bom else "") + text).encode("utf-8"))
        self._stamp = stamp_of(target)
        self._saved = self.text
        if target != self.path:
            self.path = target
            self._show(self._text)  # places now name the new file
        return target

    def recheck(self) -> Checked:
        """Check the text again: the files it names (network files, data) may have changed."""
        self._show(self._text)
        return self.checked

    def changed_on_disk(self) -> bool:
        """Whether the file changed since the document read or wrote it."""
        return self.path is not None and conflict(self.path, self.path, self._stamp) is not None

    def reload(self) -> Checked:
        """Take the file's contents as they are now (an edit: undo goes back)."""
        if self.path is None:
            raise ValueError("the document has no file")
        fresh = Document.open(self.path)
        self._undo.append(_Step(self._text, "reload from disk"))
        self._redo.clear()
        self._stamp, self._saved = fresh._stamp, fresh._saved
        self._show(fresh._text)
        return self.checked

    # -- inside ---------------------------------------------------------------------------
    @property
    def _file(self) -> str:
        return str(self.path) if self.path is not None else "<recipe>"

    def _apply(self, edit: Edit) -> Checked:
        before = self._text
        after = apply(before, edit)
        if after.text == before.text:
            return self.checked
        if self.verify:
            _verify(after)
        return self._push(after, edit.label)

    def _push(self, after: Text, label: str) -> Checked:
        """Make `after` the text, as one step to undo labelled `label`."""
        self._undo.append(_Step(self._text, label))
        self._redo.clear()
        self._show(after)
        return self.checked

    def _check(self, source: Source) -> tuple[Recipe, Checked]:
        return recheck(source)

    def _show(self, text: Text) -> None:
        if text.source.file != self._file:
            text = Text(text.text, load_text(text.text, file=self._file), text.indent)
        recipe, checked = self._check(text.source)
        self._text = text
        self._view = View(text.source, recipe, checked)
        self.revision += 1


def read_value(text: str) -> Any:
    """A value typed in the editor, read as YAML as `--set` reads it ("3" -> 3, "[1, 2]" ->
    a list, "relu" -> a string); Refused when it is not YAML."""
    try:
        return load_text(text, file="<value>").data
    except RecipeError as err:
        raise Refused(f"expected a value, got {text!r}: {err.problems[0].message}") from None


def _verify(text: Text) -> None:
    """Raise unless the spliced reading equals a full reading of the new text."""
    full = load_text(text.text, file=text.source.file)
    for what, spliced, read in (
        ("data", text.source.data, full.data),
        ("places", text.source.marks, full.marks),
        ("key places", text.source.key_marks, full.key_marks),
    ):
        if not (same(spliced, read) if what == "data" else spliced == read):
            raise AssertionError(f"the spliced reading's {what} differ from a full reading")
