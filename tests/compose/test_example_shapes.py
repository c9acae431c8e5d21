"""A built model called on a batch where one example was meant, or on one example under
jax.vmap, says which input and which shapes, not a shape error from deep inside a block."""

import jax
import jax.numpy as jnp
import pytest

import compose
from tests.conftest import XOR


@pytest.fixture(scope="module")
def model():
    return compose.build(compose.loads(XOR), jax.random.key(0))


def test_one_example_and_a_vmapped_batch_work(model):
    assert model({"x": jnp.zeros(2)})["prob"].shape == (1,)
    assert jax.vmap(model)({"x": jnp.zeros((4, 2))})["prob"].shape == (4, 1)


def test_a_batch_where_one_example_was_meant(model):
    with pytest.raises(ValueError) as err:
        model({"x": jnp.zeros((4, 2))})
    assert str(err.value) == (
        "input 'x': expected one example of shape (2,), got shape (4, 2), a batch of 4 "
        "(the model takes one example: jax.vmap(model)(batch))"
    )


def test_one_example_under_vmap(model):
    with pytest.raises(ValueError) as err:
        jax.vmap(model)({"x": jnp.zeros(2)})
    assert str(err.value) == (
        "input 'x': expected one example of shape (2,), got shape (), one axis short "
        "(jax.vmap over one example maps its first axis away: call model(example) without vmap)"
    )


def test_the_loss_names_the_target_too(model):
    with pytest.raises(ValueError, match=r"input 'y': expected one example of shape \(1,\), "
                       r"got shape \(3,\)$"):  # fmt: skip
        model.loss({"x": jnp.zeros(2), "y": jnp.zeros(3)})
