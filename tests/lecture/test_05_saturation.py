"""Claim 5: a saturated sigmoid's gradient vanishes (per node: what reaches its input is a
small part of what reaches its output), and a large negative bias leaves ReLU units dead
(docs/lecture.md)."""

import pytest

from tests.lecture.conftest import LECTURE, compose_json


def inspect(recipe: str, setting: str) -> dict:
    found = compose_json("inspect", LECTURE / recipe, "--set", setting)
    found["node"] = {node["path"]: node for node in found["nodes"]}
    found["weight"] = {weight["name"]: weight for weight in found["weights"]}
    return found


@pytest.fixture(scope="module")
def saturation():
    return {s: inspect("05_saturation.yaml", f"params.stddev={s}") for s in (0.5, 50)}


def test_large_pre_activations_saturate_the_sigmoids(saturation):
    assert saturation[0.5]["node"]["s1"]["saturated"] < 0.05
    assert saturation[50]["node"]["s1"]["saturated"] > 0.9
    assert any(f["kind"] == "saturated" for f in saturation[50]["flags"])


def test_the_gradient_through_saturated_sigmoids_vanishes(saturation):
    def passed(found):  # the part of the gradient at the sigmoid's output that reaches its input
        return found["node"]["h1"]["grad_norm"] / found["node"]["s1"]["grad_norm"]

    small, large = saturation[0.5], saturation[50]
    assert passed(large) < passed(small) / 5
    ratio = {s: found["weight"]["h1.weight"]["update_ratio"] for s, found in saturation.items()}
    assert ratio[50] < ratio[0.5] / 100  # the first layer's weights barely move


def test_a_large_negative_bias_kills_every_relu_unit():
    alive = inspect("05_dead_relu.yaml", "nodes.hidden.bias.value=0")
    dead = inspect("05_dead_relu.yaml", "nodes.hidden.bias.value=-3")
    assert alive["node"]["act"]["dead"] == 0.0
    assert dead["node"]["act"]["dead"] == 1.0
    assert dead["node"]["hidden"]["grad_norm"] == 0.0
    assert (
        dead["weight"]["hidden.weight"]["grad_norm"]
        == 0.0
        < alive["weight"]["hidden.weight"]["grad_norm"]
    )
    assert [f["where"] for f in dead["flags"] if f["kind"] == "dead"] == ["act"]
