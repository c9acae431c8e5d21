"""Claim 6: max sends its gradient to the element it selected only (docs/lecture.md)."""

import math

import numpy as np
import pytest

from tests.lecture.conftest import LECTURE, compose_json


@pytest.mark.parametrize("example", range(4))
def test_only_the_selected_element_gets_a_gradient(example):
    seen = compose_json("inspect", LECTURE / "06_max.yaml", "--values", "h",
                        "--example", str(example))  # fmt: skip
    activation, gradient = np.array(seen["activation"]), np.array(seen["gradient"])
    top = int(np.argmax(activation))
    # the loss (max(h) - y)^2 has the slope 2 (max(h) - y) = 2 sqrt(loss) in size at the max
    assert abs(gradient[top]) == pytest.approx(2 * math.sqrt(seen["loss"]), rel=1e-5)
    assert np.all(np.delete(gradient, top) == 0.0)
    h = next(z for z in seen["zeros"] if z["path"] == "h")
    assert (h["size"], h["gradients"]) == (16, 12)  # three losers in each of 4 examples
