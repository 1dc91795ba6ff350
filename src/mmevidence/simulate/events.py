"""Event times: piecewise-exponential progression-free and overall survival calibrated to
published figures, coupled by a Clayton copula, with enrolment, cut-off and loss to follow-up.

Model (times in months inside this module, days in the latent frame; 1 month = 30.4375 days,
as ``mmevidence.derive.adtte.DAYS_PER_MONTH``):

* Each endpoint E (PFS, OS) has a baseline piecewise-constant hazard ``h0_E(t)`` and every
  patient a multiplier ``m_E`` = (arm hazard ratio) x (prognostic-factor hazard ratio), so
  ``S_E(t | m) = S0_E(t) ** m`` -- proportional hazards exactly (Cox 1972). The baseline is
  *solved* from published survival points (medians = ``S(t) = 0.5``, landmark rates) by
  :func:`solve_piecewise`: one piece a constraint, each piece's rate the root of the
  constraint at its end (a constraint may refer to a mixture of patient groups, e.g. the
  whole Italian cohort over its hemoglobin groups). Sampling inverts the cumulative hazard
  (Bender, Augustin & Blettner, Stat Med 2005;24:1713-23).
* Progression and death are not independent. OS is drawn from ``S_OS``; the latent time to
  progression (TTP) from ``S_TTP`` jointly with OS through a Clayton survival copula
  ``P(TTP > s, OS > t) = C(S_TTP(s), S_OS(t))``, ``C(u, v) = (u^-th + v^-th - 1)^(-1/th)``
  (Clayton 1978; Kendall's tau = th / (th + 2)), with ``S_TTP`` solved pointwise from
  ``S_PFS(t) = C(S_TTP(t), S_OS(t))``. Hence PFS = min(TTP, OS) has exactly the calibrated
  ``S_PFS`` and OS exactly ``S_OS``: both medians and both hazard ratios are reproduced,
  while responders' late progression and early death after progression come from the
  dependence. Requires ``h_PFS >= h_OS`` (checked).
* Follow-up: enrolment dates from ``enrolment_start`` + (window x U^(1/a)) (accrual density
  ``a u^(a-1)``: a = 1 uniform, a > 1 accrual rising over time), ``a`` solved from the
  published median follow-up when there is one (:func:`solve_accrual_shape`); follow-up ends
  at the data cut-off or at loss to follow-up (exponential, rate an assumption).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.optimize import brentq


#: Grid (months) on which the TTP survival function is tabulated for inversion.
_GRID = np.concatenate([np.linspace(0.0, 120.0, 24001), np.linspace(120.0, 1200.0, 2001)[1:]])


@dataclass(frozen=True)
class PiecewiseExponential:
    """Piecewise-constant hazard: ``rates[k]`` (per month) on ``[breaks[k], breaks[k+1])``,
    the last rate continuing to infinity; ``breaks[0] == 0``.

    ``S(t) = exp(-H(t))``, ``H(t) = sum_k rates[k] * |[breaks[k], min(t, breaks[k+1]))|``.
    """

    breaks: np.ndarray
    rates: np.ndarray

    def cumhaz(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        ends = np.append(self.breaks[1:], np.inf)
        seg = np.clip(t[..., None] - self.breaks, 0.0, ends - self.breaks)
        return (seg * self.rates).sum(axis=-1)

    def survival(self, t: np.ndarray, multiplier: float | np.ndarray = 1.0) -> np.ndarray:
        """``S0(t) ** multiplier``."""
        return np.exp(-self.cumhaz(t) * multiplier)

    def quantile_time(self, surv: np.ndarray, multiplier: float | np.ndarray = 1.0) -> np.ndarray:
        """Inverse: the ``t`` with ``S0(t) ** multiplier == surv`` (``inf`` for ``surv == 0``)."""
        h = -np.log(np.asarray(surv, dtype=float)) / np.asarray(multiplier, dtype=float)
        hb = np.concatenate([[0.0], np.cumsum(np.diff(self.breaks) * self.rates[:-1])])
        k = np.clip(np.searchsorted(hb, h, side="right") - 1, 0, len(self.rates) - 1)
        return self.breaks[k] + (h - hb[k]) / self.rates[k]


@dataclass(frozen=True)
class Constraint:
    """``sum_g weights[g] * S0(months) ** multipliers[g] == survival`` (a population of patient
    groups: ``weights`` sum to 1; one group with multiplier 1 is the baseline itself)."""

    months: float
    survival: float
    weights: tuple[float, ...] = (1.0,)
    multipliers: tuple[float, ...] = (1.0,)


def _mix(h0: float, c: Constraint) -> float:
    return float(sum(w * np.exp(-h0 * m) for w, m in zip(c.weights, c.multipliers)))


def solve_piecewise(constraints: Sequence[Constraint]) -> PiecewiseExponential:
    """Baseline piecewise-exponential hazard meeting every constraint exactly.

    Constraints are sorted by time; piece ``k`` spans ``(t_{k-1}, t_k]`` and its rate is the
    root (Brent) of constraint ``k`` given the earlier pieces -- for a single group this is
    the closed form ``rate = log(S_{k-1} / S_k) / (t_k - t_{k-1})``. Raises ``ValueError``
    when the constraints cannot hold with non-negative hazards (e.g. a later survival point
    above an earlier one).
    """
    cs = sorted(constraints, key=lambda c: c.months)
    breaks, rates, h_prev, t_prev = [0.0], [], 0.0, 0.0
    for c in cs:
        width = c.months - t_prev
        if width <= 0:
            raise ValueError(f"constraints: two survival points at {c.months} months")
        f = lambda r: _mix(h_prev + r * width, c) - c.survival  # noqa: E731
        if f(0.0) < 0:
            raise ValueError(f"constraint S({c.months}) = {c.survival} needs a negative hazard")
        r = brentq(f, 0.0, 50.0, xtol=1e-14, rtol=1e-14)
        rates.append(r)
        h_prev += r * width
        t_prev = c.months
        breaks.append(c.months)
    breaks.pop()
    return PiecewiseExponential(np.asarray(breaks, dtype=float), np.asarray(rates, dtype=float))


def exponential_rate_for_events(fraction: float, follow_up: np.ndarray, loss_rate: float) -> float:
    """Exponential event rate ``l`` such that the expected fraction of patients with an event
    observed before the end of their potential follow-up ``F`` (months, one value a patient of
    a large reference sample) with competing loss to follow-up at rate ``mu`` equals
    ``fraction``: ``mean(l / (l + mu) * (1 - exp(-(l + mu) F))) = fraction`` (Brent)."""
    def f(lam: float) -> float:
        return float(np.mean(lam / (lam + loss_rate) * -np.expm1(-(lam + loss_rate) * follow_up))) - fraction
    return brentq(f, 1e-9, 20.0, xtol=1e-14)


def solve_accrual_shape(window_months: float, cutoff_from_start_months: float, median_follow_up: float) -> float:
    """Shape ``a`` of the accrual density ``a u^(a-1)`` on the enrolment window giving the
    published median potential follow-up: ``cutoff - start - window * 0.5^(1/a) = median``
    (the reverse-Kaplan-Meier median follow-up with little loss to follow-up)."""
    q = (cutoff_from_start_months - median_follow_up) / window_months
    if not 0 < q < 1:
        raise ValueError("median follow-up outside the range the enrolment window and cut-off allow")
    return float(np.log(0.5) / np.log(q))


def enrolment_fraction(u: np.ndarray, shape: float) -> np.ndarray:
    """Position in the enrolment window (0..1) from uniforms: inverse CDF ``u^(1/a)``."""
    return np.power(u, 1.0 / shape)


def clayton_conditional(v: np.ndarray, w: np.ndarray, theta: float) -> np.ndarray:
    """Draw ``U`` given ``V = v`` from the Clayton copula by the conditional method
    (Nelsen, An Introduction to Copulas, 2006, section 2.9): ``U = (v^-th (w^(-th/(1+th)) - 1) + 1)^(-1/th)``."""
    if theta <= 0:
        return w
    return np.power(np.power(v, -theta) * (np.power(w, -theta / (1.0 + theta)) - 1.0) + 1.0, -1.0 / theta)


def ttp_survival(s_pfs: np.ndarray, s_os: np.ndarray, theta: float) -> np.ndarray:
    """``S_TTP`` solving ``S_PFS = C(S_TTP, S_OS)`` pointwise: ``(S_PFS^-th - S_OS^-th + 1)^(-1/th)``
    (independence, th = 0: ``S_PFS / S_OS``); made non-increasing."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if theta <= 0:
            s = s_pfs / s_os
        else:
            s = np.power(np.power(s_pfs, -theta) - np.power(s_os, -theta) + 1.0, -1.0 / theta)
    s = np.nan_to_num(s, nan=0.0, posinf=0.0)
    return np.minimum.accumulate(np.clip(s, 0.0, 1.0))


