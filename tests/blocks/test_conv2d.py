"""conv2d against explicit loops over output positions: values, all gradients, the init."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from blocks import INITIALIZERS
from blocks.conv2d import conv2d
from tests.blocks.compiled import compiled

rng = np.random.default_rng(0)


def pads(size, window, stride, padding):
    """(before, after, out size): 'same' pads to ceil(size / stride), the extra after."""
    if padding == "valid":
        return 0, 0, (size - window) // stride + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2, out


def reference(x, w, b, stride, padding, g):
    """Output, and the gradients of sum(g * output) for x, w and b, by loops."""
    c_in, height, width = x.shape
    c_out, _, k, _ = w.shape
    top, bottom, rows = pads(height, k, stride, padding)
    left, right, cols = pads(width, k, stride, padding)
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right)))
    out = np.zeros((c_out, rows, cols), np.float64)
    dxp, dw = np.zeros_like(xp, np.float64), np.zeros_like(w, np.float64)
    for o in range(c_out):
        for i in range(rows):
            for j in range(cols):
                patch = xp[:, i * stride : i * stride + k, j * stride : j * stride + k]
                out[o, i, j] = np.sum(patch * w[o]) + b[o]
                dw[o] += g[o, i, j] * patch
                dxp[:, i * stride : i * stride + k, j * stride : j * stride + k] += (
                    g[o, i, j] * w[o]
                )
    dx = dxp[:, top : top + height, left : left + width]
    return out, dx, dw, g.sum(axis=(1, 2))


@pytest.mark.parametrize(
    "shape, out, window, stride, padding",
    [
        ((2, 5, 6), 3, 3, 1, "valid"),
        ((2, 5, 6), 3, 3, 1, "same"),
        ((3, 7, 6), 2, 3, 2, "valid"),
        ((3, 7, 6), 2, 2, 2, "same"),
        ((1, 6, 5), 4, 4, 3, "same"),
        ((2, 4, 4), 1, 1, 1, "valid"),
    ],
)
def test_conv2d_matches_loops_over_positions(shape, out, window, stride, padding):
    hypers = conv2d.with_defaults(
        {"out": out, "window": window, "stride": stride, "padding": padding}
    )
    x = rng.normal(size=shape).astype(np.float32)
    weights = {
        name: rng.normal(size=s).astype(np.float32)
        for name, s in conv2d.slot_shapes([shape], hypers).items()
    }
    assert weights["weight"].shape == (out, shape[0], window, window)
    y_shape = conv2d.output_shape([shape], hypers)
    g = rng.normal(size=y_shape)
    expected, dx, dw, db = reference(x, weights["weight"], weights["bias"], stride, padding, g)

    def loss(x, w):
        return jnp.sum(jnp.asarray(g, jnp.float32) * conv2d([x], w, hypers))

    got = compiled(conv2d, [x], weights, hypers)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    gx, gw = jax.jit(jax.grad(loss, argnums=(0, 1)))(jnp.asarray(x), weights)
    np.testing.assert_allclose(gx, dx, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gw["weight"], dw, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gw["bias"], db, rtol=1e-4, atol=1e-4)


def test_conv2d_without_bias_has_no_bias_slot():
    hypers = conv2d.with_defaults({"out": 2, "use_bias": False})
    shapes = conv2d.slot_shapes([(3, 4, 4)], hypers)
    assert shapes == {"weight": (2, 3, 3, 3)}
    x = rng.normal(size=(3, 4, 4)).astype(np.float32)
    w = rng.normal(size=(2, 3, 3, 3)).astype(np.float32)
    expected, *_ = reference(x, w, np.zeros(2), 1, "valid", np.zeros((2, 2, 2)))
    got = conv2d([jnp.asarray(x)], {"weight": w}, hypers)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_conv2d_weight_fan_in_counts_channels_times_window():
    slot = conv2d.slot("weight")
    out, c_in, k = 64, 8, 5  # fan_in = 8 * 5 * 5 = 200, fan_out = 64 * 5 * 5 = 1600
    shape = (out, c_in, k, k)
    key = jax.random.key(0)
    draw = INITIALIZERS[slot.init](key, shape, {}, fan_in=slot.fan_in, fan_out=slot.fan_out)
    assert jnp.std(draw) == pytest.approx(math.sqrt(1 / (c_in * k * k)), rel=0.03)
    glorot = INITIALIZERS["glorot_normal"](key, shape, {}, fan_in=slot.fan_in, fan_out=slot.fan_out)
    assert jnp.std(glorot) == pytest.approx(math.sqrt(2 / (200 + 1600)), rel=0.03)


def test_conv2d_check_messages():
    valid = conv2d.with_defaults({"out": 2})
    assert conv2d.check([(5, 5)], valid) == "an image (channels, height, width), got (5, 5)"
    assert conv2d.check([(1, 2, 8)], valid) == (
        "an image (channels, height, width) at least 3x3 to fit the window, got (1, 2, 8)"
    )
    same = conv2d.with_defaults({"out": 2, "padding": "same"})
    assert conv2d.check([(1, 2, 8)], same) is None
    assert conv2d.output_shape([(1, 2, 8)], same) == (2, 2, 8)
    assert conv2d.hyper("padding").problem("full") == "one of 'valid', 'same'"
