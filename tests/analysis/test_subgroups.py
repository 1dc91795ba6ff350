"""Subgroup records against R (cohort60.R): coxph(Surv ~ treat) within each level, the treatment-by-
factor interaction by Wald (b' V^-1 b over the interaction terms of coxph(~ treat * f)) and by
likelihood ratio (anova(coxph(~ treat + f), coxph(~ treat * f)))."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mmevidence.analysis.subgroups import analyse_subgroups

RTOL = 1e-6


@pytest.fixture(scope="module")
def results(cohort, plan):
    return analyse_subgroups(cohort["adsl"], cohort["adtte"], plan)


@pytest.mark.parametrize("variable, level", [("age_group", "<65"), ("age_group", "65-74"), ("age_group", ">=75"),
                                             ("sex", "male"), ("sex", "female")])
def test_hr_and_counts_per_level_match_r(results, reference, variable, level, pick):
    ref = reference["subgroups"][variable]["levels"][level]
    rr = results.loc[results["analysis_id"] == f"subgroup.pfs.{variable}"]
    hr = pick(rr, group=f"{variable}={level}", statistic="hr")
    np.testing.assert_allclose([hr["value"], hr["lower"], hr["upper"]], [ref["hr"], ref["lower"], ref["upper"]],
                               rtol=RTOL)
    assert "unstratified" in hr["method"]
    for i, arm in enumerate(["Isa-Pd", "Pd"]):
        g = f"arm={arm}|{variable}={level}"
        assert pick(rr, group=g, statistic="n")["value"] == ref["n"][i]
        assert pick(rr, group=g, statistic="events")["value"] == ref["events"][i]


@pytest.mark.parametrize("variable", ["age_group", "sex"])
@pytest.mark.parametrize("test", ["wald", "lr"])
def test_interaction_p_matches_r(cohort, plan, reference, variable, test, pick):
    ref = reference["subgroups"][variable]
    recs = analyse_subgroups(cohort["adsl"], cohort["adtte"], plan.with_options(interaction_test=test))
    rr = recs.loc[recs["analysis_id"] == f"subgroup.pfs.{variable}"]
    stat, p = (ref["wald"], ref["p_wald"]) if test == "wald" else (ref["lr"], ref["p_lr"])
    np.testing.assert_allclose(pick(rr, group="", statistic="interaction_chisq")["value"], stat, rtol=RTOL)
    rec = pick(rr, group="", statistic="p_interaction")
    np.testing.assert_allclose(rec["value"], p, rtol=RTOL)
    assert f"df={ref['df']}" in rec["method"] and rec["n"] == 60


def test_overall_unstratified_hr_matches_r(results, reference, pick):
    ref = reference["subgroups"]["all"]
    hr = pick(results, analysis_id="subgroup.pfs.all", group="", statistic="hr")
    np.testing.assert_allclose([hr["value"], hr["lower"], hr["upper"]], [ref["hr"], ref["lower"], ref["upper"]],
                               rtol=RTOL)


def test_level_without_control_patients_is_not_estimable(cohort, plan, pick):
    """A level where one arm has no patient gives NaN with the reason, and the interaction still runs."""
    adsl = cohort["adsl"].copy()
    adsl.loc[(adsl["arm"] == "Pd") & (adsl["age_group"] == ">=75"), "age_group"] = "65-74"
    recs = analyse_subgroups(adsl, cohort["adtte"], plan)
    hr = pick(recs, group="age_group=>=75", statistic="hr")
    assert math.isnan(hr["value"]) and hr["method"].startswith("not estimable")
    assert pick(recs, group="arm=Pd|age_group=>=75", statistic="n")["value"] == 0


def test_missing_factor_values_leave_the_interaction_model(cohort, plan, pick):
    adsl = cohort["adsl"].copy()
    adsl.loc[adsl["patient_id"].isin(["S001", "S002"]), "sex"] = None
    recs = analyse_subgroups(adsl, cohort["adtte"], plan)
    assert pick(recs, analysis_id="subgroup.pfs.sex", group="", statistic="p_interaction")["n"] == 58


def test_boolean_factor_matches_yes_no_levels(cohort, plan, pick):
    from mmevidence.analysis.plan import SubgroupPlan
    adsl = cohort["adsl"].assign(female=lambda d: d["sex"] == "female")
    p = plan.with_options(subgroups=(SubgroupPlan("female", "Female", ("yes", "no")),))
    recs = analyse_subgroups(adsl, cohort["adtte"], p)
    n_yes = pick(recs, group="arm=Isa-Pd|female=yes", statistic="n")["value"]
    assert n_yes == ((adsl["arm"] == "Isa-Pd") & adsl["female"]).sum()


def test_unlisted_levels_enter_the_interaction_model(cohort, plan, reference, pick):
    """Only "male" listed (as ICARIA-MM lists only "refractory: yes"): one HR row, but the interaction test
    still compares male with female, so it equals R's two-level test."""
    from mmevidence.analysis.plan import SubgroupPlan
    p = plan.with_options(subgroups=(SubgroupPlan("sex", "Sex", ("male",)),))
    recs = analyse_subgroups(cohort["adsl"], cohort["adtte"], p)
    assert "sex=female" not in set(recs["group"])
    np.testing.assert_allclose(pick(recs, statistic="p_interaction")["value"], reference["subgroups"]["sex"]["p_wald"],
                               rtol=RTOL)
