"""What the editor makes of a look inside: states by box, histograms, half-block pictures."""

from __future__ import annotations

import doctest
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import compose
from tui import health as health_module
from tui.health import box_of, histogram, judge, report
from tui.plane import decision_pixels, half_blocks

DEAD = """
inputs: {x: [2], y: [1]}
nodes:
  hidden: {block: linear, in: x, out: 3, weight: {init: zeros}, bias: {init: zeros}}
  act: {block: relu, in: hidden}
  out: {block: linear, in: act, out: 1}
  loss: {block: mse, in: {pred: out, target: y}}
outputs: [out]
loss: loss
"""


def test_flags_decide_each_boxs_state_and_reach_its_row():
    checked = compose.check(compose.loads(DEAD))
    model = compose.build(checked, jax.random.key(0))
    batch = {"x": jnp.array([[0.0, 1.0], [1.0, 0.0]]), "y": jnp.array([[1.0], [0.0]])}
    look = judge(compose.health(model, batch), step=7, seen=compose.inspect(model, batch))
    # act is dead (red); hidden's zero weight rows are symmetric (yellow).
    assert look.states == {"hidden": "warning", "act": "bad", "out": "healthy", "loss": "healthy"}
    act = look.row("act")
    assert act.dead == 1.0 and act.kinds == ("dead",) and "dead: all 3 units" in act.flags[0]
    assert look.row("hidden").weight_norm == 0.0 and look.row("hidden").update is None
    shown = report("act", look, history=[-1.0, -2.0])
    assert shown.title == "health at step 7: dead" and shown.state == "bad"
    assert "dead 100% of its units" in shown.lines
    assert [label.split()[0] for label, _ in shown.histograms] == ["activations", "gradients"]


def test_a_rows_update_is_per_step_over_the_norm_of_the_weights_before():
    """The health table's update/step: how far a node's weights (weight and bias together)
    moved since the previous look, over their norm then, per step: compose's update ratio."""
    checked = compose.check(compose.loads(DEAD.replace(", weight: {init: zeros}", "")))
    earlier = compose.build(checked, jax.random.key(0))
    w = earlier.weights
    moved = {
        **w,
        "hidden": {"weight": w["hidden"]["weight"] * 1.5, "bias": w["hidden"]["bias"] + 0.3},
    }
    later = eqx.tree_at(lambda m: m.weights, earlier, moved)
    batch = {"x": jnp.array([[0.0, 1.0], [1.0, 0.0]]), "y": jnp.array([[1.0], [0.0]])}
    look = judge(compose.health(later, batch, previous=earlier), step=9, steps=4)
    before = np.sqrt(np.sum(np.square(w["hidden"]["weight"])))  # the zero bias adds nothing
    change = np.sqrt(np.sum(np.square(0.5 * w["hidden"]["weight"])) + 3 * 0.3**2)
    assert look.row("hidden").update == pytest.approx(change / before / 4, rel=1e-5)
    assert look.row("out").update == 0.0  # unmoved


def test_the_loss_nodes_constant_gradient_has_no_history():
    """The loss node's gradient norm is 1/sqrt(batch) at every look: its flat line is kept
    out of the inspector's history, every other node's is kept, look after look."""
    checked = compose.check(compose.loads(DEAD.replace(", weight: {init: zeros}", "")))
    model = compose.build(checked, jax.random.key(0))
    batch = {"x": jnp.array([[0.0, 1.0], [1.0, 0.0]]), "y": jnp.array([[1.0], [0.0]])}
    looks = [judge(compose.health(model, batch), step=s, loss="loss") for s in (1, 2)]
    assert looks[0].row("loss").grad_norm == pytest.approx(1 / math.sqrt(2))
    seen = health_module.RunHealth()
    seen.add(looks)
    assert "loss" not in seen.history
    assert seen.report("loss", paused=False).history == ()
    assert len(seen.report("out", paused=False).history) == 2


def test_a_histogram_counts_finite_values_and_says_how_many_are_not():
    drawn = histogram([0.0, 0.5, 1.0, 1.0, math.nan, math.inf], bins=2, height=2)
    assert drawn.counts == (1, 3) and drawn.not_finite == 2
    assert (drawn.low, drawn.high) == (0.0, 1.0)
    assert drawn.rows == (" █", "▆█")  # 1 of 3: a third of 16 eighths, rounded up to 6
    assert histogram([2.0, 2.0], bins=3, height=1).counts == (0, 2, 0)
    assert histogram([math.nan]).low is None


def test_a_path_or_weight_name_belongs_to_its_top_level_box():
    assert [box_of(p) for p in ("body/z.weight", "body/z", "hidden.bias", "loss")] == [
        "body",
        "body",
        "hidden",
        "loss",
    ]


def test_two_pixels_a_cell_the_top_in_front():
    # class 1 sure at the top row (blue), the classes alike below (white)
    pixels = decision_pixels([[[0.5, 0.5], [0.5, 0.5]], [[0.0, 1.0], [0.0, 1.0]]])
    assert pixels[1][0] == (255, 255, 255) and pixels[0][0][2] > pixels[0][0][0]
    text = half_blocks(pixels)
    assert text.plain == "▀▀"
    style = text.spans[0].style
    assert style.color.triplet == pixels[0][0] and style.bgcolor.triplet == (255, 255, 255)


def test_docstring_examples_run():
    assert doctest.testmod(health_module).failed == 0


def test_the_terminal_picture_shades_classes_as_the_png_does():
    # The same probabilities give the same colours in the editor and in `compose plot`:
    # the likeliest class's colour over white, as deep as 0.8 x how sure (1/k: white).
    pytest.importorskip("matplotlib")
    from compose.plot.model_pictures import class_colours

    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(3), size=(4, 5))
    terminal = np.array(decision_pixels(probabilities.tolist()), np.float64)[::-1]
    png = class_colours(probabilities) * 255
    k = 3
    sure = (probabilities.max(-1) - 1 / k) / (1 - 1 / k) * 0.8
    colour = np.array(compose.CLASS_COLOURS[:3], np.float64)[probabilities.argmax(-1)]
    expected = 255 - sure[..., None] * (255 - colour)
    assert np.abs(terminal - expected).max() <= 0.5  # whole numbers on the terminal
    assert np.allclose(png, expected)
