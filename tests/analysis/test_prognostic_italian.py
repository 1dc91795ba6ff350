"""mmevidence.analysis.prognostic on the simulated Italian daratumumab-refractory cohort against R.

Input: tests/analysis/fixtures/italian/italian_{51,300}.csv -- the cohort simulated at the published
size (51) and at 300 patients (seed 1), ingested and derived by make_italian.py; the committed CSVs
are the fixture, so the simulator can change without moving it. Reference: italian.R there
(R 4.2.2, survival 3.5-3 coxph/cox.zph/survfit/survdiff, maxstat 0.7-25 Lau92/Lau94, pROC 1.18.0
AUC + DeLong CI, cutpointr 1.1.2 Youden, stats glm/fisher.test/binom.test), the same computations
tests/analysis/fixtures/prognostic/prognostic.R does for mgus2.

Not asserted (R computes something else or nothing): the bootstrap optimism records and cut-point
CIs (R's resamples differ; the bootstrap is checked on mgus2 against cutpoint_bootstrap.R with
replayed resamples), the spline and time-dependent AUC (not computed in italian.R; checked on mgus2).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from mmevidence.analysis.prognostic import cox_tables, marker_analysis, response_by_subgroup

from ._records import assert_cox_model as _check_model
from ._records import assert_record as _close
from ._records import record_row as _get

FIXDIR = Path(__file__).parent / "fixtures" / "italian"
FIX = json.loads((FIXDIR / "italian.json").read_text())
RTOL = 1e-6
FACTORS = ["age", "sex", "triple_class_refractory", "n_prior_lines", "bl_hemoglobin"]
SIZES = (51, 300)
ENDPOINTS = ("PFS", "OS")
HORIZON = 12


def _datasets(n: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """adsl / adtte / adrs-shaped frames from the committed CSV."""
    d = pd.read_csv(FIXDIR / f"italian_{n}.csv")
    adsl = d[["patient_id", *FACTORS]].copy()
    adtte = pd.concat([pd.DataFrame({"patient_id": d.patient_id, "endpoint": ep,
                                     "time_months": d[f"{ep.lower()}_months"].astype(float),
                                     "event": d[f"{ep.lower()}_event"]}) for ep in ENDPOINTS], ignore_index=True)
    adrs = pd.DataFrame({"patient_id": d.patient_id, "param": "BOR", "date": pd.NaT, "response": d.bor})
    return adsl, adtte, adrs


DATA = {n: _datasets(n) for n in SIZES}


def test_fixture_is_the_committed_cohort():
    for n in SIZES:
        adsl, adtte, adrs = DATA[n]
        assert len(adsl) == n == FIX[f"n{n}"]["n"] and adsl.patient_id.is_unique
        assert adsl[FACTORS].notna().all().all()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("n", SIZES)
def test_cox_tables_match_coxph_and_cox_zph(n, endpoint):
    adsl, adtte, _ = DATA[n]
    res = cox_tables(adsl, adtte, endpoint, FACTORS)
    fix = FIX[f"n{n}"][endpoint]
    for f in FACTORS:
        _check_model(res, "prognostic.cox.univariable", f"factor={f}|", fix["uni"][f])
    _check_model(res, "prognostic.cox.multivariable", "", fix["multi"])


@pytest.fixture(scope="module", params=[(n, ep) for n in SIZES for ep in ENDPOINTS], ids=lambda p: f"n{p[0]}-{p[1]}")
def marker(request):
    n, endpoint = request.param
    adsl, adtte, _ = DATA[n]
    res = marker_analysis(adsl, adtte, endpoint, "bl_hemoglobin", risk="low", horizon=HORIZON, n_boot=5, seed=1,
                          spline_knots=0, conf_type="log-log")
    return res, FIX[f"n{n}"][endpoint]["marker"]


def test_marker_counts_and_hr_per_unit(marker):
    res, m = marker
    aid = "prognostic.marker.bl_hemoglobin"
    assert _get(res, aid, "", "n").value == m["n"] and _get(res, aid, "", "events").value == m["events"]
    _close(res, aid, "", "hr_per_unit", *m["hr_per_unit"])
    _close(res, aid, "", "p_value", m["p_per_unit"])


def test_maxstat_cutpoint_and_adjusted_p(marker):
    res, m = marker
    aid = "prognostic.cutpoint.maxstat.bl_hemoglobin"
    _close(res, aid, "", "cutpoint", m["maxstat_cut"])
    stat = _close(res, aid, "", "statistic", m["maxstat_stat"]).value
    _close(res, aid, "", "p_unadjusted", m["p_unadjusted"])
    _close(res, aid, "", "p_adjusted", m["p_lau92"])
    # Lau94 = 2 Phi(-M) + D. maxstat computes the first term as 1 - (pnorm(M) - pnorm(-M)), which loses
    # the digits of 2 Phi(-M) to cancellation once M is large (exactly 0 for M > ~8.3); p_lausen94 keeps
    # 2 Phi(-M). Compare our D (= ours - 2 Phi(-M)) with R's value minus R's own first term, evaluated
    # the way R does.
    lau94 = _get(res, aid, "", "p_adjusted_lau94").value
    r_first = 1 - (norm.cdf(stat) - norm.cdf(-stat))
    np.testing.assert_allclose(lau94 - 2 * norm.sf(stat), m["p_lau94"] - r_first, rtol=RTOL)
    assert _get(res, aid, "", "p_adjusted").value > _get(res, aid, "", "p_unadjusted").value


@pytest.mark.parametrize("method", ["maxstat", "youden"])
def test_km_by_derived_groups(marker, method):
    res, m = marker
    k = m[f"km_{method}"]
    aid = f"prognostic.km.{method}.bl_hemoglobin"
    for i, g in enumerate(("group=low", "group=high")):
        assert _get(res, aid, g, "n").value == k["n"][i]
        assert _get(res, aid, g, "events").value == k["events"][i]
        med = _get(res, aid, g, "median")
        # R reports NA where the median / a limit is not reached; ours NaN
        np.testing.assert_allclose([med.value, med.lower, med.upper],
                                   [np.nan if v is None or v == "NA" else v for v in
                                    (k["median"][i], k["median_lower"][i], k["median_upper"][i])],
                                   rtol=RTOL, err_msg=f"{aid} {g} median")
    _close(res, aid, "", "hr", k["hr"], k["hr_lower"], k["hr_upper"])
    _close(res, aid, "", "p_logrank", k["p_logrank"])
    _close(res, aid, "", "logrank_chisq", k["chisq"])


def test_roc_auc_delong_and_youden(marker):
    res, m = marker
    aid = "prognostic.roc.bl_hemoglobin"
    hg = f"horizon={HORIZON}"
    _close(res, aid, hg, "auc", m["auc"], m["auc_lower"], m["auc_upper"])
    assert _get(res, aid, hg, "n_cases").value == m["n_cases"]
    assert _get(res, aid, hg, "n_controls").value == m["n_controls"]
    assert _get(res, aid, hg, "n_excluded_censored").value == m["n_excluded_censored"]
    yid = "prognostic.cutpoint.youden.bl_hemoglobin"
    assert len(m["youden_cuts_all"]) == 1                      # cutpointr found a unique optimum
    _close(res, yid, "", "cutpoint", m["youden_cut"])
    _close(res, yid, "", "youden_j", m["youden_j"])
    _close(res, yid, "", "sensitivity", m["sens"])
    _close(res, yid, "", "specificity", m["spec"])


@pytest.mark.parametrize("var", ["triple_class_refractory", "sex"])
@pytest.mark.parametrize("n", SIZES)
def test_response_by_subgroup(n, var):
    adsl, _, adrs = DATA[n]
    res = response_by_subgroup(adsl, adrs, [var])
    f = FIX[f"n{n}"]["response"][var]
    aid = "prognostic.response"
    levels = [fl["level"] for fl in f["levels"]]
    for fl in f["levels"]:
        g = f"{var}={fl['level']}"
        assert _get(res, aid, g, "n").value == fl["n"]
        assert _get(res, aid, g, "responders").value == fl["responders"]
        _close(res, aid, g, "rate", fl["rate"], fl["lower"], fl["upper"])
    g = f"{var}={levels[1]}"
    _close(res, aid, g, "odds_ratio", f["or"], f["or_lower"], f["or_upper"])
    _close(res, aid, g, "p_value", f["or_p"])
    _close(res, aid, f"variable={var}", "p_fisher", f["p_fisher"])
    _close(res, aid, f"variable={var}", "p_lr", f["p_lr"])
