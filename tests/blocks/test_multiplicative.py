"""multiplicative, bilinear and attention against plain numpy loops, einsum and softmax."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from blocks import INITIALIZERS
from blocks.attention import attention
from blocks.bilinear import bilinear
from blocks.multiplicative import multiplicative
from tests.blocks.compiled import compiled

rng = np.random.default_rng(0)


def run(block, *args, weights=None, **hypers):
    return compiled(block, args, weights or {}, hypers)


def normal(*shape):
    return rng.normal(size=shape).astype(np.float32)


# -- multiplicative ---------------------------------------------------------------------------
N, M, OUT = 3, 2, 4


def loops_multiplicative(x, z, weight, u, v, bias):
    """z^T W x + U z + V x + b, one output at a time."""
    y = np.zeros(len(bias))
    for o in range(len(bias)):
        y[o] = bias[o]
        for i in range(len(z)):
            y[o] += u[o, i] * z[i]
            for j in range(len(x)):
                y[o] += z[i] * weight[i, o, j] * x[j]
        for j in range(len(x)):
            y[o] += v[o, j] * x[j]
    return y


def mul_weights():
    return {
        "weight": normal(M, OUT, N),
        "u": normal(OUT, M),
        "v": normal(OUT, N),
        "bias": normal(OUT),
    }


def test_multiplicative_values_against_loops():
    x, z, w = normal(N), normal(M), mul_weights()
    got = run(multiplicative, x, z, weights=w, out=OUT)
    np.testing.assert_allclose(got, loops_multiplicative(x, z, **w), rtol=1e-5, atol=1e-5)
    del w["bias"]
    got = run(multiplicative, x, z, weights=w, out=OUT, use_bias=False)
    expected = loops_multiplicative(x, z, **w, bias=np.zeros(OUT))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert "bias" not in multiplicative.slot_shapes([(N,), (M,)], {"out": OUT, "use_bias": False})


def test_multiplicative_gradients_against_einsum():
    x, z, w, g = normal(N), normal(M), mul_weights(), normal(OUT)

    def loss(x, z, w):
        return jnp.sum(g * run(multiplicative, x, z, weights=w, out=OUT))

    dx, dz, dw = jax.grad(loss, argnums=(0, 1, 2))(x, z, w)
    W, U, V = w["weight"], w["u"], w["v"]
    np.testing.assert_allclose(dx, np.einsum("o,i,ioj->j", g, z, W) + g @ V, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dz, np.einsum("o,ioj,j->i", g, W, x) + g @ U, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dw["weight"], np.einsum("i,o,j->ioj", z, g, x), rtol=1e-5)
    np.testing.assert_allclose(dw["u"], np.outer(g, z), rtol=1e-5)
    np.testing.assert_allclose(dw["v"], np.outer(g, x), rtol=1e-5)
    np.testing.assert_allclose(dw["bias"], g, rtol=1e-6)


def test_multiplicative_without_the_linear_terms_is_bilinear():
    x, z, w = normal(N), normal(M), normal(OUT, N, M)
    want = run(bilinear, x, z, weights={"weight": w}, out=OUT, use_bias=False)
    as_mul = {"weight": w.transpose(2, 0, 1), "u": np.zeros((OUT, M)), "v": np.zeros((OUT, N))}
    got = run(multiplicative, x, z, weights=as_mul, out=OUT, use_bias=False)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def initial(block, shapes, hypers):
    """Weights drawn as compose draws them: each slot's initialiser on its declared axes."""
    out = {}
    for i, (name, shape) in enumerate(block.slot_shapes(shapes, hypers).items()):
        slot = block.slot(name)
        key = jax.random.key(i)
        init = INITIALIZERS[slot.init]
        out[name] = init(key, shape, {}, fan_in=slot.fan_in, fan_out=slot.fan_out)
    return out


