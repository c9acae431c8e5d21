"""The element-wise activations against closed forms written in numpy, values and slopes."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from blocks import BLOCKS

rng = np.random.default_rng(0)
X = np.r_[rng.normal(scale=3.0, size=40), [-7.0, -3.0, -1.0, 0.5, 1.0, 3.0, 6.5]]
SELU_SCALE, SELU_ALPHA = 1.0507009873554805, 1.6732632423543772
erf = np.vectorize(math.erf)


def softplus(x):
    return np.logaddexp(0.0, x)


# name, hyperparameters, the numpy reference
CASES = [
    ("exp", {}, np.exp),
    ("silu", {}, lambda x: x / (1 + np.exp(-x))),
    ("softplus", {}, softplus),
    ("softsign", {}, lambda x: x / (1 + np.abs(x))),
    ("log_sigmoid", {}, lambda x: -softplus(-x)),
    ("relu6", {}, lambda x: np.clip(x, 0, 6)),
    ("hard_tanh", {}, lambda x: np.clip(x, -1, 1)),
    ("hard_sigmoid", {}, lambda x: np.clip((x + 3) / 6, 0, 1)),
    ("mish", {}, lambda x: x * np.tanh(softplus(x))),
    ("selu", {}, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))),
    ("leaky_relu", {}, lambda x: np.where(x >= 0, x, 0.01 * x)),
    ("leaky_relu", {"negative_slope": 0.2}, lambda x: np.where(x >= 0, x, 0.2 * x)),
    ("elu", {}, lambda x: np.where(x > 0, x, np.expm1(x))),
    ("elu", {"alpha": 0.5}, lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
    ("celu", {"alpha": 2.0}, lambda x: np.where(x > 0, x, 2.0 * np.expm1(x / 2.0))),
    ("gelu", {}, lambda x: 0.5 * x * (1 + erf(x / math.sqrt(2)))),
    (
        "gelu",
        {"approximate": True},
        lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    ),
]


IDS = [name + "".join(f"-{k}={v}" for k, v in hypers.items()) for name, hypers, _ in CASES]


def apply(name, x, hypers):
    block = BLOCKS[name]
    return block([jnp.asarray(x, jnp.float32)], {}, block.with_defaults(hypers))


@pytest.mark.parametrize("name, hypers, reference", CASES, ids=IDS)
def test_activation_matches_its_closed_form(name, hypers, reference):
    got = apply(name, X, hypers)
    np.testing.assert_allclose(got, reference(X), rtol=2e-5, atol=2e-6)
    assert got.shape == X.shape and not BLOCKS[name].slots


@pytest.mark.parametrize("name, hypers, reference", CASES, ids=IDS)
def test_activation_slope_matches_finite_differences(name, hypers, reference, fd):
    # Away from the kinks (0, and the clip points), where the slope is defined.
    x = np.array([-4.5, -2.2, -0.7, 0.4, 1.3, 2.6, 4.1])
    grad = jax.grad(lambda x: jnp.sum(apply(name, x, hypers)))(jnp.asarray(x, jnp.float32))
    expected = fd(reference, [x], 0, np.ones_like(x))
    np.testing.assert_allclose(grad, expected, rtol=1e-3, atol=1e-4)


def test_activations_keep_any_shape():
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    for name, hypers, reference in CASES:
        np.testing.assert_allclose(apply(name, x, hypers), reference(x), rtol=2e-5, atol=2e-6)


def test_activation_hyperparameter_checks():
    assert BLOCKS["celu"].hyper("alpha").problem(0.0) == "a positive value"
    assert BLOCKS["leaky_relu"].hyper("negative_slope").problem("0.1") == "a number"
    assert BLOCKS["gelu"].hyper("approximate").problem(1) == "true or false"
