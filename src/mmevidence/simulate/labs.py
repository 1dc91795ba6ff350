"""Simulated ``labs`` table: baseline disease, chemistry and hematology, M-protein / urine
M-protein / free-light-chain / immunofixation / marrow trajectories on the assessment dates,
and on-treatment hematology, from the latent frame (``simulate/latent.py``, contract in the
simulator design notes).

Disease trajectories are built *backwards from the IMWG rules* the project's engine applies
(``mmevidence.derive.imwg``, Kumar et al., Lancet Oncol 2016;17:e328, rules in
``docs/imwg.md``): every assessment is given a target category (a ramp of categories below
the best response, a plateau at the best response from ``response_day`` on, then PD at the
first assessment on/after ``progression_day`` and a confirming PD assessment), and each
measured component is drawn inside the band of its category with safety margins of at
least 2 % of baseline around every threshold (values are rounded as a laboratory prints
them: serum M-protein 0.01 g/dL, urine 1 mg/24 h, FLC 0.01 mg/dL). Values before progression
never rise (running minimum), so no PD can occur before ``progression_day``. The engine
then derives exactly the latent ``best_response`` and progression date; the cases it cannot
(IMWG makes them impossible, or the latent dates leave no room) are counted in
``labs.attrs["imwg_exceptions"]`` -- see :data:`EXCEPTIONS`.

Units are the canonical ones of ``mmevidence.data.units`` (FLC in mg/dL, i.e. the
published mg/L / 10), so ``ingest`` records no conversion and the engine reads them as is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._published import published_rate
from .dosing import first_dose_day

# IMWG category codes as in mmevidence.derive.imwg.criteria (PD < SD < MR < PR < VGPR < CR < sCR)
PD, SD, MR, PR, VGPR, CR, SCR = range(7)
NE = -1
_CODE = {"PD": PD, "SD": SD, "MR": MR, "PR": PR, "VGPR": VGPR, "CR": CR, "sCR": SCR, "NE": NE}
_NAMES = np.array(["PD", "SD", "MR", "PR", "VGPR", "CR", "sCR"], dtype=object)

#: Reduction-from-baseline bands used to place a value inside an IMWG category (Kumar 2016
#: thresholds: serum MR >= 25 %, PR >= 50 %, VGPR >= 90 %; dFLC PR >= 50 %, VGPR >= 90 %),
#: each kept >= 2 points away from the thresholds so that laboratory rounding cannot move it.
SERUM_BANDS = {SD: (0.0, 0.20), MR: (0.28, 0.47), PR: (0.53, 0.87), VGPR: (0.92, 0.985)}
FLC_BANDS = {SD: (0.0, 0.35), PR: (0.55, 0.85), VGPR: (0.92, 0.97)}
#: Urine bands: SD/MR as reductions (MR >= 50 % and still >= 200 mg/24 h), PR and VGPR as
#: absolute values (PR < 200 mg/24 h, VGPR < 100 mg/24 h; Kumar 2016 Table 3).
URINE_FLOOR = 215.0
URINE_ABS = {PR: (110.0, 190.0), VGPR: (5.0, 90.0)}

#: Exceptions: latent combinations the IMWG engine cannot reproduce (counted per reason).
EXCEPTIONS = {
    "mr_flc_only": "MR does not exist for FLC-only disease (Kumar 2016 defines MR on M-protein): derived SD",
    "cr_flc_only": "CR of FLC-only disease needs a normal FLC ratio, so it is sCR (Kumar 2016): derived sCR",
    "too_few_assessments": "a response needs two assessments before progression/last contact: derived lower",
    "pd_without_progression": "best response PD but no progression_day: derived NE",
    "ne_with_progression": "best response NE but a progression_day: progression not derivable (no assessments)",
    "no_assessment": "best response SD/MR+ but no assessment before last contact: derived NE or PD",
    "new_therapy_first": "the next line starts before the response or progression is confirmed (assessments "
                         "after it are not made; IMWG excludes them): derived lower / no progression",
}
#: Not a disagreement with the engine but a data-quality note (``labs.attrs``): the progression
#: assessment falls on the last-contact day, so its confirming assessment is dated one day later.
LATE_CONFIRMATION = "confirmation_after_last_contact"

#: CTCAE v4.03 grade bands (ICARIA-MM graded with v4.03): value ranges [low, high) per grade 0-4.
#: Neutrophils 10^9/L: G1 <LLN(2.0)-1.5, G2 <1.5-1.0, G3 <1.0-0.5, G4 <0.5.
#: Platelets 10^9/L: G1 <LLN(150)-75, G2 <75-50, G3 <50-25, G4 <25.
#: Hemoglobin g/dL: G1 <LLN-10, G2 <10-8, G3 <8 (no laboratory grade 4 in v4.03);
#: LLN 12 g/dL (women) / 13 g/dL (men) (assumption: common reference intervals).
HEME_BANDS = {
    "neutrophils": ((2.0, 6.5), (1.5, 2.0), (1.0, 1.5), (0.5, 1.0), (0.05, 0.5)),
    "platelets": ((150.0, 380.0), (75.0, 150.0), (50.0, 75.0), (25.0, 50.0), (4.0, 25.0)),
    "hemoglobin": ((13.0, 15.5), (10.0, 13.0), (8.0, 10.0), (6.5, 8.0), (6.5, 8.0)),
}
HEME_DECIMALS = {"neutrophils": 2, "platelets": 0, "hemoglobin": 1}
HEME_TERMS = {"neutrophils": "neutropenia", "platelets": "thrombocytopenia", "hemoglobin": "anaemia"}

#: ICARIA-MM Table 4, "Haematological laboratory abnormalities (worst grade in evaluable
#: patients)": (all grades, grade 3, grade 4) as n/N, by regimen. Used when the study
#: definition does not (yet) carry the figure; other regimens use the Isa-Pd rates.
HEME_FALLBACK = {
    "isa_pd": {"neutrophils": ((146, 37, 92), 152, "146/152 (96%) 37/152 (24%) 92/152 (61%)"),
               "platelets": ((127, 22, 25), 152, "127/152 (84%) 22/152 (15%) 25/152 (16%)"),
               "hemoglobin": ((151, 48, 0), 152, "151/152 (99%) 48/152 (32%) 0")},
    "pd": {"neutrophils": ((137, 57, 46), 147, "137/147 (93%) 57/147 (39%) 46/147 (31%)"),
           "platelets": ((118, 14, 22), 147, "118/147 (80%) 14/147 (10%) 22/147 (15%)"),
           "hemoglobin": ((145, 41, 0), 147, "145/147 (99%) 41/147 (28%) 0")},
}
#: Share of grade 1 among grade 1-2 worst grades (not published; assumption: even split).
GRADE1_SHARE = 0.5
#: ISS stage at study entry when the latent frame has none (ICARIA-MM Table 1, Isa-Pd and Pd
#: pooled: I 115, II 109, III 77 of 301 with a stage; "ISS stage at study entry I 64 (42%) 51 (33%)").
ISS_FALLBACK = (115 / 301, 109 / 301, 77 / 301)
#: Upper limit of normal of LDH, U/L (assumption: a common adult reference interval 135-250 U/L).
LDH_ULN = 250.0


def _round(x: np.ndarray, decimals: int) -> np.ndarray:
    return np.round(x, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0


def _band(u: np.ndarray, lo: np.ndarray | float, hi: np.ndarray | float) -> np.ndarray:
    return lo + u * (np.asarray(hi) - lo)


def _text(values: np.ndarray, decimals: int) -> np.ndarray:
    """Numbers as text with ``decimals`` decimals, formatting each distinct value once."""
    codes, uniq = pd.factorize(_round(values, decimals))
    fmt = np.array([f"{u:.{decimals}f}" for u in uniq], dtype=object)
    return fmt[codes]


def _cummin(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    return pd.Series(values).groupby(group, sort=False).cummin().to_numpy()


def _days(latent: pd.DataFrame, col: str) -> np.ndarray:
    if col not in latent.columns:
        return np.full(len(latent), np.nan)
    return pd.to_numeric(latent[col], errors="coerce").to_numpy(dtype=float)


def _observation_end(latent: pd.DataFrame) -> np.ndarray:
    """Last day with possible labs: min(last contact, death, cut-off) in whole days."""
    end = _days(latent, "last_contact_day")
    death = _days(latent, "death_day")
    end = np.fmin(end, death)
    cutoff = ((pd.to_datetime(latent["data_cutoff"]) - pd.to_datetime(latent["index_date"])).dt.days
              .to_numpy(dtype=float))
    return np.floor(np.fmin(end, cutoff))


class _Schedule:
    """Assessment visits of every patient: ``n_pre`` scheduled visits before progression
    (every ``interval`` days from the first dose, the day 1 of cycles 2, 3, ...), then the PD
    visit and its confirming visit. Days count from the index date; ``g`` is the first-dose day."""

    def __init__(self, latent: pd.DataFrame, best: np.ndarray, exceptions: dict[str, int]) -> None:
        n = len(latent)
        A = np.maximum(pd.to_numeric(latent["assessment_interval_days"]).to_numpy(dtype=float), 1.0)
        g = first_dose_day(latent)
        obs_end = _observation_end(latent)
        prog = _days(latent, "progression_day")
        has_prog = ~np.isnan(prog) & (best != NE)
        exceptions["ne_with_progression"] = ~np.isnan(prog) & (best == NE)
        exceptions["pd_without_progression"] = (best == PD) & np.isnan(prog)
        P = g + np.ceil(np.where(has_prog, np.maximum(prog - g, 1.0), 0.0) / A) * A
        late = has_prog & (P > obs_end)
        P = np.where(late, np.maximum(np.ceil(prog), 1.0), P)
        C = np.fmin(P + A, obs_end)
        bad = has_prog & (C <= P)
        exceptions["confirmation_after_last_contact"] = bad
        C = np.where(bad, P + 1.0, C)
        n_pre = np.where(has_prog, np.ceil((P - g) / A) - 1, np.floor(np.maximum(obs_end - g, 0.0) / A))
        n_pre = np.where((best == PD) | (best == NE), 0, np.maximum(n_pre, 0)).astype(np.int64)
        self.n, self.A, self.g, self.obs_end = n, A, g, obs_end
        self.has_prog, self.P, self.C, self.n_pre = has_prog, P, C, n_pre
        self.n_pd = np.where(has_prog, 2, 0).astype(np.int64)


def _response_index(latent: pd.DataFrame, best: np.ndarray, sch: _Schedule, exceptions: dict[str, int]) -> np.ndarray:
    """Index (0-based, among the pre-progression visits) of the first visit at the best response."""
    rday = _days(latent, "response_day")
    r = np.where(np.isnan(rday), 0, np.ceil((np.nan_to_num(rday) - sch.g) / sch.A) - 1).astype(np.int64)
    responder = best >= MR
    exceptions["too_few_assessments"] = responder & (sch.n_pre == 1)
    exceptions["no_assessment"] = (best >= SD) & (sch.n_pre == 0)
    return np.clip(r, 0, np.maximum(sch.n_pre - 2, 0))


def _visit_categories(best_v: np.ndarray, r_v: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Target category at pre-progression visit ``j``: plateau at the best response from the
    response visit ``r`` on, before it one level lower per visit (at most VGPR before a CR/sCR,
    so that the marrow and immunofixation are first done at the response visit), at least SD."""
    cap = np.where(best_v >= CR, VGPR, best_v - 1)
    ramp = np.maximum(SD, np.minimum(cap, best_v - (r_v - j)))
    return np.where(best_v <= SD, SD, np.where(j >= r_v, best_v, ramp))


