"""Cohort vs published figures: endpoint table and baseline standardised differences.

References: the published figures of src/mmevidence/studies/definitions/icaria-mm.yaml (Attal
et al., Lancet 2019, Table 1 and text) and R 4.2.2 computations of the formulas, printed with
digits = 17 (commands in the comments).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mmevidence.analysis.results import as_frame, record
from mmevidence.compare.benchmark import (baseline_differences, compare_endpoints, mean_sd_from_quartiles,
                                          mean_sd_from_range, record_scale)
from mmevidence.studies import load_study

STUDY = load_study("icaria-mm")


def test_wan_approximations_match_r() -> None:
    # R: n <- 154; c((60+68+74)/3, (74-60)/(2*qnorm((0.75*n-0.125)/(n+0.25))))
    np.testing.assert_allclose(mean_sd_from_quartiles(60, 68, 74, 154), [67.333333333333329, 10.477033697781234],
                               rtol=1e-12)
    # R: (30+2*45+80)/4; (80-30)/(2*qnorm((100-0.375)/(100.25)))
    np.testing.assert_allclose(mean_sd_from_range(30, 45, 80, 100), [50.0, 10.00564093637335], rtol=1e-12)


def test_baseline_smd_against_icaria_isa_pd() -> None:
    adsl = pd.DataFrame({"age": [55.0, 61.0, 70.0, 72.0, 80.0],
                         "sex": ["female", "male", "female", "male", "male"],
                         "ref_lenalidomide": [True, True, True, False, np.nan]})
    out = baseline_differences(adsl, STUDY, arm="isa_pd").set_index(["variable", "level"], drop=False)
    age = out.loc[("age", None)]
    # R: x <- c(55,61,70,72,80); (mean(x) - m)/sqrt((sd(x)^2 + s^2)/2) with m, s from Wan S3 (median 68, IQR 60-74)
    np.testing.assert_allclose([age["cohort"], age["cohort_sd"], age["smd"]],
                               [67.6, 9.762171889492623933, 0.026335073405834953], rtol=1e-12)
    assert "Wan 2014 S3" in age["method"]
    female = out.loc[("sex", "female")]
    # published 65/154 female in Isa-Pd; cohort 2/5. R: (pc-pp)/sqrt((pc*(1-pc)+pp*(1-pp))/2)
    np.testing.assert_allclose([female["published"], female["cohort"], female["smd"]],
                               [65 / 154, 0.4, -0.044883090289199332], rtol=1e-12)
    assert female["method"] == "published n / N"


def test_baseline_pooled_missing_and_foreign_levels() -> None:
    """ICARIA-MM's "<60" row pools the adsl eGFR groups "<30" and "30-<60" (study baseline levels);
    "unknown" ISS is the share of patients with no value; a published level that is no value of the
    cohort's column and no configured level is not compared (NaN), never a 0% against the paper."""
    adsl = pd.DataFrame({"egfr_group": [">=60", "30-<60", "<30", ">=60"],
                         "iss_at_diagnosis": ["I", None, "III", None],
                         "myeloma_type": ["IgG", "IgG", "IgA", "IgG"]})
    out = baseline_differences(adsl, STUDY, arm="all").set_index(["variable", "level"])
    lt60 = out.loc[("egfr_group", "<60")]
    assert lt60["cohort"] == 2 / 4   # "<30" and "30-<60" of 4
    np.testing.assert_allclose(lt60["published"], 104 / 287, rtol=1e-12)
    arm = baseline_differences(adsl, STUDY, arm="isa_pd").set_index(["variable", "level"])
    unknown = arm.loc[("iss_at_diagnosis", "unknown")]
    assert unknown["cohort"] == 2 / 4 and unknown["n_cohort"] == 4
    assert "patients with no value" in unknown["method"]
    assert arm.loc[("myeloma_type", "other"), "cohort"] == 0.0  # a configured (pooled) level: a real 0%
    study = STUDY.__class__(**{**STUDY.__dict__, "baseline": ()})  # no configured levels
    foreign = baseline_differences(adsl, study, arm="isa_pd").set_index(["variable", "level"]).loc[("myeloma_type", "other")]
    assert np.isnan(foreign["smd"]) and "not compared" in foreign["method"]


def _records() -> pd.DataFrame:
    """Records as mmevidence.analysis writes them: group ``arm=<label>``, analysis_id ``efficacy.<endpoint>``
    (primary) and ``efficacy.<endpoint>.<sensitivity id>``; times in months, landmark rates as proportions."""
    return as_frame([
        record("efficacy.pfs", "itt", "PFS", "arm=Isa-Pd", "median", 10.2, 8.0, 12.5, 150),
        record("efficacy.pfs", "itt", "PFS", "arm=Pd", "median", 6.9, 5.1, 8.8, 150),
        record("efficacy.pfs", "itt", "PFS", "", "hr", 0.62, 0.47, 0.83, 300),
        record("efficacy.pfs.pfs_further_therapy_event", "itt", "PFS", "arm=Isa-Pd", "median", 9.0, 7.0, 11.0, 150),
        record("efficacy.pfs.pfs_investigator", "itt", "PFS", "arm=Pd", "median", 6.2, 4.9, 8.1, 150),
        record("efficacy.ttr", "itt", "TTR", "arm=Isa-Pd", "median", 1.0677618069815196, 1.0184804928131417,
               1.0841889117043122, 92),
    ])


