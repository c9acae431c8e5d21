"""Reading a CSV file a chunk of rows at a time, so that a file larger than memory can be
used: its header, then its rows as the cells written, each with its line.

A file is read only when it is a regular file (compose.data.regular, without its memory
limit: only a chunk is held), its lines at most LONGEST_LINE characters; a row with a
number of cells unlike the header's is a located problem.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from compose.data.files import LONGEST_LINE
from compose.data.regular import FileProblem, open_regular
from compose.recipe.problems import Problem, RecipeError, Where

ROWS = 16_384  # rows read at once
BLOCK = 1 << 20  # characters read from the file at once


@dataclass(frozen=True)
class Chunk:
    """Some rows of a CSV file: the cells as written (spaces after a comma left out, as
    training reads them), each row's line, each row's text as written (without its line
    ending), and how far into the file they reach (bytes)."""

    rows: list[list[str]]
    lines: list[int]
    texts: list[str]
    reached: int


class CsvChunks:
    """A CSV file opened for reading in chunks: `header`, `size` (bytes), and iterating
    gives Chunk after Chunk. A context manager that closes the file."""

    def __init__(self, path: str | Path, *, rows: int = ROWS, limit: bool = False):
        self.path, self.rows = Path(path), rows
        self.shown = str(path)
        try:
            self._raw = open_regular(self.path, self.shown, limit=limit)
        except FileProblem as err:
            raise _error(self.shown, str(err)) from None
        except OSError as err:
            raise _error(self.shown, f"cannot read {self.shown}: {err.strerror or err}") from None
        self.size = self.path.stat().st_size
        self._text = io.TextIOWrapper(self._raw, encoding="utf-8-sig", newline="")
        self._raw_lines: list[str] = []  # lines read and not yet done with
        self._raw_base = 0  # lines of the file before the first of them
        self._reader = csv.reader(self._lines(), skipinitialspace=True)
        self.header = [cell.strip() for cell in self._read(next, self._reader, [])]
        if not self.header:
            raise _error(self.shown, f"{self.shown}: expected a header row naming the columns")

    def __enter__(self) -> CsvChunks:
        return self

    def __exit__(self, *exc) -> None:
        self._text.close()

    def __iter__(self) -> Iterator[Chunk]:
        reader, cells = self._reader, len(self.header)
        while True:
            before = reader.line_num  # the lines held before are done with
            del self._raw_lines[: before - self._raw_base]
            self._raw_base = before
            taken = self._read(_take, reader, self.rows)
            if not taken:
                return
            rows = [row for row, _ in taken]
            lines = [line for _, line in taken]
            if set(map(len, rows)) != {cells}:  # a row of another length, or a blank line
                rows, lines = self._kept(rows, lines, cells)
            if not rows:
                continue
            raw = self._raw_lines
            ends = [line - before for line in lines]
            starts = [0] + [line - before for _, line in taken[:-1]]
            if len(rows) != len(taken):
                starts = [starts[i] for i, (row, _) in enumerate(taken) if row]
            texts = [
                raw[a].rstrip("\r\n") if b == a + 1 else "".join(raw[a:b]).rstrip("\r\n")
                for a, b in zip(starts, ends, strict=True)
            ]
            yield Chunk(rows, lines, texts, self._raw.tell())

    def _kept(self, rows: list, lines: list, cells: int) -> tuple[list, list]:
        """The rows less blank lines; a row of another number of cells is a problem."""
        kept, kept_lines = [], []
        for row, line in zip(rows, lines, strict=True):
            if not row:
                continue
            if len(row) != cells:
                message = f"expected {cells} cells, as the header has, got {len(row)}"
                raise _error(self.shown, message, line)
            kept.append(row)
            kept_lines.append(line)
        return kept, kept_lines

    def _read(self, how, *args):
        try:
            return how(*args)
        except UnicodeDecodeError as err:
            said = f"expected UTF-8 text, got the byte 0x{err.object[err.start]:02x}"
            raise _error(self.shown, said, self._reader.line_num + 1) from None
        except csv.Error as err:
            raise _error(self.shown, f"expected CSV, got {err}", self._reader.line_num) from None

    def _lines(self) -> Iterator[str]:
        """The file's lines (ending at a line feed), read a block at a time, each kept in
        `_raw_lines` too (a chunk's: its rows' text)."""
        keep, carried = self._raw_lines.extend, ""
        while block := self._text.read(BLOCK):
            lines = (carried + block).split("\n")
            carried = lines.pop()
            if len(carried) > LONGEST_LINE or max(map(len, lines), default=0) > LONGEST_LINE:
                message = f"expected lines of at most {LONGEST_LINE:,} characters, got a longer one"
                raise _error(self.shown, message, self._reader.line_num + 1)
            lines = [line + "\n" for line in lines]
            keep(lines)
            yield from lines
        if carried:
            keep([carried])
            yield carried


def _take(reader, count: int) -> list[tuple[list[str], int]]:
    """The next `count` rows (fewer at the end), each with the line it ends on."""
    return [(row, reader.line_num) for row in itertools.islice(reader, count)]


def _error(shown: str, message: str, line: int = 0) -> RecipeError:
    return RecipeError([Problem(Where(shown, line, 1 if line else 0), message)])
