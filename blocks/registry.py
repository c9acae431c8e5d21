"""The registry of blocks: an explicit list, so what exists is read in one place."""

from blocks.add import add
from blocks.block import Block
from blocks.concat import concat
from blocks.cross_entropy import cross_entropy
from blocks.linear import linear
from blocks.log import log
from blocks.log_softmax import log_softmax
from blocks.mse import mse
from blocks.multiply import multiply
from blocks.relu import relu
from blocks.sigmoid import sigmoid
from blocks.sigmoid_cross_entropy import sigmoid_cross_entropy
from blocks.softmax import softmax
from blocks.softmax_cross_entropy import softmax_cross_entropy
from blocks.tanh import tanh

BLOCKS: dict[str, Block] = {
    b.name: b
    for b in (
        linear,
        sigmoid,
        tanh,
        relu,
        softmax,
        log,
        log_softmax,
        add,
        multiply,
        concat,
        cross_entropy,
        sigmoid_cross_entropy,
        softmax_cross_entropy,
        mse,
    )
}
