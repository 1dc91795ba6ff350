"""Test of proportional hazards for a Cox model, agreeing with R ``survival::cox.zph`` (3.5-3).

Grambsch & Therneau (1994, Biometrika 81:515; Therneau & Grambsch 2000, ch. 6):
let beta(t) = beta + theta g(t) for a chosen function g of time. The score
test of theta = 0 at (beta_hat, theta = 0) uses

    U_theta = sum_k g_k sum_{deaths at t_k} w_i (x_i - xbar(t_k))   (Schoenfeld residuals weighted by g)

and the 2p x 2p information of (beta, theta) at theta = 0,

    [[ sum_k I_k,      sum_k g_k I_k   ],
     [ sum_k g_k I_k,  sum_k g_k^2 I_k ]],

I_k the Efron/Breslow information contribution of event time k. The score for
beta is zero at beta_hat (R puts exactly 0 there), so the statistic for a term
with design columns J is u' A^-1 u, u = (0, U_theta[J]) and A the rows/columns
(1..p, p + J) of the information; df = |J|. GLOBAL uses all columns, df = p.
This is the exact score test of survival >= 3.0, not the approximation on
scaled Schoenfeld residuals of survival 2.x.

g is centred: g_k = g(t_k) - mean over event rows of g(event time), with
``transform`` "km" (1 - KM(t-) of all rows pooled, unweighted, ignoring strata,
R's default), "rank" (average rank of t among all rows), "identity" (t) or
"log" (log t), as R ``cox.zph``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2, rankdata

from mmevidence.stats._cox_fit import derivatives
from mmevidence.stats.cox import CoxResult
from mmevidence.stats.kaplan_meier import kaplan_meier

TRANSFORMS = ("km", "rank", "identity", "log")


def _time_transform(time: np.ndarray, dead: np.ndarray, transform: str) -> np.ndarray:
    """g(t) for every row (R ``cox.zph``'s ``ttimes``)."""
    if transform == "identity":
        return time
    if transform == "log":
        with np.errstate(divide="ignore"):
            return np.log(time)
    if transform == "rank":
        return rankdata(time)
    km = kaplan_meier(time, dead.astype(float))
    # 1 - S(t-): the KM value just before t (R: findInterval(..., left.open = TRUE)).
    before = np.r_[1.0, km.survival][np.searchsorted(km.time, time, side="left")]
    return 1.0 - before


def ph_test(cox_result: CoxResult, transform: str = "km", terms: bool = True) -> pd.DataFrame:
    """Grambsch–Therneau score test of proportional hazards per term and GLOBAL.

    Returns a DataFrame ``term, chisq, df, p`` as R ``cox.zph(fit, transform=,
    terms=)$table``: with ``terms=True`` (R's default) a categorical covariate's
    dummy columns are tested together (df = levels - 1) and rows are named by
    the covariate; ``terms=False`` gives one 1-df row per design column, named as
    in ``cox_result.summary``. p = upper chi-square tail. Formula and reference in
    the module docstring (Grambsch & Therneau 1994; Therneau & Grambsch 2000,
    section 6.2; R ``cox.zph`` and ``zph1.c``). Strata and case weights of the fit
    are used as R does; the "km" transform uses the pooled, unweighted KM.
    Coefficients that are NaN (singular design) are left out, as R does.

    Departures: ``log`` with a time of 0 gives -inf and NaN results (R likewise
    fails). R's ``singledf`` option and the scaled Schoenfeld residuals for
    plotting are not provided.
    """
    if not isinstance(cox_result, CoxResult) or cox_result.state is None:
        raise ValueError("cox_result: expected the result of mmevidence.stats.cox_ph")
    if transform not in TRANSFORMS:
        raise ValueError(f"transform: expected one of {TRANSFORMS}, got {transform!r}")
    state = cox_result.state
    rs = state.risk_sets
    gt = _time_transform(state.time, rs.dead, transform)
    gt = gt - gt[rs.dead].mean()
    first_row = rs.cut[rs.group_first_segment[rs.event_group]]
    g = gt[first_row]

    info = derivatives(rs, state.beta).info
    u_g = derivatives(rs, state.beta, g)
    info_gg = derivatives(rs, state.beta, g * g).info
    p = len(state.beta)
    keep = np.flatnonzero(np.isfinite(cox_result.summary["coef"].to_numpy()))
    imat = np.block([[info, u_g.info], [u_g.info, info_gg]])
    idx = np.r_[keep, keep + p]
    imat = imat[np.ix_(idx, idx)]
    u = np.r_[np.zeros(len(keep)), u_g.score[keep]]
    position = {int(j): i for i, j in enumerate(keep)}

    names = list(cox_result.summary["term"])
    groups = state.assign if terms else tuple((n, (j,)) for j, n in enumerate(names))
    rows = []
    for name, cols in groups:
        jj = [position[j] for j in cols if j in position]
        if not jj:
            continue
        kk = np.r_[np.arange(len(keep)), len(keep) + np.array(jj)]
        rows.append((name, _quadratic(imat[np.ix_(kk, kk)], u[kk]), len(jj)))
    rows.append(("GLOBAL", _quadratic(imat, u), len(keep)))
    table = pd.DataFrame(rows, columns=["term", "chisq", "df"])
    table["p"] = chi2.sf(table["chisq"], table["df"])
    return table


def _quadratic(a: np.ndarray, u: np.ndarray) -> float:
    """u' A^-1 u by LU solve (R ``solve(imat, u) %*% u``)."""
    return float(np.linalg.solve(a, u) @ u)
