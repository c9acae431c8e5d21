"""2-D convolution of an image (channels_in, height, width) into (out, height', width')."""

import jax

from blocks.affine import BIAS, USE_BIAS, out_hyper
from blocks.block import Block, Hyper, Slot, plain
from blocks.windows import image_problem


def _apply(inputs, weights, hypers):
    y = jax.lax.conv_general_dilated(
        inputs[0][None],  # the one example as a batch of one
        weights["weight"],
        window_strides=(hypers["stride"], hypers["stride"]),
        padding=hypers["padding"].upper(),
        dimension_numbers=("NCHW", "OIHW", "NCHW"),
    )[0]
    return y + weights["bias"][:, None, None] if hypers["use_bias"] else y


def _check(shapes, hypers):
    return image_problem(shapes[0], hypers["window"], fits=hypers["padding"] == "valid")


conv2d = Block(
    name="conv2d",
    doc=(
        "Convolution of a (channels, height, width) image with `out` learned "
        "`window` x `window` filters, stepping by `stride`; 'same' padding keeps "
        "ceil(size / stride), 'valid' uses only whole windows."
    ),
    inputs=("x",),
    apply=plain(_apply),
    hypers=(
        out_hyper("number of output channels (filters)"),
        Hyper("window", int, 3, "side of the square filter", exclusive_minimum=0),
        Hyper("stride", int, 1, "step between filter positions", exclusive_minimum=0),
        Hyper(
            "padding",
            str,
            "valid",
            "'valid': only whole windows; 'same': pad with zeros to keep ceil(size / stride)",
            choices=("valid", "same"),
        ),
        USE_BIAS,
    ),
    slots=(
        Slot(
            "weight",
            lambda shapes, hypers: (
                hypers["out"],
                shapes[0][0],
                hypers["window"],
                hypers["window"],
            ),
            "lecun_normal",
            doc="(out, in, window, window)",
            # Variance scaling counts fan_in = in * window * window: axis 1 times the
            # receptive field (every axis that is neither fan_in nor fan_out).
            fan_in=1,
            fan_out=0,
        ),
        BIAS,
    ),
    check=_check,
    example=((2, 5, 4),),
    example_hypers={"out": 3},
)
