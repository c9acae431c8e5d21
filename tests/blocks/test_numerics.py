"""Blocks against independent references: plain jax.numpy written here, and optax's losses."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from blocks import BLOCKS

rng = np.random.default_rng(0)


def apply(name, *args, weights=None, **hypers):
    block = BLOCKS[name]
    return block([jnp.asarray(a) for a in args], weights or {}, block.with_defaults(hypers))


def test_linear_is_weight_times_x_plus_bias():
    x, w, b = rng.normal(size=3), rng.normal(size=(4, 3)), rng.normal(size=4)
    got = apply("linear", x, weights={"weight": w, "bias": b}, out=4)
    np.testing.assert_allclose(got, w @ x + b, rtol=1e-5)
    no_bias = apply("linear", x, weights={"weight": w}, out=4, use_bias=False)
    np.testing.assert_allclose(no_bias, w @ x, rtol=1e-5)


@pytest.mark.parametrize(
    "name, reference",
    [
        ("sigmoid", lambda x: 1 / (1 + np.exp(-x))),
        ("tanh", np.tanh),
        ("relu", lambda x: np.where(x > 0, x, 0.0)),
        ("softmax", lambda x: np.exp(x) / np.exp(x).sum()),
        ("log_softmax", lambda x: x - np.log(np.exp(x).sum())),
    ],
)
def test_elementwise_and_softmax(name, reference):
    x = rng.normal(size=5).astype(np.float32)
    np.testing.assert_allclose(apply(name, x), reference(x), rtol=1e-5, atol=1e-6)


def test_log_add_multiply_concat():
    a, b, c = (rng.uniform(0.1, 2, size=3).astype(np.float32) for _ in range(3))
    np.testing.assert_allclose(apply("log", a), np.log(a), rtol=1e-6)
    np.testing.assert_allclose(apply("add", a, b, c), a + b + c, rtol=1e-6)
    np.testing.assert_allclose(apply("multiply", a, b, c), a * b * c, rtol=1e-6)
    np.testing.assert_allclose(apply("concat", a, b[:2]), np.r_[a, b[:2]], rtol=1e-6)
    m = rng.normal(size=(2, 3)).astype(np.float32)
    np.testing.assert_allclose(apply("concat", m, m, axis=0), np.r_[m, m], rtol=1e-6)


def test_mse_is_the_mean_square():
    p, t = rng.normal(size=4), rng.normal(size=4)
    np.testing.assert_allclose(apply("mse", p, t), np.mean((p - t) ** 2), rtol=1e-5)


def test_cross_entropy_binary_and_categorical_against_optax():
    z = np.array([1.3], np.float32)
    t = np.array([1.0], np.float32)
    p = 1 / (1 + np.exp(-z))
    expected = optax.sigmoid_binary_cross_entropy(z, t).sum()
    np.testing.assert_allclose(apply("cross_entropy", p, t), expected, rtol=1e-5)
    np.testing.assert_allclose(apply("sigmoid_cross_entropy", z, t), expected, rtol=1e-5)

    logits = rng.normal(size=4).astype(np.float32)
    onehot = np.eye(4, dtype=np.float32)[2]
    probs = np.exp(logits) / np.exp(logits).sum()
    expected = optax.softmax_cross_entropy(logits, onehot)
    np.testing.assert_allclose(apply("cross_entropy", probs, onehot), expected, rtol=1e-5)
    np.testing.assert_allclose(apply("softmax_cross_entropy", logits, onehot), expected, rtol=1e-5)


def test_fused_losses_are_finite_where_the_textbook_form_is_not():
    z, t = jnp.array([-1000.0]), jnp.array([1.0])
    textbook = apply("cross_entropy", jax.nn.sigmoid(z), t)
    assert not jnp.isfinite(textbook)
    fused = apply("sigmoid_cross_entropy", z, t)
    assert fused == pytest.approx(1000.0)
    grad = jax.grad(lambda z: apply("sigmoid_cross_entropy", z, t))(z)
    np.testing.assert_allclose(grad, [-1.0])  # d/dz = sigmoid(z) - t
