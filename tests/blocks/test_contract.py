"""Every block in the registry keeps the block contract (one test, the whole registry)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from blocks import BLOCKS, INITIALIZERS, Block, plain


def _example(block):
    hypers = block.with_defaults(block.example_hypers)
    key = jax.random.key(0)
    # Inputs in (0.1, 0.9): valid probabilities for the textbook losses and logs (drawn by
    # NumPy and placed by device_put: JAX's draw, or jnp.asarray's cast, would compile a
    # program for each new shape).
    rng = np.random.default_rng(0)
    args = [jax.device_put(rng.uniform(0.1, 0.9, s).astype(np.float32)) for s in block.example]
    weights = {
        name: INITIALIZERS[block.slot(name).init](
            jax.random.fold_in(key, 100 + i),
            shape,
            dict(block.slot(name).init_args),
            fan_in=block.slot(name).fan_in,
            fan_out=block.slot(name).fan_out,
        )
        for i, (name, shape) in enumerate(block.slot_shapes(block.example, hypers).items())
    }
    return args, weights, hypers


@pytest.mark.parametrize("name", list(BLOCKS))
def test_block_contract(name):
    block = BLOCKS[name]
    assert block.name == name
    assert block.doc, "every block says what it does"
    assert block.name_problem() is None
    assert block.apply_problem() is None
    for hyper in block.hypers:
        assert hyper.required or hyper.problem(_plain(hyper.default)) is None, hyper.name
    for slot in block.slots:
        assert slot.init in INITIALIZERS

    args, weights, hypers = _example(block)
    state = block.initial_state(block.example, hypers)  # as a fresh model holds it
    assert block.check is None or block.check(block.example, hypers) is None
    out = block(args, weights, hypers, state=state)

    # One call form for every block: (output, new state), state None without state slots.
    for key in (None, jax.random.key(1)):
        found, new = block.apply(args, weights, hypers, key=key, state=state, batch_axis=None)
        assert found.shape == out.shape
        assert (new is None) == (not block.state), "new state: None exactly when none is kept"
        if block.state:
            assert jax.tree.map(jnp.shape, new) == jax.tree.map(jnp.shape, state)
    assert out.shape == block.output_shape(block.example, hypers)
    if block.loss:
        assert out.shape == ()

    # The block under jit, vmap and grad, compiled whole in one program as the trainer runs
    # them (one program instead of one per operation, or one per transformation).
    # axis_size: a block without inputs (parameter) still has a batch to vmap over.
    def loss(a, w):
        return jnp.sum(block(a, w, hypers, state=state))

    def transformed(a, w):
        batched = jax.vmap(lambda one: block(one, w, hypers, state=state), axis_size=2)(
            [jnp.stack([x, x]) for x in a]
        )
        return block(a, w, hypers, state=state), batched, jax.grad(loss, argnums=(0, 1))(a, w)

    jitted, batched, grads = jax.jit(transformed)(args, weights)
    assert np.allclose(jitted, out, atol=1e-6)
    assert batched.shape == (2, *out.shape)
    for g in jax.tree_util.tree_leaves(grads):
        assert np.all(np.isfinite(g))
    if block.random:  # with a key it draws; without, it must be deterministic
        drawn = block(args, weights, hypers, state=state, key=jax.random.key(1))
        assert drawn.shape == out.shape and np.all(np.isfinite(drawn))


def _plain(value):
    """A default as a recipe would give it: a tuple as a YAML list."""
    return list(value) if isinstance(value, tuple) else value


def test_a_batch_axis_reaches_every_block_alike():
    """Under vmap with a named axis, as the trainer calls blocks: stateless ones ignore it."""
    block = BLOCKS["linear"]
    args, weights, hypers = _example(block)
    out, new = jax.vmap(lambda x: block.run([x], weights, hypers, batch_axis="b"), axis_name="b")(
        jnp.stack([args[0], args[0]])
    )
    assert new is None and out.shape == (2, *block(args, weights, hypers).shape)


def test_run_refuses_an_apply_that_returns_a_bare_array():
    cube = Block(
        name="cube",
        doc="x cubed",
        inputs=("x",),
        apply=lambda inputs, weights, hypers, **_: inputs[0],
    )
    with pytest.raises(TypeError, match="block 'cube': expected apply to return"):
        cube.run([jnp.ones((2, 3))], {}, {})


def test_plain_adapts_a_body_to_the_contract():
    scale = plain(lambda inputs, weights, hypers: inputs[0] * hypers["by"])
    assert scale([jnp.ones(2)], {}, {"by": 3.0}, key=None, state=None, batch_axis=None)[1] is None
    old = Block(name="old", doc="d", inputs=("x",), apply=lambda inputs, weights, hypers: inputs[0])
    assert old.apply_problem() == (
        "expected apply(inputs, weights, hypers, *, key=None, state=None, batch_axis=None), "
        "got apply(inputs, weights, hypers)"
    )
    assert Block(name="new", doc="d", inputs=("x",), apply=scale).apply_problem() is None


@pytest.mark.parametrize("name", list(INITIALIZERS))
def test_initializers_give_the_shape_and_are_seeded(name):
    init = INITIALIZERS[name]
    args = {"value": 0.5} if name == "constant" else {}
    a = init(jax.random.key(1), (4, 3), args, fan_in=-1, fan_out=-2)
    b = init(jax.random.key(1), (4, 3), args, fan_in=-1, fan_out=-2)
    assert a.shape == (4, 3) and a.dtype == jnp.float32
    assert jnp.array_equal(a, b)
    vector = init(jax.random.key(1), (5,), args, fan_in=-1, fan_out=-2)
    assert vector.shape == (5,)


def test_initializer_scales_match_their_definitions():
    n = 20_000
    key = jax.random.key(0)
    # (out=n, in=200): fan_in counts the last axis, as a linear weight (out, in) needs.
    lecun = INITIALIZERS["lecun_normal"](key, (n, 200), {}, fan_in=-1, fan_out=-2)
    assert jnp.std(lecun) == pytest.approx(math.sqrt(1 / 200), rel=0.03)
    he = INITIALIZERS["he_normal"](key, (n, 200), {}, fan_in=-1, fan_out=-2)
    assert jnp.std(he) == pytest.approx(math.sqrt(2 / 200), rel=0.03)
    uniform = INITIALIZERS["uniform"](key, (n,), {"scale": 0.5}, fan_in=-1, fan_out=-2)
    assert -0.5 <= float(uniform.min()) and float(uniform.max()) < 0.5
    assert jnp.mean(uniform) == pytest.approx(0.0, abs=0.02)
    normal = INITIALIZERS["normal"](key, (n,), {"stddev": 0.1}, fan_in=-1, fan_out=-2)
    assert jnp.std(normal) == pytest.approx(0.1, rel=0.03)
