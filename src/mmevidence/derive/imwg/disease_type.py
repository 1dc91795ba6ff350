"""Measurable-disease type at baseline (Kumar 2016, "measurable disease" definition)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .criteria import ImwgConfig, ge, gt, lt

#: Disease types, in the order the classification checks them.
DISEASE_TYPES: tuple[str, ...] = ("serum_and_urine", "serum", "urine", "flc", "non_measurable", "no_baseline")


def classify_disease(base: pd.DataFrame, config: ImwgConfig) -> pd.DataFrame:
    """Add ``disease_type``, ``involved_flc``, ``base_flc_ratio``, ``base_dflc`` to baseline rows.

    Rules (Kumar 2016; thresholds from ``config``):

    * serum-measurable: serum M-protein >= ``serum_measurable_g_dl`` (1 g/dL; 0.5 in ICARIA-MM);
    * urine-measurable: urine M-protein >= 200 mg/24 h; both may hold (``serum_and_urine``);
    * ``flc``: neither, and involved FLC >= 10 mg/dL with an abnormal kappa/lambda ratio
      (involved = kappa if ratio > 1.65, lambda if ratio < 0.26);
    * ``non_measurable``: some baseline disease test but none of the above;
    * ``no_baseline``: no serum/urine M-protein, FLC, immunofixation or marrow value at baseline.
    """
    out = base.copy()
    s, u = out["base_serum_m_protein"].to_numpy(), out["base_urine_m_protein"].to_numpy()
    k, lam = out["base_serum_kappa_flc"].to_numpy(), out["base_serum_lambda_flc"].to_numpy()
    lo, hi = config.flc_ratio_normal
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(lam > 0, k / lam, np.where(k > 0, np.inf, np.nan))
    involved = np.where(gt(ratio, hi), "kappa", np.where(lt(ratio, lo), "lambda", None))
    inv = np.where(involved == "kappa", k, np.where(involved == "lambda", lam, np.nan))
    uninv = np.where(involved == "kappa", lam, np.where(involved == "lambda", k, np.nan))
    s_meas = ge(s, config.serum_measurable_g_dl)
    u_meas = ge(u, config.urine_measurable_mg_24h)
    f_meas = ge(inv, config.flc_measurable_mg_dl)
    disease_cols = [c for c in out.columns if c.startswith("base_") and c != "base_plasmacytoma"]
    any_base = out[disease_cols].notna().any(axis=1).to_numpy()
    out["disease_type"] = np.select(
        [s_meas & u_meas, s_meas, u_meas, f_meas, any_base],
        ["serum_and_urine", "serum", "urine", "flc", "non_measurable"], "no_baseline")
    out["involved_flc"] = involved
    out["base_flc_ratio"] = ratio
    out["base_dflc"] = inv - uninv
    return out
