"""Simulated ``administrations`` table: every dose of the arm's regimen
(``mmevidence.derive.regimens.load_regimen``) from the index date to the end of treatment,
with omitted doses and dose reductions calibrated so that ``derive_adex`` reproduces the
published median relative dose intensity (RDI) per drug and the published percentage of
patients with a dose reduction (ICARIA-MM Table 2).

Model
-----
* Cycle 1 starts on ``first_dose_day`` (days after the index date; 0 when the latent frame
  has no such column), the next ones every ``assessment_interval_days`` (the latent cycle
  spacing: the protocol's 28 days plus the patient's cycle delay); a cycle is started when it
  starts before the end of treatment (``eot_day``, or the end of observation while ongoing:
  the day-1 visit that ends treatment, e.g. by finding progression, starts no cycle, and no
  cycle starts on or after ``progression_day``), and a dose is given when its date is on or
  before the end of treatment.
* Dose reductions (drugs with a published reduction rate; none for the antibodies, ICARIA-MM:
  "no dose reductions were permitted for isatuximab"): a patient reduces with the published
  probability, from a uniformly chosen dose of the drug on, one step down the drug's dose
  levels (:data:`DOSE_LEVELS`), a second step later with probability
  :data:`SECOND_REDUCTION` (assumption).
* Omissions: patient frailty ``e ~ Exp(1)``; each planned dose (per-dose drugs) is omitted
  with probability ``min(theta * e, 0.9)``; per-cycle oral drugs (``record: per_cycle``) start
  a cycle one or two weeks late with that probability (the per-cycle record cannot show
  gaps inside a cycle). The first dose of every drug is given. ``theta`` per drug and arm is
  solved by bisection (common random numbers) so that the median RDI -- computed with
  ``derive_adex``'s definition: (cumulative dose / exposure weeks) / (planned cumulative
  dose / planned weeks) -- equals the published median, on the first
  :data:`CALIBRATION_SAMPLE` patients of the arm. When the median without any omission is
  already below the target (delays, reductions) theta is 0 and the shortfall is reported in
  ``administrations.attrs["calibration"]``. For a drug with a lower planned dose from an
  age on (dexamethasone 20 mg from 75 years) theta may be negative: then a share ``-theta``
  of those patients gets the standard dose (ICARIA-MM Table 2's RDI ranges reach 130 % and
  300 % for dexamethasone, so some patients received more than planned; assumption).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._published import published, published_rate

#: Dose levels for reductions (mg): pomalidomide 4-3-2-1 mg (label), dexamethasone 40-20-12-8 mg
#: and 20-12-8-4 mg for patients >= 75 years (common practice; assumption).
DOSE_LEVELS = {"pomalidomide": (4.0, 3.0, 2.0, 1.0), "dexamethasone": (40.0, 20.0, 12.0, 8.0, 4.0)}
#: Other reducible drugs step down by these fractions of the planned dose (assumption).
DEFAULT_STEPS = (1.0, 0.75, 0.5, 0.25)
SECOND_REDUCTION = 0.3
CALIBRATION_SAMPLE = 20000
#: ICARIA-MM Table 2 (median RDI %, patients with a dose reduction n/N) used when the study
#: definition lacks the figure; by regimen (other regimens: the Isa-Pd values).
EXPOSURE_FALLBACK = {
    "isa_pd": {"rdi": {"isatuximab": (92.3, "Isatuximab 92.3% (19.7–111.1)"),
                       "pomalidomide": (85.1, "Pomalidomide 85.1% (22.9–103.7)"),
                       "dexamethasone": (87.8, "Dexamethasone 87.8% (15.9–130.0)")},
               "reduction": {"pomalidomide": (65, 152, "Pomalidomide dose reductions 65 (43%)"),
                             "dexamethasone": (50, 152, "Dexamethasone dose reductions 50 (33%)")}},
    "pd": {"rdi": {"pomalidomide": (93.3, "93.3% (37.2–118.5)"), "dexamethasone": (96.3, "96.3% (30.3–300.0)")},
           "reduction": {"pomalidomide": (36, 149, "36 (24%)"), "dexamethasone": (38, 149, "38 (26%)")}},
}
#: Antibodies: never reduced (ICARIA-MM Methods).
NOT_REDUCED = frozenset({"isatuximab", "daratumumab", "elotuzumab"})


def _days(latent: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(latent[col], errors="coerce").to_numpy(dtype=float)


def _treatment_end(latent: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(last day a dose may be given, eot day or NaN while ongoing), days from the index date."""
    index = pd.to_datetime(latent["index_date"])
    cutoff = (pd.to_datetime(latent["data_cutoff"]) - index).dt.days.to_numpy(dtype=float)
    obs = np.fmin(np.fmin(_days(latent, "last_contact_day"), _days(latent, "death_day")), cutoff)
    eot = _days(latent, "eot_day")
    return np.floor(np.fmin(np.where(np.isnan(eot), obs, eot), obs)), eot


