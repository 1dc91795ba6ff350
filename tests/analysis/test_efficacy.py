"""Efficacy records against R survival 3.5-3 on the 60-patient fixture cohort (cohort60.R):
survfit log-log quantiles and landmark rates, coxph with strata, survdiff with strata (one- and
two-sided), reverse-KM follow-up; plus a hand calculation and the sensitivity-analysis wiring."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mmevidence.analysis.efficacy import analyse_efficacy, analyse_endpoint, analyse_follow_up, km_records
from mmevidence.analysis.plan import build_plan

RTOL = 1e-6


@pytest.fixture(scope="module")
def results(cohort, plan):
    return analyse_efficacy(cohort["adsl"], cohort["adtte"], plan)


@pytest.mark.parametrize("endpoint", ["PFS", "OS"])
@pytest.mark.parametrize("arm", ["Isa-Pd", "Pd"])
def test_km_per_arm_matches_survfit(results, reference, endpoint, arm, pick, r_value):
    ref = reference["efficacy"][endpoint]["arms"][arm]
    recs = results.loc[(results["endpoint"] == endpoint) & (results["group"] == f"arm={arm}")]
    assert pick(recs, statistic="n")["value"] == ref["n"]
    assert pick(recs, statistic="events")["value"] == ref["events"]
    assert pick(recs, statistic="censored")["value"] == ref["n"] - ref["events"]
    for name, i in (("q1", 0), ("median", 1), ("q3", 2)):
        rec = pick(recs, statistic=name)
        q = ref["quantile"]
        got = [rec["value"], rec["lower"], rec["upper"]]
        want = [r_value(q["est"][i]), r_value(q["lower"][i]), r_value(q["upper"][i])]
        np.testing.assert_allclose(got, want, rtol=RTOL, equal_nan=True, err_msg=f"{endpoint} {arm} {name}")
    lm = ref["landmark"]
    for j, t in enumerate(lm["time"]):
        rec = pick(recs, statistic=f"rate_{t:g}m")
        np.testing.assert_allclose([rec["value"], rec["lower"], rec["upper"]],
                                   [lm["surv"][j], lm["lower"][j], lm["upper"][j]], rtol=RTOL)
        assert pick(recs, statistic=f"n_risk_{t:g}m")["value"] == lm["n_risk"][j]
    # R's summary(times=) drops landmarks after the last time: we report them as not estimable
    for t in (6, 12, 18, 24):
        if t not in lm["time"]:
            assert math.isnan(pick(recs, statistic=f"rate_{t}m")["value"])


@pytest.mark.parametrize("endpoint", ["PFS", "OS"])
def test_stratified_cox_and_logrank_match_r(results, reference, endpoint, pick):
    ref = reference["efficacy"][endpoint]
    recs = results.loc[(results["endpoint"] == endpoint) & (results["group"] == "")]
    hr = pick(recs, statistic="hr")
    np.testing.assert_allclose([hr["value"], hr["lower"], hr["upper"]], [ref["hr"], ref["hr_lower"], ref["hr_upper"]],
                               rtol=RTOL)
    assert "age_group_75, prior_lines_group" in hr["method"]
    np.testing.assert_allclose(pick(recs, statistic="logrank_chisq")["value"], ref["logrank_chisq"], rtol=RTOL)
    np.testing.assert_allclose(pick(recs, statistic="p_logrank")["value"], ref["p_two_sided"], rtol=RTOL)
    np.testing.assert_allclose(pick(recs, statistic="p_logrank_one_sided")["value"], ref["p_one_sided"], rtol=RTOL)


def test_reverse_km_follow_up_matches_r(cohort, plan, reference, pick, r_value):
    recs = analyse_follow_up(cohort["adsl"], cohort["adtte"], plan)
    for group, key in (("arm=Isa-Pd", "Isa-Pd"), ("arm=Pd", "Pd"), ("", "all")):
        ref = reference["follow_up"][key]
        for name, i in (("q1", 0), ("median", 1), ("q3", 2)):
            rec = pick(recs, group=group, statistic=name)
            np.testing.assert_allclose([rec["value"], rec["lower"], rec["upper"]],
                                       [r_value(ref["est"][i]), r_value(ref["lower"][i]), r_value(ref["upper"][i])],
                                       rtol=RTOL, equal_nan=True)


def test_follow_up_from_os_when_no_fu_rows(cohort, plan, pick):
    """Without FU rows the reverse KM is built from OS with the event reversed: same numbers."""
    no_fu = cohort["adtte"].loc[cohort["adtte"]["endpoint"] != "FU"]
    a = analyse_follow_up(cohort["adsl"], cohort["adtte"], plan)
    b = analyse_follow_up(cohort["adsl"], no_fu, plan)
    pd.testing.assert_frame_equal(a, b)


def test_km_records_hand_calculation(pick):
    """Five patients, times 1 2 3 4 5 with events 1 1 0 1 0: S = 4/5, 3/5 at t=1, 2; then 3/5 * 1/2 = 0.3 at 4.
    Median: first t with S <= 0.5 is 4. 6-month landmark is after the last time (5): not estimable."""
    plan = build_plan({"id": "x", "arms": [{"id": "a", "label": "A"}], "populations": {"itt": {"filter": "ittfl"}}})
    recs = pd.DataFrame(km_records(np.array([1.0, 2, 3, 4, 5]), np.array([1, 1, 0, 1, 0]), plan, "e", "itt", "PFS", ""))
    assert pick(recs, statistic="median")["value"] == 4.0
    assert pick(recs, statistic="events")["value"] == 3
    assert math.isnan(pick(recs, statistic="rate_6m")["value"])
    assert pick(recs, statistic="n_risk_6m")["value"] == 0


def test_single_arm_study_has_overall_curve_and_no_comparison(cohort, pick):
    plan = build_plan({"id": "x", "arms": [{"id": "a", "label": "Isa-Pd"}], "populations": {"itt": {"filter": "ittfl"}},
                       "endpoints": [{"id": "PFS", "label": "PFS"}]})
    adsl = cohort["adsl"].loc[cohort["adsl"]["arm"] == "Isa-Pd"]
    recs = analyse_endpoint(adsl, cohort["adtte"], "PFS", plan)
    assert set(recs["group"]) == {"arm=Isa-Pd", ""}
    assert "hr" not in set(recs["statistic"])
    # the overall curve of a single-arm study is the arm's curve
    a = recs.loc[recs["group"] == "arm=Isa-Pd"].drop(columns="group").reset_index(drop=True)
    b = recs.loc[recs["group"] == ""].drop(columns="group").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_population_filter_is_applied(cohort, plan, pick):
    """S001 (Isa-Pd) is out of the safety set: the safety-population PFS has 29 Isa-Pd patients."""
    from mmevidence.analysis.plan import EndpointPlan
    recs = analyse_endpoint(cohort["adsl"], cohort["adtte"], EndpointPlan("PFS", "PFS", "safety"), plan)
    assert pick(recs, group="arm=Isa-Pd", statistic="n")["value"] == 29
    assert pick(recs, group="arm=Pd", statistic="n")["value"] == 30


def test_log_transform_option_changes_only_the_intervals(cohort, plan, pick):
    log = analyse_endpoint(cohort["adsl"], cohort["adtte"], "PFS", plan.with_options(conf_type="log"))
    loglog = analyse_endpoint(cohort["adsl"], cohort["adtte"], "PFS", plan)
    a, b = pick(log, group="arm=Pd", statistic="rate_6m"), pick(loglog, group="arm=Pd", statistic="rate_6m")
    assert a["value"] == b["value"] and a["lower"] != b["lower"]


def test_missing_stratum_excluded_and_said(cohort, plan, pick):
    adsl = cohort["adsl"].copy()
    adsl.loc[adsl["patient_id"] == "S010", "age_group_75"] = None
    recs = analyse_endpoint(adsl, cohort["adtte"], "PFS", plan)
    hr = pick(recs, group="", statistic="hr")
    assert hr["n"] == 59 and "1 patient(s) with a missing stratification factor excluded" in hr["method"]


def test_sensitivity_rederives_with_the_alternative_censoring(tmp_path, pick):
    """ICARIA-MM sensitivity analysis wiring on the bundled example store: PFS with further therapy
    ignored equals the PFS of a derivation run with ``pfs_further_therapy="ignore"``."""
    from importlib import resources
    from pathlib import Path

    from mmevidence.analysis.efficacy import analyse_sensitivity
    from mmevidence.analysis.plan import SensitivityPlan
    from mmevidence.analysis.run import read_store
    from mmevidence.data import ingest
    from mmevidence.derive.config import DeriveConfig
    from mmevidence.derive.pipeline import derive_all, run_derive

    store = tmp_path / "s.duckdb"
    with resources.as_file(resources.files("mmevidence.data").joinpath("example")) as src:
        ingest(Path(src), store, data_cutoff="2021-03-31")
    run_derive(store)
    datasets, derivation = read_store(store)
    plan = build_plan({"id": "x", "arms": [{"id": "a", "label": "Isa-Pd"}], "populations": {"itt": {"filter": "ittfl"}},
                       "endpoints": [{"id": "PFS", "label": "PFS"}]})
    sens = SensitivityPlan("nt_ignored", "further therapy ignored", "PFS", {"pfs_further_therapy": "ignore"})
    from mmevidence.data.schema import TABLES
    tables = {k: datasets.get(k) for k in TABLES}
    got = analyse_sensitivity(tables, datasets["adsl"], sens, plan, derivation["config"], derivation["cutoff"])
    assert set(got["analysis_id"]) == {"efficacy.pfs.nt_ignored"}
    alt, _ = derive_all(tables, DeriveConfig(pfs_further_therapy="ignore"), derivation["cutoff"])
    pfs = alt["adtte"].loc[alt["adtte"]["endpoint"] == "PFS"]
    assert pick(got, group="", statistic="events")["value"] == pfs["event"].sum()
    primary = datasets["adtte"].loc[datasets["adtte"]["endpoint"] == "PFS", "event"].sum()
    assert pfs["event"].sum() >= primary  # ignoring further therapy can only add events


@pytest.mark.parametrize("endpoint", ["PFS", "OS"])
def test_rmst_option_matches_r_rmean(cohort, plan, reference, endpoint, pick):
    """R ``summary(survfit(...), rmean = 24)$table``: restricted mean and its SE (CI = rmean -/+ z se)."""
    recs = analyse_endpoint(cohort["adsl"], cohort["adtte"], endpoint, plan.with_options(rmst_tau_months=24.0))
    for arm in ("Isa-Pd", "Pd"):
        ref = reference["efficacy"][endpoint]["arms"][arm]
        rec = pick(recs, group=f"arm={arm}", statistic="rmst")
        z = 1.959963984540054
        np.testing.assert_allclose([rec["value"], rec["lower"], rec["upper"]],
                                   [ref["rmean_24"], ref["rmean_24"] - z * ref["rmean_24_se"],
                                    ref["rmean_24"] + z * ref["rmean_24_se"]], rtol=RTOL)


def test_arm_values_outside_the_study_are_reported(cohort, plan):
    adsl = cohort["adsl"].assign(arm=lambda d: d["arm"].replace({"Pd": "pd"}))
    with pytest.warns(UserWarning, match=r"30 patient\(s\).*\['pd'\]"):
        analyse_endpoint(adsl, cohort["adtte"], "PFS", plan)


def test_responder_only_endpoints_are_not_compared(cohort, plan):
    dor = cohort["adtte"].loc[cohort["adtte"]["endpoint"] == "PFS"].assign(endpoint="DOR")
    recs = analyse_endpoint(cohort["adsl"], dor, "DOR", plan)
    assert not set(recs["statistic"]) & {"hr", "p_logrank", "p_logrank_one_sided"}


def test_conf_level_option_matches_r(cohort, plan, reference, pick, r_value):
    """conf_level=0.9: survfit(conf.int = 0.9) median CIs and confint(coxph, level = 0.9)."""
    recs = analyse_endpoint(cohort["adsl"], cohort["adtte"], "PFS", plan.with_options(conf_level=0.9))
    for arm in ("Isa-Pd", "Pd"):
        rec = pick(recs, group=f"arm={arm}", statistic="median")
        np.testing.assert_allclose([rec["value"], rec["lower"], rec["upper"]],
                                   [r_value(x) for x in reference["level90"]["median"][arm]], rtol=RTOL,
                                   equal_nan=True)
    hr = pick(recs, group="", statistic="hr")
    np.testing.assert_allclose([hr["value"], hr["lower"], hr["upper"]], reference["level90"]["hr"], rtol=RTOL)
