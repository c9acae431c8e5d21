"""linear over the last axis, transpose, reshape with -1, sum, mean, matmul and parameter
against numpy, with their check messages."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from blocks import BLOCKS

rng = np.random.default_rng(0)


def normal(*shape):
    return rng.normal(size=shape).astype(np.float32)


def apply(name, *inputs, weights=None, **hypers):
    block = BLOCKS[name]
    weights = {k: jnp.asarray(v) for k, v in (weights or {}).items()}
    return block([jnp.asarray(x) for x in inputs], weights, block.with_defaults(hypers))


def check(name, *shapes, **hypers):
    block = BLOCKS[name]
    return block.check(list(shapes), block.with_defaults(hypers))


# -- linear over the last axis ---------------------------------------------------------------
@pytest.mark.parametrize("lead", [(), (5,), (2, 3)])
def test_linear_maps_the_last_axis_with_one_weight_for_every_row(lead):
    x, w, b = normal(*lead, 3), normal(4, 3), normal(4)
    got = apply("linear", x, weights={"weight": w, "bias": b}, out=4)
    rows = x.reshape(-1, 3)
    expected = np.stack([w @ row + b for row in rows]).reshape(*lead, 4)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert BLOCKS["linear"].slot_shapes([(*lead, 3)], {"out": 4, "use_bias": True}) == {
        "weight": (4, 3),
        "bias": (4,),
    }
    assert BLOCKS["linear"].output_shape([(*lead, 3)], {"out": 4, "use_bias": True}) == (*lead, 4)


def test_linear_over_a_sequence_is_a_vmap_of_the_vector_case_and_so_is_its_gradient():
    x, w, b = normal(6, 3), normal(4, 3), normal(4)
    weights = {"weight": w, "bias": b}
    one = lambda x, w: apply("linear", x, weights=w, out=4)  # noqa: E731
    np.testing.assert_allclose(one(x, weights), jax.vmap(lambda r: one(r, weights))(x), 1e-5)
    g = normal(6, 4)
    grads = jax.grad(lambda w: jnp.sum(g * one(x, w)))(weights)
    np.testing.assert_allclose(grads["weight"], g.T @ x, rtol=1e-4, atol=1e-5)  # summed over t
    np.testing.assert_allclose(grads["bias"], g.sum(axis=0), rtol=1e-5)


def test_linear_still_refuses_a_scalar():
    assert check("linear", (), out=2) == "a vector (n,), got ()"
    assert check("linear", (2, 3), out=2) is None


# -- transpose -------------------------------------------------------------------------------
@pytest.mark.parametrize("axes", [(), (1, 0, 2), (2, 0, 1), (-1, 0, 1)])
def test_transpose_is_numpy_transpose(axes):
    x = normal(2, 3, 4)
    np.testing.assert_array_equal(apply("transpose", x, axes=axes), np.transpose(x, axes or None))


def test_transpose_reverses_a_matrix_by_default_and_checks_its_axes():
    x = normal(2, 5)
    np.testing.assert_array_equal(apply("transpose", x), x.T)
    expected = "axes naming each of the 3 axes of (2, 3, 4) once, got axes {}"
    assert check("transpose", (2, 3, 4), axes=(0, 1)) == expected.format((0, 1))
    assert check("transpose", (2, 3, 4), axes=(0, 0, 1)) == expected.format((0, 0, 1))
    assert check("transpose", (2, 3, 4), axes=(0, 1, 3)) == expected.format((0, 1, 3))
    assert check("transpose", (2, 3, 4), axes=(0, -1, 1)) is None


# -- reshape with -1 ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(-1,), (3, -1), (-1, 2, 2), (2, -1, 1, 3)])
def test_reshape_infers_one_size_as_numpy_does(shape):
    x = normal(2, 6)
    np.testing.assert_array_equal(apply("reshape", x, shape=shape), x.reshape(shape))
    hypers = {"shape": shape}
    assert check("reshape", (2, 6), **hypers) is None
    assert BLOCKS["reshape"].output_shape([(2, 6)], hypers) == x.reshape(shape).shape


def test_reshape_with_minus_one_says_what_does_not_divide():
    assert check("reshape", (2, 3), shape=(4, -1)) == (
        "a number of values that 4 divides, to reshape to (4, -1), got (2, 3) (6 values)"
    )
    problem = BLOCKS["reshape"].hyper("shape").problem
    assert problem([-1, -1]) == "a list of positive sizes with at most one -1"
    assert problem([2, -2]) == "a list of positive sizes"
    assert problem([-1, 4]) is None


# -- sum, mean, matmul ---------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_sum_and_mean_reduce_one_axis(axis):
    x = normal(3, 4)
    np.testing.assert_allclose(apply("sum", x, axis=axis), x.sum(axis=axis), rtol=1e-5)
    np.testing.assert_allclose(apply("mean", x, axis=axis), x.mean(axis=axis), rtol=1e-5)


def test_mean_gradient_is_one_over_the_count_and_sum_gradient_is_one():
    x = jnp.asarray(normal(3, 4))
    np.testing.assert_allclose(jax.grad(lambda x: apply("mean", x, axis=0).sum())(x), 1 / 3)
    np.testing.assert_allclose(jax.grad(lambda x: apply("sum", x, axis=0).sum())(x), 1.0)


def test_sum_and_mean_check_the_axis():
    for name in ("sum", "mean"):
        assert check(name, (3,), axis=1) == "an axis between -1 and 0 for shape (3,), got axis 1"
        assert check(name, ()) == "an array with at least one axis, got a scalar ()"


@pytest.mark.parametrize(
    "a, b",
    [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((5, 2, 3), (3, 4)), ((5, 2, 3), (1, 3, 4))],
)
def test_matmul_is_numpy_matmul(a, b):
    x, y = normal(*a), normal(*b)
    np.testing.assert_allclose(apply("matmul", x, y), x @ y, rtol=1e-5, atol=1e-5)
    assert check("matmul", a, b) is None
    assert BLOCKS["matmul"].output_shape([a, b], {}) == (x @ y).shape


def test_matmul_check_messages():
    assert check("matmul", (2, 3), (4, 5)) == (
        "a's last axis as long as b's second-to-last axis, got a (2, 3) and b (4, 5)"
    )
    assert check("matmul", (2, 3), (4,)) == (
        "a's last axis as long as b's only axis, got a (2, 3) and b (4,)"
    )
    assert check("matmul", (), (4,)) == (
        "arrays a and b of at least one axis each, got a () and b (4,)"
    )
    assert check("matmul", (2, 2, 3), (4, 3, 1)) == (
        "leading axes that broadcast (equal, or one of them 1), got a (2, 2, 3) and b (4, 3, 1)"
    )


# -- parameter -------------------------------------------------------------------------------
def test_parameter_gives_its_weight_whatever_the_example():
    w = normal(4, 3)
    block = BLOCKS["parameter"]
    assert block.inputs == () and block.slot_shapes([], {"shape": (4, 3)}) == {"weight": (4, 3)}
    np.testing.assert_array_equal(apply("parameter", weights={"weight": w}, shape=(4, 3)), w)
    assert block.output_shape([], {"shape": (4, 3)}) == (4, 3)
    assert block.hyper("shape").problem([4, 0]) == "a list of positive integers"
    grad = jax.grad(lambda w: jnp.sum(apply("parameter", weights={"weight": w}, shape=(4, 3))))
    np.testing.assert_array_equal(grad(jnp.asarray(w)), np.ones((4, 3)))