def _iss(latent: pd.DataFrame, u: np.ndarray) -> np.ndarray:
    for col in ("iss_stage", "iss_stage_at_entry", "iss"):
        if col in latent.columns:
            s = latent[col].astype("string").fillna("")
            return np.select([s == "I", s == "II", s == "III"], [1, 2, 3], 0)
    p1, p2, _ = ISS_FALLBACK
    return np.where(u < p1, 1, np.where(u < p1 + p2, 2, 3))


def _heme_grade_probs(regimen: str, study_id: str, arm: str | None) -> dict[str, np.ndarray]:
    """P(worst grade = 0..4) per test: published all-grade, grade 3 and grade 4 rates; the
    grade 1-2 remainder split by :data:`GRADE1_SHARE`."""
    table = HEME_FALLBACK.get(regimen, HEME_FALLBACK["isa_pd"])
    out = {}
    for test, ((n_all, n3, n4), denom, quote) in table.items():
        item = "lab_" + HEME_TERMS[test]
        get = lambda level, k: published_rate(study_id, k, denom, quote, topic="safety", item=item,  # noqa: E731
                                               arm=arm, level=level).value
        p_all, p3, p4 = get("all_grades", n_all), get("grade_3", n3), get("grade_4", n4)
        p12 = max(p_all - p3 - p4, 0.0)
        out[test] = np.array([1 - p_all, p12 * GRADE1_SHARE, p12 * (1 - GRADE1_SHARE), p3, p4])
    return out


