"""Per-visit IMWG response category with the rule that decided it (Kumar 2016 Table 3).

Order of evaluation at each visit: excluded (after new therapy) -> no baseline -> PD
(any criterion of ``progression.progression_flags``) -> sCR -> CR -> the graded
M-protein / FLC / marrow rules (VGPR, PR, MR, SD), capped by the plasmacytoma rule ->
NE when a measurement the patient's disease type needs is missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .criteria import CR, MR, NE, PD, PR, SCR, SD, VGPR, ImwgConfig, ge, lt, reduction
from .progression import PD_RULES

#: What each rule code means; the explanation of a visit is this text plus its values.
RULE_TEXT: dict[str, str] = {
    "excluded_new_therapy": "NE: assessment after the start of new anti-myeloma therapy (excluded)",
    "no_baseline": "NE: no baseline disease assessment within the baseline window",
    "missing_measurement": "NE: a measurement the disease type needs is missing at this visit",
    "PD_serum": "PD: serum M-protein up >=25% and >=0.5 g/dL from nadir (>=1 g/dL if nadir >=5 g/dL)",
    "PD_urine": "PD: urine M-protein up >=25% and >=200 mg/24h from nadir",
    "PD_dflc": "PD: dFLC up >=25% and >10 mg/dL from nadir (FLC-only disease)",
    "PD_marrow": "PD: marrow plasma cells up >=25% and >=10 points from nadir (non-measurable disease)",
    "PD_plasmacytoma": "PD: new plasmacytoma or >=50% increase in SPD from nadir (imaging, no confirmation)",
    "sCR": "sCR: serum and urine IFE negative, no plasmacytoma, marrow PC <5%, FLC ratio normal",
    "CR": "CR: serum and urine IFE negative, no plasmacytoma, marrow PC <5% (+ normal FLC ratio if FLC-only)",
    "CR_without_marrow": "CR: IFE negative, no plasmacytoma, no marrow result (cr_without_marrow='cr')",
    "serum": "serum M-protein reduction from baseline: VGPR >=90%, PR >=50%, MR >=25%",
    "urine": "urine M-protein: VGPR <100 mg/24h, PR >=90% reduction or <200 mg/24h, MR >=50% reduction",
    "dflc": "dFLC reduction from baseline (FLC-only): VGPR >=90%, PR >=50% (no MR)",
    "marrow": "marrow plasma-cell reduction >=50% from a baseline >=30% (non-measurable): PR",
    "plasmacytoma": "plasmacytoma SPD reduction required: >=50% for PR, >=25% for MR",
    "non_measurable": "SD: non-measurable disease, not CR, no PD",
}


def _levels_serum(s: np.ndarray, base: np.ndarray) -> np.ndarray:
    r = reduction(s, base)
    lev = np.select([ge(r, 0.9), ge(r, 0.5), ge(r, 0.25)], [VGPR, PR, MR], SD).astype(float)
    return np.where(np.isnan(s), np.nan, lev)


def _levels_urine(u: np.ndarray, base: np.ndarray) -> np.ndarray:
    r = reduction(u, base)
    lev = np.select([lt(u, 100.0), ge(r, 0.9) | lt(u, 200.0), ge(r, 0.5)], [VGPR, PR, MR], SD).astype(float)
    return np.where(np.isnan(u), np.nan, lev)


def _levels_dflc(d: np.ndarray, base: np.ndarray) -> np.ndarray:
    r = reduction(d, base)
    lev = np.select([ge(r, 0.9), ge(r, 0.5)], [VGPR, PR], SD).astype(float)
    return np.where(np.isnan(d), np.nan, lev)


def classify_visits(v: pd.DataFrame, pd_flags: dict[str, np.ndarray],
                    config: ImwgConfig) -> tuple[np.ndarray, np.ndarray]:
    """Category code (``criteria.ORDER`` index, NE = -1) and rule code for each visit row.

    Graded rules apply to the components measurable at baseline and the worst of them
    decides (Kumar 2016: PR needs >=50% serum *and* the urine criterion). The urine
    VGPR condition (<100 mg/24h) applies when urine was measurable at baseline. Bone
    marrow and plasmacytoma results are carried forward from their last assessment;
    immunofixation and M-protein are not.
    """
    n = len(v)
    dt = v["disease_type"].to_numpy()
    col = lambda c: v[c].to_numpy(dtype=float)  # noqa: E731
    lo, hi = config.flc_ratio_normal
    ratio = col("flc_ratio")
    ratio_normal = ge(ratio, lo) & ge(hi, ratio)
    ife_neg = (col("serum_ife") == 0) & (col("urine_ife") == 0)
    no_plasma = ~(col("plasmacytoma_locf") > 0)
    cr_core = ife_neg & no_plasma & ((dt != "flc") | ratio_normal)
    marrow = col("bm_locf")
    cr = cr_core & lt(marrow, 5.0)
    scr = cr & ratio_normal
    cr_nomarrow = cr_core & np.isnan(marrow) & (config.cr_without_marrow == "cr")

    # graded levels: NaN = not applicable, -2 = applicable but missing
    serum_req = (dt == "serum") | (dt == "serum_and_urine")
    urine_req = (dt == "urine") | (dt == "serum_and_urine")
    comps = {
        "serum": np.where(serum_req, _levels_serum(col("serum_m_protein"), col("base_serum_m_protein")), np.inf),
        "urine": np.where(urine_req, _levels_urine(col("urine_m_protein"), col("base_urine_m_protein")), np.inf),
        "dflc": np.where(dt == "flc", _levels_dflc(col("dflc"), col("base_dflc")), np.inf),
    }
    bm_base = col("base_bm_plasma_cells_pct")
    marrow_rule = (dt == "non_measurable") & ge(bm_base, 30.0) & ~np.isnan(marrow)
    comps["marrow"] = np.where(marrow_rule, np.where(ge(reduction(marrow, bm_base), 0.5), PR, SD), np.inf)
    names = list(comps)
    stack = np.vstack([comps[k] for k in names])
    missing = np.isnan(stack).any(axis=0)
    filled = np.where(np.isnan(stack), np.inf, stack)
    level = filled.min(axis=0)
    decider = np.array(names, dtype=object)[filled.argmin(axis=0)]
    measured = v[["serum_m_protein", "urine_m_protein", "serum_kappa_flc", "serum_lambda_flc",
                  "serum_ife", "urine_ife", "bm_plasma_cells_pct"]].notna().any(axis=1).to_numpy()
    nonmeas_sd = np.isinf(level) & (dt == "non_measurable") & measured
    level = np.where(nonmeas_sd, SD, level)
    decider = np.where(nonmeas_sd, "non_measurable", decider)
    # a plasmacytoma present at baseline caps the graded level (>=50% SPD reduction for PR, >=25% for MR)
    pl_red = reduction(col("plasmacytoma_locf"), col("base_plasmacytoma"))
    cap = np.where(col("base_plasmacytoma") > 0, np.select([ge(pl_red, 0.5), ge(pl_red, 0.25)], [VGPR, MR], SD),
                   np.inf)
    capped = (cap < level) & np.isfinite(level)
    level = np.where(capped, cap, level)
    decider = np.where(capped, "plasmacytoma", decider)
    level_ok = ~missing & np.isfinite(level)

    pd_any = np.zeros(n, dtype=bool)
    pd_rule = np.full(n, "", dtype=object)
    for name in reversed(PD_RULES):  # the first criterion in PD_RULES order names the rule
        f = pd_flags[name]
        pd_any |= f
        pd_rule = np.where(f, name, pd_rule)

    excluded = v["excluded"].to_numpy()
    nobase = dt == "no_baseline"
    conds = [excluded, nobase, pd_any, scr, cr, cr_nomarrow, level_ok]
    cat = np.select(conds, [NE, NE, PD, SCR, CR, CR, level], NE).astype(np.int64)
    rule = np.select(conds, ["excluded_new_therapy", "no_baseline", pd_rule, "sCR", "CR", "CR_without_marrow",
                             decider], "missing_measurement")
    return cat, rule.astype(object)


def _num(x: np.ndarray, digits: int) -> pa.Array:
    """Numbers rounded to ``digits`` as short text ('0.45', '1200.0'); null where NaN.

    Each distinct value is formatted once (lab values repeat), then gathered.
    """
    codes, uniq = pd.factorize(np.round(x, digits))
    text = pa.array([str(u) for u in uniq], type=pa.string())
    return text.take(pa.array(codes, mask=codes < 0))


def _join(*parts: pa.Array | str, sep: str = "", skip: bool = False) -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep, null_handling="skip" if skip else "emit_null")


def _part(label: str, x: np.ndarray, digits: int, unit: str, base: np.ndarray | None = None,
          nadir: np.ndarray | None = None, change: bool = False) -> pa.Array:
    """'label value unit (baseline b, -55.0%; nadir n)' where ``x`` is measured, null elsewhere."""
    s = _join(label, " ", _num(x, digits), unit)
    if base is None:
        return s
    pct = _num(100.0 * (x - base) / np.where(base > 0, base, np.nan), 1) if change else None
    head = _join(" (baseline ", _num(base, digits), pc.coalesce(_join(", ", pct, "%"), "") if change else "")
    tail = pc.coalesce(_join("; nadir ", _num(nadir, digits)), "")
    return _join(s, pc.coalesce(_join(head, tail, ")"), ""))


def explain(v: pd.DataFrame, rule: np.ndarray) -> pd.Series:
    """Explanation of every visit: the text of its rule, then the values that were used
    (value, baseline, change from baseline and nadir of each quantitative test; IFE;
    carried-forward marrow and plasmacytoma marked 'last'). Built with Arrow string
    kernels (one formatting per distinct value), returned as an Arrow-backed string Series."""
    col = lambda c: v[c].to_numpy(dtype=float)  # noqa: E731
    ife_text = pa.array(["negative", "positive"])

    def ife(label: str, x: np.ndarray) -> pa.Array:
        code = np.nan_to_num(x, nan=0).astype(np.int64)
        return _join(label, ife_text.take(pa.array(code, mask=np.isnan(x))))

    bm, pl = col("bm_plasma_cells_pct"), col("plasmacytoma")
    marrow = pc.coalesce(_part("marrow PC", bm, 1, "%", col("base_bm_plasma_cells_pct"), col("nadir_marrow")),
                         _part("marrow PC (last)", np.where(np.isnan(bm), col("bm_locf"), np.nan), 1, "%"))
    plasma = pc.coalesce(_part("plasmacytoma SPD", pl, 2, " cm2", col("base_plasmacytoma"),
                               col("nadir_plasmacytoma"), change=True),
                         _part("plasmacytoma SPD (last)", np.where(np.isnan(pl), col("plasmacytoma_locf"), np.nan),
                               2, " cm2"))
    values = _join(
        _part("serum M-protein", col("serum_m_protein"), 3, " g/dL", col("base_serum_m_protein"),
              col("nadir_serum"), change=True),
        _part("urine M-protein", col("urine_m_protein"), 1, " mg/24h", col("base_urine_m_protein"),
              col("nadir_urine"), change=True),
        _part("kappa", col("serum_kappa_flc"), 3, " mg/dL"), _part("lambda", col("serum_lambda_flc"), 3, " mg/dL"),
        _part("FLC ratio", col("flc_ratio"), 3, ""),
        _part("dFLC", col("dflc"), 3, " mg/dL", col("base_dflc"), col("nadir_dflc"), change=True),
        ife("serum IFE ", col("serum_ife")), ife("urine IFE ", col("urine_ife")), marrow, plasma,
        sep="; ", skip=True)
    codes, names = pd.factorize(pd.Series(rule))
    text = pa.array([RULE_TEXT[n] for n in names], type=pa.string()).take(pa.array(codes))
    return pd.Series(pd.arrays.ArrowExtensionArray(_join(text, " | ", values)), index=v.index)
