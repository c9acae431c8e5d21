"""Multi-head attention and the recurrent blocks against loops written in numpy, and
against PyTorch's own layers where it is installed (the bench extra)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from blocks import BLOCKS
from tests.blocks.compiled import compiled

rng = np.random.default_rng(0)


def normal(*shape, scale=1.0):
    return (scale * rng.normal(size=shape)).astype(np.float32)


def apply(name, *inputs, weights, **hypers):
    return compiled(BLOCKS[name], inputs, weights, hypers)


def check(name, *shapes, **hypers):
    block = BLOCKS[name]
    return block.check(list(shapes), block.with_defaults(hypers))


def random_weights(name, shapes, scale=0.5, **hypers):
    block = BLOCKS[name]
    found = block.slot_shapes(shapes, block.with_defaults(hypers))
    return {slot: normal(*shape, scale=scale) for slot, shape in found.items()}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# -- multi-head attention ------------------------------------------------------------------------
def attention_loops(x, w, heads, size, *, causal=False, mask=None, bias=True):
    """Each head and each query on its own: softmax over the keys it may see, else nothing."""
    t = len(x)
    zero = {k: 0.0 for k in ("query_bias", "key_bias", "value_bias", "output_bias")}
    b = {k: w[k] for k in zero} if bias else zero
    joined = np.zeros((t, heads * size))
    for h in range(heads):
        rows = slice(h * size, (h + 1) * size)
        q = x @ w["query"][rows].T + (b["query_bias"][rows] if bias else 0)
        k = x @ w["key"][rows].T + (b["key_bias"][rows] if bias else 0)
        v = x @ w["value"][rows].T + (b["value_bias"][rows] if bias else 0)
        for i in range(t):
            seen = [j for j in range(t) if (not causal or j <= i) and (mask is None or mask[j])]
            if not seen:
                continue
            scores = np.array([q[i] @ k[j] / math.sqrt(size) for j in seen])
            p = np.exp(scores - scores.max())
            joined[i, rows] = (p / p.sum()) @ v[seen]
    return joined @ w["output"].T + b["output_bias"]


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("heads, head_size, use_bias", [(1, 0, True), (2, 0, True), (3, 5, False)])
def test_multihead_attention_matches_loops(causal, heads, head_size, use_bias):
    x = normal(5, 6)
    hypers = {"heads": heads, "out": 4, "head_size": head_size, "causal": causal}
    w = random_weights("multihead_attention", [x.shape], use_bias=use_bias, **hypers)
    got = apply("multihead_attention", x, weights=w, use_bias=use_bias, **hypers)
    size = head_size or 6 // heads
    expected = attention_loops(x, w, heads, size, causal=causal, bias=use_bias)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    assert got.shape == (5, 4)


def test_masked_attention_matches_loops_and_ignores_what_is_padded():
    x, mask = normal(6, 4), np.array([1, 1, 0, 1, 0, 0], np.float32)
    hypers = {"heads": 2, "out": 3, "causal": True}
    w = random_weights("masked_multihead_attention", [x.shape, mask.shape], **hypers)
    got = apply("masked_multihead_attention", x, mask, weights=w, **hypers)
    expected = attention_loops(x, w, 2, 2, causal=True, mask=mask > 0)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    # Changing a padded position changes nothing at the real ones.
    moved = x.copy()
    moved[[2, 4, 5]] = normal(3, 4)
    again = apply("masked_multihead_attention", moved, mask, weights=w, **hypers)
    np.testing.assert_allclose(again[mask > 0], got[mask > 0], rtol=1e-5, atol=1e-6)


def test_causal_attention_never_looks_ahead():
    x = normal(5, 4)
    w = random_weights("multihead_attention", [x.shape], heads=2, out=4)
    run = lambda x: apply("multihead_attention", x, weights=w, heads=2, out=4, causal=True)  # noqa: E731
    jac = jax.jacobian(run)(jnp.asarray(x))  # (t_out, out, t_in, d)
    reach = np.abs(np.asarray(jac)).sum(axis=(1, 3))  # how much output t depends on input s
    assert np.all(reach[np.triu_indices(5, k=1)] == 0) and np.all(np.diag(reach) > 0)


def test_a_query_with_nothing_to_see_gives_the_output_bias_and_finite_gradients():
    x, mask = normal(3, 4), np.zeros(3, np.float32)
    w = random_weights("masked_multihead_attention", [x.shape, mask.shape], heads=2, out=3)
    got = apply("masked_multihead_attention", x, mask, weights=w, heads=2, out=3)
    np.testing.assert_allclose(got, np.broadcast_to(w["output_bias"], (3, 3)))
    grads = jax.grad(
        lambda x, w: apply("masked_multihead_attention", x, mask, weights=w, heads=2, out=3).sum(),
        argnums=(0, 1),
    )(jnp.asarray(x), w)
    assert all(jnp.all(jnp.isfinite(g)) for g in jax.tree_util.tree_leaves(grads))


def test_one_head_with_identity_projections_is_the_attention_block():
    x = normal(4, 3)
    eye, zeros = np.eye(3, dtype=np.float32), np.zeros(3, np.float32)
    w = {"query": eye, "key": eye, "value": eye, "output": eye}
    w |= {f"{k}_bias": zeros for k in ("query", "key", "value", "output")}
    got = apply("multihead_attention", x, weights=w, heads=1, out=3)
    np.testing.assert_allclose(got, BLOCKS["attention"]([x, x, x], {}, {}), rtol=1e-5)


def test_attention_weight_slots_are_linear_shaped_so_they_tie():
    block = BLOCKS["multihead_attention"]
    hypers = block.with_defaults({"heads": 2, "out": 5, "head_size": 3})
    assert block.slot_shapes([(7, 4)], hypers) == {
        "query": (6, 4),
        "query_bias": (6,),
        "key": (6, 4),
        "key_bias": (6,),
        "value": (6, 4),
        "value_bias": (6,),
        "output": (5, 6),
        "output_bias": (5,),
    }
    assert set(block.slot_shapes([(7, 4)], {**hypers, "use_bias": False})) == {
        "query",
        "key",
        "value",
        "output",
    }


def test_attention_check_messages():
    assert check("multihead_attention", (4,), heads=2, out=3) == "a sequence (t, d), got (4,)"
    assert check("multihead_attention", (5, 6), heads=4, out=3) == (
        "a width d that 4 heads divide (or a head_size), got (5, 6)"
    )
    assert check("multihead_attention", (5, 6), heads=4, out=3, head_size=2) is None
    assert check("masked_multihead_attention", (5, 6), (4,), heads=2, out=3) == (
        "a mask (t,) of one 0 or 1 per position of x (5, 6), got mask (4,)"
    )
    problem = BLOCKS["multihead_attention"].hyper("head_size").problem(-1)
    assert problem == "a value >= 0"


def test_multihead_attention_matches_pytorch():
    torch = pytest.importorskip("torch")
    t, d, heads = 5, 8, 2
    x, mask = normal(t, d), np.array([1, 1, 1, 0, 1], np.float32)
    layer = torch.nn.MultiheadAttention(d, heads, batch_first=True)
    params = {k: v.detach().numpy() for k, v in layer.named_parameters()}
    wq, wk, wv = np.split(params["in_proj_weight"], 3)
    bq, bk, bv = np.split(params["in_proj_bias"], 3)
    w = {"query": wq, "key": wk, "value": wv, "output": params["out_proj.weight"]}
    w |= {"query_bias": bq, "key_bias": bk, "value_bias": bv}
    w["output_bias"] = params["out_proj.bias"]
    causal = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)  # True: hidden
    with torch.no_grad():
        expected, _ = layer(
            *[torch.tensor(x)[None]] * 3,
            key_padding_mask=torch.tensor(mask == 0)[None],
            attn_mask=causal,
            need_weights=False,
        )
    got = apply("masked_multihead_attention", x, mask, weights=w, heads=heads, out=d, causal=True)
    np.testing.assert_allclose(got, expected[0].numpy(), rtol=1e-4, atol=1e-5)


# -- recurrent cells ----------------------------------------------------------------------------
def gru_step(x, h, w):
    """PyTorch's GRU equations, one gate at a time."""
    n_h = len(h)
    gx, gh = w["weight_ih"] @ x + w["bias_ih"], w["weight_hh"] @ h + w["bias_hh"]
    r = sigmoid(gx[:n_h] + gh[:n_h])
    z = sigmoid(gx[n_h : 2 * n_h] + gh[n_h : 2 * n_h])
    n = np.tanh(gx[2 * n_h :] + r * gh[2 * n_h :])
    return (1 - z) * n + z * h


