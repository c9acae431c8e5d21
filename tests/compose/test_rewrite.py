"""The stable rewrites of the lookup table: finite at logits of 1000, equal to optax elsewhere."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import compose

BINARY = """\
inputs: {z: [1], y: [1]}
nodes:
  logit: {block: linear, in: z, out: 1, weight: {init: ones}}
  prob: {block: sigmoid, in: logit}
  loss: {block: cross_entropy, in: {pred: prob, target: y}}
outputs: [prob]
loss: loss
"""

CATEGORICAL = """\
inputs: {z: [3], y: [3]}
nodes:
  logits: {block: add, in: [z, z]}
  probs: {block: softmax, in: logits}
  loss: {block: cross_entropy, in: {pred: probs, target: y}}
  logp: {block: log, in: probs}
outputs: [probs, logp]
loss: loss
"""


def test_the_rewrites_are_listed():
    assert [str(r) for r in compose.check(compose.loads(BINARY)).rewrites] == [
        "loss: sigmoid -> cross_entropy built as sigmoid_cross_entropy on 'logit' "
        "(binary cross-entropy on logits)"
    ]
    assert [str(r) for r in compose.check(compose.loads(CATEGORICAL)).rewrites] == [
        "loss: softmax -> cross_entropy built as softmax_cross_entropy on 'logits' "
        "(softmax cross-entropy on logits)",
        "logp: softmax -> log built as log_softmax on 'logits' (log-sum-exp form)",
    ]


@pytest.mark.parametrize("z", [1000.0, -1000.0, 0.7])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_binary_cross_entropy_is_finite_and_right(z, y):
    model = compose.build(compose.loads(BINARY), key=jax.random.key(0))
    example = {"z": jnp.array([z]), "y": jnp.array([y])}
    loss, grads = jax.value_and_grad(lambda m: m.loss(example))(model)
    expected = optax.sigmoid_binary_cross_entropy(jnp.array([z]), jnp.array([y])).sum()
    np.testing.assert_allclose(loss, expected, rtol=1e-6)
    # d loss / d weight = (sigmoid(w z + b) - y) * z with w = 1, b = 0.
    np.testing.assert_allclose(
        grads.weights["logit"]["weight"], [[(jax.nn.sigmoid(z) - y) * z]], rtol=1e-5
    )


@pytest.mark.parametrize("scale", [1000.0, 0.3])
def test_categorical_cross_entropy_and_log_softmax_are_finite_and_right(scale):
    model = compose.build(compose.loads(CATEGORICAL), key=jax.random.key(0))
    z = jnp.array([1.0, -2.0, 0.5]) * scale
    y = jnp.array([0.0, 1.0, 0.0])
    loss, grad = jax.value_and_grad(lambda z: model.loss({"z": z, "y": y}))(z)
    logits = 2 * z
    np.testing.assert_allclose(loss, optax.softmax_cross_entropy(logits, y), rtol=1e-6)
    np.testing.assert_allclose(grad, 2 * (jax.nn.softmax(logits) - y), rtol=1e-5, atol=1e-6)
    logp = model({"z": z})["logp"]
    assert jnp.all(jnp.isfinite(logp))
    np.testing.assert_allclose(logp, jax.nn.log_softmax(logits), rtol=1e-6)


def test_without_the_rewrite_the_textbook_form_overflows():
    """What the rewrite prevents: the same graph evaluated literally gives inf."""
    p = jax.nn.sigmoid(jnp.array([-1000.0]))
    assert not jnp.isfinite(-jnp.sum(jnp.log(p)))


def test_no_rewrite_when_the_shapes_do_not_fit_the_pattern():
    multilabel = BINARY.replace("z: [1], y: [1]", "z: [1], y: [3]").replace("out: 1", "out: 3")
    assert compose.check(compose.loads(multilabel)).rewrites == ()
