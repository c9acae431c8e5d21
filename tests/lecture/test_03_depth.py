"""Claim 3: the linear regions of a ReLU network grow exponentially with depth (a hand-set
sawtooth of depth L has exactly 2^L along [0, 1]) and at most polynomially with the width of
one layer (docs/lecture.md)."""

import pytest

from tests.lecture.conftest import LECTURE, compose_json


def regions(tmp_path, recipe: str, *args: str) -> dict:
    return compose_json("regions", LECTURE / recipe, "--out", tmp_path, *args)


@pytest.mark.parametrize("depth", [1, 2, 3, 5, 7])
def test_a_sawtooth_of_depth_l_has_2_to_the_l_regions(tmp_path, depth):
    found = regions(tmp_path, "03_sawtooth.yaml", "--segment", "0:1",
                    "--set", f"params.depth={depth}")  # fmt: skip
    assert found["segment"]["regions"] == 2**depth
    assert found["segment"]["breakpoints"] == pytest.approx(
        [k / 2**depth for k in range(1, 2**depth)], abs=1e-6
    )


@pytest.mark.parametrize("width", [8, 16])
def test_one_layer_of_n_units_makes_at_most_a_polynomial_in_n(tmp_path, width):
    found = regions(tmp_path, "03_one_layer.yaml", "--segment=-2,-2:2,2", "--grid=-2:2",
                    "--points", "100", "--set", f"params.width={width}")  # fmt: skip
    assert 2 <= found["segment"]["regions"] <= width + 1
    assert width < found["grid"]["regions"] <= 1 + width + width * (width - 1) // 2
    # along a line, the sawtooth of as many units (depth width / 2) makes 2^(width / 2)
    assert found["segment"]["regions"] < 2 ** (width // 2)
