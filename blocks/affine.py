"""What blocks with an output width and an optional bias share: `out`, `use_bias`, the bias.

One record each, so the same hyperparameter has the same name, type and check everywhere.
"""

from blocks.block import Hyper, Shape, Slot


def out_hyper(doc: str = "number of outputs") -> Hyper:
    """The `out` hyperparameter: a positive width."""
    return Hyper("out", int, doc=doc, exclusive_minimum=0)


USE_BIAS = Hyper("use_bias", bool, True, "add a learned bias")

BIAS = Slot(
    "bias",
    lambda shapes, hypers: (hypers["out"],) if hypers["use_bias"] else None,
    "zeros",
    doc="(out,)",
)


def two_vectors(shapes: list[Shape], hypers) -> str | None:
    """Shape check for blocks of two vectors x (n,) and z (m,)."""
    x, z = shapes
    if len(x) != 1 or len(z) != 1:
        return f"vectors x (n,) and z (m,), got x {x} and z {z}"
    return None
