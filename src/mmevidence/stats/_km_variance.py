"""Variance of the Kaplan–Meier estimate: Greenwood and the infinitesimal-jackknife (robust) form.

* Greenwood (1926): ``var(log S(t)) = sum_{t_j <= t} d_j / (n_j (n_j - d_j))`` on the
  (weighted) counts; infinite once ``n_j = d_j``. R ``survfit`` with unit or
  integer case weights (``robust = FALSE``).
* Infinitesimal jackknife (R ``survfit`` default when case weights are not all
  integers, ``robust = TRUE`` with each row its own cluster; Therneau, survival
  vignette "Robust variance"): with ``h_j = d_j / n_j``, the influence of row ``i``
  on ``S(t)`` is ``U_i(t) = -S(t) sum_{t_j <= t} (dN_i(t_j) - Y_i(t_j) h_j) / (n_j - d_j)``
  (``Y_i(t_j) = [entry_i < t_j <= time_i]``), and ``var S(t) = sum_i w_i^2 U_i(t)^2``.
  Computed in O(n) by splitting rows into those exited by ``t`` (constant
  influence) and those still at risk (influence ``-(G(t) - G(entry_i))`` with
  ``G`` the cumulative ``h_j / (n_j - d_j)``), each summed with ``np.bincount``.
"""

from __future__ import annotations

import numpy as np


def greenwood_se_log(n_risk: np.ndarray, n_event: np.ndarray) -> np.ndarray:
    """Greenwood standard error of ``log S`` at each distinct time (R ``fit$std.err``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
        term = np.where((n_event > 0) & (n_risk - n_event <= 0), np.inf, term)
    return np.sqrt(np.cumsum(term))


def jackknife_se_surv(grid: np.ndarray, n_risk: np.ndarray, n_event: np.ndarray, survival: np.ndarray,
                      time: np.ndarray, event: np.ndarray, weights: np.ndarray,
                      entry: np.ndarray | None = None) -> np.ndarray:
    """Infinitesimal-jackknife standard error of ``S`` (not of log S) at each time of ``grid``."""
    n_t = grid.size
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(n_event > 0, 1.0 / (n_risk - n_event), 0.0)
        g = np.where(n_event > 0, n_event / n_risk * c, 0.0)
    big_g = np.concatenate(([0.0], np.cumsum(g)))            # G_k, k = 0..T
    exit_k = np.searchsorted(grid, time) + 1                  # 1-based index of the exit time
    enter_k = (np.zeros(time.size, dtype=np.int64) if entry is None
               else np.searchsorted(grid, entry, side="right"))  # number of times <= entry
    w2 = weights * weights
    g_enter = big_g[enter_k]
    with np.errstate(invalid="ignore"):
        a = np.where(event > 0, c[exit_k - 1], 0.0) - big_g[exit_k] + g_enter

    def by_entry(v: np.ndarray) -> np.ndarray:  # sum over rows with enter_k < k, k = 1..T
        return np.cumsum(np.bincount(enter_k, weights=v, minlength=n_t + 1))[:-1]

    def by_exit(v: np.ndarray) -> np.ndarray:   # sum over rows with exit_k <= k, k = 1..T
        return np.cumsum(np.bincount(exit_k, weights=v, minlength=n_t + 1))[1:]

    with np.errstate(invalid="ignore"):
        exited = by_exit(w2 * a * a)
        s0 = by_entry(w2) - by_exit(w2)
        s1 = by_entry(w2 * g_enter) - by_exit(w2 * g_enter)
        s2 = by_entry(w2 * g_enter ** 2) - by_exit(w2 * g_enter ** 2)
        gk = big_g[1:]
        var = exited + gk * gk * s0 - 2.0 * gk * s1 + s2
        return survival * np.sqrt(np.maximum(var, 0.0))