def first_dose_day(latent: pd.DataFrame) -> np.ndarray:
    """Cycle 1 day 1, days from the index date (``first_dose_day``; 0 when the column is absent)."""
    if "first_dose_day" not in latent.columns:
        return np.zeros(len(latent))
    return np.nan_to_num(_days(latent, "first_dose_day"), nan=0.0)


def treatment_window(latent: pd.DataFrame) -> pd.DataFrame:
    """Per patient (days from the index date): ``end`` = last day a dose may be given,
    ``last_cycle_start`` = start of the last cycle started (no cycle starts on/after the end of
    treatment or on/after ``progression_day``), ``last_dose_min`` = the last
    weekly dosing day (cycle days 1, 8, 15, 22) of the last cycle on or before ``end``: the last
    dose of a weekly drug unless omitted (the adverse-event simulator keeps events within 30
    days of it). Cycle 1 starts on ``first_dose_day``."""
    T, _ = _treatment_end(latent)
    A = np.maximum(pd.to_numeric(latent["assessment_interval_days"]).to_numpy(dtype=float), 1.0)
    g = first_dose_day(latent)
    S = np.fmin(T, _days(latent, "progression_day")) - g
    start = (np.maximum(np.ceil(S / A), 1) - 1) * A
    weekly = start + np.minimum(7.0 * np.floor(np.maximum(T - g - start, 0.0) / 7.0), 21.0)
    return pd.DataFrame({"end": T, "last_cycle_start": g + start, "last_dose_min": g + weekly})


class _Slots:
    """Planned slots of one drug for every patient: cycles 1..K_i, in (patient, cycle, day) order."""

    def __init__(self, plan_rows: pd.DataFrame, K: np.ndarray, older: np.ndarray) -> None:
        cyc = plan_rows["cycle"].to_numpy()
        per_cycle = np.bincount(cyc, minlength=int(K.max(initial=0)) + 2)
        cum = np.cumsum(per_cycle)  # cum[c] = slots in cycles 1..c (cycle 0 has none)
        count = cum[K]
        self.p = np.repeat(np.arange(len(K)), count)
        k = np.arange(len(self.p)) - np.repeat(np.cumsum(count) - count, count)
        self.cycle = cyc[k]
        self.day = plan_rows["cycle_day"].to_numpy()[k]
        self.standard = plan_rows["dose"].to_numpy()[k]
        self.planned = np.where(older[self.p], plan_rows["dose_older"].to_numpy()[k], self.standard)
        self.first = np.r_[True, self.p[1:] != self.p[:-1]] if len(self.p) else np.zeros(0, dtype=bool)


