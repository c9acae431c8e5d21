"""The library of blocks: pure functions of one example, their weight slots and initialisers.

Knows nothing of YAML or recipes; imports jax and the standard library only.
"""

from blocks.block import REQUIRED, Block, Hyper, Shape, Slot, StateSlot, plain
from blocks.initializers import INITIALIZERS, Initializer
from blocks.registry import BLOCKS

__all__ = [
    "BLOCKS",
    "INITIALIZERS",
    "REQUIRED",
    "Block",
    "Hyper",
    "Initializer",
    "Shape",
    "Slot",
    "StateSlot",
    "plain",
]
