"""Argument checks shared by the estimators: clear ``ValueError`` naming the argument."""

from __future__ import annotations

from typing import Any

import numpy as np


def as_float_array(x: Any, name: str, *, nonnegative: bool = False, allow_nan: bool = False) -> np.ndarray:
    """Return ``x`` as a 1-d float64 array, or raise ``ValueError`` naming ``name``."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: values must be numeric ({exc})") from None
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-dimensional array, got shape {arr.shape}")
    if not allow_nan:
        bad = ~np.isfinite(arr)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name}: value {arr[i].item()!r} at position {i} is not finite")
    if nonnegative:
        neg = arr < 0
        if neg.any():
            i = int(np.flatnonzero(neg)[0])
            raise ValueError(f"{name}: value {arr[i].item()!r} at position {i} is negative")
    return arr


def as_event_array(x: Any, name: str = "event") -> np.ndarray:
    """Return a 0/1 event indicator as a float64 array, or raise ``ValueError``."""
    arr = as_float_array(x, name)
    bad = (arr != 0) & (arr != 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}: value {arr[i].item()!r} at position {i} is not 0 or 1")
    return arr


def check_same_length(**arrays: np.ndarray) -> int:
    """Raise ``ValueError`` unless all arrays have one length; return it."""
    lengths = {k: len(v) for k, v in arrays.items() if v is not None}
    if len(set(lengths.values())) > 1:
        desc = ", ".join(f"{k}={n}" for k, n in lengths.items())
        raise ValueError(f"arguments differ in length: {desc}")
    return next(iter(lengths.values()), 0)