@pytest.mark.parametrize("block, terms", [(multiplicative, 3), (bilinear, 1)])
def test_initial_outputs_have_the_scale_of_a_linear_layer_per_term(block, terms):
    n, m, out, examples = 40, 30, 120, 100  # out >> n: wrong fan axes show
    hypers = block.with_defaults({"out": out})
    w = initial(block, [(n,), (m,)], hypers)
    x, z = rng.normal(size=(2, examples, max(n, m))).astype(np.float32)
    y = jax.vmap(lambda x, z: block([x, z], w, hypers))(x[:, :n], z[:, :m])
    # Unit inputs: each term (z^T W x, U z, V x) has variance about 1.
    assert float(jnp.std(y)) == pytest.approx(math.sqrt(terms), rel=0.15)


def test_multiplicative_check_message():
    assert multiplicative.check([(3,), (2,)], {"out": 4}) is None
    assert multiplicative.check([(3, 1), (2,)], {"out": 4}) == (
        "vectors x (n,) and z (m,), got x (3, 1) and z (2,)"
    )


# -- bilinear ---------------------------------------------------------------------------------
def loops_bilinear(x, z, weight, bias):
    y = np.array(bias, np.float64)
    for o in range(len(bias)):
        for j in range(len(x)):
            for k in range(len(z)):
                y[o] += x[j] * weight[o, j, k] * z[k]
    return y


def test_bilinear_values_and_gradients():
    x, z, g = normal(N), normal(M), normal(OUT)
    w = {"weight": normal(OUT, N, M), "bias": normal(OUT)}
    got = run(bilinear, x, z, weights=w, out=OUT)
    np.testing.assert_allclose(got, loops_bilinear(x, z, **w), rtol=1e-5, atol=1e-5)

    def loss(x, z, w):
        return jnp.sum(g * run(bilinear, x, z, weights=w, out=OUT))

    dx, dz, dw = jax.grad(loss, argnums=(0, 1, 2))(x, z, w)
    W = w["weight"]
    np.testing.assert_allclose(dx, np.einsum("o,ojk,k->j", g, W, z), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dz, np.einsum("o,ojk,j->k", g, W, x), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dw["weight"], np.einsum("o,j,k->ojk", g, x, z), rtol=1e-5)
    np.testing.assert_allclose(dw["bias"], g, rtol=1e-6)


def test_bilinear_check_message():
    assert (
        bilinear.check([(), (2,)], {"out": 4}) == "vectors x (n,) and z (m,), got x () and z (2,)"
    )


# -- attention --------------------------------------------------------------------------------
def np_attention(q, k, v):
    scores = q @ k.T / np.sqrt(q.shape[1])
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    return (p / p.sum(axis=1, keepdims=True)) @ v


def test_attention_against_numpy_softmax():
    q, k, v = normal(2, 4), normal(3, 4), normal(3, 5)
    got = run(attention, q, k, v)
    assert got.shape == (2, 5) == attention.output_shape([(2, 4), (3, 4), (3, 5)], {})
    np.testing.assert_allclose(got, np_attention(q, k, v), rtol=1e-5, atol=1e-6)


def test_attention_gradients_against_finite_differences(fd):
    q, k, v, g = (rng.normal(size=s) for s in [(2, 4), (3, 4), (3, 5), (2, 5)])
    args = [a.astype(np.float32) for a in (q, k, v)]
    grads = jax.grad(lambda *a: jnp.sum(g * run(attention, *a)), argnums=(0, 1, 2))(*args)
    for i, got in enumerate(grads):
        np.testing.assert_allclose(got, fd(np_attention, [q, k, v], i, g), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "shapes, message",
    [
        (
            [(4,), (3, 4), (3, 5)],
            "matrices q (t, d), k (s, d) and v (s, e), got q (4,), k (3, 4) and v (3, 5)",
        ),
        ([(2, 4), (3, 6), (3, 5)], "q and k of one width d, got q (2, 4), k (3, 6) and v (3, 5)"),
        ([(2, 4), (3, 4), (7, 5)], "k and v of one length s, got q (2, 4), k (3, 4) and v (7, 5)"),
    ],
)
def test_attention_check_messages(shapes, message):
    assert attention.check([(2, 4), (3, 4), (3, 5)], {}) is None
    assert attention.check(shapes, {}) == message