def _arm_ids(latent: pd.DataFrame, study_id: str) -> dict[str, str | None]:
    """Arm label -> arm id of the study definition (None when the study is unknown)."""
    from ._published import _study
    study = _study(study_id)
    if study is None:
        return {}
    return {a.label: a.id for a in study.arms}


def simulate_labs(latent: pd.DataFrame, rng: np.random.Generator, study_id: str | None = None) -> pd.DataFrame:
    """The ``labs`` source table for the patients of ``latent`` (schema ``labs``:
    patient_id, date, test, value (text), unit, uln).

    * Baseline (screening, 0-14 days before the index date): serum and urine M-protein,
      kappa/lambda FLC, immunofixation, marrow plasma cells consistent with the latent
      ``measurable`` type (Kumar 2016 measurable disease: serum >= 1 g/dL, urine >= 200 mg/24 h,
      involved FLC >= 10 mg/dL with abnormal ratio); hemoglobin, platelets, neutrophils,
      creatinine (rising with age, MDRD eGFR < 60 in about a third as in ICARIA-MM), calcium,
      albumin, beta2-microglobulin consistent with the ISS stage (Greipp 2005), LDH with ULN.
    * Disease assessments every ``assessment_interval_days`` (module docstring).
    * On-treatment hematology (day 14, then every assessment while on treatment) whose worst
      CTCAE v4.03 grade follows ICARIA-MM Table 4 per regimen.

    ``study_id`` (default ``latent.attrs["study_id"]``, else "icaria-mm") selects the
    published targets. ``labs.attrs``: ``imwg_exceptions`` (counts, see :data:`EXCEPTIONS`),
    ``imwg_exception`` (per patient: the reason, None when the engine must agree),
    ``visit_categories`` (patient_id, date, category: the per-visit category the trajectory
    was built for, used by :func:`simulate_reported_responses`), ``heme_worst_grade``.
    """
    study_id = study_id or latent.attrs.get("study_id", "icaria-mm")
    n = len(latent)
    r_disease, r_base, r_heme = rng.spawn(3)
    exceptions: dict[str, np.ndarray] = {}
    best = latent["best_response"].map(_CODE).fillna(NE).to_numpy(dtype=np.int64)
    meas = latent["measurable"].astype(str).to_numpy()
    is_flc = meas == "flc"
    exceptions["mr_flc_only"] = is_flc & (best == MR)
    exceptions["cr_flc_only"] = is_flc & (best == CR)
    sch = _Schedule(latent, best, exceptions)
    r = _response_index(latent, best, sch, exceptions)
    index = pd.to_datetime(latent["index_date"]).to_numpy().astype("datetime64[D]")
    pid = latent["patient_id"].to_numpy(dtype=object)

    screen = index - r_base.integers(0, 15, n).astype("timedelta64[D]")
    disease, visit_cat = _disease_labs(latent, best, meas, sch, r, r_disease, index, screen, pid, exceptions)
    baseline, heme_grade = _baseline_and_heme(latent, sch, r_base, r_heme, screen, index, pid, study_id)
    labs = _frame(baseline + disease + heme_grade.pop("rows"))
    reason = np.full(n, None, dtype=object)
    late = exceptions.pop("confirmation_after_last_contact")
    for name in ("cr_flc_only", "mr_flc_only", "new_therapy_first", "too_few_assessments", "no_assessment",
                 "pd_without_progression", "ne_with_progression"):  # the last listed wins (date-based last)
        reason = np.where(exceptions[name], name, reason)
    labs.attrs["imwg_exceptions"] = {k: int(v.sum()) for k, v in exceptions.items()}
    labs.attrs["confirmation_after_last_contact"] = int(late.sum())
    labs.attrs["imwg_exception"] = pd.Series(reason, index=pd.Index(pid, name="patient_id"), name="exception")
    labs.attrs["visit_categories"] = visit_cat
    labs.attrs["heme_worst_grade"] = heme_grade["worst"]
    return labs