def sample_ttp_os(pfs: PiecewiseExponential, os_: PiecewiseExponential, m_pfs: np.ndarray, m_os: np.ndarray,
                  theta: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Latent (TTP, OS) in months for patients with multipliers ``m_pfs``, ``m_os``.

    OS by inversion of ``S0_OS ** m_os``; TTP from the Clayton conditional given OS and the
    tabulated ``S_TTP`` of the patient's group (one table per distinct multiplier pair),
    inverted by linear interpolation of ``-log S`` on :data:`_GRID` (``inf`` = never progresses).
    """
    n = len(m_pfs)
    v, w = rng.random(n), rng.random(n)
    v = np.clip(v, 1e-300, 1.0)
    os_t = os_.quantile_time(v, m_os)
    u = clayton_conditional(v, w, theta)
    ttp = np.full(n, np.inf)
    pairs, inv = np.unique(np.column_stack([m_pfs, m_os]), axis=0, return_inverse=True)
    inv = inv.ravel()
    for g, (mp, mo) in enumerate(pairs):
        s = ttp_survival(pfs.survival(_GRID, mp), os_.survival(_GRID, mo), theta)
        h = -np.log(np.clip(s, 1e-300, 1.0))
        idx = inv == g
        hu = -np.log(np.clip(u[idx], 1e-300, 1.0))
        t = np.interp(hu, h, _GRID, right=np.inf)
        t[hu > h[-1]] = np.inf
        ttp[idx] = t
    return ttp, os_t


def check_hazard_order(pfs: PiecewiseExponential, os_: PiecewiseExponential, m_pfs: float, m_os: float) -> float:
    """Largest shortfall ``max(h_OS - h_PFS, 0)`` over the pieces (0 = the copula solution is exact)."""
    t = np.union1d(pfs.breaks, os_.breaks)
    hp = pfs.rates[np.searchsorted(pfs.breaks, t, side="right") - 1] * m_pfs
    ho = os_.rates[np.searchsorted(os_.breaks, t, side="right") - 1] * m_os
    return float(np.max(np.maximum(ho - hp, 0.0)))


# --------------------------------------------------------------------------------------------
# Endpoint models from a study's simulation model (``simulate/models/<study>.yaml``)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Prognostic:
    """A dichotomised prognostic factor: hazard x ``hr`` when ``variable < below``;
    ``p_below`` = P(variable < below) under the baseline distribution."""

    variable: str
    below: float
    hr: float
    p_below: float


@dataclass(frozen=True)
class EndpointModel:
    """Baseline hazard, hazard ratio of each arm (reference arm 1) and optional prognostic factor."""

    baseline: PiecewiseExponential
    arm_hr: dict[str, float]
    prognostic: Prognostic | None

    def multiplier(self, arm_id: np.ndarray, covariates: dict[str, np.ndarray]) -> np.ndarray:
        """Per-patient hazard multiplier ``HR_arm x HR_factor^[x < below]``."""
        m = np.ones(len(arm_id))
        for arm, hr in self.arm_hr.items():
            m[np.asarray(arm_id) == arm] = hr
        if self.prognostic is not None:
            x = covariates[self.prognostic.variable]
            m = m * np.where(x < self.prognostic.below, self.prognostic.hr, 1.0)
        return m


def _population(arm_hr: float, prog: Prognostic | None, group: str | None
                ) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(weights, multipliers) of the patients a constraint refers to: the arm's patients below or
    above the prognostic cut-off (``group``), or all of them (a mixture over the two groups)."""
    if group not in (None, "below", "above"):
        raise ValueError(f"constraint group must be 'below' or 'above', got {group!r}")
    if group is not None and prog is None:
        raise ValueError(f"constraint group {group!r} without a prognostic factor")
    if prog is None:
        return (1.0,), (arm_hr,)
    if group == "below":
        return (1.0,), (arm_hr * prog.hr,)
    if group == "above":
        return (1.0,), (arm_hr,)
    return (prog.p_below, 1.0 - prog.p_below), (arm_hr * prog.hr, arm_hr)


def endpoint_model(spec: dict, arm_ids: list[str], prog: Prognostic | None,
                   follow_up_months: np.ndarray, loss_rate: float) -> EndpointModel:
    """Solve an endpoint's baseline hazard from its model spec.

    ``spec``: ``reference_arm`` (optional), ``hr`` {arm: HR vs reference}, and either
    ``constraints`` [{months, survival, arm?, group?}] (:func:`solve_piecewise`) or
    ``deaths`` {arm, events, n} (exponential rate from the published event count under the
    simulated follow-up, :func:`exponential_rate_for_events`; no prognostic factor).
    """
    ref = spec.get("reference_arm", arm_ids[0])
    arm_hr = {a: 1.0 for a in arm_ids}
    arm_hr.update({a: float(h) for a, h in (spec.get("hr") or {}).items()})
    arm_hr[ref] = 1.0
    if "constraints" in spec:
        cons = []
        for c in spec["constraints"]:
            w, m = _population(arm_hr[c.get("arm", ref)], prog, c.get("group"))
            cons.append(Constraint(float(c["months"]), float(c["survival"]), w, m))
        base = solve_piecewise(cons)
    else:
        d = spec["deaths"]
        lam = exponential_rate_for_events(d["events"] / d["n"], follow_up_months, loss_rate)
        base = PiecewiseExponential(np.array([0.0]), np.array([lam / arm_hr[d["arm"]]]))
    return EndpointModel(base, arm_hr, prog)
