"""Each patient's course on the index treatment: event days, visit schedule, target best
response, end of treatment, next line of therapy -- the time columns of the latent frame.

Conventions (days from the index date, day 0 = index):

* Cycle 1 day 1 (the first dose) is ``g`` days after the index date, ``g`` uniform on
  0..``first_dose_delay_days_max`` (per arm or for all arms; 0 when absent). Disease
  assessments on the day 1 of every later cycle, ``g + k * interval`` (k >= 1), the patient's
  interval being the protocol one plus a per-patient cycle delay of 0..``cycle_delay_days_max``
  days (:func:`per_arm_days`) (the clinical labs simulator puts assessments on this grid,
  the dosing simulator the cycles). Progression is documented at the first
  assessment on or after a latent day = calibrated time - U x interval (U uniform):
  randomised rounding, unbiased for the calibrated time, and with intervals differing
  between patients the pooled observed times are not tied to one 28-day grid, so the KM
  median of the derived PFS equals the calibrated one. Assessments continue after the end
  of treatment until progression (PFS follow-up), so deaths without progression are not
  censored by the missed-assessment rule.
* Follow-up ends at ``min(cut-off - index, loss to follow-up)``; the last contact of a patient
  alive at the cut-off is the cut-off minus 0-13 days (the last visit); anything after the
  last contact is unobserved (NaN).
* Best response: the published per-arm distribution; category counts exact (largest remainder), assigned
  by rank of a score correlated (Gaussian copula, ``latent_correlation``) with the time to
  progression, so deeper responses go with later progression; PD is given to progressions at
  the first assessment; a response (>= PR) needs two assessments before progression (IMWG
  confirmation), so only eligible patients are ranked for responses. Response day: the
  first response (>= PR; MR for a best response MR) at visit ``v1`` drawn from the arm's
  ``first_response_visit``; the best response ``k`` IMWG categories above PR is reached ``k``
  visits later (:data:`STEPS_ABOVE_PR`; the labs ramp one category a visit), both moved
  earlier when progression or the last contact leaves no room. NE (not evaluable) =
  early withdrawal without a post-baseline assessment: no progression is recorded (their
  PFS is censored at the index date by the pipeline unless they die within two
  assessments), treatment stops before the first assessment.
* End of treatment: progression (``days_after_progression`` after the progression visit),
  death, or a stop without IMWG progression at an exponential time from the first dose
  whose rate is solved so that the crude fraction still on treatment at the last contact
  equals the published one; such a stop is called progression by the investigator with a share solved so that the
  crude fraction stopping for progression equals the published one (investigator-declared /
  clinical progression not confirmed by IMWG criteria -- ASSUMPTION that closes the gap
  between the published discontinuations for progression and the progressions the
  calibrated PFS produces by the cut-off); otherwise the reason is adverse event with the
  share giving the published crude fraction, else drawn from the published split of the
  remaining reasons. NE patients stop before the first assessment (never for progression).
  Where a paper publishes the reasons only as shares of the discontinued patients
  (``discontinued_shares``, IMAGE), the hazard is solved from the share stopping for
  progression and the adverse-event share likewise (no investigator-declared progression).
* Next line: after a progression (``fraction_treated_after_progression``) the next line
  starts after the confirming assessment plus an exponential gap whose mean is solved from
  the published median time to next treatment; after a non-progression stop, after an
  exponential gap (mean ``gap_after_other_stop_months``).
* Calibration (:func:`calibrate_course`) runs these very functions on a fixed reference
  sample (50,000 patients an arm, its own seed, common random numbers across evaluations)
  and solves the stop hazard, the two shares and the gap by Brent's method, so the crude
  fractions and the median TTNT the pipeline derives equal the published ones up to the
  simulation error of the study being simulated.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.stats import norm

from ..derive.adtte import DAYS_PER_MONTH
from .events import enrolment_fraction, sample_ttp_os
from .model import Calibrated, calibrated

ORDER = ("sCR", "CR", "VGPR", "PR", "MR", "SD", "PD", "NE")
RESPONDER = ("sCR", "CR", "VGPR", "PR")
OTHER_STOPS = ("adverse_event", "patient_decision", "physician_decision", "other")


def latent_times(cal: Calibrated, arm_id: np.ndarray, covariates: dict[str, np.ndarray],
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Latent TTP and OS in days (float; inf = never progresses) of :func:`events.sample_ttp_os`."""
    theta = float(cal.model["events"].get("copula_theta", 0.0))
    m_p = cal.pfs.multiplier(arm_id, covariates)
    m_o = cal.os.multiplier(arm_id, covariates)
    ttp, os_ = sample_ttp_os(cal.pfs.baseline, cal.os.baseline, m_p, m_o, theta, rng)
    return ttp * DAYS_PER_MONTH, os_ * DAYS_PER_MONTH


