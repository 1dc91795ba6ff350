"""Nadir tracking, progressive disease (PD) and the signs of relapse from CR, per visit.

Kumar 2016 Table 3 (PD) and its footnotes; Rajkumar 2011 (serum increase >= 1 g/dL
suffices when the lowest M component is >= 5 g/dL); Durie 2006 (relapse from CR).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .criteria import ge, gt

#: PD criteria in the order they are reported when several hold at one visit.
PD_RULES: tuple[str, ...] = ("PD_serum", "PD_urine", "PD_dflc", "PD_marrow", "PD_plasmacytoma")


def prior_nadir(pcode: np.ndarray, values: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Lowest value before each visit: min(baseline, values at earlier visits of the patient).

    Rows must be sorted by patient then date. The lowest value need not be a confirmed
    value (Kumar 2016, footnote to Table 3). NaN where nothing was measured before.
    """
    s = pd.Series(values)
    run = s.groupby(pcode).cummin().groupby(pcode).ffill()  # running min, carried over gaps
    before = run.groupby(pcode).shift(1).to_numpy()
    return np.fmin(before, base)


def progression_flags(v: pd.DataFrame) -> dict[str, np.ndarray]:
    """Boolean array per PD criterion (keys :data:`PD_RULES`) for each visit row of ``v``.

    ``v`` holds the visit values, the nadirs ``nadir_<x>`` and ``disease_type``. Criteria
    (increase from the nadir; Kumar 2016 Table 3):

    * serum M-protein: >= 25 % and >= 0.5 g/dL; if the nadir is >= 5 g/dL an increase of
      >= 1 g/dL suffices (Rajkumar 2011) -- applies to every disease type;
    * urine M-protein: >= 25 % and >= 200 mg/24 h -- every disease type;
    * dFLC (involved - uninvolved): >= 25 % (of a positive nadir) and > 10 mg/dL -- only
      without measurable serum and urine M-protein (FLC-only disease);
    * bone-marrow plasma cells: >= 25 % and >= 10 percentage points -- only in
      non-measurable disease;
    * plasmacytoma (sum of products of diameters): any where the nadir is 0 (new lesion;
      no baseline record counts as none) or >= 50 % increase from a positive nadir.
    """
    dt = v["disease_type"].to_numpy()
    s, ns = v["serum_m_protein"].to_numpy(), v["nadir_serum"].to_numpy()
    u, nu = v["urine_m_protein"].to_numpy(), v["nadir_urine"].to_numpy()
    d, nd = v["dflc"].to_numpy(), v["nadir_dflc"].to_numpy()
    b, nb = v["bm_plasma_cells_pct"].to_numpy(), v["nadir_marrow"].to_numpy()
    p, npl = v["plasmacytoma"].to_numpy(), v["nadir_plasmacytoma"].to_numpy()
    big = ge(ns, 5.0)
    serum = np.where(big, ge(s - ns, 1.0), ge(s - ns, 0.5) & ge(s, 1.25 * ns))
    urine = ge(u - nu, 200.0) & ge(u, 1.25 * nu)
    dflc = (dt == "flc") & gt(d - nd, 10.0) & ge(d - nd, 0.25 * np.maximum(nd, 0.0))
    marrow = (dt == "non_measurable") & ge(b - nb, 10.0) & ge(b, 1.25 * nb)
    plasma = (gt(p, 0.0) & (npl == 0)) | (gt(npl, 0.0) & ge(p, 1.5 * npl))
    return dict(zip(PD_RULES, (serum, urine, dflc, marrow, plasma)))


def cr_relapse_sign(v: pd.DataFrame) -> np.ndarray:
    """Sign of relapse from CR at a visit (Durie 2006; Kumar 2016): reappearance of serum or
    urine M-protein by immunofixation or electrophoresis, >= 5 % bone-marrow plasma cells,
    or a plasmacytoma. Used only after a confirmed CR (for disease-free survival)."""
    return ((v["serum_ife"].to_numpy() == 1) | (v["urine_ife"].to_numpy() == 1)
            | gt(v["serum_m_protein"].to_numpy(), 0.0) | gt(v["urine_m_protein"].to_numpy(), 0.0)
            | ge(v["bm_plasma_cells_pct"].to_numpy(), 5.0) | gt(v["plasmacytoma"].to_numpy(), 0.0))
