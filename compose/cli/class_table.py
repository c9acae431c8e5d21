"""A classifier's confusion matrix and its precision, recall and F1 by class, as text.

    confusion on val (rows: true class, columns: predicted class, by number):
                       0   1   2
      0 setosa        10   0   0
      1 versicolor     0   9   1
      2 virginica      0   2   8
    class           precision     recall         f1  support
      0 setosa              1          1          1       10
      1 versicolor     0.8182        0.9     0.8571       10
      2 virginica      0.8889        0.8     0.8421       10

Rows name each class by its number and, where the data names it, its name (cut to fit);
columns by number only, so ten classes fit in 80 columns. A matrix too wide for the width
is left out, and said so: summary.json keeps it whole.
"""

from __future__ import annotations

from compose.checker.set_metrics import Confusion
from compose.cli.variant_table import WIDTH
from compose.recipe.problems import printable
from compose.runtime.shown import number

NAMES = {"": "train", "val_": "val", "test_": "test"}
LONGEST_NAME = 24  # characters of a class name shown before it is cut


def class_tables(
    confusion: Confusion, part: str, width: int = WIDTH, *, name: str | None = None
) -> list[str]:
    """The lines of the confusion matrix of set `part` ("" training, "val_", "test_") and
    its by-class table, each at most `width` columns where the class names allow; `name`
    says the set in words instead (a file's)."""
    matrix = confusion.matrices[part].tolist()
    count = len(matrix)
    labels = _labels(confusion.classes, width)
    cell = max(len(str(max(max(row) for row in matrix))), len(str(count - 1))) + 2
    label_width = max(len("class"), *(len(x) for x in labels)) + 2
    name = name or NAMES[part]
    lines = []
    if label_width + cell * count <= width:
        lines.append(
            f"confusion on {name} (rows: true class, columns: predicted class, by number):"
        )
        lines.append(" " * label_width + "".join(f"{i:>{cell}}" for i in range(count)))
        for label, row in zip(labels, matrix, strict=True):
            lines.append(f"{label:<{label_width}}" + "".join(f"{c:>{cell}}" for c in row))
    else:
        lines.append(
            f"confusion on {name}: {count} classes do not fit {width} columns "
            "(summary.json keeps the matrix)"
        )
    each = confusion.per_class(part)
    support = max(len("support"), len(str(max(each["support"], default=0))))
    heads = ("precision", "recall", "f1")
    lines.append(
        f"{'class':<{label_width}}"
        + "".join(f"{h:>9}  " for h in heads)
        + f"{'support':>{support}}"
    )
    for i, label in enumerate(labels):
        shown = "".join(f"{number(each[h][i]):>9}  " for h in heads)  # .4g of [0, 1]: <= 9
        lines.append(f"{label:<{label_width}}{shown}{each['support'][i]:>{support}}")
    return [printable(line) for line in lines]


def _labels(classes: tuple[str, ...], width: int) -> list[str]:
    """Each class's row label: `  3` when classes are numbered only, else `  3 name` with
    the name cut to LONGEST_NAME characters (or fewer in a narrow width)."""
    numbered = all(name == str(i) for i, name in enumerate(classes))
    digits = len(str(len(classes) - 1))
    if numbered:
        return [f"  {i:>{digits}}" for i in range(len(classes))]
    longest = max(4, min(LONGEST_NAME, width // 4))
    cut = [n if len(n) <= longest else n[: longest - 1] + "…" for n in classes]
    return [f"  {i:>{digits}} {n}" for i, n in enumerate(cut)]
