"""Small array helpers shared by several modules."""

from __future__ import annotations

import numpy as np


def by_owner(values: np.ndarray, owner: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``values`` sorted by owner (stable) and the start of each owner 0..k-1 in them (k + 1
    offsets): owner f's values are ``sorted[start[f]:start[f + 1]]``. Values of a negative
    owner (none) come before ``start[0]`` and belong to no owner."""
    order = np.argsort(owner, kind="stable")
    return values[order], np.searchsorted(owner[order], np.arange(k + 1))
