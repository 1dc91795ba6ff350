"""Comparison tables and sections: a cohort held against a published trial arm.

Part 1: each table builder on hand-made compare outputs, every asserted cell worked out by hand
in the comment beside it. Part 2: the demo comparison (acceptance): a simulated IMAGE cohort
(120 patients, seed 1) against the ICARIA-MM Isa-Pd arm, with the eligibility attrition, the
side-by-side endpoints and a MAIC on age, ISS, prior lines and refractoriness whose weighted
means must equal the ICARIA-MM Table 1 targets (Attal 2019, Isa-Pd n = 154), written out here
from the published numbers.
"""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from mmevidence.compare import apply_eligibility
from mmevidence.report.model import ReportFigure, ReportTable
from mmevidence.report.tables.comparison import (attrition_table, baseline_smd_table, decimals,
                                                 eligibility_outcomes_table, maic_balance_table,
                                                 maic_estimates_table, side_by_side_table)

NAN = math.nan


def cells(table: ReportTable) -> dict[str, tuple[str, ...]]:
    return {r.label: r.cells for r in table.rows}


# ----------------------------------------------------------------------------- part 1: hand-made inputs

def test_decimals_as_printed() -> None:
    assert [decimals(x) for x in (11.53, 13.9, 3.0, 68, 0.596, NAN)] == [2, 1, 0, 0, 3, 0]


def _study() -> SimpleNamespace:
    figs = [SimpleNamespace(id="pfs.median.isa_pd", unit="months"), SimpleNamespace(id="ttr.median.isa_pd", unit="days"),
            SimpleNamespace(id="dor.median.isa_pd", unit="months"), SimpleNamespace(id="pfs.rate.isa_pd", unit="percent"),
            SimpleNamespace(id="os.median.isa_pd", unit="months")]
    return SimpleNamespace(id="trial", published=figs, sources=[SimpleNamespace(citation="Doe 2020")],
                           baseline=[SimpleNamespace(variable="age", label="Age, years"),
                                     SimpleNamespace(variable="sex", label="Sex")])


def _endpoint(figure_id, endpoint, statistic, published, pl, pu, cohort, cl, cu, note="", level=None, unit=None):
    """A compare_endpoints row: the cohort already in the published unit."""
    units = {f.id: f.unit for f in _study().published}
    return {"figure_id": figure_id, "endpoint": endpoint, "statistic": statistic, "arm": "isa_pd", "level": level,
            "unit": unit or units[figure_id], "published": published, "published_lower": pl, "published_upper": pu, "cohort": cohort,
            "cohort_lower": cl, "cohort_upper": cu, "difference": cohort - published, "note": note}


def test_side_by_side_cells() -> None:
    frame = pd.DataFrame([
        _endpoint("pfs.median.isa_pd", "PFS", "median", 11.53, 8.94, 13.90, 11.466119, 7.392197, 16.854209),
        _endpoint("os.median.isa_pd", "OS", "median", 11.5, NAN, NAN, 11.47, NAN, NAN),
        _endpoint("ttr.median.isa_pd", "TTR", "median", 35.0, NAN, NAN, 33.0, 32.0, 36.0),
        _endpoint("dor.median.isa_pd", "DOR", "median", 13.3, 10.6, NAN, NAN, NAN, NAN, note="no cohort record"),
        _endpoint("pfs.rate.isa_pd", "PFS", "landmark_rate", 46.0, NAN, NAN, 46.9588, 36.7888, 56.4736,
                  level="12 months"),
    ])
    t = side_by_side_table(frame, _study(), "IMAGE", "IMAGE (N=120)")
    c = cells(t)
    assert t.columns == ("IMAGE (95% CI)", "Published (95% CI)", "Difference", "Notes")
    # published 11.53 / 8.94 / 13.90 -> 2 decimals; cohort 11.466119 -> 11.47, 7.392197 -> 7.39, 16.854209 -> 16.85;
    # difference 11.466119 - 11.53 = -0.063881 -> -0.06
    assert c["PFS median, months"][:3] == ("11.47 (7.39\u201316.85)", "11.53 (8.94\u201313.90)", "-0.06")
    # 11.47 - 11.5 = -0.03 -> "-0.0" at one decimal, printed without the sign
    assert c["OS median, months"][:3] == ("11.5", "11.5", "0.0")
    # in days, as published: 33 - 35 = -2 -> "-2.0" (one decimal at least for the cohort)
    assert c["TTR median, days"][:3] == ("33.0 (32.0\u201336.0)", "35", "-2.0")
    # no cohort record: blank cohort cell (not "NE"), the published upper limit not calculable -> NE
    assert c["DOR median, months"][:3] == ("", "13.3 (10.6\u2013NE)", "")
    # published landmark rate in percent beside the cohort's (compare_endpoints: proportion x 100): 46.9588 -> 47.0,
    # 46.9588 - 46 = 0.9588 -> 1.0
    assert c["PFS rate at 12 months"][:3] == ("47.0 (36.8\u201356.5)", "46", "1.0")


