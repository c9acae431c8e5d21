"""The registry of blocks: an explicit list, so what exists is read in one place, plus the
blocks installed packages declare (blocks/plugins.py)."""

import blocks.max as _max  # modules, so the builtins `max` and `sum` stay themselves here
import blocks.sum as _sum
from blocks.add import add
from blocks.attention import attention
from blocks.avg_pool import avg_pool
from blocks.batch_norm import batch_norm
from blocks.bilinear import bilinear
from blocks.block import Block
from blocks.celu import celu
from blocks.concat import concat
from blocks.conv2d import conv2d
from blocks.cross_entropy import cross_entropy
from blocks.dropout import dropout
from blocks.elu import elu
from blocks.embedding import embedding
from blocks.exp import exp
from blocks.flatten import flatten
from blocks.gelu import gelu
from blocks.gru import gru
from blocks.gru_cell import gru_cell
from blocks.hard_sigmoid import hard_sigmoid
from blocks.hard_tanh import hard_tanh
from blocks.layer_norm import layer_norm
from blocks.leaky_relu import leaky_relu
from blocks.linear import linear
from blocks.log import log
from blocks.log_sigmoid import log_sigmoid
from blocks.log_softmax import log_softmax
from blocks.lstm import lstm
from blocks.lstm_cell import lstm_cell
from blocks.masked_multihead_attention import masked_multihead_attention
from blocks.matmul import matmul
from blocks.max_pool import max_pool
from blocks.mean import mean
from blocks.mish import mish
from blocks.mixture import mixture
from blocks.mse import mse
from blocks.multihead_attention import multihead_attention
from blocks.multiplicative import multiplicative
from blocks.multiply import multiply
from blocks.noise import noise
from blocks.parameter import parameter
from blocks.plugins import plugin_blocks
from blocks.relu import relu
from blocks.relu6 import relu6
from blocks.reshape import reshape
from blocks.scale import scale
from blocks.selu import selu
from blocks.sigmoid import sigmoid
from blocks.sigmoid_cross_entropy import sigmoid_cross_entropy
from blocks.silu import silu
from blocks.softmax import softmax
from blocks.softmax_cross_entropy import softmax_cross_entropy
from blocks.softplus import softplus
from blocks.softsign import softsign
from blocks.sparsemax import sparsemax
from blocks.split import split
from blocks.tanh import tanh
from blocks.transpose import transpose
from blocks.where import where

BUILTIN: dict[str, Block] = {
    b.name: b
    for b in (
        linear,
        sigmoid,
        tanh,
        relu,
        leaky_relu,
        relu6,
        elu,
        celu,
        selu,
        gelu,
        silu,
        mish,
        softplus,
        softsign,
        log_sigmoid,
        hard_tanh,
        hard_sigmoid,
        exp,
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
        multihead_attention,
        masked_multihead_attention,
        gru_cell,
        gru,
        lstm_cell,
        lstm,
        _max.max,
        _sum.sum,
        mean,
        matmul,
        concat,
        split,
        reshape,
        transpose,
        flatten,
        parameter,
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