def _rdi(p: np.ndarray, cycle: np.ndarray, given: np.ndarray, amount: np.ndarray, planned: np.ndarray,
         first_day: np.ndarray, n: int, A: np.ndarray, L: int) -> np.ndarray:
    """Per patient RDI (%) as ``derive_adex`` defines it (see module docstring); NaN without doses.
    Rows are in patient order.

    ``amount``: dose x days covered (per-cycle records) or the dose; ``planned``: planned
    amount of the slot. Cycles start every ``A`` days; the first dose is on day ``first_day``.
    """
    cum = np.bincount(p[given], weights=amount[given], minlength=n)
    last = np.zeros(n, dtype=np.int64)
    if len(p):
        starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
        last[p[starts]] = np.maximum.reduceat(np.where(given, cycle, 0), starts)
    in_span = cycle <= last[p]
    planned_cum = np.bincount(p[in_span], weights=planned[in_span], minlength=n)
    exposure = (last - 1) * A + L - first_day
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 100.0 * (cum / exposure) / (planned_cum / (last * L))
    return np.where(last > 0, out, np.nan)


def _bisect(f, target: float, lo: float = 0.0, hi: float = 1.5, iters: int = 22) -> tuple[float, float]:
    """theta in [lo, hi] with median(f(theta)) = target, f decreasing in theta (common random
    numbers); the nearer end when the target is outside f's range."""
    m_lo = f(lo)
    if m_lo <= target:
        return lo, m_lo
    lo_t, hi_t = lo, hi
    for _ in range(iters):
        mid = 0.5 * (lo_t + hi_t)
        if f(mid) > target:
            lo_t = mid
        else:
            hi_t = mid
    return hi_t, f(hi_t)


def _targets(study_id: str, regimen: str, arm_id: str | None, drugs: tuple[str, ...]) -> tuple[dict, dict]:
    fb = EXPOSURE_FALLBACK.get(regimen, EXPOSURE_FALLBACK["isa_pd"])
    rdi, red = {}, {}
    for d in drugs:
        v, q = fb["rdi"].get(d, (100.0, "no published RDI: full intensity assumed"))
        rdi[d] = published(study_id, v, q, topic="exposure", item=f"rdi_{d}", statistic="median", arm=arm_id)
        if d not in NOT_REDUCED:
            k, nn, q = fb["reduction"].get(d, (0, 1, "no published dose-reduction rate: none assumed"))
            red[d] = published_rate(study_id, k, nn, q, topic="exposure", item=f"{d}_dose_reduction", arm=arm_id)
    return rdi, red


def simulate_administrations(latent: pd.DataFrame, rng: np.random.Generator,
                             study_id: str | None = None) -> pd.DataFrame:
    """The ``administrations`` source table (schema ``administrations``): one row a dose of a
    per-dose drug, one row a cycle (the daily dose, on its first day taken) of a per-cycle
    drug, with ``planned_dose``; doses in the regimen's unit (mg, mg/kg).
    ``attrs["calibration"]``: per arm and drug the target and the calibrated median RDI, theta
    and the reduction rate used."""
    from mmevidence.derive.regimens import load_regimen
    study_id = study_id or latent.attrs.get("study_id", "icaria-mm")
    from ._published import _study
    study = _study(study_id)
    arm_ids = {a.label: a.id for a in study.arms} if study is not None else {}
    n_all = len(latent)
    T_all, eot_all = _treatment_end(latent)
    A_all = np.maximum(pd.to_numeric(latent["assessment_interval_days"]).to_numpy(dtype=float), 1.0)
    g_all = first_dose_day(latent)
    S_all = np.fmin(T_all, _days(latent, "progression_day")) - g_all  # no cycle on/after progression;
    # from here on, days count from the first dose (cycle 1 day 1)
    T_all, eot_all = T_all - g_all, eot_all - g_all
    age_all = pd.to_numeric(latent["age"]).to_numpy(dtype=float)
    treated = latent["treated"].to_numpy(dtype=bool) if "treated" in latent.columns else np.ones(n_all, dtype=bool)
    index_all = (pd.to_datetime(latent["index_date"]).to_numpy().astype("datetime64[D]")
                 + g_all.astype(np.int64).astype("timedelta64[D]"))   # cycle 1 day 1
    pid_all = latent["patient_id"].to_numpy(dtype=object)
    arm_all = latent["arm"].astype(str).to_numpy()
    reg_all = latent["regimen"].astype(str).to_numpy()
    frames, calibration = [], []
    for gi, (arm, reg) in enumerate(sorted(set(zip(arm_all, reg_all)))):
        idx = np.flatnonzero((arm_all == arm) & (reg_all == reg) & treated & (T_all >= 0))
        if not len(idx):
            continue
        g_rng = np.random.default_rng([int(x) for x in rng.integers(0, 2**31, 2)] + [gi])
        regimen = load_regimen(reg)
        rdi_t, red_t = _targets(study_id, reg, arm_ids.get(arm), regimen.drug_names)
        frames.append(_arm_doses(regimen, idx, T_all[idx], S_all[idx], eot_all[idx], A_all[idx], age_all[idx],
                                 index_all[idx],
                                 pid_all[idx], rdi_t, red_t, g_rng, arm, calibration))
    cols = ["patient_id", "drug", "date", "cycle", "cycle_day", "dose", "unit", "planned_dose"]
    if not frames:
        out = pd.DataFrame(columns=cols)
    else:  # patient (latent order), date, drug (regimen order): one integer sort key
        out = pd.concat(frames, ignore_index=True)
        key = (out.pop("_p").to_numpy(dtype=np.int64) << 24) | (out.pop("_k").to_numpy(dtype=np.int64))
        out = out.take(np.argsort(key, kind="stable")).reset_index(drop=True)[cols]
    out.attrs["calibration"] = pd.DataFrame(calibration)
    return out


