"""The registry of blocks: an explicit list, so what exists is read in one place, plus the
blocks installed packages declare (blocks/plugins.py)."""

import blocks.max as _max  # a module, so the builtin `max` stays itself here
from blocks.add import add
from blocks.attention import attention
from blocks.avg_pool import avg_pool
from blocks.batch_norm import batch_norm
from blocks.bilinear import bilinear
from blocks.block import Block
from blocks.concat import concat
from blocks.conv2d import conv2d
from blocks.cross_entropy import cross_entropy
from blocks.dropout import dropout
from blocks.embedding import embedding
from blocks.flatten import flatten
from blocks.layer_norm import layer_norm
from blocks.linear import linear
from blocks.log import log
from blocks.log_softmax import log_softmax
from blocks.max_pool import max_pool
from blocks.mixture import mixture
from blocks.mse import mse
from blocks.multiplicative import multiplicative
from blocks.multiply import multiply
from blocks.noise import noise
from blocks.plugins import plugin_blocks
from blocks.relu import relu
from blocks.reshape import reshape
from blocks.scale import scale
from blocks.sigmoid import sigmoid
from blocks.sigmoid_cross_entropy import sigmoid_cross_entropy
from blocks.softmax import softmax
from blocks.softmax_cross_entropy import softmax_cross_entropy
from blocks.sparsemax import sparsemax
from blocks.split import split
from blocks.tanh import tanh
from blocks.where import where

BUILTIN: dict[str, Block] = {
    b.name: b
    for b in (
        linear,
        sigmoid,
        tanh,
        relu,
        softmax,
        log,
        log_softmax,
        sparsemax,
        layer_norm,
        batch_norm,
        dropout,
        noise,
        add,
        multiply,
        scale,
        where,
        mixture,
        multiplicative,
        bilinear,
        attention,
        _max.max,
        concat,
        split,
        reshape,
        flatten,
        embedding,
        conv2d,
        max_pool,
        avg_pool,
        cross_entropy,
        sigmoid_cross_entropy,
        softmax_cross_entropy,
        mse,
    )
}

PLUGINS, PLUGIN_ORIGINS = plugin_blocks(BUILTIN)
BLOCKS: dict[str, Block] = {**BUILTIN, **PLUGINS}
