"""where and mixture against plain numpy: a hard gate and a soft, learnable one."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from blocks.mixture import mixture
from blocks.where import where

rng = np.random.default_rng(0)


def run(block, *args, weights=None, **hypers):
    return block([jnp.asarray(a) for a in args], weights or {}, block.with_defaults(hypers))


# -- where ------------------------------------------------------------------------------------
def test_where_picks_a_where_cond_is_positive_else_b():
    cond = np.array([1.0, -2.0, 0.0, 0.3], np.float32)  # zero is not positive: b
    a, b = rng.normal(size=(2, 4)).astype(np.float32)
    np.testing.assert_array_equal(run(where, cond, a, b), np.where(cond > 0, a, b))


def test_where_gradient_is_gated_like_the_forward():
    cond = np.array([1.0, -2.0, 0.0, 0.3], np.float32)
    a, b, g = rng.normal(size=(3, 4)).astype(np.float32)
    grads = jax.grad(lambda c, a, b: jnp.sum(g * run(where, c, a, b)), argnums=(0, 1, 2))
    d_cond, d_a, d_b = grads(cond, a, b)
    taken = cond > 0
    np.testing.assert_array_equal(d_a, np.where(taken, g, 0.0))
    np.testing.assert_array_equal(d_b, np.where(taken, 0.0, g))
    np.testing.assert_array_equal(d_cond, np.zeros(4))  # a step has no slope


@pytest.mark.parametrize("shape", [(), (1,)])
def test_where_with_one_cond_picks_a_whole_branch(shape):
    a, b = rng.normal(size=(2, 2, 3)).astype(np.float32)
    for c, expected in [(0.5, a), (-0.5, b)]:
        cond = np.full(shape, c, np.float32)
        out = run(where, cond, a, b)
        assert out.shape == (2, 3) == where.output_shape([shape, (2, 3), (2, 3)], {})
        np.testing.assert_array_equal(out, expected)
    d_a, d_b = jax.grad(
        lambda a, b: jnp.sum(run(where, np.full(shape, -1.0, np.float32), a, b)), argnums=(0, 1)
    )(a, b)
    np.testing.assert_array_equal(d_a, np.zeros_like(a))
    np.testing.assert_array_equal(d_b, np.ones_like(b))


def test_where_one_cond_per_example_vmaps():
    cond = np.array([[1.0], [-1.0]], np.float32)  # a batch of two (1,) gates
    a, b = rng.normal(size=(2, 2, 3)).astype(np.float32)
    out = jax.vmap(lambda c, a, b: run(where, c, a, b))(cond, a, b)
    np.testing.assert_array_equal(out, np.stack([a[0], b[1]]))


def test_where_check_messages():
    assert where.check([(3,), (3,), (3,)], {}) is None
    assert where.check([(), (2, 3), (2, 3)], {}) is None
    assert where.check([(3,), (3,), (4,)], {}) == "a and b of one shape, got a (3,) and b (4,)"
    assert where.check([(2,), (3,), (3,)], {}) == (
        "cond of shape (3,) (one gate per element), () or (1,) (one for all), got (2,)"
    )


# -- mixture ----------------------------------------------------------------------------------
def np_mixture(gate, *branches):
    p = np.exp(gate - gate.max())
    p /= p.sum()
    return sum(pk * bk for pk, bk in zip(p, branches, strict=True))


def test_mixture_is_the_softmax_weighted_sum_of_branches():
    gate = rng.normal(size=3).astype(np.float32)
    branches = rng.normal(size=(3, 2, 4)).astype(np.float32)
    got = run(mixture, gate, *branches)
    np.testing.assert_allclose(got, np_mixture(gate, *branches), rtol=1e-5, atol=1e-6)
    assert mixture.output_shape([(3,), (2, 4), (2, 4), (2, 4)], {}) == (2, 4)


def test_mixture_with_a_decided_gate_is_that_branch():
    a, b = rng.normal(size=(2, 3)).astype(np.float32)
    np.testing.assert_allclose(run(mixture, np.array([50.0, -50.0]), a, b), a, atol=1e-6)


def test_mixture_gradients_against_finite_differences(fd):
    gate = rng.normal(size=3)
    branches = rng.normal(size=(3, 4))
    g = rng.normal(size=4)
    args = [gate.astype(np.float32), *branches.astype(np.float32)]
    grads = jax.grad(lambda *inputs: jnp.sum(g * run(mixture, *inputs)), argnums=(0, 1, 2, 3))(
        *args
    )
    np.testing.assert_allclose(grads[0], fd(np_mixture, [gate, *branches], 0, g), atol=1e-5)
    p = np.exp(gate) / np.exp(gate).sum()
    for k in range(3):  # each branch gets its share of the cotangent
        np.testing.assert_allclose(grads[1 + k], p[k] * g, rtol=1e-5)


def test_mixture_check_messages():
    assert mixture.check([(2,), (3,), (3,)], {}) is None
    assert mixture.check([(3,), (4,), (4,)], {}) == (
        "a gate x0 of 2 logits (one per branch x1..), got (3,)"
    )
    assert mixture.check([(2, 1), (4,), (4,)], {}) == (
        "a gate x0 of 2 logits (one per branch x1..), got (2, 1)"
    )
    assert mixture.check([(2,), (4,), (5,)], {}) == "branches x1.. of one shape, got (4,), (5,)"
