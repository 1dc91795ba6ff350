"""Events at the digitised points of one at-risk interval, for the Guyot reconstruction.

Given the censorings already placed on the interval (``cen``), the number at risk at its
first point and the reconstructed KM before it, an allocator chooses the number of events
``d[k]`` at each digitised point ``k`` of the interval and writes ``d``, the reconstructed
KM ``km_hat`` and the numbers at risk ``n_hat`` (``n_hat[k+1] = n_hat[k] - d[k] - cen[k]``).
Two allocators, chosen by ``reconstruct_ipd(events=...)``:

* :func:`round_events` (``"guyot"``): the appendix code of Guyot et al. 2012 (BMC Med Res
  Methodol 12:9), point by point, ``d[k] = round(n_hat[k] (1 - S_k / KM_last))``: the count
  that puts the KM nearest the reading given the counts already chosen.
* :func:`least_squares_events` (``"steps"``): for points read as the top and the foot of a
  drawn step, each such step is at least one event (a KM curve drops only at an event), and
  the counts of the whole interval are chosen together to minimise the sum of squared
  differences between the reconstructed KM and the readings.

Both work in place on the caller's arrays (the loop of :func:`mmevidence.compare.reconstruct._guyot`
re-runs them while it corrects the number censored) and return the KM after the interval.
"""

from __future__ import annotations

import numpy as np

__all__ = ["least_squares_events", "place_events", "round_events"]


def _n_next(n: float, d: float, c: float, clamp: bool) -> tuple[float, float]:
    """Number at risk after a point, and its censorings: with ``clamp`` (the last interval of the
    appendix code) a negative number at risk becomes 0 and the censorings are cut to fit."""
    nxt = n - d - c
    if clamp and nxt < 0:
        return 0.0, n - d
    return nxt, c