def lstm_step(x, state, w):
    """PyTorch's LSTM equations; the state is h then c, joined."""
    h, c = np.split(state, 2)
    n_h = len(h)
    g = w["weight_ih"] @ x + w["bias_ih"] + w["weight_hh"] @ h + w["bias_hh"]
    i, f, cand, o = (g[k * n_h : (k + 1) * n_h] for k in range(4))
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(cand)
    return np.concatenate([sigmoid(o) * np.tanh(c), c])


CELLS = {"gru_cell": (gru_step, 1), "lstm_cell": (lstm_step, 2)}


@pytest.mark.parametrize("name", list(CELLS))
def test_cell_matches_a_hand_written_step(name):
    step, parts = CELLS[name]
    x, state = normal(3), normal(4 * parts, scale=0.5)
    w = random_weights(name, [x.shape, state.shape])
    got = apply(name, x, state, weights=w)
    np.testing.assert_allclose(got, step(x, state, w), rtol=1e-5, atol=1e-6)
    no_bias = {k: v for k, v in w.items() if "bias" not in k}
    zeros = {k: np.zeros_like(v) for k, v in w.items() if "bias" in k}
    got = apply(name, x, state, weights=no_bias, use_bias=False)
    np.testing.assert_allclose(got, step(x, state, no_bias | zeros), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(CELLS))