_COLUMNS = ("patient_id", "date", "test", "value", "unit", "uln")


def _rows(pid: np.ndarray, date: np.ndarray, test: str, value: np.ndarray, unit: str,
          uln: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """One block of ``labs`` rows as column arrays (assembled once by :func:`_frame`)."""
    k = len(pid)
    return (pid, date.astype("datetime64[ns]"), np.full(k, test, dtype=object), value,
            np.full(k, unit, dtype=object), np.full(k, np.nan) if uln is None else uln)


def _frame(blocks: list[tuple[np.ndarray, ...]]) -> pd.DataFrame:
    """Concatenate row blocks column by column into one DataFrame (one copy a column)."""
    return pd.DataFrame({c: np.concatenate([b[i] for b in blocks]) for i, c in enumerate(_COLUMNS)})


def _disease_labs(latent, best, meas, sch: _Schedule, r, rng, index, screen, pid, exceptions):
    """Baseline and post-baseline M-protein, FLC, IFE and marrow rows; per-visit categories."""
    n = sch.n
    serum_meas = (meas == "serum") | (meas == "serum_and_urine")
    urine_meas = (meas == "urine") | (meas == "serum_and_urine")
    flc_meas = meas == "flc"
    lam_inv = latent["light_chain"].astype(str).to_numpy() == "lambda"
    u = rng.random((12, n))

    # baseline values (canonical units)
    B = _round(np.where(serum_meas, 1.0 + np.exp(np.log(1.6) + 0.7 * rng.standard_normal(n)),
                        0.45 * u[0] * (latent["myeloma_type"].astype(str).to_numpy() != "light_chain")), 2)
    B = np.where(serum_meas, np.clip(B, 1.0, 9.0), B)
    needs_mr = urine_meas & ((best == MR) | ((best >= PR) & (r >= 2)))
    U0 = np.where(urine_meas, 250.0 + np.exp(np.log(500.0) + 0.9 * rng.standard_normal(n)), 150.0 * u[1])
    U0 = _round(np.where(needs_mr, np.maximum(U0, 620.0), U0), 0)
    Uv = _round(np.clip(np.exp(np.log(1.2) + 0.3 * rng.standard_normal(n)), 0.4, 3.0), 2)  # uninvolved FLC
    I0 = np.where(flc_meas, 12.0 + np.exp(np.log(40.0) + 1.0 * rng.standard_normal(n)),
                  np.exp(np.log(15.0) + 1.0 * rng.standard_normal(n)))
    I0 = _round(np.maximum(I0, 8.0 * Uv), 2)  # abnormal ratio at baseline
    d0 = I0 - Uv
    bm0 = _round(10.0 + 60.0 * u[2], 0)

    # visit layout: pre-progression visits, then PD and confirming visit
    k = sch.n_pre + sch.n_pd
    p = np.repeat(np.arange(n), k)
    start = np.cumsum(k) - k
    j = np.arange(len(p)) - start[p]
    pre = j < sch.n_pre[p]
    day = np.where(pre, sch.g[p] + (j + 1) * sch.A[p], np.where(j == sch.n_pre[p], sch.P[p], sch.C[p]))
    cat = np.where(pre, _visit_categories(best[p], r[p], j), PD)
    cat = np.where(pre & flc_meas[p] & (cat == MR), SD, cat)
    cat = np.where(pre & flc_meas[p] & (cat == CR), SCR, cat)
    cat = np.where(pre & urine_meas[p] & (cat == MR) & ~needs_mr[p], SD, cat)
    uv = rng.random(len(p))
    cr_like = pre & (cat >= CR)

    # serum M-protein (serum-measurable disease): reductions inside the category band
    lo = np.select([cat == c for c in SERUM_BANDS], [b[0] for b in SERUM_BANDS.values()], 0.0)
    hi = np.select([cat == c for c in SERUM_BANDS], [b[1] for b in SERUM_BANDS.values()], 0.0)
    s = _round(B[p] * (1.0 - _band(uv, lo, hi)), 2)
    s = np.where(cat == VGPR, np.maximum(s, 0.01), np.where(cr_like, 0.0, s))
    s = np.where(pre, _cummin(np.where(pre, s, np.inf), p), s)
    # urine M-protein (urine-measurable disease)
    red_u = _band(uv, *np.where(cat == MR, np.array([[0.53], [0.85]]), np.array([[0.0], [0.35]])))
    uu = np.maximum(U0[p] * (1.0 - red_u), URINE_FLOOR)
    for c, (a, b) in URINE_ABS.items():
        uu = np.where(cat == c, _band(uv, a, b), uu)
    uu = _round(np.where(cr_like, 0.0, uu), 0)
    uu = np.where(pre, _cummin(np.where(pre, uu, np.inf), p), uu)
    # dFLC (FLC-only disease), and a normal ratio at sCR visits
    lo = np.select([cat == c for c in FLC_BANDS], [b[0] for b in FLC_BANDS.values()], 0.0)
    hi = np.select([cat == c for c in FLC_BANDS], [b[1] for b in FLC_BANDS.values()], 0.0)
    d = d0[p] * (1.0 - _band(uv, lo, hi))
    normal_inv = Uv[p] * (0.8 + 0.5 * rng.random(len(p)))
    d = np.where(cat == SCR, normal_inv - Uv[p], d)
    d = np.where(pre, _cummin(np.where(pre, d, np.inf), p), d)

    # progression and its confirmation: rise over the nadir (last pre-progression value, or baseline)
    pdv = ~pre
    first_pd = pdv & (j == sch.n_pre[p])
    prev = np.maximum(np.arange(len(p)) - 1, 0)
    has_prev = j > 0
    nad_s = np.where(first_pd, np.where(has_prev, s[prev], B[p]), np.nan)
    nad_u = np.where(first_pd, np.where(has_prev, uu[prev], U0[p]), np.nan)
    nad_d = np.where(first_pd, np.where(has_prev, d[prev], d0[p]), np.nan)
    s1 = _round(nad_s + np.maximum(0.6, 0.35 * nad_s), 2)
    u1 = _round(nad_u + np.maximum(260.0, 0.4 * nad_u), 0)
    d1 = nad_d + np.maximum(12.0, 0.4 * np.maximum(nad_d, 0.0))
    conf = pdv & ~first_pd
    s = np.where(first_pd, s1, np.where(conf, _round(s1[prev] * 1.1 + 0.1, 2), s))
    uu = np.where(first_pd, u1, np.where(conf, _round(u1[prev] * 1.1 + 20.0, 0), uu))
    d = np.where(first_pd, d1, np.where(conf, d1[prev] * 1.1 + 1.0, d))
    inv = _round(Uv[p] + d, 2)
    inv = np.maximum(inv, 0.01)
    kappa = np.where(lam_inv[p], Uv[p], inv)
    lamb = np.where(lam_inv[p], inv, Uv[p])

    # assessments after the start of the next line are not made (the engine would exclude them)
    nxt = _days(latent, "next_line_day")
    after = day > nxt[p]
    lost = np.zeros(n, dtype=bool)
    need = ((pre & (j >= r[p]) & (j <= r[p] + 1) & (best[p] >= MR)) | ~pre  # response pair, PD pair,
            | (pre & (j == 0) & (best[p] == SD)))  # the one assessment SD needs
    lost[p[after & need]] = True
    exceptions["new_therapy_first"] = lost
    keep = ~after
    p, j, pre, day, cat, uv, cr_like = p[keep], j[keep], pre[keep], day[keep], cat[keep], uv[keep], cr_like[keep]
    s, uu, kappa, lamb = s[keep], uu[keep], kappa[keep], lamb[keep]
    vdate = index[p] + day.astype("timedelta64[D]")
    vp = pid[p]
    parts = []
    # baseline block
    parts.append(_rows(pid, screen, "serum_m_protein", _text(B, 2), "g/dL"))
    parts.append(_rows(pid, screen, "urine_m_protein", _text(U0, 0), "mg/24h"))
    kb = np.where(lam_inv, Uv, I0)
    lb = np.where(lam_inv, I0, Uv)
    parts.append(_rows(pid, screen, "serum_kappa_flc", _text(kb, 2), "mg/dL"))
    parts.append(_rows(pid, screen, "serum_lambda_flc", _text(lb, 2), "mg/dL"))
    sife = np.where((B > 0) | ~flc_meas, "positive", "negative").astype(object)
    parts.append(_rows(pid, screen, "serum_ife", sife, ""))
    parts.append(_rows(pid, screen, "urine_ife", np.where(U0 > 0, "positive", "negative").astype(object), ""))
    parts.append(_rows(pid, screen, "bm_plasma_cells_pct", _text(bm0, 0), "%"))
    # post-baseline block
    m = serum_meas[p]
    parts.append(_rows(vp[m], vdate[m], "serum_m_protein", _text(s[m], 2), "g/dL"))
    m = urine_meas[p]
    parts.append(_rows(vp[m], vdate[m], "urine_m_protein", _text(uu[m], 0), "mg/24h"))
    m = flc_meas[p] | (cat == SCR)
    parts.append(_rows(vp[m], vdate[m], "serum_kappa_flc", _text(kappa[m], 2), "mg/dL"))
    parts.append(_rows(vp[m], vdate[m], "serum_lambda_flc", _text(lamb[m], 2), "mg/dL"))
    m = cr_like
    neg = np.full(int(m.sum()), "negative", dtype=object)
    parts.append(_rows(vp[m], vdate[m], "serum_ife", neg, ""))
    parts.append(_rows(vp[m], vdate[m], "urine_ife", neg, ""))
    m = cr_like & (j == r[p])  # marrow at the first CR/sCR visit (< 5 % plasma cells), carried forward
    parts.append(_rows(vp[m], vdate[m], "bm_plasma_cells_pct", _text(1.0 + np.floor(4 * uv[m]), 0), "%"))
    visit_cat = pd.DataFrame({"patient_id": vp, "date": vdate.astype("datetime64[ns]"), "category": _NAMES[cat]})
    return parts, visit_cat


def _sample_grade(probs: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.cumsum(probs)[:-1], u, side="right")


def _baseline_and_heme(latent, sch: _Schedule, rng_base, rng_heme, screen, index, pid, study_id):
    """Baseline chemistry/hematology rows and on-treatment hematology rows."""
    n = sch.n
    age = pd.to_numeric(latent["age"]).to_numpy(dtype=float)
    female = latent["sex"].astype(str).to_numpy() == "female"
    u = rng_base.random((8, n))
    z = rng_base.standard_normal((8, n))
    iss = _iss(latent, u[0])
    # beta2-microglobulin (mg/L) and albumin (g/dL) inside the ISS stage (Greipp 2005)
    b2m = np.select([iss == 1, iss == 2, iss == 3],
                    [1.5 + 1.9 * u[1], np.where(u[2] < 0.6, 3.6 + 1.8 * u[1], 1.5 + 1.9 * u[1]),
                     5.6 + np.exp(np.log(2.5) + 0.6 * z[0])], 3.0 + 2.0 * u[1])
    alb = np.select([iss == 1, (iss == 2) & (b2m < 3.5)],
                    [3.6 + 0.9 * u[3], 2.6 + 0.85 * u[3]], 3.5 + 0.5 * z[1])
    alb = np.where(iss == 3, 3.3 + 0.5 * z[1], alb)
    alb = _round(np.clip(alb, 2.0, 5.0), 1)
    alb = np.where((iss == 1) & (alb < 3.5), 3.5, alb)
    alb = np.where((iss == 2) & (b2m < 3.5) & (alb >= 3.5), 3.4, alb)
    b2m = _round(b2m, 1)
    b2m = np.where((iss == 1) & (b2m >= 3.5), 3.4, np.where((iss == 3) & (b2m < 5.5), 5.5, b2m))
    b2m = np.where((iss == 2) & (b2m >= 5.5), 5.4, b2m)
    # creatinine mg/dL: lognormal, median 1.05 (men) / 0.82 (women) at 67 y, +1 % a year of age
    # (assumption; gives MDRD eGFR < 60 in about 36 % as ICARIA-MM Table/Results: "104 (36%)")
    crea = np.where(female, 0.82, 1.05) * np.exp(0.01 * (age - 67.0) + 0.35 * z[2])
    crea = _round(np.clip(crea, 0.4, 4.0), 2)
    calcium = _round(np.clip(9.4 + 0.6 * z[3], 7.5, 12.5), 1)
    ldh = _round(np.exp(np.log(200.0) + 0.35 * z[4]), 0)
    # hematology at baseline (assumptions typical of RRMM trials): Hb lower by 0.8 g/dL in ISS III
    hb = 11.0 - 0.8 * (iss == 3) - 0.5 * female + 1.5 * z[5]
    plt = np.exp(np.log(185.0) + 0.35 * z[6])
    anc = np.exp(np.log(2.9) + 0.4 * z[7])

    # worst on-treatment grade per patient and test
    regimen = latent["regimen"].astype(str).to_numpy()
    arm_label = latent["arm"].astype(str).to_numpy()
    arm_ids = _arm_ids(latent, study_id)
    worst = np.zeros((3, n), dtype=np.int64)
    tests = ("neutrophils", "platelets", "hemoglobin")
    uh = rng_heme.random((3, n))
    reg_code, reg_names = pd.factorize(regimen)
    for k, reg in enumerate(reg_names):
        sel = reg_code == k
        arm = arm_ids.get(arm_label[sel][0])
        probs = _heme_grade_probs(reg, study_id, arm)
        for t, test in enumerate(tests):
            worst[t, sel] = _sample_grade(probs[test], uh[t, sel])
    # baseline grade never worse than the worst on-treatment grade (the worst grade includes it)
    lln_hb = np.where(female, 12.0, 13.0)
    lower = {"neutrophils": np.array([b[0] for b in HEME_BANDS["neutrophils"]]),
             "platelets": np.array([b[0] for b in HEME_BANDS["platelets"]]),
             "hemoglobin": np.array([b[0] for b in HEME_BANDS["hemoglobin"]])}
    anc = np.clip(np.maximum(anc, lower["neutrophils"][worst[0]] + 0.05), 1.0, 12.0)
    plt = np.clip(np.maximum(plt, lower["platelets"][worst[1]] + 2.0), 75.0, 600.0)
    hb_floor = np.where(worst[2] == 0, lln_hb, lower["hemoglobin"][worst[2]]) + 0.1
    hb = np.clip(np.maximum(hb, hb_floor), 6.6, 16.5)
    # values the latent frame fixes (the event model depends on them) are taken as given
    fixed = {"hemoglobin": hb, "creatinine": crea, "albumin": alb, "beta2_microglobulin": b2m}
    for test in fixed:
        if f"bl_{test}" in latent.columns:
            given = pd.to_numeric(latent[f"bl_{test}"], errors="coerce").to_numpy(dtype=float)
            fixed[test] = np.where(np.isnan(given), fixed[test], given)
    hb, crea, alb, b2m = fixed["hemoglobin"], fixed["creatinine"], fixed["albumin"], fixed["beta2_microglobulin"]

    base_date = screen  # with the disease baseline, on the screening date
    parts = [
        _rows(pid, base_date, "hemoglobin", _text(hb, 2), "g/dL"),
        _rows(pid, base_date, "platelets", _text(plt, 0), "10^9/L"),
        _rows(pid, base_date, "neutrophils", _text(anc, 2), "10^9/L"),
        _rows(pid, base_date, "creatinine", _text(crea, 2), "mg/dL"),
        _rows(pid, base_date, "calcium", _text(calcium, 1), "mg/dL"),
        _rows(pid, base_date, "albumin", _text(alb, 2), "g/dL"),
        _rows(pid, base_date, "beta2_microglobulin", _text(b2m, 2), "mg/L"),
        _rows(pid, base_date, "ldh", _text(ldh, 0), "U/L", np.full(n, LDH_ULN)),
    ]
    baseline = parts

    # on-treatment hematology: cycle 1 day 15, then every assessment until the end of
    # treatment (or the end of observation when ongoing)
    eot = _days(latent, "eot_day")
    t_end = np.fmin(np.where(np.isnan(eot), sch.obs_end, eot), sch.obs_end)
    t_rel = t_end - sch.g                  # days from the first dose
    k = np.where(t_rel >= 14, 1 + np.floor(np.maximum(t_rel, 0) / sch.A), 0).astype(np.int64)
    p = np.repeat(np.arange(n), k)
    start = np.cumsum(k) - k
    j = np.arange(len(p)) - start[p]
    day = sch.g[p] + np.where(j == 0, 14.0, j * sch.A[p])
    at_worst = j == np.floor(rng_heme.random(n) * np.maximum(k, 1)).astype(np.int64)[p]
    hdate = index[p] + day.astype("timedelta64[D]")
    rows = []
    for t, test in enumerate(tests):
        bands = np.array(HEME_BANDS[test])
        g = worst[t, p]
        other = np.floor(rng_heme.random(len(p)) * (g + 1)).astype(np.int64)  # any grade 0..worst
        gg = np.where(at_worst, g, other)
        lo, hi = bands[gg, 0], bands[gg, 1]
        if test == "hemoglobin":
            lln = lln_hb[p]
            hi = np.where(gg == 1, lln, hi)
            lo = np.where(gg == 0, lln, lo)
            hi = np.where(gg == 0, lln + 2.5, hi)
        dec = HEME_DECIMALS[test]
        step = 10.0 ** -dec
        v = _round(lo + step + rng_heme.random(len(p)) * (hi - lo - 2 * step), dec)
        unit = "g/dL" if test == "hemoglobin" else "10^9/L"
        rows.append(_rows(pid[p], hdate, test, _text(v, dec), unit))
    worst_df = pd.DataFrame({"patient_id": pid, "evaluable": k > 0, **{t: worst[i] for i, t in enumerate(tests)}})
    return baseline, {"rows": rows, "worst": worst_df}
