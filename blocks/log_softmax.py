"""log_softmax(x) = x - logsumexp(x): log of softmax without overflow or log(0)."""

import jax

from blocks.block import Block, plain
from blocks.softmax import softmax

log_softmax = Block(
    name="log_softmax",
    doc="Log of softmax along `axis`, in the stable log-sum-exp form.",
    inputs=("x",),
    apply=plain(lambda inputs, weights, hypers: jax.nn.log_softmax(inputs[0], axis=hypers["axis"])),
    hypers=softmax.hypers,
    check=softmax.check,
)