def follow_up(cal: Calibrated, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(index day offsets from enrolment start, potential follow-up days, censoring day)."""
    frac = enrolment_fraction(rng.random(n), cal.accrual_shape)
    offset = np.floor(frac * cal.window_days).astype(np.int64)
    potential = (cal.cutoff - cal.start).astype(int) - offset
    lost = rng.exponential(1.0 / cal.loss_rate, n) * DAYS_PER_MONTH if cal.loss_rate > 0 else np.full(n, np.inf)
    lag = rng.integers(0, 14, n)
    censor = np.where(lost < potential - lag, np.floor(lost), potential - lag)
    return offset, potential, np.maximum(censor, 1).astype(float)


def reference_covariates(cal: Calibrated, k: int, r: np.random.Generator) -> dict[str, np.ndarray]:
    """Prognostic covariates of a reference sample, drawn as :func:`baseline.hemoglobin` draws them."""
    from .baseline import hemoglobin
    out = {}
    for ep in (cal.pfs, cal.os):
        if ep.prognostic is not None:
            out[ep.prognostic.variable] = hemoglobin(cal.model["baseline"]["hemoglobin_g_dl"], k, r)
    return out


def exact_counts(n: int, weights: np.ndarray) -> np.ndarray:
    """``n`` split in proportion to ``weights`` by largest remainder (Hamilton): the simulated
    table reproduces the published distribution at any size (random only in who gets what)."""
    raw = n * np.asarray(weights, dtype=float) / np.sum(weights)
    out = np.floor(raw).astype(int)
    out[np.argsort(-(raw - out), kind="stable")[: n - out.sum()]] += 1
    return out


def best_response(spec: dict, arm_id: np.ndarray, ttp: np.ndarray, eligible: np.ndarray, assessed: np.ndarray,
                  prog_day: np.ndarray, first_visit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Target best response per patient (see the module docstring): per arm the exact published
    counts; NE first to patients without any assessment (``~assessed``), then at random; PD to
    patients progressing at their first assessment (``first_visit``), earliest first (when there
    are too few, the rest are SD: a progression is never invented for a response); sCR..MR by a
    score correlated with the time to progression among
    the ``eligible`` (two assessments before progression / last contact); SD the rest."""
    n = len(arm_id)
    rho = float(spec.get("latent_correlation", 0.0))
    out = np.empty(n, dtype=object)
    rank = pd.Series(np.where(np.isfinite(ttp), ttp, 1e12)).rank(pct=True).to_numpy() - 0.5 / max(n, 1)
    score = rho * norm.ppf(np.clip(rank, 1e-9, 1 - 1e-9)) + np.sqrt(1 - rho ** 2) * rng.standard_normal(n)
    for a in np.unique(arm_id):
        idx = np.flatnonzero(arm_id == a)
        p = np.array([float(spec[a].get(c, 0)) for c in ORDER])
        k = dict(zip(ORDER, exact_counts(len(idx), p)))
        none = idx[~assessed[idx]]
        ne = none[: k["NE"]]
        if len(ne) < k["NE"]:
            cand = idx[assessed[idx]]
            ne = np.concatenate([ne, rng.choice(cand, size=min(k["NE"] - len(ne), len(cand)), replace=False)])
        out[ne] = "NE"
        pool = np.setdiff1d(idx, ne)
        early = pool[prog_day[pool] <= first_visit[pool]]          # PD at the first assessment
        pdp = early[np.argsort(prog_day[early], kind="stable")][: k["PD"]]
        out[pdp] = "PD"
        pool = np.setdiff1d(pool, pdp)
        el = pool[eligible[pool]]
        el = el[np.argsort(-score[el], kind="stable")]
        pos = 0
        for c in RESPONDER + ("MR",):
            out[el[pos:pos + k[c]]] = c
            pos += k[c]
        out[np.setdiff1d(pool, el[:pos])] = "SD"
    return out



def per_arm_days(model: dict, key: str, arm_id: np.ndarray) -> np.ndarray:
    """Each patient's value of the integer model entry ``key`` (days): one number for every arm
    or a mapping arm id -> number (arms of a trial differ, e.g. ICARIA-MM's cycle delays); 0
    when absent."""
    spec = model.get(key, 0)
    if not isinstance(spec, dict):
        return np.full(len(arm_id), int(spec), dtype=np.int64)
    unknown = sorted(set(map(str, pd.unique(arm_id))) - set(spec))
    if unknown:
        raise ValueError(f"simulation model {model.get('study')!r}: {key} has no value for arm(s) "
                         f"{unknown}; give one per arm ({sorted(spec)} given)")
    return pd.Series(arm_id).map({k: int(v) for k, v in spec.items()}).to_numpy(dtype=np.int64)


def _uniform_days(model: dict, key: str, arm_id: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per patient a uniform integer 0..``key`` days (:func:`per_arm_days`); no draw when the
    model has none (the other streams of a model without it stay as they were)."""
    hi = per_arm_days(model, key, arm_id)
    return rng.integers(0, hi + 1, len(arm_id)).astype(float) if hi.any() else np.zeros(len(arm_id))


def response_visit_distribution(spec: dict, arm: str) -> dict:
    """``first_response_visit`` of an arm: the model's mapping visit -> probability, either one
    for every arm or per arm id (a mapping whose keys are arm ids)."""
    fr = spec["first_response_visit"]
    if not all(isinstance(v, dict) for v in fr.values()):
        return fr
    if arm not in fr:
        raise ValueError(f"first_response_visit has no distribution for arm {arm!r} ({sorted(fr)} given)")
    return fr[arm]


def first_response_visits(spec: dict, arm_id: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Visit number (1 = first post-baseline assessment) of each patient's first response
    (>= PR; >= MR for a best response MR), drawn from the arm's ``first_response_visit`` by
    inverse CDF of one uniform a patient (the draw ``Generator.choice`` makes with ``p``)."""
    u = rng.random(len(arm_id))
    out = np.zeros(len(arm_id))
    for a in pd.unique(arm_id):
        fr = response_visit_distribution(spec, a)
        sel = arm_id == a
        cdf = np.cumsum(_norm(fr.values()))
        cdf /= cdf[-1]
        out[sel] = np.array(list(fr), dtype=float)[np.searchsorted(cdf, u[sel], side="right")]
    return out


#: IMWG category steps above PR: the labs simulator ramps one category a visit up to the best
#: response (labs._visit_categories), so a best response ``k`` steps above PR is first PR ``k``
#: visits before the best-response visit.
STEPS_ABOVE_PR = {"sCR": 3, "CR": 2, "VGPR": 1, "PR": 0, "MR": 0}


def course_events(study_id: str, arm_id: np.ndarray, covariates: dict[str, np.ndarray],
                  rngs: list[np.random.Generator]) -> dict[str, np.ndarray]:
    """Stage 1: follow-up, event days, first-dose day, assessment interval, best response,
    response day."""
    cal = calibrated(study_id)
    m = cal.model
    n = len(arm_id)
    r_fu, r_ev, r_vis = rngs
    offset, potential, censor = follow_up(cal, n, r_fu)
    ttp, os_ = latent_times(cal, arm_id, covariates, r_ev)
    delay = per_arm_days(m, "cycle_delay_days_max", arm_id)
    A = (int(m["assessment_interval_days"]) + r_vis.integers(0, delay + 1, n)).astype(float)
    g = _uniform_days(m, "first_dose_delay_days_max", arm_id, r_vis)   # index -> cycle 1 day 1
    death = np.ceil(np.maximum(os_, 1.0))
    # progression documented at the first assessment (g + k x interval) on/after the latent time
    # (randomised rounding: the latent day is the calibrated time minus U x interval, so observed
    # times are unbiased for it)
    P = g + np.ceil(np.maximum(ttp - g - r_vis.random(n) * A, 1.0) / A) * A
    prog = np.where(np.isfinite(ttp) & (ttp < os_) & (P < death), P, np.nan)
    dead = death <= censor
    last = np.where(dead, death, censor)
    prog = np.where(prog < last, prog, np.nan)   # the confirming assessment needs a later day
    inf_prog = np.where(np.isnan(prog), np.inf, prog)
    room = np.fmin(inf_prog, last + 1)
    eligible = room > g + 2 * A
    assessed = (last >= g + A) | ~np.isnan(prog)      # at least one assessment (the progression visit counts)
    br = best_response(m["response"], arm_id, inf_prog, eligible, assessed, inf_prog, g + A, r_vis)
    prog = np.where(br == "NE", np.nan, prog)
    # first response (>= PR) at visit v1; the best response k categories above PR k visits later
    v1 = first_response_visits(m["response"], arm_id, r_vis)
    steps = pd.Series(br).map(STEPS_ABOVE_PR).fillna(0).to_numpy()
    max_visit = np.floor((np.fmin(np.where(np.isnan(prog), np.inf, prog), last + 1) - 1 - g) / A) - 1
    v = np.clip(np.minimum(v1 + steps, max_visit), 1, None)
    has_resp = np.isin(br, ("sCR", "CR", "VGPR", "PR", "MR"))
    return {"arm_id": arm_id, "offset": offset, "ttp": ttp, "os": os_, "A": A, "g": g, "death": death,
            "dead": dead, "last": last, "prog": prog, "best": br, "response_day": np.where(has_resp, g + v * A, np.nan)}


def course_treatment_end(ev: dict[str, np.ndarray], params: dict[str, tuple[float, float, float]],
                         reasons: dict[str, dict[str, float]], days_after_progression: int,
                         rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Stage 2: end of treatment. ``params[arm]`` = (stop hazard per month, share called
    progression, share of the rest for an adverse event); ``reasons[arm]``: weights of the
    remaining reasons. A progression stops treatment 0..``days_after_progression`` days after
    the progression visit; the other stop times count from the first dose (day ``g``)."""
    arm_id = ev["arm_id"]
    n = len(arm_id)
    lam, share, ae_share = (np.zeros(n) for _ in range(3))
    other = np.empty(n, dtype=object)
    e = rng.exponential(1.0, n)
    u_other = rng.random(n)
    for a in np.unique(arm_id):
        sel = arm_id == a
        lam[sel], share[sel], ae_share[sel] = params[a]
        w = reasons[a]
        keys = np.array(list(w) or ["other"], dtype=object)
        cum = np.cumsum(_norm(w.values()) if w else [1.0])
        other[sel] = keys[np.minimum(np.searchsorted(cum, u_other[sel], side="right"), len(keys) - 1)]
    g = ev["g"]
    stop = g + np.ceil(e / np.maximum(lam, 1e-12) * DAYS_PER_MONTH)
    prog = ev["prog"]
    prog_eot = np.where(np.isnan(prog), np.inf, prog + rng.integers(0, days_after_progression + 1, n))
    ne = ev["best"] == "NE"
    ne_stop = np.where(ne, g + rng.integers(1, 20, n), np.inf)
    cand = np.column_stack([prog_eot, np.where(ev["dead"], ev["death"], np.inf), stop, ne_stop])
    which = np.argmin(cand, axis=1)
    eot = cand[np.arange(n), which]
    u1, u2 = rng.random(n), rng.random(n)
    other = np.where(u1 < ae_share, "adverse_event", other)
    reason = np.select([which == 0, which == 1], ["progression", "death"], default="").astype(object)
    reason[which == 3] = other[which == 3]
    reason[which == 2] = np.where(u2 < share, "progression", other)[which == 2]
    ongoing = eot > ev["last"]
    eot = np.where(ongoing, np.nan, np.maximum(eot, 1.0))
    reason[ongoing] = None
    return {"eot": eot, "eot_reason": reason, "stopped_other": (which >= 2) & ~ongoing}


def course_next_line(ev: dict[str, np.ndarray], te: dict[str, np.ndarray], gap_mean: dict[str, float],
                     spec: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Stage 3: next line start (and its uncensored version for calibration), PFS2 progression."""
    arm_id = ev["arm_id"]
    n = len(arm_id)
    gm = np.zeros(n)
    for a in np.unique(arm_id):
        gm[arm_id == a] = gap_mean[a]
    g = rng.exponential(1.0, n)
    treated = rng.random(n) < spec["fraction_treated_after_progression"]
    prog, A = ev["prog"], ev["A"]
    after_prog = np.where(~np.isnan(prog) & treated, prog + A + 1 + np.ceil(g * gm * DAYS_PER_MONTH), np.inf)
    after_stop = np.where(te["stopped_other"],
                          te["eot"] + 1 + np.ceil(g * float(spec["gap_after_other_stop_months"]) * DAYS_PER_MONTH),
                          np.inf)
    start = np.minimum(after_prog, after_stop)
    start = np.where(start < ev["death"], start, np.inf)
    observed = np.where(start <= ev["last"], start, np.nan)
    pfs2 = observed + np.ceil(rng.exponential(float(spec["pfs2_next_line_median_months"]) / np.log(2)
                                              * DAYS_PER_MONTH, n))
    pfs2 = np.where((pfs2 < ev["death"]) & (pfs2 <= ev["last"]), pfs2, np.nan)
    return {"next_line_day": observed, "next_line_progression_day": pfs2}


_REF_N = 50000
_REF_SEED = 20250101


def _km_median_days(time: np.ndarray, event: np.ndarray) -> float:
    from ..stats import kaplan_meier
    return float(kaplan_meier(time / DAYS_PER_MONTH, event.astype(int)).median().estimate) * DAYS_PER_MONTH


@lru_cache(maxsize=None)
def calibrate_course(study_id: str) -> tuple[dict[str, tuple[float, float, float]], dict[str, float]]:
    """(end-of-treatment parameters per arm, mean gap to the next line per arm), solved on the
    reference sample (module docstring). The gap of an arm with a published median TTNT is solved
    from it; other arms take the mean gap of the solved ones (the gap is a care pattern, not an
    effect of the index treatment; so a published TTNT hazard ratio is an output, not a target)."""
    cal = calibrated(study_id)
    m = cal.model
    te_spec, nt = m["treatment_end"], m["next_therapy"]
    params: dict[str, tuple[float, float, float]] = {}
    gaps: dict[str, float] = {}
    reasons = _other_reasons(m)
    ttnt: dict[str, object] = {}
    for arm in cal.arm_ids:
        r = np.random.default_rng([_REF_SEED, cal.arm_ids.index(arm)])
        arm_id = np.full(_REF_N, arm, dtype=object)
        cov = reference_covariates(cal, _REF_N, r)
        ev = course_events(study_id, arm_id, cov, r.spawn(3))
        seed_te = r.integers(2**63)
        spec = te_spec[arm]
        delay = int(te_spec.get("days_after_progression", 7))
        end = lambda p: course_treatment_end(ev, {arm: p}, reasons, delay, np.random.default_rng(seed_te))  # noqa: E731
        if "discontinued_shares" in spec:       # published: reasons as shares of the discontinued patients
            sh = spec["discontinued_shares"]
            tot = float(sum(sh.values()))
            pd_share = lambda p: _share(end(p), "progression")  # noqa: E731
            lam = _root(lambda lam: pd_share((lam, 0.0, 0.0)) - sh["progression"] / tot, 1e-5, 20.0, 1e-7, 1e-5)
            base = end((lam, 0.0, 0.0))
            disc = float(np.mean(~np.isnan(base["eot"])))
            ae_target = float(sh.get("adverse_event", 0)) / tot * disc
            share = 0.0
        else:                                   # published: crude fractions ongoing / stopped for progression
            on = spec["ongoing"] / spec["n"]
            lam = _root(lambda lam: float(np.mean(np.isnan(end((lam, 0.0, 0.0))["eot"]))) - on, 1e-5, 20.0, 1e-7, 1e-5)
            base = end((lam, 0.0, 0.0))
            pd_frac = float(np.mean(base["eot_reason"] == "progression"))
            stops = base["stopped_other"] & (ev["best"] != "NE")
            share = float(np.clip((spec["progression"] / spec["n"] - pd_frac) / max(stops.mean(), 1e-9), 0.0, 1.0))
            ae_target = float(te_spec["other_reasons"][arm].get("adverse_event", 0)) / spec["n"]
        stops = base["stopped_other"] & (ev["best"] != "NE")
        rest = stops.mean() * (1 - share) + float(np.mean(base["stopped_other"] & (ev["best"] == "NE")))
        params[arm] = (lam, share, float(np.clip(ae_target / max(rest, 1e-9), 0.0, 1.0)))
        te = end(params[arm])
        seed_nt = r.integers(2**63)
        ttnt[arm] = _ttnt_function(ev, te, nt, arm, seed_nt)
        target = (nt.get("ttnt_median_months") or {}).get(arm)
        if target is not None:
            med = lambda gap: _km_median_days(*ttnt[arm](gap)) / DAYS_PER_MONTH - float(target)  # noqa: E731
            gaps[arm] = _root(med, 0.0, 40.0, 1e-4, 0.0)
    default = float(np.mean(list(gaps.values()))) if gaps else 1.0
    return params, {a: gaps.get(a, default) for a in cal.arm_ids}


def _share(te: dict[str, np.ndarray], reason: str) -> float:
    """Share of the discontinued patients stopping for ``reason``."""
    disc = ~np.isnan(te["eot"])
    return float(np.mean(te["eot_reason"][disc] == reason)) if disc.any() else 0.0


def _root(f, lo: float, hi: float, xtol: float, fallback: float) -> float:
    """Brent root of ``f`` on [lo, hi]; ``fallback`` when ``f`` does not change sign there
    (the published figure is out of the model's reach; the calibration test then fails)."""
    a, b = f(lo), f(hi)
    return brentq(f, lo, hi, xtol=xtol) if a * b < 0 else fallback


def _ttnt_function(ev: dict, te: dict, nt: dict, arm: str, seed: int):
    """gap -> (TTNT days, event) of the reference sample, censored at the last contact (common random numbers)."""
    def f(gap: float) -> tuple[np.ndarray, np.ndarray]:
        x = course_next_line(ev, te, {arm: gap}, nt, np.random.default_rng(seed))
        t = np.fmin(x["next_line_day"], np.where(ev["dead"], ev["death"], np.nan))
        e = ~np.isnan(t)
        return np.where(e, t, ev["last"]), e
    return f


def _other_reasons(m: dict) -> dict[str, dict[str, float]]:
    """Weights of the non-progression, non-death, non-adverse-event stop reasons per arm."""
    return {a: {k: float(v) for k, v in spec.items() if k not in ("death", "adverse_event")}
            for a, spec in m["treatment_end"]["other_reasons"].items()}


def simulate_course(study_id: str, arm_id: np.ndarray, covariates: dict[str, np.ndarray],
                    rngs: list[np.random.Generator]) -> pd.DataFrame:
    """Time columns of the latent frame (days from index; NaN = none / not observed).

    ``rngs``: five independent generators (follow-up, event times, visits and response,
    treatment end, next line). See the module docstring for every rule.
    """
    m = calibrated(study_id).model
    params, gaps = calibrate_course(study_id)
    ev = course_events(study_id, arm_id, covariates, rngs[:3])
    te = course_treatment_end(ev, params, _other_reasons(m), int(m["treatment_end"].get("days_after_progression", 7)),
                              rngs[3])
    nl = course_next_line(ev, te, gaps, m["next_therapy"], rngs[4])
    dead = ev["dead"]
    cause = np.where(~dead, None, np.where(~np.isnan(ev["prog"]) | (ev["ttp"] < ev["os"]), "progressive disease",
                                           np.where(te["eot_reason"] == "death", "adverse event", "other")))
    return pd.DataFrame({
        "index_offset_day": ev["offset"], "progression_day": ev["prog"],
        "death_day": np.where(dead, ev["death"], np.nan), "last_contact_day": ev["last"],
        "eot_day": te["eot"], "eot_reason": te["eot_reason"], "best_response": ev["best"],
        "response_day": ev["response_day"], "assessment_interval_days": ev["A"].astype(np.int64),
        "first_dose_day": ev["g"].astype(np.int64),
        "next_line_day": nl["next_line_day"], "next_line_progression_day": nl["next_line_progression_day"],
        "death_cause": cause.astype(object),
    })


def _norm(values) -> np.ndarray:
    p = np.asarray(list(values), dtype=float)
    return p / p.sum()
