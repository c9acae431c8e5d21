"""How a classifier's picture over the plane is coloured, said once for the PNG pictures
(compose plot) and the editor's terminal picture: each class's colour, and a point's
shading by how sure the model is there."""

from __future__ import annotations

import numpy as np

# Each class's colour as RGB (0-255), TensorFlow Playground's orange and blue first: the
# PNG pictures (compose plot) and the editor's terminal picture draw with these.
CLASS_COLOURS = (
    (245, 147, 34), (8, 119, 189), (44, 160, 44), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34),
)  # fmt: skip
SHADING = 0.8  # the deepest a class colour gets over the plane, so points stay visible


def class_shading(probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(likeliest class, shading) at each point: the shading runs from 0 where the classes
    are alike (white) to SHADING where the model is certain. probabilities: (..., classes).

    >>> winner, shade = class_shading(np.array([[0.5, 0.5], [0.0, 1.0]]))
    >>> winner.tolist(), shade.tolist()
    ([0, 1], [0.0, 0.8])
    """
    probabilities = np.asarray(probabilities, np.float64)
    k = probabilities.shape[-1]
    confidence = np.max(probabilities, axis=-1)
    shade = np.clip((confidence - 1 / k) / (1 - 1 / k), 0, 1) * SHADING
    return np.argmax(probabilities, axis=-1), shade
