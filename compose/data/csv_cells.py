"""What a CSV file's cells and first row are: a cell is a plain decimal number, a word for
a value that is not finite, or text; a first row is a header when it reads as one.

Python's float() reads more than a data file should mean: `1_000`, digits of other scripts
(`١٢`, `１２`), `infinity`. A number in a cell is written in ASCII: an optional sign,
digits with an optional point, an optional exponent. One float32 cannot hold a value from
about 3.4e38 on, so such a value is refused rather than turned into infinity.
"""

from __future__ import annotations

import math

# From here on a float rounds to infinity in float32 (halfway from its largest value,
# (2 - 2**-23) * 2**127, to 2**128; a tie rounds to the even 2**128).
FLOAT32_OVERFLOW = 2.0**128 - 2.0**103
_NOT_FINITE = {
    f"{sign}{word}": value
    for word, magnitude in (("nan", math.nan), ("inf", math.inf), ("infinity", math.inf))
    for sign, value in (("", magnitude), ("+", magnitude), ("-", -magnitude))
}
LONGEST_NAME = 64  # characters in a column name a header may have
FIRST_ROWS = 5  # rows under the first one looked at to tell whether it is a header
SHOWN_DIGITS = 24  # a number cell longer than this is described, not shown


def number(text: str) -> tuple[str, float]:
    """What a cell (its spaces stripped) is: ("number", value), ("not finite", NaN or
    ±infinity), ("too large", value) for a number beyond float32, or ("not a number", 0.0).

    >>> [number(t)[0] for t in ["-1.5e3", "1_000", "１２", "-inf", "1e39"]]
    ['number', 'not a number', 'not a number', 'not finite', 'too large']
    """
    # For ASCII text without `_`, float() reads exactly the plain numbers and the words
    # for NaN and infinity: the common case costs one call.
    if not text.isascii() or "_" in text:
        return "not a number", 0.0
    try:
        value = float(text)
    except ValueError:
        return "not a number", 0.0
    if -FLOAT32_OVERFLOW < value < FLOAT32_OVERFLOW:
        return "number", value
    if text.lower() in _NOT_FINITE:
        return "not finite", value
    return "too large", value


def is_number(text: str) -> bool:
    """Whether a cell is a plain decimal number that float32 holds."""
    return number(text)[0] == "number"


def described(text: str, kind: str = "text") -> str:
    """A cell of this `kind` (see `number`; "text": a one-hot column's) as messages say it.
    Text is never echoed (it may be long, binary or private): its length is given, and
    where a number was wanted, why text Python reads as one is not. A number too large
    is shown unless it is long; a value that is not finite is named."""
    if text == "":
        return "an empty cell"
    if kind == "not finite":
        value = _NOT_FINITE[text.lower()]
        return "NaN" if math.isnan(value) else ("infinity" if value > 0 else "-infinity")
    if kind == "too large":
        return text if len(text) <= SHOWN_DIGITS else f"a number of {len(text):,} characters"
    size = f"text of {len(text):,} character{'s' * (len(text) != 1)}"
    if kind == "text":
        return size
    try:
        float(text)  # Python reads it as a number: say why this does not
    except ValueError:
        return size
    return f"{size}, not a plain decimal number (ASCII digits, a sign, a point, an exponent)"


def not_a_header(header: list[str], rows: list[tuple[int, list[str]]]) -> str:
    """Why a first row, with the rows under it (line, cells), does not read as a CSV header naming
    columns, in words that never repeat the file's content; "" when it does.

    A header's names are short printable text, the rows under it have as many cells, and
    at least one column is named by text over cells that are all numbers (a file's first
    line of other text, such as a secret, reads as none of these).
    """
    if not all(name.isprintable() for name in header):
        return "its first row has control characters"
    if longest := max((len(name) for name in header if len(name) > LONGEST_NAME), default=0):
        return f"its first row has a cell of {longest:,} characters"
    if not rows:
        return "no rows follow its first"
    for line, row in rows:
        if len(row) != len(header):
            return f"its line {line} has {len(row)} cells, its first row {len(header)}"
    numbered = any(
        name and not is_number(name) and all(is_number(row[i].strip()) for _, row in rows)
        for i, name in enumerate(header)
    )
    return "" if numbered else "no column of numbers has a name in its first row"
