"""max_pool and avg_pool against explicit loops over window positions, values and gradients."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from blocks.avg_pool import avg_pool
from blocks.max_pool import max_pool

rng = np.random.default_rng(0)
CASES = [  # (image shape, window, stride): non-overlapping, overlapping, ragged edges
    ((2, 4, 6), 2, 0),
    ((3, 5, 5), 3, 1),
    ((1, 7, 6), 3, 2),
    ((2, 5, 4), 2, 3),
]


def windows(shape, window, stride):
    """(channel, out row, out col, row slice, col slice) for every window, by hand."""
    channels, height, width = shape
    step = stride or window
    rows, cols = (height - window) // step + 1, (width - window) // step + 1
    for c in range(channels):
        for i in range(rows):
            for j in range(cols):
                yield (
                    c,
                    i,
                    j,
                    slice(i * step, i * step + window),
                    slice(j * step, j * step + window),
                )


def reference(x, window, stride, kind):
    """Pooled values and the gradient of sum(g * pooled) for a cotangent g."""
    step = stride or window
    out_shape = (x.shape[0], (x.shape[1] - window) // step + 1, (x.shape[2] - window) // step + 1)
    g = rng.normal(size=out_shape).astype(np.float32)
    out = np.zeros(out_shape, np.float32)
    grad = np.zeros_like(x)
    for c, i, j, rs, cs in windows(x.shape, window, stride):
        patch = x[c, rs, cs]
        if kind == "max":
            out[c, i, j] = patch.max()
            a, b = np.unravel_index(np.argmax(patch), patch.shape)
            grad[c, rs.start + a, cs.start + b] += g[c, i, j]
        else:
            out[c, i, j] = patch.mean()
            grad[c, rs, cs] += g[c, i, j] / window**2
    return out, g, grad


@pytest.mark.parametrize("block, kind", [(max_pool, "max"), (avg_pool, "avg")])
@pytest.mark.parametrize("shape, window, stride", CASES)
def test_pooling_matches_loops_over_windows(block, kind, shape, window, stride):
    x = rng.normal(size=shape).astype(np.float32)
    hypers = block.with_defaults({"window": window, "stride": stride})
    expected, g, expected_grad = reference(x, window, stride, kind)

    def f(x):
        return block([x], {}, hypers)

    np.testing.assert_allclose(f(jnp.asarray(x)), expected, rtol=1e-5, atol=1e-6)
    grad = jax.grad(lambda x: jnp.sum(jnp.asarray(g) * f(x)))(jnp.asarray(x))
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-5, atol=1e-6)
    assert block.output_shape([shape], hypers) == expected.shape


@pytest.mark.parametrize("block", [max_pool, avg_pool])
def test_pooling_defaults_are_a_2x2_window_stepping_by_its_size(block):
    assert block.output_shape([(3, 8, 7)], block.with_defaults({})) == (3, 4, 3)
    assert block.output_shape([(3, 8, 7)], block.with_defaults({"window": 3})) == (3, 2, 2)


@pytest.mark.parametrize("block", [max_pool, avg_pool])
def test_pooling_check_messages(block):
    hypers = block.with_defaults({"window": 3})
    assert block.check([(4, 4)], hypers) == "an image (channels, height, width), got (4, 4)"
    assert block.check([(1, 2, 5)], hypers) == (
        "an image (channels, height, width) at least 3x3 to fit the window, got (1, 2, 5)"
    )
    assert block.check([(1, 3, 3)], hypers) is None
    assert block.hyper("stride").problem(-1) == "a value >= 0"
