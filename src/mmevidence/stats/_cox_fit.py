"""Cox partial likelihood on sorted arrays: derivatives, Newton–Raphson, score residuals.

Private numerics behind :func:`mmevidence.stats.cox.cox_ph`. Rows are sorted once
by (stratum, time, deaths first); each iteration is then a few vectorised passes
over the n rows (one ``np.add.reduceat`` over tied-time segments, one gather,
one ``X' diag(v) X`` product) plus O(number of events) work for the Efron terms:
O(n p^2) per iteration. The covariates are stored transposed (p, n), as R does.

Conventions follow R ``survival`` 3.5 (``coxfit6.c``, ``coxscore2.c``): weighted
Breslow and Efron tie handling, covariates centred and scaled internally, the
same Newton–Raphson/step-halving schedule and convergence test, and the same
rank tolerance for the information matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.linalg import solve_triangular

#: R ``coxph.control()`` defaults (survival 3.5-3).
EPS = 1e-9
ITER_MAX = 20
TOLER_CHOL = float(np.finfo(float).eps) ** 0.75
TOLER_INF = EPS**0.5


@dataclass(frozen=True)
class RiskSets:
    """Sorted data and the tied-time bookkeeping that does not depend on beta.

    Rows are sorted by (stratum, time) with the deaths first in each tied-time
    group, so each group is one "deaths" segment and one "others" segment.
    ``xt`` is centred and scaled as R does (``coxfit6``: columns whose values are
    not all in {-1, 0, 1} are centred at their weighted mean, then divided by
    their weighted mean absolute deviation); beta_original = beta_internal * scale.
    """

    xt: np.ndarray  # (p, n) covariates, sorted, centred and scaled
    weight: np.ndarray  # (n,) case weights, sorted
    dead: np.ndarray  # (n,) bool
    scale: np.ndarray  # (p,)
    cut: np.ndarray  # (S,) first row of each segment (deaths / others of a tie group)
    group_first_segment: np.ndarray  # (G,) first segment of each (stratum, time) group
    death_segment: np.ndarray  # (E,) segment holding the deaths of each event time
    event_group: np.ndarray  # (E,) group index of each event time
    stratum_bounds: np.ndarray  # (K+1,) group index where each stratum starts, then G
    row_slot: np.ndarray  # (n,) group index, + G for a death row (indexes a 2G table)
    death_weight: np.ndarray  # (E,) sum of the case weights of the deaths
    event_term_weight: np.ndarray  # (E,) c: mean death weight (Efron) or sum (Breslow)
    term_event: np.ndarray  # (J,) event-time index of each likelihood term
    term_frac: np.ndarray  # (J,) Efron down-weight k/d of the tied deaths (0 for Breslow)
    term_start: np.ndarray  # (E,) first term of each event time
    w_dead: np.ndarray  # (n,) w * delta
    wx_death: np.ndarray  # (p,) sum over deaths of w * x

    @property
    def n_groups(self) -> int:
        return len(self.group_first_segment)


def _sort_order(time: np.ndarray, stratum: np.ndarray, dead: np.ndarray) -> np.ndarray:
    """Permutation sorting by (stratum, time, deaths first): three stable argsorts, the
    integer keys by radix sort (faster than ``np.lexsort`` on 10^6 rows)."""
    order = np.argsort(~dead, kind="stable")
    order = order[np.argsort(time[order], kind="stable")]
    if stratum.max(initial=0) < np.iinfo(np.int16).max:
        stratum = stratum.astype(np.int16)
    return order[np.argsort(stratum[order], kind="stable")]


def build_risk_sets(time: np.ndarray, event: np.ndarray, weight: np.ndarray, x: np.ndarray,
                    stratum: np.ndarray, efron: bool) -> tuple[RiskSets, np.ndarray]:
    """Sort by (stratum, time, deaths first) and index the tie groups; return it with the sort order."""
    dead_in = event != 0
    order = _sort_order(time, stratum, dead_in)
    t, s, w, dead = time[order], stratum[order], weight[order], dead_in[order]
    n, p = x.shape
    xt = np.empty((p, n))
    for j in range(p):
        xt[j] = x[:, j][order]

    center = ~np.all((xt == -1.0) | (xt == 0.0) | (xt == 1.0), axis=1)
    wsum = w.sum()
    scale = np.ones(p)
    for j in np.flatnonzero(center):
        xt[j] -= (w @ xt[j]) / wsum
        mad = (w @ np.abs(xt[j])) / wsum
        scale[j] = 1.0 / mad if mad > 0 else 1.0
        xt[j] *= scale[j]

    new_group = np.empty(n, dtype=bool)
    new_group[0] = True
    new_group[1:] = (t[1:] != t[:-1]) | (s[1:] != s[:-1])
    group_start = np.flatnonzero(new_group)
    group_of_row = np.cumsum(new_group) - 1
    n_groups = len(group_start)
    gs = s[group_start]
    stratum_bounds = np.append(np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]]), n_groups)

    deaths = np.bincount(group_of_row[dead], minlength=n_groups)
    size = np.diff(np.append(group_start, n))
    split = (deaths > 0) & (deaths < size)
    cut = np.sort(np.concatenate([group_start, group_start[split] + deaths[split]]))
    seg_group = group_of_row[cut]
    group_first_segment = np.searchsorted(seg_group, np.arange(n_groups))
    event_group = np.flatnonzero(deaths)
    death_segment = group_first_segment[event_group]
    d = deaths[event_group]
    death_weight = np.bincount(group_of_row[dead], weights=w[dead], minlength=n_groups)[event_group]
    n_event = len(event_group)
    if efron:
        term_start = np.cumsum(d) - d
        term_event = np.repeat(np.arange(n_event), d)
        term_frac = (np.arange(d.sum()) - np.repeat(term_start, d)) / np.repeat(d, d)
        term_weight = death_weight / d
    else:
        term_start = np.arange(n_event)
        term_event = term_start
        term_frac = np.zeros(n_event)
        term_weight = death_weight
    w_dead = w * dead
    rs = RiskSets(xt, w, dead, scale, cut, group_first_segment, death_segment, event_group,
                  stratum_bounds, group_of_row + n_groups * dead, death_weight, term_weight,
                  term_event, term_frac, term_start, w_dead, xt @ w_dead)
    return rs, order


def _cumsum_within(values: np.ndarray, bounds: np.ndarray, reverse: bool) -> np.ndarray:
    """Cumulative sums along the last axis restarting at each stratum (one pass per stratum)."""
    out = np.empty_like(values)
    for a, b in zip(bounds[:-1], bounds[1:]):
        if reverse:
            out[..., a:b] = np.cumsum(values[..., a:b][..., ::-1], axis=-1)[..., ::-1]
        else:
            out[..., a:b] = np.cumsum(values[..., a:b], axis=-1)
    return out


class EventSums(NamedTuple):
    """Per event time: risk-set and death sums and the Efron term sums that all derivatives need.

    With den_k = S0 - f_k D0 over the time's terms k and c its term weight:
    a0 = sum c/den_k (hazard increment), a1 = sum c f_k/den_k,
    b0, b1, b2 = sum c f_k^j / den_k^2 for j = 0, 1, 2.
    """

    s1: np.ndarray  # (p, E)
    d1: np.ndarray  # (p, E)
    a0: np.ndarray
    a1: np.ndarray
    b0: np.ndarray
    b1: np.ndarray
    b2: np.ndarray


class Derivatives(NamedTuple):
    """Log partial likelihood and its derivatives at one beta (internal scale)."""

    loglik: float
    score: np.ndarray  # (p,)
    info: np.ndarray  # (p, p) observed information
    risk: np.ndarray  # (n,) exp(eta), unweighted
    events: EventSums
    cumhaz_group: np.ndarray  # (G,) cumulative hazard within stratum at each time group


def derivatives(rs: RiskSets, beta: np.ndarray, time_weight: np.ndarray | None = None) -> Derivatives:
    """Log partial likelihood, score and information (Efron 1977 / Breslow 1974), weighted.

    For an event time with risk-set sums S0, S1, S2 (of w e^eta, w e^eta x,
    w e^eta x x'), tied-death sums D0, D1, D2 and terms k = 0..d-1 with
    f_k = k/d (Efron) or the single term f = 0 (Breslow) weighted c (mean death
    weight, resp. total death weight):
        l  = sum_deaths w eta - sum_k c log(S0 - f_k D0)
        U  = sum_deaths w x   - sum_k c A_k,   A_k = (S1 - f_k D1)/(S0 - f_k D0)
        I  = sum_k c [(S2 - f_k D2)/(S0 - f_k D0) - A_k A_k'].
    Computed as U = sum w x - (a0 S1 - a1 D1) and
    I = X' diag(w e^eta (H_i - delta_i a1_i)) X - sum [b0 S1 S1' - b1 (S1 D1' + D1 S1') + b2 D1 D1'],
    H_i the cumulative sum of a0 over event times <= t_i in i's stratum (sums of
    :class:`EventSums`; Therneau & Grambsch 2000, ch. 3).

    ``time_weight`` (one value g_k per event time, in ``rs.event_group`` order)
    multiplies each event time's contribution: score and information become
    sum_k g_k U_k and sum_k g_k I_k (the blocks of R ``cox.zph``'s ``zph1.c``);
    the returned loglik is then not a log-likelihood.
    """
    xt = rs.xt
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        eta = beta @ xt
        risk = np.exp(eta)
        wrisk = rs.weight * risk
        rx = xt * wrisk
        seg0 = np.add.reduceat(wrisk, rs.cut)
        seg1 = np.add.reduceat(rx, rs.cut, axis=1)
        s0 = _cumsum_within(np.add.reduceat(seg0, rs.group_first_segment), rs.stratum_bounds, reverse=True)
        s1 = _cumsum_within(np.add.reduceat(seg1, rs.group_first_segment, axis=1), rs.stratum_bounds,
                            reverse=True)
        s0e, s1e = s0[rs.event_group], s1[:, rs.event_group]
        d0e, d1e = seg0[rs.death_segment], seg1[:, rs.death_segment]
        g, f, c = rs.term_event, rs.term_frac, rs.event_term_weight
        wx_death = rs.wx_death
        if time_weight is not None:
            c = c * time_weight
            g_group = np.zeros(rs.n_groups)
            g_group[rs.event_group] = time_weight
            wx_death = xt @ (rs.w_dead * g_group[rs.row_slot % rs.n_groups])
        den = s0e[g] - f * d0e[g]
        inv = 1.0 / den
        finv = f * inv
        sums = np.add.reduceat(np.stack([inv, finv, inv * inv, finv * inv, finv * finv]), rs.term_start,
                               axis=1)
        ev = EventSums(s1e, d1e, *(c * sums))
        loglik = float(rs.w_dead @ eta - c @ np.add.reduceat(np.log(den), rs.term_start))
        score = wx_death - (s1e @ ev.a0 - d1e @ ev.a1)
        h_group = np.zeros(rs.n_groups)
        h_group[rs.event_group] = ev.a0
        cumhaz = _cumsum_within(h_group, rs.stratum_bounds, reverse=False)
        e_group = np.zeros(rs.n_groups)
        e_group[rs.event_group] = ev.a1
        v = np.concatenate([cumhaz, cumhaz - e_group])[rs.row_slot]
        cross = (s1e * ev.b1) @ d1e.T
        rx *= v  # rx is not needed any more: reuse its memory for w e^eta (H - delta a1) x
        info = (rx @ xt.T - (s1e * ev.b0) @ s1e.T + cross + cross.T - (d1e * ev.b2) @ d1e.T)
    return Derivatives(loglik, score, (info + info.T) / 2, risk, ev, cumhaz)


def score_residuals(rs: RiskSets, der: Derivatives) -> np.ndarray:
    """Per-row score residuals (n, p), unweighted, as R ``residuals(fit, type = "score")`` (``coxscore2.c``).

    U_i = delta_i (x_i - xbar_i) - e^eta_i sum_{terms k at times <= t_i} h_k (x_i - A_k),
    h_k = c/den_k; at i's own death time the terms are down-weighted by (1 - f_k)
    and xbar_i is the mean of the A_k (Efron; Breslow has one term). In sums:
    sum h_k A_k = b0 S1 - b1 D1, its (1 - f) version (b0 - b1) S1 - (b1 - b2) D1,
    mean A_k = (a0 S1 - a1 D1) / (total death weight). Rows in sorted order, x on
    the internal (centred, scaled) scale.
    """
    ev, xt = der.events, rs.xt
    m_group = np.zeros((xt.shape[0], rs.n_groups))
    m_group[:, rs.event_group] = ev.s1 * ev.b0 - ev.d1 * ev.b1
    cum_m = _cumsum_within(m_group, rs.stratum_bounds, reverse=False)
    group = rs.row_slot % rs.n_groups
    resid = -der.risk * (xt * der.cumhaz_group[group] - cum_m[:, group])
    # Death rows: own-time terms down-weighted by (1 - f), plus x - mean(A_k).
    dr = np.flatnonzero(rs.dead)
    e = np.searchsorted(rs.event_group, group[dr])
    own_h = -ev.a1[e]
    own_m = -ev.s1[:, e] * ev.b1[e] + ev.d1[:, e] * ev.b2[e]
    abar = (ev.s1[:, e] * ev.a0[e] - ev.d1[:, e] * ev.a1[e]) / rs.death_weight[e]
    resid[:, dr] += xt[:, dr] - abar - der.risk[dr] * (xt[:, dr] * own_h - own_m)
    return resid.T


def ldl(a: np.ndarray, toler: float = TOLER_CHOL) -> tuple[np.ndarray, np.ndarray]:
    """Generalised Cholesky A = L D L' with R's rank rule (``cholesky2.c``).

    A pivot below ``toler * max(diag(A))`` (or non-finite) is declared zero: its
    D entry and L column are zeroed, so solves and the inverse give 0 in that
    direction, as R's ``chsolve2``/``chinv2`` do for a singular column.
    """
    m = np.array(a, dtype=float)
    n = len(m)
    big = np.max(np.diag(m)) if n else 0.0
    eps = toler if not big > 0 else big * toler
    low = np.eye(n)
    dia = np.zeros(n)
    for i in range(n):
        piv = m[i, i]
        if not np.isfinite(piv) or piv < eps:
            continue
        dia[i] = piv
        col = m[i + 1:, i] / piv
        low[i + 1:, i] = col
        m[i + 1:, i + 1:] -= piv * np.outer(col, col)
    return low, dia


def ldl_solve(low: np.ndarray, dia: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve (L D L') y = b, with y = 0 in zero-pivot directions."""
    y = solve_triangular(low, b, lower=True, unit_diagonal=True)
    inv_d = np.zeros_like(dia)
    nonzero = dia != 0
    inv_d[nonzero] = 1.0 / dia[nonzero]
    y = y * (inv_d if y.ndim == 1 else inv_d[:, None])
    return solve_triangular(low.T, y, lower=False, unit_diagonal=True)


def ldl_inverse(low: np.ndarray, dia: np.ndarray) -> np.ndarray:
    """Generalised inverse (L D L')^- with zero rows/columns for zero pivots (R ``chinv2``)."""
    inv = ldl_solve(low, dia, np.eye(len(dia)))
    sing = dia == 0
    inv[sing, :] = 0.0
    inv[:, sing] = 0.0
    return (inv + inv.T) / 2


class NewtonResult(NamedTuple):
    """Outcome of :func:`newton_raphson` on the internal scale."""

    beta: np.ndarray
    loglik0: float
    loglik: float
    score_test: float
    der: Derivatives  # at beta
    low: np.ndarray  # LDL' factors of der.info
    dia: np.ndarray
    iterations: int
    converged: bool
    singular0: np.ndarray  # (p,) zero pivots of I at beta = 0 (collinear terms)


def newton_raphson(rs: RiskSets, max_iter: int = ITER_MAX, eps: float = EPS) -> NewtonResult:
    """Maximise the partial likelihood from beta = 0, following R ``coxfit6.c``.

    Step: beta_new = beta + I^-1 U. Converged when |1 - l_best / l_new| <= eps
    with finite l, U, I. If the loglik falls (or is not finite) the step is
    shrunk: beta_new = (beta_new + h beta)/(h + 1), h = 1, 2, ... consecutive
    halvings. Out of iterations: return the last accepted beta, iterations =
    max_iter + 1 (as R's ``fit$iter``). The score test U0' I0^-1 U0 is taken at 0.
    """
    p = rs.xt.shape[0]
    beta = np.zeros(p)
    der = derivatives(rs, beta)
    loglik0 = der.loglik
    low, dia = ldl(der.info)
    singular0 = dia == 0
    step = ldl_solve(low, dia, der.score)
    score_test = float(der.score @ step)
    best = loglik0
    new = beta + step
    halving = 0
    for it in range(1, max_iter + 1):
        der = derivatives(rs, new)
        low, dia = ldl(der.info)
        finite = np.isfinite(der.loglik) and np.all(np.isfinite(der.score)) and np.all(np.isfinite(der.info))
        with np.errstate(divide="ignore", invalid="ignore"):
            change = abs(1.0 - np.float64(best) / np.float64(der.loglik))
        if finite and change <= eps:
            return NewtonResult(new, loglik0, der.loglik, score_test, der, low, dia, it, True, singular0)
        if not finite or der.loglik < best:
            halving += 1
            new = (new + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            best = der.loglik
            beta = new
            new = new + ldl_solve(low, dia, der.score)
    der = derivatives(rs, beta)
    low, dia = ldl(der.info)
    return NewtonResult(beta, loglik0, der.loglik, score_test, der, low, dia, max_iter + 1, False, singular0)
