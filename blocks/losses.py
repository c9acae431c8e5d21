"""What the loss blocks share: a prediction and a target of one shape."""

from blocks.block import Shape


def pred_target_check(shapes: list[Shape], hypers) -> str | None:
    pred, target = shapes
    if pred != target:
        return f"pred and target of one shape, got pred {pred} and target {target}"
    return None


def is_binary(shape: Shape) -> bool:
    """One output means a yes/no question: binary cross-entropy."""
    return len(shape) <= 1 and (not shape or shape[0] == 1)
