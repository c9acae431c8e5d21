"""A SHA-256 seal at the end of a run folder's binary files (the checkpoint, model.eqx), so
that a file damaged after it was written is found when it is read, instead of loading.

A sealed file is its contents followed by one line naming their SHA-256:

    CONTENTS \\n blockcompose sha256 HEX \\n        (the last 86 bytes)

Equinox reads model.eqx's arrays one after another and stops after the last, so a sealed
model.eqx still loads with `equinox.tree_deserialise_leaves` alone.

>>> unseal(seal(b"weights"))
b'weights'
>>> unseal(b"weights") is None  # written before files were sealed
True
"""

from __future__ import annotations

import hashlib

TAG = b"\nblockcompose sha256 "
SIZE = len(TAG) + 64 + 1  # the tag, the digest in hex, the newline


class Damaged(ValueError):
    """A sealed file whose contents no longer match their seal."""


def seal(data: bytes) -> bytes:
    """`data` with its seal after it."""
    return data + TAG + hashlib.sha256(data).hexdigest().encode() + b"\n"


def unseal(raw: bytes) -> bytes | None:
    """The contents of a sealed file; None for a file with no seal at its end. Raises
    Damaged when the contents do not match the seal."""
    tail = raw[-SIZE:]
    if len(raw) < SIZE or not tail.startswith(TAG) or not tail.endswith(b"\n"):
        return None
    data = raw[:-SIZE]
    if hashlib.sha256(data).hexdigest().encode() != tail[len(TAG) : -1]:
        raise Damaged("its contents do not match the SHA-256 sealed at its end")
    return data
