"""Fisher's exact test for a 2 x 2 table, agreeing with R ``stats::fisher.test``.

The table ``(a, b, c, d)`` is laid out as in :mod:`mmevidence.stats.proportions`
(rows = groups, columns = responder / non-responder; R
``matrix(c(a, b, c, d), 2, byrow = TRUE)``). The exact conditional odds ratio
and its interval are :func:`mmevidence.stats.proportions.odds_ratio`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from mmevidence.stats.proportions import Alternative, _noncentral_hypergeom_logpmf, _table

#: R ``fisher.test``: probabilities within this relative factor of the observed one count as "as extreme".
REL_ERR = 1.0 + 1e-7


class FisherTest(NamedTuple):
    """Fisher's exact test: the p-value and the alternative it was computed for."""

    p: float
    alternative: str


def fisher_exact(a: int, b: int, c: int, d: int, alternative: Alternative = "two-sided") -> FisherTest:
    """Fisher's exact test of independence (odds ratio 1) in the 2 x 2 table ``(a, b, c, d)``.

    Given all margins, ``a`` is hypergeometric: P(A = x) = C(a+b, x) C(c+d, a+c-x) / C(n, a+c)
    on max(0, a-d) <= x <= min(a+b, a+c) (Fisher 1935; Agresti 2013, section 3.5).
    ``"two-sided"``: sum of P(A = x) over the x with P(A = x) <= P(A = a) (1 + 1e-7),
    exactly R ``fisher.test(matrix(c(a, b, c, d), 2, byrow = TRUE))$p.value`` including
    its relative tolerance for ties in probability. SAS PROC FREQ ``EXACT FISHER``
    reports the same two-sided rule ("Table Probability (P) <= observed"; its own
    tolerance for ties is not checked here). ``"greater"``: P(A >= a) (odds
    ratio > 1); ``"less"``: P(A <= a). Tables with a zero margin give p = 1, as R.

    Raises ``ValueError`` naming the cell for a negative or non-integer count.
    """
    a, b, c, d = _table(a, b, c, d)
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"alternative: expected 'two-sided', 'greater' or 'less', got {alternative!r}")
    support, logpmf = _noncentral_hypergeom_logpmf(a + b, c + d, a + c)
    dens = np.exp(logpmf - logpmf.max())
    dens /= dens.sum()
    at = a - int(support[0])
    if alternative == "less":
        p = dens[: at + 1].sum()
    elif alternative == "greater":
        p = dens[at:].sum()
    else:
        p = dens[dens <= dens[at] * REL_ERR].sum()
    return FisherTest(float(min(1.0, p)), alternative)