def _arm_doses(regimen, idx, T, S, eot, A, age, index, pid, rdi_t, red_t, rng, arm, calibration) -> pd.DataFrame:
    n = len(idx)
    L = regimen.cycle_length_days
    # cycles starting before the end of treatment (a cycle due on the end-of-treatment day, e.g. the
    # day-1 visit that found progression, is not started); the first cycle always
    K = np.maximum(np.ceil(S / A), 1).astype(np.int64)
    frail = rng.exponential(1.0, n)
    plan = regimen.planned_doses(int(K.max()))
    parts = []
    for di, plan_drug in enumerate(regimen.drugs):
        d = plan_drug.drug
        d_rng = np.random.default_rng([int(x) for x in rng.integers(0, 2**31, 2)])
        older = (age >= plan_drug.older_age) if plan_drug.older_age is not None else np.zeros(n, dtype=bool)
        rows = plan.loc[plan["drug"] == d].reset_index(drop=True)
        per_cycle = plan_drug.record == "per_cycle"
        if per_cycle:  # one record a cycle on its first planned day; covered days are counted below
            first = rows.groupby("cycle", as_index=False).agg(cycle_day=("cycle_day", "min"), last=("cycle_day", "max"),
                                                             days=("cycle_day", "size"), dose=("dose", "first"),
                                                             dose_older=("dose_older", "first"))
            rows = first.assign(drug=d)
        s = _Slots(rows, K, older)
        m = len(s.p)
        u_omit, u_hold2 = d_rng.random(m), d_rng.random(m)
        day0 = (s.cycle - 1) * A[s.p] + (s.day - 1)
        # reductions: step down from a uniformly chosen slot on (reducible drugs only)
        level = np.zeros(m, dtype=np.int64)
        p_red = red_t[d].value if d in red_t else 0.0
        reduced = d_rng.random(n) < p_red
        n_slots = np.bincount(s.p[day0 <= T[s.p]], minlength=n)
        at = np.floor(d_rng.random(n) * np.maximum(n_slots, 1)).astype(np.int64)
        second = d_rng.random(n) < SECOND_REDUCTION
        at2 = at + np.floor(d_rng.random(n) * np.maximum(n_slots - at, 1)).astype(np.int64) + 1
        count = np.bincount(s.p, minlength=n)
        k_in = np.arange(m) - (np.cumsum(count) - count)[s.p]  # slot number within the patient
        level = np.where(reduced[s.p] & (k_in >= at[s.p]), 1, 0) + np.where(
            reduced[s.p] & second[s.p] & (k_in >= at2[s.p]), 1, 0)
        dose = _reduced_dose(d, s.planned, level)
        # patients past the age of a lower planned dose who get the standard dose (theta < 0 below)
        has_older = bool(older.any()) and plan_drug.older_dose is not None
        dose_std = np.where(reduced[s.p], dose, s.standard) if has_older else dose  # never with a reduction
        u_over = d_rng.random(n)

        last_day = rows["last"].to_numpy()[np.searchsorted(rows["cycle"].to_numpy(), s.cycle)] if per_cycle else None
        n_days = rows["days"].to_numpy()[np.searchsorted(rows["cycle"].to_numpy(), s.cycle)] if per_cycle else None

        def realise(theta: float, sl: slice = slice(None)):
            sp, cyc, sday, first = s.p[sl], s.cycle[sl], s.day[sl], s.first[sl]
            q = np.minimum(max(theta, 0.0) * frail, 0.9)[sp]
            dz = np.where(u_over[sp] < -theta, dose_std[sl], dose[sl]) if theta < 0 else dose[sl]
            if per_cycle:
                hold = np.where(u_omit[sl] < q, np.where(u_hold2[sl] < 0.3, 2, 1), 0) * (cyc > 1)
                cday = sday + 7 * hold
                start = (cyc - 1) * A[sp] + (cday - 1)
                given = (start <= T[sp]) & ((cyc == 1) | ((cyc - 1) * A[sp] < S[sp]))
                eot_in_cycle = np.floor(eot[sp]) - (cyc - 1) * A[sp] + 1
                cap = np.where(np.isnan(eot_in_cycle), last_day[sl], np.minimum(last_day[sl], eot_in_cycle))
                covered = np.maximum(cap - cday + 1, 1)
                return given, cday, dz * covered, s.planned[sl] * n_days[sl], dz
            given = (day0[sl] <= T[sp]) & ((u_omit[sl] >= q) | first) & ((cyc == 1) | ((cyc - 1) * A[sp] < S[sp]))
            return given, sday, dz, s.planned[sl], dz

        n_cal = min(n, CALIBRATION_SAMPLE)
        rows_cal = slice(0, int(np.searchsorted(s.p, n_cal)))  # slots are in patient order

        def median_rdi(theta: float) -> float:
            given, _, amount, planned_amt, _ = realise(theta, rows_cal)
            r = _rdi(s.p[rows_cal], s.cycle[rows_cal], given, amount, planned_amt, np.zeros(n_cal), n_cal,
                     A[:n_cal], L)
            return float(np.nanmedian(r))

        target = rdi_t[d].value
        theta, got = _bisect(median_rdi, target, lo=-1.0 if has_older else 0.0)
        given, cday, _, _, dose = realise(theta)
        calibration.append({"arm": arm, "drug": d, "rdi_target": target, "rdi_calibrated": got, "theta": theta,
                            "reduction_rate": p_red, "rdi_source": rdi_t[d].source})
        g = np.flatnonzero(given)
        date = index[s.p[g]] + ((s.cycle[g] - 1) * A[s.p[g]] + cday[g] - 1).astype("timedelta64[D]")
        day_no = (s.cycle[g] - 1) * A[s.p[g]] + cday[g] - 1
        parts.append(pd.DataFrame({"_p": idx[s.p[g]], "_k": day_no.astype(np.int64) * 8 + di,
                                   "patient_id": pid[s.p[g]], "drug": d, "date": date.astype("datetime64[ns]"),
                                   "cycle": s.cycle[g].astype(np.int64), "cycle_day": cday[g].astype(np.int64),
                                   "dose": dose[g], "unit": plan_drug.unit, "planned_dose": s.planned[g]}))
    return pd.concat(parts, ignore_index=True)


def _reduced_dose(drug: str, planned: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Dose after ``level`` reduction steps from the planned dose (:data:`DOSE_LEVELS`)."""
    if drug in DOSE_LEVELS:
        levels = np.array(DOSE_LEVELS[drug])
        start = np.searchsorted(-levels, -planned)  # position of the planned dose in the ladder
        pos = np.minimum(start + level, len(levels) - 1)
        return np.where(level > 0, levels[pos], planned)
    steps = np.array(DEFAULT_STEPS)
    return planned * steps[np.minimum(level, len(steps) - 1)]