def test_baseline_smd_cells() -> None:
    frame = pd.DataFrame([
        {"variable": "age", "level": None, "kind": "continuous", "published": 67.333333, "published_sd": 10.477034,
         "cohort": 66.481667, "cohort_sd": 12.765381, "n_cohort": 120, "smd": -0.072933, "method": "Wan S3"},
        {"variable": "sex", "level": "female", "kind": "binary", "published": 65 / 154, "published_sd": NAN,
         "cohort": 41 / 120, "cohort_sd": NAN, "n_cohort": 120, "smd": -0.166078, "method": "published n / N"},
        {"variable": "sex", "level": "male", "kind": "binary", "published": 89 / 154, "published_sd": NAN,
         "cohort": 79 / 120, "cohort_sd": NAN, "n_cohort": 120, "smd": 0.166078, "method": "published n / N"},
    ])
    t = baseline_smd_table(frame, _study(), "IMAGE", "TRIAL Isa-Pd", "IMAGE (N=120)")
    assert [(r.label, r.kind, r.indent) for r in t.rows] == [("Age, years", "data", 0), ("Sex", "group", 0),
                                                           ("female", "data", 1), ("male", "data", 1)]
    # mean (SD) one decimal; |d| = 0.07 <= 0.1: no star
    assert t.rows[0].cells == ("66.5 (12.8)", "67.3 (10.5)", "-0.07", "Wan S3")
    # 41/120 = 34.17% -> 34.2%; 65/154 = 42.21% -> 42.2%; d = -0.166 -> -0.17*
    assert t.rows[2].cells[:3] == ("34.2%", "42.2%", "-0.17*")
    assert t.rows[3].cells[:3] == ("65.8%", "57.8%", "0.17*")


def test_attrition_cells_from_apply_eligibility() -> None:
    adsl = pd.DataFrame({"age": [70, 50, 80, NAN, 65, 40], "n_prior_lines": [3, 1, 2, 4, NAN, 2]})
    criteria = [SimpleNamespace(id="old", kind="inclusion", text="aged 60 or more", rule="age >= 60", not_checkable=None),
                SimpleNamespace(id="consent", kind="inclusion", text="consent", rule=None,
                                not_checkable="not in the data model"),
                SimpleNamespace(id="lines", kind="inclusion", text="two lines", rule="n_prior_lines >= 2",
                                not_checkable=None)]
    res = apply_eligibility(adsl, criteria)
    t = attrition_table(res.attrition, SimpleNamespace(id="trial"), "Cohort (N=6)")
    rows = [(r.label, r.cells[:6]) for r in t.rows]
    # age >= 60: 70 yes, 50 no, 80 yes, NaN missing, 65 yes, 40 no -> 2 excluded, 1 missing, 3 remain (rows 0, 2, 4)
    # lines >= 2 among rows 0, 2, 4: 3 yes, 2 yes, NaN missing -> 0 excluded, 1 missing, 2 remain;
    # over all patients: row 1 (1 line) fails, row 4 missing
    assert rows == [
        ("All patients", ("", "", "", "6", "", "")),
        ("1. Inclusion: aged 60 or more", ("6", "2", "1", "3", "2", "1")),
        ("2. Inclusion: consent", ("3", "\u2013", "\u2013", "3", "\u2013", "\u2013")),
        ("3. Inclusion: two lines", ("3", "0", "1", "2", "1", "1")),
    ]
    assert t.rows[2].cells[6] == "not checkable: not in the data model"
    assert t.footnotes[0] == "2 patients meet every checkable criterion."


