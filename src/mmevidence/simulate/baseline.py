"""Baseline covariates, cytogenetics and prior therapies from the published baseline tables.

* Continuous variables published as median (IQR) [and range] are drawn from the piecewise-
  linear quantile function through (0, min), (0.25, q1), (0.5, median), (0.75, q3), (1, max):
  the simulated median and quartiles equal the published ones in expectation.
* Dependence: creatinine is log-normal with a mean rising with age (slope an assumption) and
  an intercept solved so that the MDRD eGFR (``mmevidence.derive.risk_scores.egfr_mdrd``, the
  equation the pipeline uses) is below 60 in the published fraction; ISS stage at entry is
  drawn from the published distribution and beta2-microglobulin / albumin are drawn inside
  the stage's region (Greipp PR et al., J Clin Oncol 2005;23:3412-20: I = B2M < 3.5 mg/L and
  albumin >= 3.5 g/dL; III = B2M >= 5.5 mg/L; II = neither), so the pipeline's ISS at entry
  reproduces the published stages.
* Prior therapies: line counts from the published distribution; patient-level flags
  (lenalidomide / PI / daratumumab refractoriness, lenalidomide in the refractory last line,
  last line refractory) drawn at the published rates, then each distinct flag profile gets a
  line template (induction with or without transplant, the refractory lines the flags
  require, fillers) expanded to all its patients with numpy -- no per-patient Python loop.
  The derive step (``therapy_history``) recovers the flags: refractoriness applies to every
  drug of a refractory line, so two refractory needs that share a line also share its flag.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from ..derive.risk_scores import egfr_mdrd

DAY = np.timedelta64(1, "D")


def quantile_draw(u: np.ndarray, spec: dict, lo: float, hi: float) -> np.ndarray:
    """Piecewise-linear inverse CDF through (0, min), (.25, q1), (.5, median), (.75, q3), (1, max)."""
    xs = [spec.get("min", lo), spec["q1"], spec["median"], spec["q3"], spec.get("max", hi)]
    return np.interp(u, [0.0, 0.25, 0.5, 0.75, 1.0], xs)


def categorical(rng: np.random.Generator, n: int, probs: dict) -> np.ndarray:
    """``n`` draws of the keys of ``probs`` (normalised) as an object array."""
    keys = list(probs)
    p = np.asarray([float(probs[k]) for k in keys])
    return np.asarray(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def _per_arm(spec: dict, arm_id: np.ndarray, key: str, default: object = None) -> list[tuple[np.ndarray, object]]:
    """(mask, value) pairs: the arm-specific value of ``key`` where given, else the common one."""
    arms = (spec.get("arms") or {})
    out = []
    for a in np.unique(arm_id):
        out.append((arm_id == a, (arms.get(a) or {}).get(key, spec.get(key, default))))
    return out


def hemoglobin(spec: dict, n: int, rng: np.random.Generator) -> np.ndarray:
    """Baseline hemoglobin (g/dL): normal(mean, sd) clipped to [6, 17.5], printed to 0.1 g/dL."""
    return np.round(np.clip(rng.normal(spec["mean"], spec["sd"], n), 6.0, 17.5), 1)


def _creatinine_intercept(target: float, slope: float, sd: float, age_spec: dict, lo: float, hi: float,
                          female: float) -> float:
    """Log-creatinine intercept (mg/dL at age 67) with P(MDRD eGFR < 60) = target on a fixed
    reference sample (deterministic; independent of the simulation seed)."""
    r = np.random.default_rng(20240601)
    k = 20000
    age = quantile_draw(r.random(k), age_spec, lo, hi)
    fem = r.random(k) < female
    z = r.standard_normal(k)
    def f(a: float) -> float:
        return float(np.mean(egfr_mdrd(np.exp(a + slope * (age - 67) + sd * z), age, fem) < 60)) - target
    return brentq(f, -3.0, 3.0, xtol=1e-10)


def simulate_baseline(model: dict, arm_id: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """One row a patient: demographics, disease, baseline laboratory values (latent, written
    to ``labs`` by S-clinical's ``simulate_labs``) and the IMWG measurable-disease type."""
    b = model["baseline"]
    n = len(arm_id)
    lo, hi = b.get("age_range", [18, 95])
    age = np.empty(n)
    female = np.empty(n, dtype=bool)
    asct = np.empty(n, dtype=bool)
    for mask, spec in _per_arm(b, arm_id, "age"):
        age[mask] = quantile_draw(rng.random(mask.sum()), spec, lo, hi)
    for mask, p in _per_arm(b, arm_id, "female"):
        female[mask] = rng.random(mask.sum()) < p
    for mask, p in _per_arm(b, arm_id, "prior_asct"):
        asct[mask] = rng.random(mask.sum()) < p
    age = np.round(age, 1)
    mtype = categorical(rng, n, b["myeloma_type"])
    light = np.where(rng.random(n) < b.get("kappa", 0.62), "kappa", "lambda").astype(object)
    ecog = categorical(rng, n, b["ecog"]).astype(int)
    weight = np.round(np.clip(rng.normal(b["weight_kg"]["mean"], b["weight_kg"]["sd"], n) - 8 * female, 38, 160), 1)
    height = np.round(np.clip(np.where(female, 162, 175) + rng.normal(0, 7, n), 140, 200), 0)
    iss_dx = categorical(rng, n, b["iss_at_diagnosis"])
    iss_dx[iss_dx == "unknown"] = None
    iss = np.empty(n, dtype=object)
    u_iss = rng.random(n)
    for mask, probs in _per_arm(b, arm_id, "iss_at_entry"):
        keys = np.array(list(probs), dtype=object)
        cum = np.cumsum([float(v) for v in probs.values()])
        iss[mask] = keys[np.minimum(np.searchsorted(cum / cum[-1], u_iss[mask], side="right"), len(keys) - 1)]
    # beta2-microglobulin (mg/L) and albumin (g/dL) inside the ISS region of the drawn stage
    u1, u2 = rng.random(n), rng.random(n)
    b2m = np.where(iss == "I", 1.5 + 1.9 * u1, np.where(iss == "III", 5.6 + rng.exponential(3.0, n), 0.0))
    alb = np.where(iss == "I", 3.6 + 1.1 * u2, rng.normal(3.5, 0.45, n))
    ii = iss == "II"
    low_b2m = ii & (rng.random(n) < 0.45)               # ASSUMPTION: 45 % of stage II by low albumin
    b2m = np.where(low_b2m, 1.5 + 1.9 * u1, np.where(ii, 3.6 + 1.8 * u1, b2m))
    alb = np.where(low_b2m, 2.4 + 1.0 * u2, alb)
    alb = np.round(np.clip(alb, 1.8, 5.2), 1)
    b2m = np.round(b2m, 2)
    slope = float(b.get("creatinine_age_slope", 0.012))
    sd = 0.35                                           # ASSUMPTION: log-creatinine SD (a wide RRMM range)
    age_spec = (b.get("age") or next(iter((b.get("arms") or {}).values()))["age"])
    a0 = _creatinine_intercept(float(b["egfr_below_60"]), slope, sd, age_spec, lo, hi, float(np.mean(female)))
    creat = np.round(np.exp(a0 + slope * (age - 67) + sd * rng.standard_normal(n)), 2)
    hb = hemoglobin(b["hemoglobin_g_dl"], n, rng)
    ysd = quantile_draw(rng.random(n), b["years_since_diagnosis"], 0.3, 25)
    meas = categorical(rng, n, b["measurable"])
    lc = mtype == "light_chain"
    meas[lc] = np.where(rng.random(lc.sum()) < 0.5, "urine", "flc")   # light-chain disease has no serum M-spike
    return pd.DataFrame({
        "age": age, "sex": np.where(female, "female", "male").astype(object), "weight_kg": weight,
        "height_cm": height, "ecog": ecog, "myeloma_type": mtype, "light_chain": light,
        "iss_stage_at_diagnosis": iss_dx, "iss_at_entry": iss, "prior_asct": asct,
        "years_since_diagnosis": ysd, "bl_hemoglobin": hb, "bl_creatinine": creat,
        "bl_albumin": alb, "bl_beta2_microglobulin": b2m, "measurable": meas,
    })


# --------------------------------------------------------------------------------------------
# cytogenetics
# --------------------------------------------------------------------------------------------

_THRESHOLD = {"del17p": 50.0, "t_4_14": 30.0, "t_14_16": 30.0}   # ICARIA-MM cut-offs (DeriveConfig defaults)


def simulate_cytogenetics(model: dict, patient_id: np.ndarray, arm_id: np.ndarray, index_date: np.ndarray,
                          rng: np.random.Generator) -> pd.DataFrame:
    """FISH rows: tested patients get del17p, t_4_14 and t_14_16 (and gain_1q for a share);
    high-risk patients one abnormality above its cut-off, standard-risk patients all below
    (5 % with a subclonal del17p under 50 %, positive but not high risk); untested none."""
    spec = model["cytogenetics"]
    n = len(patient_id)
    risk = np.full(n, "missing", dtype=object)
    u = rng.random(n)
    for a in np.unique(arm_id):
        p = (spec.get("arms") or {}).get(a) or spec
        m = arm_id == a
        risk[m & (u < p["high"])] = "high"
        risk[m & (u >= p["high"]) & (u < p["high"] + p["standard"])] = "standard"
    tested = risk != "missing"
    which = categorical(rng, n, spec["high_risk_mix"])
    date = index_date - rng.integers(1, 22, n) * DAY
    rows = []
    for ab in ("del17p", "t_4_14", "t_14_16"):
        pos = (risk == "high") & (which == ab)
        thr = _THRESHOLD[ab]
        pct = np.where(pos, thr + rng.random(n) * (95 - thr), 0.0)
        sub = (risk == "standard") & (ab == "del17p") & (rng.random(n) < 0.05)
        pct = np.where(sub, 10 + rng.random(n) * 35, pct)
        res = np.where(pos | sub, "positive", "negative").astype(object)
        rows.append(pd.DataFrame({"patient_id": patient_id[tested], "date": date[tested], "abnormality": ab,
                                  "percent_positive": np.round(pct[tested], 1), "result": res[tested]}))
    g = tested & (rng.random(n) < float(spec.get("gain_1q_tested", 0.0)))
    gp = rng.random(n) < 0.4
    rows.append(pd.DataFrame({"patient_id": patient_id[g], "date": date[g], "abnormality": "gain_1q",
                              "percent_positive": np.round(np.where(gp, 20 + 70 * rng.random(n), 0.0)[g], 1),
                              "result": np.where(gp, "positive", "negative").astype(object)[g]}))
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["patient_id", "abnormality"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# prior therapies
# --------------------------------------------------------------------------------------------

_FILLERS = ("cyclophosphamide;dexamethasone", "bendamustine;dexamethasone", "melphalan;prednisone")


def _template(L: int, ref_len: bool, len_last: bool, ref_pi: bool, ref_last: bool, pi_last: bool,
              dara_ref: bool, dara_exp: bool, asct: bool, vrd: bool, pom: bool) -> list[tuple[str, bool, bool]]:
    """Lines (drugs, refractory, asct) of one flag profile (see the module docstring)."""
    induction = ["bortezomib", "lenalidomide" if vrd else "cyclophosphamide", "dexamethasone"]
    if asct:
        induction.append("melphalan")
    last = []
    if dara_ref:
        last.append("daratumumab")
    if len_last:
        last.append("lenalidomide")
    if pom and dara_ref:
        last.append("pomalidomide")
    if pi_last and ref_pi and ref_last:
        last.append("carfilzomib")
    if not last:
        last.append("bendamustine")
    last.append("dexamethasone")
    last_ref = ref_last or dara_ref or len_last
    needs: list[tuple[list[str], bool]] = []
    if ref_len and "lenalidomide" not in last:
        needs.append((["lenalidomide", "dexamethasone"], True))
    if not ref_len and not vrd and "lenalidomide" not in last:
        needs.append((["lenalidomide", "dexamethasone"], False))
    if ref_pi and not ("carfilzomib" in last and last_ref):
        needs.append((["carfilzomib", "dexamethasone"], True))
    if dara_exp and not dara_ref:
        needs.append((["daratumumab", "dexamethasone"], False))
    if pom and not dara_ref:
        needs.append((["pomalidomide", "dexamethasone"], True))
    if L == 1:
        drugs = sorted(set(induction) | set(last) | {d for ds, _ in needs for d in ds})
        return [(";".join(drugs), last_ref or any(r for _, r in needs), asct)]
    slots = L - 2
    while len(needs) > slots and len(needs) >= 2:          # merge two refractory needs into one line
        (a, ra), (b, rb) = needs[0], needs[1]
        needs = [(sorted(set(a) | set(b)), ra or rb)] + needs[2:]
    first_ref = False
    if len(needs) > slots:                                 # no middle line left: into the induction line
        induction = sorted(set(induction) | set(needs[0][0]))
        first_ref = needs[0][1]
        needs = []
    middle = [(";".join(d), r, False) for d, r in needs]
    middle += [(_FILLERS[i % 3], i % 2 == 0, False) for i in range(slots - len(needs))]
    return [(";".join(induction), first_ref, asct)] + middle + [(";".join(last), last_ref, False)]


def simulate_prior_therapies(model: dict, patient_id: np.ndarray, index_date: np.ndarray, years_since_dx: np.ndarray,
                             prior_asct: np.ndarray, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """``prior_therapies`` rows and each patient's diagnosis date (see the module docstring)."""
    s = model["prior_therapies"]
    n = len(patient_id)
    L = categorical(rng, n, {int(k): v for k, v in s["lines"].items()}).astype(int)
    u = rng.random((8, n))
    ref_len = u[0] < s["refractory_lenalidomide"]
    len_last = ref_len & (u[1] < s["refractory_lenalidomide_last_line"] / max(s["refractory_lenalidomide"], 1e-9))
    # a lenalidomide-refractory need of a 2-line patient is merged into the (bortezomib) induction
    # line, which makes the PI refractory too: draw PI refractoriness so the total is the published one
    lines = {int(k): float(v) for k, v in s["lines"].items()}
    gap_len = max(s["refractory_lenalidomide"] - s["refractory_lenalidomide_last_line"], 0)
    q = lines.get(2, 0.0) / sum(lines.values()) * gap_len
    ref_pi = u[2] < max(s["refractory_pi"] - q, 0.0) / (1 - q)
    base_last = s["refractory_last_line"]
    dara_ref = u[3] < s.get("daratumumab_refractory", 0.0)
    forced = len_last | dara_ref
    q = np.clip((base_last - forced.mean()) / max(1 - forced.mean(), 1e-9), 0, 1)
    ref_last = forced | (u[4] < q)
    pi_last = u[5] < 0.6                                  # ASSUMPTION: a PI-refractory last line is PI-based in 60 %
    p_ref = float(s.get("daratumumab_refractory", 0.0))
    dara_exp = dara_ref | (u[6] < (float(s.get("daratumumab_exposed", 0.0)) - p_ref) / max(1 - p_ref, 1e-9))
    vrd = u[7] < 0.5                                      # ASSUMPTION: half the inductions contained lenalidomide
    pom = rng.random(n) < s.get("pomalidomide_exposed", 0.0)
    prof = np.column_stack([L, ref_len, len_last, ref_pi, ref_last, pi_last, dara_ref, dara_exp, prior_asct, vrd, pom]
                           ).astype(np.int64)
    uniq, inv = np.unique(prof, axis=0, return_inverse=True)
    inv = inv.ravel()
    temps = [_template(int(p[0]), *map(bool, p[1:])) for p in uniq]
    n_lines = np.array([len(t) for t in temps])[inv]
    offsets = np.concatenate([[0], np.cumsum([len(t) for t in temps])])
    flat_drugs = np.array([d for t in temps for d, _, _ in t], dtype=object)
    flat_ref = np.array([r for t in temps for _, r, _ in t], dtype=bool)
    flat_asct = np.array([a for t in temps for _, _, a in t], dtype=bool)
    rows = np.repeat(np.arange(n), n_lines)
    first = np.concatenate([[0], np.cumsum(n_lines)[:-1]])
    line = np.arange(len(rows)) - np.repeat(first, n_lines)
    src = offsets[inv][rows] + line
    # dates: diagnosis = index - years; lines share [diagnosis + 30 d, index - gap] in random proportions
    gap = rng.integers(14, 61, n)
    # at least 30 days before the first line and 45 days a line before the index date
    days = np.maximum(np.round(years_since_dx * 365.25).astype(np.int64), 30 + gap + 45 * n_lines)
    dx = index_date - days * DAY
    span = ((index_date - dx) / DAY - 30 - gap).astype(float)
    w = rng.gamma(2.0, 1.0, len(rows))
    tot = np.add.reduceat(w, first)
    cum = np.cumsum(w) - np.repeat(np.cumsum(tot) - tot, n_lines)
    frac0 = (cum - w) / np.repeat(tot, n_lines)
    frac1 = cum / np.repeat(tot, n_lines)
    start_off = 30 + np.floor(frac0 * span[rows])
    dur = np.maximum(np.floor((frac1 - frac0) * span[rows] * 0.85), 14)
    start = dx[rows] + start_off.astype(np.int64) * DAY
    end = start + dur.astype(np.int64) * DAY
    last = line == n_lines[rows] - 1
    end = np.where(last, index_date[rows] - gap[rows] * DAY, end)
    end = np.maximum(end, start + DAY)
    df = pd.DataFrame({"patient_id": patient_id[rows], "line_number": line + 1, "start_date": start,
                       "end_date": end, "drugs": flat_drugs[src], "asct": flat_asct[src],
                       "best_response": None, "refractory": flat_ref[src]})
    return df, dx
