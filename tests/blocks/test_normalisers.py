"""sparsemax and layer_norm against plain numpy: sort-and-threshold, and mean and variance."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from blocks.layer_norm import layer_norm
from blocks.sparsemax import sparsemax
from tests.blocks.compiled import compiled

rng = np.random.default_rng(0)


def run(block, *args, weights=None, **hypers):
    return compiled(block, args, weights or {}, hypers)


# -- sparsemax --------------------------------------------------------------------------------
def np_sparsemax(z):
    """Martins & Astudillo (2016), Algorithm 1, one vector at a time with a loop."""
    top = sorted(z, reverse=True)
    running, k_z, kept = 0.0, 0, 0.0
    for k, value in enumerate(top, start=1):
        running += value
        if 1 + k * value > running:
            k_z, kept = k, running
    tau = (kept - 1) / k_z
    return np.maximum(np.asarray(z) - tau, 0.0)


def np_sparsemax_jacobian(z):
    s = (np_sparsemax(z) > 0).astype(np.float64)
    return np.diag(s) - np.outer(s, s) / s.sum()


@pytest.mark.parametrize(
    "z",
    [
        [3.0, 1.0, 0.2, -1.0],
        [0.1, 0.2, 0.3, 0.4],  # close together: all kept
        [1.0, 1.0, -5.0],  # a tie
        [7.0],
        list(np.random.default_rng(1).normal(size=9) * 2),
    ],
)
def test_sparsemax_against_sort_and_threshold(z):
    z = np.asarray(z, np.float32)
    got = run(sparsemax, z)
    np.testing.assert_allclose(got, np_sparsemax(z), rtol=1e-5, atol=1e-6)
    assert float(jnp.sum(got)) == pytest.approx(1.0, abs=1e-5)


def test_sparsemax_has_exact_zeros_where_softmax_has_none():
    z = jnp.array([3.0, 1.0, 0.2, -1.0])
    assert np.all(np.asarray(jax.nn.softmax(z)) > 0)
    got = np.asarray(run(sparsemax, z))
    np.testing.assert_array_equal(got, [1.0, 0.0, 0.0, 0.0])  # 3 - 1 >= 1: all mass on one
    mixed = np.asarray(run(sparsemax, jnp.array([1.0, 0.8, -1.0])))
    np.testing.assert_allclose(mixed, [0.6, 0.4, 0.0], atol=1e-6)
    assert mixed[2] == 0.0  # exactly


def test_sparsemax_along_an_axis_treats_each_slice_alone():
    z = rng.normal(size=(4, 3)).astype(np.float32) * 2
    got = run(sparsemax, z, axis=0)
    expected = np.stack([np_sparsemax(z[:, j]) for j in range(3)], axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("z", [[1.0, 0.8, -1.0, 0.5], [0.1, 0.2, 0.3, 0.4], [3.0, 1.0, 0.2, -1.0]])
def test_sparsemax_gradient_is_its_jacobian(z, fd):
    z = np.asarray(z)
    g = rng.normal(size=len(z))
    got = jax.grad(lambda z: jnp.sum(g * run(sparsemax, z)))(z.astype(np.float32))
    np.testing.assert_allclose(got, np_sparsemax_jacobian(z).T @ g, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got, fd(np_sparsemax, [z], 0, g), rtol=1e-4, atol=1e-5)


def test_sparsemax_check_messages():
    assert sparsemax.check([(4,)], {"axis": -1}) is None
    assert sparsemax.check([()], {"axis": -1}) == "an array of rank >= 1, got ()"
    assert sparsemax.check([(2, 3)], {"axis": 2}) == "an axis between -2 and 1 of (2, 3), got 2"


# -- layer_norm -------------------------------------------------------------------------------
def np_layer_norm(x, scale, bias, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * scale + bias


def test_layer_norm_against_numpy_mean_and_variance():
    x = (rng.normal(size=(3, 5)) * 4 + 2).astype(np.float32)
    scale, bias = rng.normal(size=(2, 5)).astype(np.float32)
    got = run(layer_norm, x, weights={"scale": scale, "bias": bias})
    np.testing.assert_allclose(got, np_layer_norm(x, scale, bias), rtol=1e-4, atol=1e-5)
    plain = np.asarray(run(layer_norm, x, use_scale=False, use_bias=False))
    np.testing.assert_allclose(plain.mean(axis=-1), 0.0, atol=1e-6)
    np.testing.assert_allclose(plain.std(axis=-1), 1.0, rtol=1e-4)  # each row on its own
    loose = run(layer_norm, x, use_scale=False, use_bias=False, eps=1.0)
    np.testing.assert_allclose(loose, np_layer_norm(x, 1.0, 0.0, eps=1.0), rtol=1e-4, atol=1e-5)


def test_layer_norm_slots_follow_the_switches():
    assert layer_norm.slot_shapes([(3, 5)], layer_norm.with_defaults({})) == {
        "scale": (5,),
        "bias": (5,),
    }
    assert layer_norm.slot_shapes([(5,)], layer_norm.with_defaults({"use_scale": False})) == {
        "bias": (5,)
    }


def test_layer_norm_gradients_against_finite_differences(fd):
    x, g = rng.normal(size=(2, 2, 4))
    scale, bias = rng.normal(size=(2, 4))
    args = [a.astype(np.float32) for a in (x, scale, bias)]
    grads = jax.grad(
        lambda x, s, b: jnp.sum(g * run(layer_norm, x, weights={"scale": s, "bias": b})),
        argnums=(0, 1, 2),
    )(*args)
    for i, got in enumerate(grads):
        want = fd(np_layer_norm, [x, scale, bias], i, g)
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4)


def test_layer_norm_check_message():
    assert layer_norm.check([(4,)], {}) is None
    assert layer_norm.check([()], {}) == (
        "an array of rank >= 1 (normalised over its last axis), got ()"
    )
