"""What the sliding-window blocks share: images are (channels, height, width), unbatched.

This is Equinox's convention for `Conv2d` and `MaxPool2d` on one example.
"""

from blocks.block import Shape


def image_problem(shape: Shape, window: int, *, fits: bool = True) -> str | None:
    """What was expected if `shape` is not an image that a `window` x `window` window fits.

    `fits=False` skips the size test, for "same" padding, where any size works.
    """
    if len(shape) != 3:
        return f"an image (channels, height, width), got {shape}"
    _, height, width = shape
    if fits and (height < window or width < window):
        return (
            f"an image (channels, height, width) at least {window}x{window} to fit the "
            f"window, got {shape}"
        )
    return None