def test_endpoint_table_pfs() -> None:
    out = compare_endpoints(_records(), STUDY, assessment="investigator").set_index("figure_id")
    row = out.loc["pfs.median.isa_pd"]
    assert (row["published"], row["published_lower"], row["published_upper"]) == (11.5, 8.9, 13.9)
    # the primary analysis, not the sensitivity analysis efficacy.pfs.pfs_further_therapy_event (9.0)
    assert (row["cohort"], row["cohort_lower"], row["cohort_upper"]) == (10.2, 8.0, 12.5)
    np.testing.assert_allclose(row["difference"], 10.2 - 11.5, rtol=1e-12)
    assert "assessment differs: published irc, cohort investigator" in row["note"]
    # the published investigator-assessed median is the like-for-like figure: no assessment note; the
    # cohort's primary analysis stands for it when the cohort has no pfs_investigator analysis (Isa-Pd) ...
    inv = out.loc["pfs_investigator.median.isa_pd"]
    assert inv["published"] == 11.1 and inv["cohort"] == 10.2 and "assessment" not in inv["note"]
    assert "cohort: primary analysis" in inv["note"]
    # ... and its own pfs_investigator analysis when it has one (Pd)
    inv_pd = out.loc["pfs_investigator.median.pd"]
    assert (inv_pd["published"], inv_pd["cohort"]) == (6.5, 6.2) and "primary" not in inv_pd["note"]
    hr = out.loc["pfs.hr.diff"]
    assert (hr["published"], hr["cohort"]) == (0.596, 0.62)
    # the abstract repeats the same figures: kept once
    assert "pfs.median.isa_pd.abstract" not in out.index
    os_row = out.loc["os.median.isa_pd"]
    assert math.isnan(os_row["published"]) and "not reached" in os_row["note"] and "no cohort record" in os_row["note"]


def test_endpoint_table_converts_to_the_published_unit() -> None:
    # "median time to first response ... of 35 days": the record's 1.0677618069815196 months (the
    # analysis' days / 30.4375) is 1.0677618069815196 x 30.4375 = 32.5 days; difference 32.5 - 35 = -2.5
    row = compare_endpoints(_records(), STUDY).set_index("figure_id").loc["ttr.median.isa_pd"]
    assert row["unit"] == "days" and row["published"] == 35
    np.testing.assert_allclose([row["cohort"], row["cohort_lower"], row["cohort_upper"], row["difference"]],
                               [32.5, 31.0, 33.0, -2.5], rtol=1e-12)


def test_record_scale() -> None:
    assert record_scale("median", "days") == (30.4375, "")
    np.testing.assert_allclose(record_scale("median", "weeks")[0], 30.4375 / 7, rtol=1e-15)
    assert record_scale("median", "months") == (1.0, "")
    assert record_scale("landmark_rate", "percent") == (100.0, "")   # records hold proportions
    assert record_scale("pct", "percent") == (1.0, "")               # response records hold percentages
    assert record_scale("hr", "ratio") == (1.0, "")
    assert record_scale("median", None)[1] == "published unit not given: months assumed"
    factor, note = record_scale("median", "cycles")
    assert math.isnan(factor) and "not compared" in note


def test_endpoint_table_landmark_rate_in_percent() -> None:
    # Italian cohort: "a 12-month PFS probability of 30.6%"; record rate_12m 0.25 -> 25 %, difference -5.6
    italian = load_study("italian-dara-refractory")
    recs = as_frame([record("efficacy.pfs", "itt", "PFS", "", "rate_12m", 0.25, 0.15, 0.36, 51)])
    out = compare_endpoints(recs, italian, arm_groups={italian.arms[0].id: ""})
    row = out[(out["endpoint"] == "PFS") & (out["statistic"] == "landmark_rate")].iloc[0]
    assert row["published"] == 30.6
    np.testing.assert_allclose([row["cohort"], row["cohort_lower"], row["cohort_upper"], row["difference"]],
                               [25.0, 15.0, 36.0, 25.0 - 30.6], rtol=1e-12)


def test_endpoint_table_ambiguous_records_named() -> None:
    recs = pd.concat([_records(), as_frame([record("efficacy.pfs", "itt", "PFS", "arm=Isa-Pd", "median", 9.9)])])
    row = compare_endpoints(recs, STUDY).set_index("figure_id").loc["pfs.median.isa_pd"]
    assert math.isnan(row["cohort"]) and "2 cohort records match (efficacy.pfs, efficacy.pfs)" in row["note"]


def test_endpoint_table_single_arm_cohort_population_note() -> None:
    recs = as_frame([record("efficacy.pfs", "efficacy", "PFS", "", "median", 9.0, 7.0, 11.0, 80)])
    out = compare_endpoints(recs, STUDY, arm_groups={"isa_pd": ""}).set_index("figure_id")
    assert "pfs.median.pd" not in out.index
    row = out.loc["pfs.median.isa_pd"]
    assert row["cohort"] == 9.0 and "population differs: published itt, cohort efficacy" in row["note"]
