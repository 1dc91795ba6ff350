"""Prognostic scores at study entry: MDRD eGFR and its groups, ISS, R-ISS.

Pure vectorised functions over arrays (one element a patient); missing inputs give a
missing result (NaN / ``None``), never a default. Categorical results are object arrays of
text labels with ``None`` for missing, so they go straight into a pandas column.
"""

from __future__ import annotations

import numpy as np

#: eGFR groups (mL/min/1.73 m2) as tabulated in ICARIA-MM Table 1 and its subgroup forest plot.
EGFR_GROUPS: tuple[str, ...] = ("<30", "30-<60", ">=60")


def egfr_mdrd(creatinine_mg_dl: np.ndarray, age_years: np.ndarray, female: np.ndarray) -> np.ndarray:
    """eGFR (mL/min/1.73 m2) by the IDMS-traceable 4-variable MDRD Study equation.

    ``eGFR = 175 * Scr^-1.154 * age^-0.203 * 0.742 [if female]`` with Scr in mg/dL
    (Levey AS et al., Ann Intern Med 2006;145:247-54). The ``* 1.212 [if Black]`` factor of
    the equation is NOT applied: race is not part of the mmevidence data model, so the value
    is the non-Black form for every patient (ICARIA-MM also lacked race for some countries).
    NaN when creatinine, age or sex is missing, or creatinine/age is not positive.
    """
    scr = np.asarray(creatinine_mg_dl, dtype=float)
    age = np.asarray(age_years, dtype=float)
    fem = np.asarray(female, dtype=object)
    sex_factor = np.where(fem == True, 0.742, np.where(fem == False, 1.0, np.nan))  # noqa: E712
    ok = (scr > 0) & (age > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 175.0 * np.power(scr, -1.154) * np.power(age, -0.203) * sex_factor
    return np.where(ok, out, np.nan)


def egfr_group(egfr: np.ndarray) -> np.ndarray:
    """``<30`` / ``30-<60`` / ``>=60`` mL/min/1.73 m2 (KDIGO 2012 G4-5 / G3 / G1-2 boundaries); None if NaN."""
    e = np.asarray(egfr, dtype=float)
    out = np.where(e < 30, EGFR_GROUPS[0], np.where(e < 60, EGFR_GROUPS[1], EGFR_GROUPS[2])).astype(object)
    out[np.isnan(e)] = None
    return out


def iss_stage(beta2m_mg_l: np.ndarray, albumin_g_dl: np.ndarray) -> np.ndarray:
    """International Staging System (Greipp PR et al., J Clin Oncol 2005;23:3412-20).

    I: serum beta2-microglobulin < 3.5 mg/L and albumin >= 3.5 g/dL; III: beta2M >= 5.5 mg/L;
    II: neither. With missing values the stage is given when the known value decides it
    (beta2M >= 5.5 -> III whatever the albumin; 3.5 <= beta2M < 5.5 -> II whatever the albumin);
    beta2M missing, or beta2M < 3.5 with albumin missing, gives None.
    """
    b = np.asarray(beta2m_mg_l, dtype=float)
    a = np.asarray(albumin_g_dl, dtype=float)
    out = np.full(b.shape, None, dtype=object)
    out[b >= 5.5] = "III"
    out[(b >= 3.5) & (b < 5.5)] = "II"
    low = b < 3.5
    out[low & (a >= 3.5)] = "I"
    out[low & (a < 3.5)] = "II"
    return out


def r_iss_stage(iss: np.ndarray, high_risk_cyto: np.ndarray, ldh_high: np.ndarray) -> np.ndarray:
    """Revised ISS (Palumbo A et al., J Clin Oncol 2015;33:2863-9).

    I: ISS I and standard-risk cytogenetics and LDH <= ULN; III: ISS III and (high-risk
    cytogenetics or LDH > ULN); II: all other patients. ``high_risk_cyto`` and ``ldh_high``
    are True/False/None (missing). Missing inputs give None unless the known ones decide the
    stage: ISS II is always R-ISS II; ISS I with either factor adverse is II; ISS III with
    either factor adverse is III, with both factors known and favourable II.
    """
    iss = np.asarray(iss, dtype=object)
    hr = np.asarray(high_risk_cyto, dtype=object)
    ldh = np.asarray(ldh_high, dtype=object)
    any_bad = (hr == True) | (ldh == True)  # noqa: E712
    both_good = (hr == False) & (ldh == False)  # noqa: E712
    out = np.full(iss.shape, None, dtype=object)
    out[iss == "II"] = "II"
    out[(iss == "I") & both_good] = "I"
    out[(iss == "I") & any_bad] = "II"
    out[(iss == "III") & any_bad] = "III"
    out[(iss == "III") & both_good] = "II"
    return out