def round_events(s: np.ndarray, cen: np.ndarray, n_hat: np.ndarray, d: np.ndarray, km_hat: np.ndarray,
                 lo: int, up: int, km_start: float, *, first_fixed: bool = False, clamp: bool = False,
                 guard: bool = False, step: np.ndarray | None = None,
                 ahead: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> float:
    """Guyot's point-by-point rounding on points ``lo..up`` (the appendix code's inner loop).

    ``d_k = round(n_k (1 - S_k / KM_last))``, ``KM_k = KM_last (1 - d_k / n_k)``, ``n_{k+1} = n_k - d_k - c_k``,
    where ``KM_last`` is the reconstructed KM at the last event (``km_start`` before the first).
    ``first_fixed``: the first point of the curve (time 0) has no event and KM 1. ``clamp``: the
    appendix code's last interval (numbers at risk cut at 0). ``guard``: no event once the KM is 0
    (the appendix code's first pass over the last interval; elsewhere it divides by 0 and the
    caller refuses the result). ``step`` and ``ahead`` are not used (same signature as
    :func:`least_squares_events`).
    Returns ``KM_last`` after the interval.
    """
    km = km_start
    for k in range(lo, up + 1):
        if first_fixed and k == lo:
            d[k], km_hat[k] = 0, 1.0
        else:
            d[k] = 0 if guard and km == 0 else np.round(n_hat[k] * (1 - s[k] / km))
            km_hat[k] = km * (1 - d[k] / n_hat[k])
        n_hat[k + 1], cen[k] = _n_next(n_hat[k], d[k], cen[k], clamp)
        if d[k] != 0:
            km = km_hat[k]
    return km


def least_squares_events(s: np.ndarray, cen: np.ndarray, n_hat: np.ndarray, d: np.ndarray, km_hat: np.ndarray,
                         lo: int, up: int, km_start: float, *, first_fixed: bool = False, clamp: bool = False,
                         guard: bool = False, step: np.ndarray | None = None,
                         ahead: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> float:
    """Event counts on points ``lo..up`` minimising ``sum_k (KM_k - S_k)^2``, with ``d_k >= 1`` where ``step[k]``.

    Dynamic programming (Viterbi) over the number of events ``E`` placed so far in the interval:
    at point ``k`` the number at risk is ``n_k = n_lo - E - C_k`` (``C_k`` the censorings before
    ``k``, fixed by the caller; with ``clamp`` cut at 0), and a count ``d`` moves the state from
    ``E`` to ``E + d`` with ``KM_k = KM (1 - d / n_k)`` at a cost ``(KM_k - S_k)^2``. For each
    ``E`` the path of least cost so far is kept, with its KM. Where no censoring falls between
    two events the KM is a function of ``E`` alone and the result is the exact least-squares
    count; otherwise paths with the same ``E`` differ in KM by a factor of order ``1/n^2`` per
    event and the one kept is the cheaper so far (a close approximation). At a ``step`` point
    (a drawn drop) a count of 0 is allowed only when nobody is at risk. Counts are searched
    from 0 to 2 above the largest rounded count of :func:`round_events` over the states.
    Ties go to the smaller count.

    ``ahead``: the readings, censorings and step flags of the points after ``up`` (the next
    interval, with a provisional censoring), added to the sum but not decided here: an event
    too many at the end of the interval cannot be taken back at a later drawn drop, so the
    counts near the end are chosen with the next readings in view. Other arguments and the
    return value as :func:`round_events`.
    """
    m = up - lo + 1
    s_all, cen_all = s[lo:up + 1], cen[lo:up + 1]
    step_all = np.zeros(m, dtype=bool) if step is None else step[lo:up + 1]
    if ahead is not None:
        s_all, cen_all, step_all = (np.concatenate((s_all, ahead[0])), np.concatenate((cen_all, ahead[1])),
                                    np.concatenate((step_all, ahead[2])))
    n_start = float(n_hat[lo])
    size = max(int(n_start), 0) + 1
    states = np.arange(size)
    cost = np.full(size, np.inf)
    cost[0] = 0.0
    km = np.full(size, np.nan)
    km[0] = km_start
    chosen = []
    c_before = 0.0
    for j in range(len(s_all)):
        n_k = n_start - states - c_before
        if clamp:
            n_k = np.maximum(n_k, 0.0)
        c_before += cen_all[j]
        if (first_fixed and j == 0) or (guard and km_start == 0):
            chosen.append(np.zeros(size, dtype=np.int64))
            if first_fixed and j == 0:
                km[0] = 1.0
            continue
        alive = np.isfinite(cost)
        at_risk = alive & (n_k >= 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            greedy = np.round(n_k * (1 - s_all[j] / km))
        top = int(min(max(greedy[at_risk].max(), 0) if at_risk.any() else 0, size - 1)) + 2
        best = np.full(size, np.inf)
        best_d = np.zeros(size, dtype=np.int64)
        best_km = np.full(size, np.nan)
        for count in range(min(top, size - 1) + 1):
            if count == 0:
                ok = alive & ((n_k < 1) | ~step_all[j])
                new_km = km
            else:
                ok = alive & (n_k >= count)
                with np.errstate(divide="ignore", invalid="ignore"):
                    new_km = km * (1 - count / n_k)
            total = np.where(ok, cost + (new_km - s_all[j]) ** 2, np.inf)[: size - count]
            better = total < best[count:]
            target = states[: size - count][better] + count
            best[target] = total[better]
            best_d[target] = count
            best_km[target] = new_km[: size - count][better]
        cost, km = best, best_km
        chosen.append(best_d)
    if not np.isfinite(cost).any():
        raise ValueError("internal: no event counts fit the interval")
    state = int(np.argmin(cost))
    counts = np.zeros(len(s_all), dtype=np.int64)
    for j in range(len(s_all) - 1, -1, -1):
        counts[j] = chosen[j][state]
        state -= int(counts[j])
    d[lo:up + 1] = counts[:m]
    return place_events(cen, n_hat, d, km_hat, lo, up, km_start, first_fixed=first_fixed, clamp=clamp)


def place_events(cen: np.ndarray, n_hat: np.ndarray, d: np.ndarray, km_hat: np.ndarray, lo: int, up: int,
                 km_start: float, *, first_fixed: bool = False, clamp: bool = False) -> float:
    """With the counts ``d[lo..up]`` given, the KM ``KM_k = KM_{k-1} (1 - d_k / n_k)`` and the numbers at
    risk ``n_{k+1} = n_k - d_k - c_k`` (cut at 0 with ``clamp``); returns the KM after the interval."""
    km_now = km_start
    for k in range(lo, up + 1):
        if first_fixed and k == lo:
            km_now = 1.0
        elif d[k]:
            km_now = km_now * (1 - d[k] / n_hat[k])
        km_hat[k] = km_now
        n_hat[k + 1], cen[k] = _n_next(n_hat[k], d[k], cen[k], clamp)
    return km_now
