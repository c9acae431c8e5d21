"""What the blocks that work along one axis share: the check that the axis exists."""

from blocks.block import Hyper, Shape


def axis_hyper(doc: str) -> Hyper:
    """The `axis` hyperparameter, counted from the end by default as numpy does."""
    return Hyper("axis", int, -1, doc)


def axis_problem(shape: Shape, axis: int) -> str | None:
    """What was expected if `axis` is not an axis of `shape` (negative counts from the end)."""
    rank = len(shape)
    if rank == 0:
        return f"an array with at least one axis, got a scalar {shape}"
    if not -rank <= axis < rank:
        return f"an axis between {-rank} and {rank - 1} for shape {shape}, got axis {axis}"
    return None