def test_cell_gradients_match_finite_differences(name, fd):
    step, parts = CELLS[name]
    x, state = normal(3), normal(2 * parts, scale=0.5)
    w = random_weights(name, [x.shape, state.shape])
    cot = normal(2 * parts)
    grads = jax.grad(
        lambda x, s, w: jnp.sum(cot * apply(name, x, s, weights=w)), argnums=(0, 1, 2)
    )(jnp.asarray(x), jnp.asarray(state), w)
    np.testing.assert_allclose(grads[0], fd(lambda x: step(x, state, w), [x], 0, cot), atol=1e-4)
    np.testing.assert_allclose(grads[1], fd(lambda s: step(x, s, w), [state], 0, cot), atol=1e-4)
    weight = w["weight_hh"]
    expected = fd(lambda m: step(x, state, w | {"weight_hh": m}), [weight], 0, cot)
    np.testing.assert_allclose(grads[2]["weight_hh"], expected, atol=1e-4)


def test_cell_check_messages_and_slot_shapes():
    assert check("gru_cell", (3,), (2, 4)) == (
        "vectors x (d,) and h (hidden,), got x (3,) and h (2, 4)"
    )
    assert check("lstm_cell", (3,), (5,)) == (
        "vectors x (d,) and state (2 * hidden,), h then c, got x (3,) and state (5,)"
    )
    hypers = {"use_bias": True}
    assert BLOCKS["gru_cell"].slot_shapes([(3,), (4,)], hypers) == {
        "weight_ih": (12, 3),
        "weight_hh": (12, 4),
        "bias_ih": (12,),
        "bias_hh": (12,),
    }
    assert BLOCKS["lstm_cell"].slot_shapes([(3,), (8,)], hypers)["weight_hh"] == (16, 4)


# -- recurrent blocks over a sequence ----------------------------------------------------------
@pytest.mark.parametrize("name", ["gru", "lstm"])
@pytest.mark.parametrize("last", [False, True])
def test_sequence_block_is_its_cell_stepped_along_time(name, last):
    step, parts = CELLS[f"{name}_cell"]
    sequence, hidden = normal(6, 3), 4
    w = random_weights(name, [sequence.shape], out=hidden)
    got = apply(name, sequence, weights=w, out=hidden, last=last)
    state, outputs = np.zeros(parts * hidden), []
    for x in sequence:
        state = step(x, state, w)
        outputs.append(state[:hidden])  # h: the whole state of a GRU, the first half of an LSTM's
    expected = outputs[-1] if last else np.stack(outputs)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert (
        BLOCKS[name].output_shape(
            [sequence.shape], BLOCKS[name].with_defaults({"out": hidden, "last": last})
        )
        == expected.shape
    )


@pytest.mark.parametrize("name", ["gru", "lstm"])
def test_sequence_block_uses_the_cell_weights_once_for_every_step(name):
    block, cell = BLOCKS[name], BLOCKS[f"{name}_cell"]
    parts = CELLS[f"{name}_cell"][1]
    sequence = block.slot_shapes([(9, 3)], block.with_defaults({"out": 4}))
    assert sequence == cell.slot_shapes([(3,), (parts * 4,)], cell.with_defaults({}))
    assert check(name, (3,), out=4) == "a sequence (t, d), got (3,)"


@pytest.mark.parametrize("name, module", [("gru", "GRU"), ("lstm", "LSTM")])
def test_sequence_block_matches_pytorch(name, module):
    torch = pytest.importorskip("torch")
    layer = getattr(torch.nn, module)(3, 5, batch_first=True)
    w = {k.removesuffix("_l0"): v.detach().numpy() for k, v in layer.named_parameters()}
    sequence = normal(7, 3)
    with torch.no_grad():
        expected, _ = layer(torch.tensor(sequence)[None])
    got = apply(name, sequence, weights=w, out=5)
    np.testing.assert_allclose(got, expected[0].numpy(), rtol=1e-4, atol=1e-5)
