"""Risk-set counting per distinct time and per cell: the one pass Kaplan–Meier and log-rank share.

For right-censored data with optional delayed entry (left truncation) and case
weights, the subject ``i`` is *at risk* at time ``t`` when ``entry_i < t <= time_i``
(R ``Surv(entry, time, event)``, counting-process convention; without ``entry``
every subject is at risk from the origin). At each distinct observed ``time``
``t_j`` (sorted) and in each cell ``c`` (a group, or a stratum x group
combination) this module returns the weighted counts

    n_risk[c, j]   = sum_i w_i [cell_i = c] [entry_i < t_j <= time_i]
    n_event[c, j]  = sum_i w_i [cell_i = c] [time_i = t_j] event_i
    n_censor[c, j] = sum_i w_i [cell_i = c] [time_i = t_j] (1 - event_i)

which are the ``n.risk``, ``n.event`` and ``n.censor`` columns of R
``survfit`` (survival 3.5) and the ingredients of ``survdiff``. Rows are the
distinct *exit* times only, as in R: an entry time is not a row.

Counting is done without Python loops: times are mapped to their rank among the
distinct times (hash factorisation, or a direct bin index when times are
integers in a compact range such as day counts), counts by ``np.bincount`` on
``cell * T + rank`` and ``n_risk`` by a reverse cumulative sum, minus the
subjects whose entry is at or after ``t_j`` (located with ``np.searchsorted``).
Unlike R (``timefix=TRUE``, ``aeqSurv``) times are not merged when they differ
by less than ``sqrt(.Machine$double.eps)``: exactly equal floats are ties.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Integer times spanning at most this many bins (or 4x the row count) are
# counted by direct binning instead of factorisation.
_MAX_DIRECT_BINS = 50_000_000


@dataclass(frozen=True)
class RiskSets:
    """Weighted counts per cell (rows) and distinct exit time (columns)."""

    time: np.ndarray      # (T,) sorted distinct exit times
    n_risk: np.ndarray    # (C, T)
    n_event: np.ndarray   # (C, T)
    n_censor: np.ndarray  # (C, T)


def _time_ranks(time: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Return ``(distinct, rank, compressed)``.

    When ``compressed`` is False, ``rank`` indexes a dense integer grid starting at
    ``distinct[0]`` (integer-valued times in a compact range) and ``distinct`` is
    that full grid; empty bins are dropped later.
    """
    if time.size == 0:
        return np.empty(0), np.empty(0, dtype=np.int64), True
    lo, hi = float(time.min()), float(time.max())
    span = hi - lo
    if span <= min(_MAX_DIRECT_BINS, 4 * time.size + 1024) and np.all(np.mod(time, 1.0) == 0.0):
        rank = (time - lo).astype(np.int64)
        grid = lo + np.arange(int(span) + 1, dtype=float)
        return grid, rank, False
    codes, uniques = pd.factorize(time, sort=True)
    return np.asarray(uniques, dtype=float), codes.astype(np.int64, copy=False), True


def count_risk_sets(
    time: np.ndarray,
    event: np.ndarray,
    *,
    entry: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    cell: np.ndarray | None = None,
    n_cells: int = 1,
) -> RiskSets:
    """Count risk sets, events and censorings per cell at every distinct exit time.

    ``time``, ``event`` (0/1), optional ``entry`` (< ``time``), ``weights`` (>= 0)
    and ``cell`` (integer codes ``0 .. n_cells-1``) must already be validated.
    Unweighted counts are exact integers (stored as float64).
    """
    grid, rank, compressed = _time_ranks(time)
    n_t = grid.size
    idx = rank if cell is None or n_cells == 1 else cell.astype(np.int64) * n_t + rank
    size = n_cells * n_t
    if weights is None:
        total = np.bincount(idx, minlength=size).astype(float)
        events = np.bincount(idx, weights=event, minlength=size)
    else:
        total = np.bincount(idx, weights=weights, minlength=size)
        events = np.bincount(idx, weights=weights * event, minlength=size)
    total = total.reshape(n_cells, n_t)
    events = events.reshape(n_cells, n_t)

    if not compressed:
        seen = total.sum(axis=0) if weights is None else np.bincount(rank, minlength=n_t)
        keep = np.flatnonzero(seen)
        if keep.size < n_t:
            grid, total, events = grid[keep], total[:, keep], events[:, keep]
            n_t = grid.size

    # n at risk = #(time >= t_j) - #(entry >= t_j), per cell.
    n_risk = np.cumsum(total[:, ::-1], axis=1)[:, ::-1]
    if entry is not None:
        after = np.searchsorted(grid, entry, side="right")  # number of t_j <= entry
        eidx = after if cell is None or n_cells == 1 else cell.astype(np.int64) * (n_t + 1) + after
        if weights is None:
            ent = np.bincount(eidx, minlength=n_cells * (n_t + 1)).astype(float)
        else:
            ent = np.bincount(eidx, weights=weights, minlength=n_cells * (n_t + 1))
        ent = ent.reshape(n_cells, n_t + 1)
        # entry >= t_j  <=>  after > j
        not_yet = np.cumsum(ent[:, ::-1], axis=1)[:, ::-1][:, 1:]
        n_risk = n_risk - not_yet
    return RiskSets(time=grid, n_risk=n_risk, n_event=events, n_censor=total - events)
