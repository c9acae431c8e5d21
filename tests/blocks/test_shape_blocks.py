"""flatten, reshape, split and scale against numpy, with their check messages."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from blocks.flatten import flatten
from blocks.reshape import reshape
from blocks.scale import scale
from blocks.split import split

rng = np.random.default_rng(0)


def apply(block, x, **hypers):
    return block([jnp.asarray(x)], {}, block.with_defaults(hypers))


def test_flatten_is_row_major_ravel():
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    np.testing.assert_array_equal(apply(flatten, x), x.ravel())
    assert apply(flatten, np.float32(2.0)).shape == (1,)


def test_reshape_is_numpy_reshape_and_checks_the_size():
    x = rng.normal(size=(2, 6)).astype(np.float32)
    np.testing.assert_array_equal(apply(reshape, x, shape=(3, 1, 4)), x.reshape(3, 1, 4))
    hypers = reshape.with_defaults({"shape": (4, 2)})
    assert reshape.check([(2, 3)], hypers) == (
        "a shape of 8 values to reshape to (4, 2), got (2, 3) (6 values)"
    )
    assert reshape.check([(2, 4)], hypers) is None
    assert reshape.hyper("shape").problem([2, 0]) == "a list of positive sizes"
    assert reshape.check([(2, 4)], {}) is None  # a missing shape was already reported


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("parts", [2, 3])
def test_split_part_is_a_numpy_split_piece(axis, parts):
    x = rng.normal(size=(6, 6)).astype(np.float32)
    for index in range(parts):
        got = apply(split, x, parts=parts, index=index, axis=axis)
        np.testing.assert_array_equal(got, np.split(x, parts, axis=axis)[index])


def test_split_gradient_is_one_on_its_piece_only():
    x = jnp.arange(6.0)
    grad = jax.grad(lambda x: jnp.sum(apply(split, x, parts=3, index=1)))(x)
    np.testing.assert_array_equal(grad, [0, 0, 1, 1, 0, 0])


def test_split_check_messages():
    def check(shape, **hypers):
        return split.check([shape], split.with_defaults(hypers))

    assert check((2, 7), parts=3, index=0) == "axis -1 of a length that 3 parts divide, got (2, 7)"
    assert check((2, 6), parts=3, index=3) == "an index below parts (3), got index 3"
    assert check((6,), parts=2, index=0, axis=1) == (
        "an axis between -1 and 0 for shape (6,), got axis 1"
    )
    assert check((2, 6), parts=2, index=1, axis=0) is None
    assert split.hyper("parts").problem(1) == "a value >= 2"
    assert split.hyper("index").problem(-1) == "a value >= 0"


def test_scale_multiplies_by_a_constant_and_so_does_its_gradient():
    x = rng.normal(size=(2, 3)).astype(np.float32)
    np.testing.assert_allclose(apply(scale, x, by=-2.5), -2.5 * x, rtol=1e-6)
    np.testing.assert_array_equal(apply(scale, x), x)  # by defaults to 1
    grad = jax.grad(lambda x: jnp.sum(apply(scale, x, by=0.25)))(jnp.asarray(x))
    np.testing.assert_array_equal(grad, np.full_like(x, 0.25))
    assert not scale.slots
