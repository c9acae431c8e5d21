"""Shared helpers for the numerical block tests: an independent gradient by finite differences."""

import numpy as np
import pytest


def finite_difference(f, args, wrt, cotangent, step=1e-6):
    """d/d args[wrt] of sum(cotangent * f(*args)), by central differences in float64.

    `f` is a plain-numpy reference; `args` are numpy arrays of any shapes.
    """
    args = [np.asarray(a, np.float64) for a in args]
    x = args[wrt]
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += step
        down[i] -= step
        hi = f(*args[:wrt], up, *args[wrt + 1 :])
        lo = f(*args[:wrt], down, *args[wrt + 1 :])
        grad[i] = np.sum(cotangent * (hi - lo)) / (2 * step)
    return grad


@pytest.fixture
def fd():
    """finite_difference(f, args, wrt, cotangent) as a fixture."""
    return finite_difference
