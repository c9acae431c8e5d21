"""cross_entropy where the prediction has exact zeros (sparsemax gives them): 0 log 0 = 0.

Against the closed form -sum over t > 0 of t log p, and its gradient t / p there, 0 elsewhere.
"""

import jax
import jax.numpy as jnp
import numpy as np

from blocks import BLOCKS


def loss(p, t):
    block = BLOCKS["cross_entropy"]
    return block([p, t], {}, block.with_defaults({}))


def test_zero_prediction_where_the_target_is_zero_is_finite_with_its_closed_form():
    p = jnp.array([0.0, 0.25, 0.75, 0.0])
    t = jnp.array([0.0, 0.5, 0.5, 0.0])
    expected = -(0.5 * np.log(0.25) + 0.5 * np.log(0.75))
    np.testing.assert_allclose(loss(p, t), expected, rtol=1e-6)
    grad = jax.grad(loss)(p, t)
    np.testing.assert_allclose(grad, [0.0, -0.5 / 0.25, -0.5 / 0.75, 0.0], rtol=1e-6)


def test_binary_prediction_of_exactly_zero_or_one_matching_the_target():
    for p, t in [(0.0, 0.0), (1.0, 1.0)]:
        p, t = jnp.array([p]), jnp.array([t])
        assert loss(p, t) == 0.0
        assert bool(jnp.isfinite(jax.grad(loss)(p, t)).all())
    np.testing.assert_allclose(loss(jnp.array([0.2]), jnp.array([0.0])), -np.log(0.8), rtol=1e-6)


def test_sparsemax_into_cross_entropy_has_a_finite_gradient_through_the_zeros():
    logits = jnp.array([3.0, 0.0, -2.0])  # sparsemax: [1, 0, 0]
    target = jnp.array([1.0, 0.0, 0.0])
    sparsemax = BLOCKS["sparsemax"]

    def through(z):
        return loss(sparsemax([z], {}, sparsemax.with_defaults({})), target)

    assert float(through(logits)) == 0.0
    assert bool(jnp.isfinite(jax.grad(through)(logits)).all())
