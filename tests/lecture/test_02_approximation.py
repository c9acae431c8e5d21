"""Claim 2: one hidden layer of sigmoid units fits a continuous function (sin over two
periods), its error falling as the layer widens (docs/lecture.md)."""

from tests.lecture.conftest import LECTURE, compose, compose_json


def test_the_error_falls_as_the_hidden_layer_widens(tmp_path):
    folder = tmp_path / "widths"
    code, _, err = compose("run", LECTURE / "02_approximation.yaml", "--out", folder, "--quiet",
                           "--vary", "nodes.hidden.out=1,4,32")  # fmt: skip
    assert code == 0, err
    rows = compose_json("compare", folder, "--metric", "loss", "--out", folder / "c.png")
    errors = {row["setting"]: row["median"] for row in rows}
    one, four, many = (errors[f"hidden.out={w}"] for w in (1, 4, 32))
    assert one > 0.3  # one sigmoid step: about the variance of sin, 0.5, minus a little
    assert four < one / 10
    assert many < four / 10
