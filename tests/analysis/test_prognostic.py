"""mmevidence.analysis.prognostic on R's mgus2 against tests/analysis/fixtures/prognostic/prognostic.R.

References: survival 3.5-3 (coxph, cox.zph, survfit log-log medians, survdiff), maxstat 0.7-25
(Lau92/Lau94), pROC 1.18.0 (AUC, DeLong CI), cutpointr 1.1.2 (Youden), Hmisc 4.8 (rcs knots
and basis), stats (glm, fisher.test, binom.test); the bootstrap against
tests/stats/fixtures/cutpoint_bootstrap (same rows, R's resamples replayed) and the time-dependent
AUC against the IPCW estimator written out in R. The response endpoint is artificial
(progression observed = "PR") -- it exercises the machinery, not a clinical claim.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmevidence.analysis.prognostic import (
    binary_outcome_at, cox_tables, first_response_months, landmark_analysis, marker_analysis, response_by_subgroup,
)

from ._records import assert_cox_model as _check_model
from ._records import assert_record as _close
from ._records import record_row as _get

ROOT = Path(__file__).parents[1]
FIX = json.loads((ROOT / "analysis" / "fixtures" / "prognostic" / "prognostic.json").read_text())
BOOT = json.loads((ROOT / "stats" / "fixtures" / "cutpoint_bootstrap" / "cutpoint_bootstrap.json").read_text())
MG = pd.read_csv(ROOT / "stats" / "fixtures" / "datasets" / "mgus2.csv")
RTOL = 1e-6


def _datasets():
    adsl = MG.rename(columns={"id": "patient_id"})[["patient_id", "age", "sex", "hgb", "creat", "mspike"]].copy()
    adsl["age70"] = np.where(MG.age >= 70, ">=70", "<70")
    adtte = pd.DataFrame({"patient_id": MG.id, "endpoint": "OS", "time_months": MG.futime.astype(float),
                          "event": MG.death})
    adrs = pd.DataFrame({"patient_id": MG.id, "param": "BOR", "date": pd.NaT,
                         "response": np.where(MG.pstat == 1, "PR", "SD")})
    return adsl, adtte, adrs


ADSL, ADTTE, ADRS = _datasets()


def test_cox_tables_match_coxph_and_cox_zph():
    factors = ["age", "sex", "hgb", "creat", "mspike"]
    res = cox_tables(ADSL, ADTTE, "OS", factors)
    assert res.analysis_id.str.startswith("prognostic.").all()
    for f in factors:
        _check_model(res, "prognostic.cox.univariable", f"factor={f}|", FIX["uni"][f])
    _check_model(res, "prognostic.cox.multivariable", "", FIX["multi"])


@pytest.fixture(scope="module")
def marker():
    return marker_analysis(ADSL, ADTTE, "OS", "hgb", risk="low", horizon=60, time_auc_horizons=[12, 60, 120],
                           bootstrap_indices={"maxstat": BOOT["maxstat"]["indices"],
                                              "youden": BOOT["youden"]["indices"]},
                           spline_grid=FIX["marker"]["grid"], conf_type="log-log")


def test_marker_counts_and_hr_per_unit(marker):
    m = FIX["marker"]
    aid = "prognostic.marker.hgb"
    assert _get(marker, aid, "", "n").value == m["n"] and _get(marker, aid, "", "events").value == m["events"]
    assert _get(marker, aid, "", "n_excluded_missing").value == m["n_excluded"]
    _close(marker, aid, "", "hr_per_unit", *m["hr_per_unit"])
    _close(marker, aid, "", "p_value", m["p_per_unit"])


def test_maxstat_unadjusted_and_adjusted_p(marker):
    m = FIX["marker"]
    aid = "prognostic.cutpoint.maxstat.hgb"
    cut = _close(marker, aid, "", "cutpoint", m["maxstat_cut"], *BOOT["maxstat"]["cut_ci"])
    assert "maxstat" in cut.method and "bootstrap percentile" in cut.method
    _close(marker, aid, "", "statistic", m["maxstat_stat"])
    _close(marker, aid, "", "p_unadjusted", m["p_unadjusted"])
    _close(marker, aid, "", "p_adjusted", m["p_lau92"])
    # Lau94 = 2 Phi(-M) + D. R computes the first term as 1 - (pnorm(M) - pnorm(-M)), which is exactly
    # 0 in double precision at M = 10.2; mmevidence.stats.cutpoints.p_lausen94 keeps 2 Phi(-M) (documented
    # departure), so R's value is ours minus the unadjusted p.
    lau94 = _get(marker, aid, "", "p_adjusted_lau94").value
    np.testing.assert_allclose(lau94 - m["p_unadjusted"], m["p_lau94"], rtol=RTOL)
    assert _get(marker, aid, "", "p_adjusted").value > _get(marker, aid, "", "p_unadjusted").value


@pytest.mark.parametrize("method", ["maxstat", "youden"])
def test_bootstrap_optimism_records(marker, method):
    b = BOOT[method]
    aid = f"prognostic.cutpoint.{method}.hgb"
    for k, v in b["apparent"].items():
        _close(marker, aid, "", f"{k}_apparent", v)
        _close(marker, aid, "", f"{k}_optimism", b["optimism"][k])
        _close(marker, aid, "", f"{k}_corrected", b["corrected"][k])
    _close(marker, aid, "", "hr_corrected", math.exp(b["corrected"]["log_hr"]))
    assert _get(marker, aid, "", "n_boot").value == len(b["cuts"])


@pytest.mark.parametrize("method", ["maxstat", "youden"])
def test_km_by_derived_groups(marker, method):
    k = FIX["marker"][f"km_{method}"]
    aid = f"prognostic.km.{method}.hgb"
    for i, g in enumerate(("group=low", "group=high")):
        assert _get(marker, aid, g, "n").value == k["n"][i]
        assert _get(marker, aid, g, "events").value == k["events"][i]
        _close(marker, aid, g, "median", k["median"][i], k["median_lower"][i], k["median_upper"][i])
    _close(marker, aid, "", "hr", k["hr"], k["hr_lower"], k["hr_upper"])
    _close(marker, aid, "", "p_logrank", k["p_logrank"])
    _close(marker, aid, "", "logrank_chisq", k["chisq"])


def test_roc_and_youden(marker):
    m = FIX["marker"]
    aid = "prognostic.roc.hgb"
    auc = _close(marker, aid, "horizon=60", "auc", m["auc"], m["auc_lower"], m["auc_upper"])
    assert "30 patients censored at or before 60 months excluded" in auc.method
    assert _get(marker, aid, "horizon=60", "n_cases").value == m["n_cases"]
    assert _get(marker, aid, "horizon=60", "n_controls").value == m["n_controls"]
    assert _get(marker, aid, "horizon=60", "n_excluded_censored").value == m["n_excluded_censored"]
    yid = "prognostic.cutpoint.youden.hgb"
    _close(marker, yid, "", "cutpoint", m["youden_cut"], *BOOT["youden"]["cut_ci"])
    _close(marker, yid, "", "youden_j", m["youden_j"])
    _close(marker, yid, "", "sensitivity", m["sens"])
    _close(marker, yid, "", "specificity", m["spec"])


def test_time_dependent_auc(marker):
    for h, v in zip((12, 60, 120), FIX["marker"]["time_auc"]):
        _close(marker, "prognostic.time_auc.hgb", f"horizon={h}", "auc", v, rtol=1e-10)


def test_spline_curve(marker):
    m = FIX["marker"]
    aid = "prognostic.spline.hgb"
    for i, x in enumerate(m["grid"]):
        _close(marker, aid, f"x={x:.10g}", "hr", m["hr"][i], m["hr_lower"][i], m["hr_upper"][i])
    assert _get(marker, aid, "", "reference").value == m["reference"]
    np.testing.assert_allclose([_get(marker, aid, "", f"knot_{i}").value for i in range(1, 5)], m["knots"])
    _close(marker, aid, "", "p_nonlinear", m["p_nonlinear"])
    _close(marker, aid, "", "p_overall", m["p_overall"])


def test_response_by_subgroup():
    res = response_by_subgroup(ADSL, ADRS, ["sex", "age70"])
    for var, levels in (("sex", ("F", "M")), ("age70", ("<70", ">=70"))):
        f = FIX["response"][var]
        for lev, fl in zip(levels, f["levels"]):
            g = f"{var}={lev}"
            assert _get(res, "prognostic.response", g, "n").value == fl["n"]
            assert _get(res, "prognostic.response", g, "responders").value == fl["responders"]
            _close(res, "prognostic.response", g, "rate", fl["rate"], fl["lower"], fl["upper"])
        g = f"{var}={levels[1]}"
        _close(res, "prognostic.response", g, "odds_ratio", f["or"], f["or_lower"], f["or_upper"])
        _close(res, "prognostic.response", g, "p_value", f["or_p"])
        _close(res, "prognostic.response", f"variable={var}", "p_fisher", f["p_fisher"])
        _close(res, "prognostic.response", f"variable={var}", "p_lr", f["p_lr"])


def test_response_boolean_and_numeric_subgroups():
    # a boolean subgroup gives the same numbers as the text one (R: logical FALSE is the reference)
    a = ADSL.assign(old=(ADSL.age >= 70).astype(object))
    res = response_by_subgroup(a, ADRS, ["old"])
    f = FIX["response"]["age70"]
    _close(res, "prognostic.response", "old=True", "odds_ratio", f["or"], f["or_lower"], f["or_upper"])
    assert _get(res, "prognostic.response", "old=False", "n").value == f["levels"][0]["n"]


def test_landmark_excludes_early_exits_and_resets_time():
    months = MG.set_index("id").ptime.where(MG.set_index("id").pstat == 1)
    res = landmark_analysis(ADSL, ADTTE, months, landmark=24)
    f = FIX["landmark"]
    aid = "prognostic.landmark"
    assert _get(res, aid, "landmark=24", "n_excluded").value == f["n_excluded"]
    for i, g in enumerate(("responder", "non-responder")):
        grp = f"landmark=24|group={g}"
        assert _get(res, aid, grp, "n").value == f["n"][i]
        assert _get(res, aid, grp, "events").value == f["events"][i]
        _close(res, aid, grp, "median", f["median"][i], f["median_lower"][i], f["median_upper"][i])
    _close(res, aid, "landmark=24", "hr", f["hr"], f["hr_lower"], f["hr_upper"])
    _close(res, aid, "landmark=24", "p_logrank", f["p_logrank"])


def test_binary_outcome_at_by_hand():
    known, y = binary_outcome_at(np.array([10.0, 60, 60, 61, 30]), np.array([1.0, 1, 0, 0, 0]), 60)
    assert known.tolist() == [True, True, False, True, False]   # censored at/before 60: unknown
    assert y.tolist() == [1, 1, 0, 0, 0]


def test_first_response_months():
    adsl = pd.DataFrame({"patient_id": [1, 2, 3], "index_date": pd.to_datetime(["2020-01-01"] * 3)})
    adrs = pd.DataFrame({"patient_id": [1, 1, 2, 3], "param": ["OVR"] * 4,
                         "date": pd.to_datetime(["2020-03-01", "2020-02-01", "2020-05-01", "2020-02-01"]),
                         "response": ["VGPR", "PR", "SD", "MR"], "confirmed_response": ["VGPR", "PR", "SD", "MR"]})
    out = first_response_months(adsl, adrs)
    assert out.to_dict() == {1: pytest.approx(31 / 30.4375)}


def test_risk_must_be_stated():
    with pytest.raises(ValueError, match="risk"):
        marker_analysis(ADSL, ADTTE, "OS", "hgb", risk="auto")


def test_report_tables(marker):
    from mmevidence.report.tables.prognostic import (
        cox_factor_table, cutpoint_table, landmark_table, marker_summary_table, response_subgroup_table,
    )
    cox = cox_tables(ADSL, ADTTE, "OS", ["age", "sex", "hgb"])
    t = cox_factor_table(cox, "OS", ["age", "sex", "hgb"], "mgus2 (N=1384)")
    rows = {r.label: r for r in t.rows}
    u = FIX["uni"]["hgb"]
    assert rows["hgb"].cells[0] == f"{u['hr'][0]:.2f} ({u['lower'][0]:.2f}\u2013{u['upper'][0]:.2f})"
    assert rows["sex"].kind == "group" and rows["M"].indent == 1
    c = cutpoint_table(marker, "OS", "hgb", "mgus2", marker_label="Hemoglobin, g/dL")
    assert [r.label for r in c.rows] == ["Maximally selected log-rank statistic", "ROC, Youden index"]
    ms = c.rows[0].cells
    assert ms[0].startswith("12.1 (") and ms[1] == "335 / 1036"
    assert ms[4] == "<0.0001" and ms[5] == "<0.0001"           # unadjusted and adjusted side by side
    assert c.rows[1].cells[5] == "\u2013"                        # no selection-adjusted p for Youden
    assert any("Lausen-Schumacher" in n for n in c.footnotes)
    m = marker_summary_table(marker, "OS", "hgb", "mgus2")
    assert m.rows[0].cells[0] == "0.642 (0.610\u20130.674)"
    resp = response_subgroup_table(response_by_subgroup(ADSL, ADRS, ["sex"]), ["sex"], "mgus2")
    assert resp.rows[0].cells[4] == "0.2051" and resp.rows[1].cells[:2] == ("631", "59 (9.4%)")
    months = MG.set_index("id").ptime.where(MG.set_index("id").pstat == 1)
    lm = landmark_table(landmark_analysis(ADSL, ADTTE, months, 24), "OS", 24, "mgus2")
    assert lm.rows[0].cells == ("15", "15", "28.0 (4.0\u201339.0)")
    assert "246 patients" in lm.footnotes[0]


def test_recovers_a_generating_step_effect():
    # Data generated here with a known truth (independent of the analysis code): hemoglobin
    # ~ N(11.5, 1.6) rounded to 0.1; hazard 3.5x higher below 11.8 g/dL (the seed-004 figures),
    # exponential baseline (median 22 months above the cut), uniform censoring 6-36 months.
    rng = np.random.default_rng(2026)
    n = 1500
    hgb = np.round(rng.normal(11.5, 1.6, n), 1)
    rate = np.log(2) / 22.0 * np.where(hgb < 11.8, 3.5, 1.0)
    t_event, t_cens = rng.exponential(1 / rate), rng.uniform(6, 36, n)
    adsl = pd.DataFrame({"patient_id": np.arange(n), "hgb": hgb})
    adtte = pd.DataFrame({"patient_id": np.arange(n), "endpoint": "PFS", "time_months": np.minimum(t_event, t_cens),
                          "event": (t_event <= t_cens).astype(int)})
    res = marker_analysis(adsl, adtte, "PFS", "hgb", risk="low", horizon=6, n_boot=20, seed=3, spline_knots=0)
    cut = _get(res, "prognostic.cutpoint.maxstat.hgb", "", "cutpoint")
    # maxstat's low group is hgb <= cut, the truth is hgb < 11.8, i.e. hgb <= 11.7
    assert abs(cut.value - 11.7) <= 0.3 and cut.lower <= 11.7 <= cut.upper
    hr = _get(res, "prognostic.km.maxstat.hgb", "", "hr")
    assert 2.8 < hr.value < 4.4 and hr.lower < 3.5 < hr.upper
    assert _get(res, "prognostic.marker.hgb", "", "hr_per_unit").value < 1           # direction: lower = worse
    corrected = _get(res, "prognostic.cutpoint.maxstat.hgb", "", "hr_corrected").value
    assert 1 < corrected < hr.value                                                    # optimism shrinks the HR


def test_roc_not_estimable_without_cases():
    adsl = pd.DataFrame({"patient_id": range(30), "hgb": np.random.default_rng(0).permutation(np.linspace(8, 15, 30))})
    adtte = pd.DataFrame({"patient_id": range(30), "endpoint": "OS", "time_months": np.linspace(10, 40, 30),
                          "event": [1, 0] * 15})
    res = marker_analysis(adsl, adtte, "OS", "hgb", risk="low", horizon=5, n_boot=5, spline_knots=0)
    auc = _get(res, "prognostic.roc.hgb", "horizon=5", "auc")
    assert math.isnan(auc.value) and "not estimable" in auc.method
    assert _get(res, "prognostic.roc.hgb", "horizon=5", "n_cases").value == 0


ITALIAN = Path(__file__).parents[2] / "src" / "mmevidence" / "simulate" / "models" / "italian-dara-refractory.yaml"


@pytest.fixture(scope="module")
def italian():
    """Simulated Italian cohort (S-core): latent PFS/OS and baseline hemoglobin as adsl/adtte, and the
    generating model (simulate/models/italian-dara-refractory.yaml)."""
    import yaml

    from mmevidence.simulate import simulate_study

    model = yaml.safe_load(ITALIAN.read_text())
    latent = simulate_study("italian-dara-refractory", 1200, 11, require_clinical=False)["_latent"]
    ids = latent["patient_id"]
    pfs_day = latent[["progression_day", "death_day"]].min(axis=1)
    adsl = pd.DataFrame({"patient_id": ids, "hgb": latent["bl_hemoglobin"]})
    adtte = pd.concat([
        pd.DataFrame({"patient_id": ids, "endpoint": "PFS", "time_months": pfs_day.fillna(latent["last_contact_day"])
                      / 30.4375, "event": pfs_day.notna().astype(int)}),
        pd.DataFrame({"patient_id": ids, "endpoint": "OS", "time_months": latent["death_day"].fillna(
            latent["last_contact_day"]) / 30.4375, "event": latent["death_day"].notna().astype(int)})])
    return model, adsl, adtte


@pytest.mark.skipif(not ITALIAN.exists(), reason="simulation model italian-dara-refractory.yaml not written yet")
@pytest.mark.parametrize("endpoint", ["PFS", "OS"])
def test_recovers_the_italian_cohort_generating_hemoglobin_effect(italian, endpoint):
    # Truth read from the simulation model: hazard x hr when hemoglobin < below (seed 004: PFS
    # 11.8 g/dL, HR 3.5; OS 11.0 g/dL, HR 10); hemoglobin is printed to 0.1 g/dL.
    model, adsl, adtte = italian
    prog = model["events"][endpoint.lower()]["prognostic"]
    below, hr_true = float(prog["below"]), float(prog["hr"])
    res = marker_analysis(adsl, adtte, endpoint, "hgb", risk="low", horizon=6, n_boot=20, seed=5, spline_knots=0)
    assert _get(res, "prognostic.marker.hgb", "", "hr_per_unit").value < 1      # lower hemoglobin = worse
    cut = _get(res, "prognostic.cutpoint.maxstat.hgb", "", "cutpoint")
    assert abs(cut.value - (below - 0.1)) <= 0.2                                 # low group: hgb <= cut
    hr = _get(res, "prognostic.km.maxstat.hgb", "", "hr")
    assert hr.lower < hr_true < hr.upper
    assert _get(res, "prognostic.cutpoint.maxstat.hgb", "", "p_adjusted").value < 0.001
    corrected = _get(res, "prognostic.cutpoint.maxstat.hgb", "", "hr_corrected")
    # with 1200 patients and a true step at the cut there is little optimism (it may even come out
    # slightly negative from resampling noise): the corrected HR stays near the apparent one
    assert abs(math.log(corrected.value / hr.value)) < 0.25 and "optimism" in corrected.method


@pytest.mark.skipif(not ITALIAN.exists(), reason="simulation model italian-dara-refractory.yaml not written yet")
def test_end_to_end_on_derived_italian_datasets(tmp_path):
    # simulate -> write CSV -> ingest -> derive -> analyse: the functions run on the real adsl/adtte/adrs
    import duckdb

    from mmevidence.data.ingest import ingest
    from mmevidence.derive.pipeline import run_derive
    from mmevidence.simulate import simulate_study, write_tables

    write_tables(simulate_study("italian-dara-refractory", 300, 3), tmp_path / "src")
    ingest(tmp_path / "src", tmp_path / "store.duckdb")
    run_derive(tmp_path / "store.duckdb")
    with duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True) as con:
        adsl, adtte, adrs = (con.sql(f"select * from {t}").df() for t in ("adsl", "adtte", "adrs"))
    res = marker_analysis(adsl, adtte, "PFS", "bl_hemoglobin", risk="low", horizon=6, n_boot=20, seed=5,
                          spline_knots=0)
    cut = _get(res, "prognostic.cutpoint.maxstat.bl_hemoglobin", "", "cutpoint").value
    assert abs(cut - 11.7) <= 0.3                                    # generating step: Hb < 11.8 g/dL
    assert _get(res, "prognostic.km.maxstat.bl_hemoglobin", "", "hr").value > 1
    resp = response_by_subgroup(adsl, adrs, ["sex"])
    n = resp[(resp.statistic == "n") & resp.group.str.startswith("sex=")].value.sum()
    assert n == adsl["sex"].notna().sum()
    lm = landmark_analysis(adsl, adtte, first_response_months(adsl, adrs), landmark=3, endpoint="OS")
    kept = lm[(lm.statistic == "n") & lm.group.str.contains("group=")].value.sum()
    assert kept + _get(lm, "prognostic.landmark", "landmark=3", "n_excluded").value == len(adsl)
