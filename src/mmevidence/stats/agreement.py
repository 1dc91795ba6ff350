"""Inter-rater agreement: Cohen's kappa (unweighted and weighted) with its asymptotic SE and CI.

Pure numerics on a square contingency table; imports nothing of the project except
the shared :class:`~mmevidence.stats.estimate.Estimate` value type.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from scipy.stats import norm

from .estimate import Estimate

Weights = Literal["none", "equal-spacing", "fleiss-cohen"]


def kappa_weights(k: int, weights: Weights | np.ndarray = "none") -> np.ndarray:
    """Agreement weight matrix ``W`` (1 on the diagonal) for ``k`` ordered categories.

    ``"none"``: identity (Cohen 1960). ``"equal-spacing"``: ``1 - |i-j|/(k-1)``
    (Cicchetti–Allison linear weights; R ``vcd::Kappa`` default "Equal-Spacing",
    SAS PROC FREQ ``AGREE`` default ``WT=CA``). ``"fleiss-cohen"``: ``1 - (|i-j|/(k-1))^2``
    (quadratic; R "Fleiss-Cohen", SAS ``WT=FC``). A ``k x k`` array is used as given.
    """
    if isinstance(weights, np.ndarray):
        w = np.asarray(weights, dtype=float)
        if w.shape != (k, k):
            raise ValueError(f"weights: expected a {k}x{k} matrix, got shape {w.shape}")
        return w
    if weights == "none":
        return np.eye(k)
    if k < 2:
        raise ValueError("weights: weighted kappa needs at least 2 categories")
    d = np.abs(np.subtract.outer(np.arange(k), np.arange(k))) / (k - 1)
    if weights == "equal-spacing":
        return 1.0 - d
    if weights == "fleiss-cohen":
        return 1.0 - d**2
    raise ValueError(f"weights: unknown weights {weights!r} (none, equal-spacing, fleiss-cohen)")


def cohen_kappa(
    table: np.ndarray,
    weights: Weights | np.ndarray = "none",
    conf_level: float = 0.95,
    clip: bool = True,
) -> Estimate:
    """Cohen's kappa of a square ``k x k`` table of counts (rows: rater 1, columns: rater 2).

    Formula: ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_o = sum w_ij p_ij`` and
    ``p_e = sum w_ij p_i. p_.j`` (Cohen 1960; weighted: Cohen 1968). The standard error
    is the large-sample (non-null) ASE of Fleiss, Cohen & Everitt (Psychol Bull
    1969;72:323)::

        ASE^2 = [ sum_ij p_ij (w_ij - (wbar_i + wbar_j)(1 - kappa))^2
                  - (kappa - p_e (1 - kappa))^2 ] / (n (1 - p_e)^2)

        wbar_i = sum_j w_ij p_.j ,  wbar_j = sum_i w_ij p_i.

    and the Wald interval ``kappa -/+ z_{(1+conf)/2} ASE``. This is R ``vcd::Kappa`` /
    ``confint.Kappa`` (which clips the interval to [-1, 1]: ``clip=True``) and SAS
    PROC FREQ ``/ AGREE`` (ASE and limits identical, not clipped: ``clip=False``).

    Returns an :class:`Estimate`; NaN with a ``reason`` when the table is empty or
    chance agreement is 1 (a single category used by both raters).
    """
    x = np.asarray(table, dtype=float)
    if x.ndim != 2 or x.shape[0] != x.shape[1]:
        raise ValueError(f"table: expected a square 2-d table, got shape {x.shape}")
    if not np.isfinite(x).all() or (x < 0).any():
        raise ValueError("table: counts must be finite and non-negative")
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level: must be in (0, 1), got {conf_level!r}")
    k = x.shape[0]
    w = kappa_weights(k, weights)
    n = x.sum()
    if n == 0:
        return Estimate(math.nan, reason="empty table")
    p = x / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    po = float((w * p).sum())
    pe = float((w * np.outer(rows, cols)).sum())
    if math.isclose(pe, 1.0, rel_tol=0, abs_tol=1e-12):
        return Estimate(math.nan, reason="chance agreement is 1 (one category only)")
    kap = (po - pe) / (1.0 - pe)
    wbar_row = w @ cols  # wbar_i = sum_j w_ij p_.j
    wbar_col = w.T @ rows  # wbar_j = sum_i w_ij p_i.
    dev = w - np.add.outer(wbar_row, wbar_col) * (1.0 - kap)
    var = ((p * dev**2).sum() - (kap - pe * (1.0 - kap)) ** 2) / (n * (1.0 - pe) ** 2)
    se = math.sqrt(max(var, 0.0))
    z = norm.ppf((1.0 + conf_level) / 2.0)
    lo, hi = kap - z * se, kap + z * se
    if clip:
        lo, hi = max(-1.0, lo), min(1.0, hi)
    return Estimate(float(kap), float(lo), float(hi), float(se))
