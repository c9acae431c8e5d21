"""max against numpy: values, the one-hot gradient, and the check's message."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from blocks.max import max as max_block

rng = np.random.default_rng(0)


def apply(x, **hypers):
    return max_block([jnp.asarray(x)], {}, max_block.with_defaults(hypers))


@pytest.mark.parametrize("axis", [0, 1, -1, 2])
def test_max_drops_the_axis_and_takes_the_largest(axis):
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    np.testing.assert_array_equal(apply(x, axis=axis), np.max(x, axis=axis))


def test_max_gradient_is_one_hot_at_the_argmax():
    x = rng.normal(size=(3, 5)).astype(np.float32)
    grad = jax.grad(lambda x: jnp.sum(apply(x)))(x)
    expected = np.zeros_like(x)
    for row in range(3):
        expected[row, int(np.argmax(x[row]))] = 1.0
    np.testing.assert_array_equal(grad, expected)


def test_max_sends_the_gradient_of_a_tie_to_the_first_only():
    grad = jax.grad(lambda x: apply(x))(jnp.array([1.0, 3.0, 3.0, 2.0]))
    np.testing.assert_array_equal(grad, [0.0, 1.0, 0.0, 0.0])


def test_max_check_messages():
    hypers = max_block.with_defaults({"axis": 2})
    assert (
        max_block.check([(2, 3)], hypers) == "an axis between -2 and 1 for shape (2, 3), got axis 2"
    )
    assert max_block.check([()], max_block.with_defaults({})) == (
        "an array with at least one axis, got a scalar ()"
    )
    assert max_block.check([(2, 3)], max_block.with_defaults({})) is None
