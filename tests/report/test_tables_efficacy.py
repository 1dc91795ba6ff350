"""Efficacy summary table and subgroup table/forest frame from hand-written records (layout and number
formatting only: every expected cell is written out from the record values)."""

from __future__ import annotations

import math

import pytest

from mmevidence.analysis.results import as_frame, record
from mmevidence.report.tables.efficacy import efficacy_table
from mmevidence.report.tables.subgroups import FOREST_COLUMNS, subgroup_forest_frame, subgroup_table
from mmevidence.studies import parse_study

NAN = math.nan
STUDY = parse_study({
    "id": "s", "title": "t", "design": {"type": "randomised"}, "sources": [], "published": [],
    "arms": [{"id": "isa_pd", "label": "Isa-Pd"}, {"id": "pd", "label": "Pd"}],
    "comparison": {"experimental": "isa_pd", "control": "pd"},
    "populations": {"itt": {"label": "Intention-to-treat population", "filter": "ittfl"}},
    "stratification": [{"variable": "age_group_75", "label": "Age"}],
    "endpoints": [{"id": "PFS", "label": "Progression-free survival", "primary": True,
                   "sensitivity": [{"id": "nt_ignored", "label": "Further therapy ignored",
                                    "censoring": {"pfs_further_therapy": "ignore"}}]},
                  {"id": "OS", "label": "Overall survival"}],
    "subgroups": [{"variable": "age_group", "label": "Age", "levels": ["<65", ">=75"]}]})


def km(aid, ep, arm, n, events, med, q1, q3, rate12=None):
    g = f"arm={arm}"
    out = [record(aid, "itt", ep, g, "n", n, n=n), record(aid, "itt", ep, g, "events", events, n=n),
           record(aid, "itt", ep, g, "median", *med, n=n), record(aid, "itt", ep, g, "q1", q1, n=n),
           record(aid, "itt", ep, g, "q3", q3, n=n)]
    if rate12 is not None:
        out.append(record(aid, "itt", ep, g, "rate_12m", *rate12, n=n))
    return out


@pytest.fixture(scope="module")
def table():
    recs = (km("efficacy.pfs", "PFS", "Isa-Pd", 154, 73, (11.53, 8.94, 13.9), 4.0, 20.25, (0.4844, 0.401, 0.5625))
            + km("efficacy.pfs", "PFS", "Pd", 153, 89, (6.47, 4.47, 8.28), 2.0, 12.0, (0.3125, 0.24, 0.39))
            + [record("efficacy.pfs", "itt", "PFS", "", "hr", 0.596, 0.4355, 0.8145, 307,
                      "Cox PH (efron) stratified by age_group_75"),
               record("efficacy.pfs", "itt", "PFS", "", "p_logrank_one_sided", 0.00049, n=307,
                      method="log-rank stratified by age_group_75"),
               record("efficacy.pfs", "itt", "PFS", "", "p_logrank", 0.00098, n=307,
                      method="log-rank stratified by age_group_75")]
            + km("efficacy.os", "OS", "Isa-Pd", 154, 43, (NAN, 13.9, NAN), 9.0, NAN)
            + km("efficacy.os", "OS", "Pd", 153, 56, (NAN, NAN, NAN), 7.25, NAN)
            + [record("efficacy.followup", "itt", "FU", g, s, v, n=n) for g, n, vals in
               (("arm=Isa-Pd", 154, (11.65, 10.05, 13.95)), ("arm=Pd", 153, (11.5, 10.0, 13.8)))
               for s, v in zip(("median", "q1", "q3"), vals)]
            + km("efficacy.pfs.nt_ignored", "PFS", "Isa-Pd", 154, 80, (11.1, 8.5, 14.0), 4, 20)
            + km("efficacy.pfs.nt_ignored", "PFS", "Pd", 153, 95, (6.2, 4.4, 8.0), 2, 12)
            + [record("efficacy.pfs.nt_ignored", "itt", "PFS", "", "hr", 0.568, 0.42, 0.77, 307, "Cox")])
    return efficacy_table(as_frame(recs), STUDY)


def row(table, label, nth=0):
    return [r for r in table.rows if r.label == label][nth]


def test_columns_and_population(table):
    assert table.columns == ("Isa-Pd (n=154)", "Pd (n=153)")
    assert table.population == "Intention-to-treat population (N=307)"


def test_km_rows(table):
    assert row(table, "Events, n (%)").cells == ("73 (47.4%)", "89 (58.2%)")  # 73/154 = 47.40%, 89/153 = 58.17%
    assert row(table, "Median, months (95% CI)").cells == ("11.5 (8.9\u201313.9)", "6.5 (4.5\u20138.3)")
    assert row(table, "Q1\u2013Q3, months").cells == ("4.0\u201320.3", "2.0\u201312.0")  # 20.25 half up -> 20.3
    assert row(table, "12-month rate, % (95% CI)").cells == ("48.4 (40.1\u201356.3)", "31.3 (24.0\u201339.0)")
    assert row(table, "Hazard ratio (stratified Cox), 95% CI").cells == ("0.596 (0.436\u20130.815)", "NA")
    assert row(table, "Log-rank p (stratified one-sided)").cells == ("0.0005", "NA")


def test_not_reached_median_prints_ne(table):
    assert row(table, "Median, months (95% CI)", 1).cells == ("NE (13.9\u2013NE)", "NE")