def test_eligibility_outcomes_cells() -> None:
    pfs = pd.DataFrame({"status": ["eligible", "ineligible", "unknown"], "n": [57, 63, 0], "events": [23, 35, 0],
                        "median": [16.854209, 7.852156, NAN], "lower": [8.903491, 6.340862, NAN],
                        "upper": [NAN, 12.845996, NAN]})
    t = eligibility_outcomes_table({"PFS": pfs}, "Cohort")
    assert t.spanners == (("PFS", 0, 3),)
    assert cells(t) == {"Eligible": ("57", "23", "16.9 (8.9\u2013NE)"), "Ineligible": ("63", "35", "7.9 (6.3\u201312.8)"),
                        "Unknown": ("0", "0", "")}


def test_maic_tables_cells() -> None:
    balance = pd.DataFrame({"covariate": ["age", "ref"], "target": [67.333333, 111 / 154], "before": [66.459649, 0.649123],
                            "after": [67.333333, 111 / 154]})
    t = maic_balance_table(balance, {"age": "Age", "ref": "Refractory"}, ("ref",), 49.183742, 57, "TRIAL", "Cohort")
    # 111/154 = 72.078% -> 72.1%; 0.649123 -> 64.9%; ESS 49.18 -> 49.2
    assert cells(t) == {"Age": ("67.33", "66.46", "67.33"), "Refractory": ("72.1%", "64.9%", "72.1%"),
                        "Patients / effective sample size": ("\u2013", "57", "49.2")}
    est = pd.DataFrame([{"label": "PFS median, months", "digits": 1, "unweighted": 16.854209,
                         "unweighted_lower": 8.903491, "unweighted_upper": NAN, "weighted": 16.854209,
                         "weighted_lower": 10.874743, "weighted_upper": NAN, "boot_lower": 8.903491,
                         "boot_upper": 16.854209, "boot_failed": 0, "published": 11.5, "published_lower": 8.9,
                         "published_upper": 13.9, "note": ""}])
    t = maic_estimates_table(est, "TRIAL", "Cohort", 50)
    assert t.rows[0].cells == ("16.9 (8.9\u2013NE)", "16.9 (10.9\u2013NE)", "8.9\u201316.9", "11.5 (8.9\u201313.9)", "")
    assert "50 resamples" in t.footnotes[1]


# ----------------------------------------------------------------------------- part 2: the demo comparison

