"""Numbers as the commands and the editor show them: never `-0`; durations in a unit."""

import doctest

import numpy as np
import pytest

from compose.runtime import shown
from compose.runtime.shown import duration, number


def test_the_examples_in_the_docstrings_hold():
    assert doctest.testmod(shown).failed == 0


@pytest.mark.parametrize(
    ("value", "spec", "expected"),
    [
        (-0.0, ".4g", "0"),
        (np.float32(-0.0), ".4g", "0"),
        (-0.00004, ".4f", "0.0000"),
        (-0.004, ">8.2f", "    0.00"),
        (-0.004, "<8.1f", "0.0     "),
        (-0.001, ".0%", "0%"),
        (-0.0, ".2e", "0.00e+00"),
        (-0.006, ".2f", "-0.01"),  # not zero once rounded: the sign stays
        (-1e-9, ".4g", "-1e-09"),
        (-2.5, ".4g", "-2.5"),
        (0.0, ".4g", "0"),
    ],
)
def test_a_zero_is_never_shown_with_a_sign(value, spec, expected):
    assert number(value, spec) == expected


def test_durations_are_in_a_unit_that_fits():
    assert [duration(s) for s in (0.0004, 0.004, 0.25, 1.0, 59.9, 61, 7200)] == [
        "under 1 ms", "4 ms", "250 ms", "1.0 s", "59.9 s", "1 min 1 s", "2 h 0 min",
    ]  # fmt: skip