def test_follow_up_and_sensitivity_rows(table):
    assert row(table, "Median follow-up (reverse Kaplan-Meier), months (IQR)").cells == (
        "11.7 (10.1\u201314.0)", "11.5 (10.0\u201313.8)")  # 11.65 -> 11.7 and 13.95 -> 14.0 (half away from zero)
    assert row(table, "Further therapy ignored").cells == ("11.1 (8.5\u201314.0)", "6.2 (4.4\u20138.0)")
    assert row(table, "Hazard ratio, 95% CI").cells == ("0.568 (0.420\u20130.770)", "NA")


def test_two_sided_option():
    recs = as_frame([record("efficacy.pfs", "itt", "PFS", "arm=Isa-Pd", "n", 10, n=10),
                     record("efficacy.pfs", "itt", "PFS", "", "p_logrank", 0.04321, method="log-rank unstratified"),
                     record("efficacy.pfs", "itt", "PFS", "", "p_logrank_one_sided", 0.0216)])
    t = efficacy_table(recs, STUDY, sides="two-sided")
    assert row(t, "Log-rank p (two-sided)").cells == ("0.0432", "NA")


SUB = [record("subgroup.pfs.all", "itt", "PFS", "", "hr", 0.6, 0.45, 0.8, 307),
       record("subgroup.pfs.all", "itt", "PFS", "arm=Isa-Pd", "n", 154), record("subgroup.pfs.all", "itt", "PFS",
                                                                                "arm=Isa-Pd", "events", 73),
       record("subgroup.pfs.all", "itt", "PFS", "arm=Pd", "n", 153), record("subgroup.pfs.all", "itt", "PFS",
                                                                            "arm=Pd", "events", 89),
       record("subgroup.pfs.age_group", "itt", "PFS", "age_group=<65", "hr", 0.5, 0.3, 0.85, 124),
       record("subgroup.pfs.age_group", "itt", "PFS", "arm=Isa-Pd|age_group=<65", "n", 54),
       record("subgroup.pfs.age_group", "itt", "PFS", "arm=Isa-Pd|age_group=<65", "events", 25),
       record("subgroup.pfs.age_group", "itt", "PFS", "arm=Pd|age_group=<65", "n", 70),
       record("subgroup.pfs.age_group", "itt", "PFS", "arm=Pd|age_group=<65", "events", 40),
       record("subgroup.pfs.age_group", "itt", "PFS", "age_group=>=75", "hr", NAN, n=30, method="not estimable"),
       record("subgroup.pfs.age_group", "itt", "PFS", "arm=Isa-Pd|age_group=>=75", "n", 30),
       record("subgroup.pfs.age_group", "itt", "PFS", "arm=Isa-Pd|age_group=>=75", "events", 0),
       record("subgroup.pfs.age_group", "itt", "PFS", "arm=Pd|age_group=>=75", "n", 0),
       record("subgroup.pfs.age_group", "itt", "PFS", "arm=Pd|age_group=>=75", "events", 0),
       record("subgroup.pfs.age_group", "itt", "PFS", "", "p_interaction", 0.0834, n=154,
              method="Cox PH (efron) treat * age_group interaction, Wald (SAS PHREG Type 3), df=1")]


def test_forest_frame_contract():
    f = subgroup_forest_frame(as_frame(SUB), {"age_group": "Age"})
    assert tuple(f.columns) == FOREST_COLUMNS
    assert list(f["subgroup"]) == ["All patients", "Age", "Age"] and list(f["level"]) == ["", "<65", ">=75"]
    first = f.iloc[1]
    assert (first.hr, first.lower, first.upper) == (0.5, 0.3, 0.85)
    assert (first.n_experimental, first.n_control, first.events_experimental, first.events_control) == (54, 70, 25, 40)
    assert first.p_interaction == 0.0834 and math.isnan(f.iloc[0].p_interaction)
    assert math.isnan(f.iloc[2].hr) and f.iloc[2].n_control == 0


def test_subgroup_table():
    t = subgroup_table(as_frame(SUB), STUDY)
    assert t.columns == ("Isa-Pd, events/patients", "Pd, events/patients", "HR (95% CI)", "p for interaction")
    assert [(r.label, r.kind) for r in t.rows] == [("All patients", "data"), ("Age", "group"), ("<65", "data"),
                                                  ("\u226575", "data")]
    assert t.rows[0].cells == ("73/154", "89/153", "0.60 (0.45\u20130.80)", "")
    assert t.rows[1].cells == ("", "", "", "0.083")
    assert t.rows[3].cells == ("0/30", "0/0", "NE (NE\u2013NE)", "")
    assert t.population == "Intention-to-treat population (N=307)"


def test_boolean_subgroup_levels_print_yes_no():
    recs = [r for r in SUB if r["analysis_id"] == "subgroup.pfs.all"] + [
        record("subgroup.pfs.ref_pi", "itt", "PFS", "ref_pi=True", "hr", 0.64, 0.46, 0.9, 240),
        record("subgroup.pfs.ref_pi", "itt", "PFS", "", "p_interaction", 0.627, n=307, method="Wald")]
    t = subgroup_table(as_frame(recs), STUDY)
    assert [r.label for r in t.rows] == ["All patients", "ref_pi", "Yes"]