@pytest.fixture(scope="module")
def image_cohort(derived_cohort):
    from mmevidence.analysis.run import run_analysis

    _, datasets = derived_cohort("image", n=120, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        records = run_analysis(datasets, "image")
    return datasets, records


#: ICARIA-MM Table 1, Isa-Pd arm (n = 154), as printed: age median 68 (IQR 60-74); ISS at study entry
#: I 64, II 53, III 34 (sum 151); previous lines median 3 (IQR 2-4); refractory to lenalidomide and a PI 111.
ICARIA_TARGETS = {"age": (60 + 68 + 74) / 3, "iss_at_entry=I": 64 / 151, "iss_at_entry=III": 34 / 151,
                  "n_prior_lines": (2 + 3 + 4) / 3, "ref_len_pi": 111 / 154}


def test_demo_maic_hits_icaria_targets(image_cohort) -> None:
    from mmevidence.report.comparison import compare_cohort

    datasets, records = image_cohort
    res = compare_cohort(datasets, records, "image", "icaria-mm", "isa_pd", bootstrap=50, seed=1)
    data = res.maic_data
    assert set(res.maic_design.targets) == set(ICARIA_TARGETS)
    for column, target in ICARIA_TARGETS.items():
        assert np.average(data[column], weights=data["weight"]) == pytest.approx(target, rel=0, abs=1e-8), column
    w = data["weight"].to_numpy()
    assert res.maic.ess == pytest.approx(w.sum() ** 2 / (w ** 2).sum(), rel=1e-12)
    assert w.sum() == pytest.approx(len(data), rel=1e-12)
    # the MAIC population is exactly the patients meeting every checkable ICARIA-MM criterion
    status = pd.Series(res.eligibility.status.to_numpy(), index=datasets["adsl"]["patient_id"])
    assert sorted(data["patient_id"]) == sorted(status[status == "eligible"].index)
    assert int(res.eligibility.attrition["remaining"].iloc[-1]) == len(data)


def test_demo_sections(image_cohort, tmp_path) -> None:
    from mmevidence.report.comparison import comparison_sections

    datasets, records = image_cohort
    sections = comparison_sections(datasets, records, tmp_path, "image", bootstrap=50, seed=1)
    by_id = {s.id: s for s in sections}
    assert list(by_id) == ["comparison_endpoints", "comparison_baseline", "comparison_eligibility", "comparison_maic"]
    tables = {i.id: i for s in sections for i in s.items if isinstance(i, ReportTable)}
    assert set(tables) == {"comparison_endpoints", "comparison_baseline", "comparison_attrition",
                           "comparison_eligibility_outcomes", "comparison_maic_balance", "comparison_maic_estimates"}
    # side by side: the cohort's PFS median is the record's, ICARIA-MM's the published 11.5 (8.9-13.9), IRC vs investigator
    pfs = records[(records["analysis_id"] == "efficacy.pfs") & (records["group"] == "arm=Isa-Pd")
                  & (records["statistic"] == "median")].iloc[0]
    row = cells(tables["comparison_endpoints"])["PFS median, months"]
    assert row[1] == "11.5 (8.9\u201313.9)"
    assert row[0].startswith(f"{pfs['value']:.1f} (")
    assert "assessment differs: published irc, cohort investigator" in row[3]
    assert not any(r.label.startswith("PFS hazard ratio") for r in tables["comparison_endpoints"].rows)
    # attrition: 13 ICARIA-MM criteria after the 'All patients' row, 5 of them not checkable
    att = tables["comparison_attrition"]
    assert att.rows[0].cells[3] == "120" and len(att.rows) == 14
    assert sum(r.cells[6].startswith("not checkable") for r in att.rows) == 5
    # MAIC balance: after weighting the printed values equal the printed targets
    bal = tables["comparison_maic_balance"]
    assert all(r.cells[0] == r.cells[2] for r in bal.rows[:-1])
    assert cells(bal)["Age (years)"][0] == "67.33" and cells(bal)["ISS stage at study entry: I"][0] == "42.4%"
    est = cells(tables["comparison_maic_estimates"])
    assert est["PFS median, months"][3] == "11.5 (8.9\u201313.9)"
    fig = next(i for i in by_id["comparison_endpoints"].items if isinstance(i, ReportFigure))
    assert fig.png.is_file() and fig.svg.is_file()
    assert "Unanchored comparison" in by_id["comparison_maic"].text  # a single-arm cohort has no common comparator


def test_anchored_row_is_bucher_on_the_published_hr() -> None:
    """Randomised cohort (arms A, C; C has ICARIA-MM's control regimen): the anchored row divides the cohort's
    Cox HR A vs C (unweighted / MAIC-weighted, robust SE) by the published ICARIA-MM PFS HR 0.596 (0.44-0.81),
    variances added on the log scale (Bucher 1997), the published SE recovered from its CI."""
    from scipy.stats import norm

    from mmevidence.compare import maic_weights, weighted_hazard_ratio
    from mmevidence.report.comparison import MaicDesign, maic_estimates
    from mmevidence.studies import load_study

    rng = np.random.default_rng(7)
    n = 80
    arm = np.where(np.arange(n) < 40, "A", "C")
    age = rng.normal(65, 9, n)
    time = rng.exponential(np.where(arm == "A", 14.0, 9.0) * np.exp((65 - age) / 40))
    data = pd.DataFrame({"patient_id": np.arange(n), "arm": arm, "age": age, "PFS_time": np.minimum(time, 24.0),
                         "PFS_event": (time < 24.0).astype(float)})
    design = MaicDesign(data[["age"]], {"age": 67.0}, {"age": "Age"}, (), {"age": "hand"})
    fit = maic_weights(data, design.targets)
    est = maic_estimates(data, design, fit, load_study("icaria-mm"), "isa_pd", 20, 1, anchor=("A", "C"))
    row = est.set_index("label").loc["PFS hazard ratio, A (cohort) vs isa_pd (published), anchored on C"]
    z = norm.ppf(0.975)
    se_bc = (math.log(0.81) - math.log(0.44)) / (2 * z)
    for column, weights in (("unweighted", None), ("weighted", fit.weights)):
        ac = weighted_hazard_ratio(data, "PFS_time", "PFS_event", "arm", "A", weights)
        log_ab = math.log(ac.estimate) - math.log(0.596)
        se = math.sqrt(ac.se ** 2 + se_bc ** 2)
        assert row[column] == pytest.approx(math.exp(log_ab), rel=1e-12)
        assert row[f"{column}_lower"] == pytest.approx(math.exp(log_ab - z * se), rel=1e-12)
        assert row[f"{column}_upper"] == pytest.approx(math.exp(log_ab + z * se), rel=1e-12)
    assert row["boot_lower"] < row["weighted"] < row["boot_upper"]
    # the KM rows are the experimental arm's, weighted by its patients' weights
    assert "PFS median (A arm), months" in set(est["label"])


def test_figure_reconstructed_arm_and_published_median(tmp_path) -> None:
    from mmevidence.report.figures.comparison import comparison_km_figure
    from mmevidence.stats.estimate import Estimate

    time, event = np.array([1.0, 2, 3, 4, 5]), np.ones(5)
    # cohort: S = 0.8, 0.6, 0.4 at t = 1, 2, 3 -> median 3 (first time with S <= 0.5)
    # benchmark IPD 2, 4, 6, 8: S = 0.75, 0.5, 0.25, 0 -> S is exactly 0.5 from 4 to 6: median (4 + 6) / 2 = 5 (R rule)
    ipd = pd.DataFrame({"time": [2.0, 4, 6, 8], "event": [1, 1, 1, 1]})
    out = comparison_km_figure(time, event, out_dir=tmp_path, cohort_label="C", benchmark_label="T arm",
                               benchmark_ipd=ipd, published_median=Estimate(11.53, 8.94, 13.9, NAN))
    summary = out.data["summary"].set_index("curve")["median"]
    assert summary.to_dict() == {"C (n=5)": 3.0, "T arm (reconstructed)": 5.0}  # the published median is not drawn
    out = comparison_km_figure(time, event, out_dir=tmp_path, cohort_label="C", benchmark_label="T arm",
                               published_median=Estimate(11.53, 8.94, 13.9, NAN), figure_id="km2")
    row = out.data["summary"].set_index("curve").loc["T arm (published)"]
    assert (row["median"], row["lower"], row["upper"]) == (11.53, 8.94, 13.9)
    assert "T arm (published): median 11.53 (8.94\u201313.9) months" in out.report.alt
    assert out.report.png.is_file()


def test_ci_text_of_a_median_not_reached() -> None:
    from mmevidence.report.tables.comparison import _ci_text
    assert _ci_text(NAN, 13.24, NAN, 1) == "NE (13.2\u2013NE)"   # lower limit estimable: printed
    assert _ci_text(NAN, NAN, NAN, 1) == "NE"
    assert _ci_text(11.466, NAN, NAN, 1) == "11.5"
