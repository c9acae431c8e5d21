"""embedding against a table lookup by loop: rows, the scatter-add gradient, the check."""

import jax
import jax.numpy as jnp
import numpy as np

from blocks.embedding import embedding

rng = np.random.default_rng(0)
HYPERS = embedding.with_defaults({"count": 5, "out": 3})
TABLE = rng.normal(size=(5, 3)).astype(np.float32)


def apply(x, table=TABLE):
    return embedding([jnp.asarray(x, jnp.float32)], {"weight": table}, HYPERS)


def test_embedding_looks_up_rows():
    index = np.array([3.0, 0.0, 3.0, 4.0], np.float32)
    expected = np.stack([TABLE[int(i)] for i in index])
    np.testing.assert_array_equal(apply(index), expected)
    np.testing.assert_array_equal(apply(2.0), TABLE[2])  # a scalar index gives (out,)
    assert embedding.output_shape([()], HYPERS) == (3,)
    assert embedding.output_shape([(4,)], HYPERS) == (4, 3)


def test_embedding_rounds_near_integers_and_clips_out_of_range():
    np.testing.assert_array_equal(apply(2.9999), TABLE[3])
    np.testing.assert_array_equal(apply([7.0, -1.0]), TABLE[[4, 0]])


def test_embedding_gradient_adds_up_for_each_use_of_a_row():
    index = np.array([1.0, 4.0, 1.0], np.float32)
    g = rng.normal(size=(3, 3)).astype(np.float32)
    grad = jax.grad(lambda t: jnp.sum(jnp.asarray(g) * apply(index, t)))(jnp.asarray(TABLE))
    expected = np.zeros_like(TABLE)
    for position, i in enumerate(index):
        expected[int(i)] += g[position]
    np.testing.assert_allclose(grad, expected, rtol=1e-6)


def test_embedding_check_message():
    assert embedding.check([(2, 3)], HYPERS) == (
        "an index () or a vector of indices (n,), got (2, 3)"
    )
    assert embedding.check([()], HYPERS) is None
    assert embedding.slot_shapes([(4,)], HYPERS) == {"weight": (5, 3)}
