"""ICARIA-MM Table 3 layout from response records of the published counts (Attal et al., Lancet 2019)."""

from __future__ import annotations

import pandas as pd
import pytest

from mmevidence.analysis.response import analyse_response
from mmevidence.report.tables.response import response_table
from mmevidence.studies import parse_study

STUDY = parse_study({
    "id": "icaria-mm", "title": "t", "design": {"type": "randomised"}, "sources": [], "published": [],
    "arms": [{"id": "isa_pd", "label": "Isa-Pd"}, {"id": "pd", "label": "Pd"}],
    "comparison": {"experimental": "isa_pd", "control": "pd"},
    "populations": {"itt": {"label": "Intention-to-treat population", "filter": "ittfl"}},
    "stratification": [{"variable": "age_group_75", "label": "Age (<75 vs >=75 years)"},
                       {"variable": "prior_lines_group", "label": "Number of previous lines (2 or 3 vs >3)"}]})

# Table 3 counts; non-progressive disease under SD, unconfirmed PD under PD, one extra Pd NE (the printed
# Pd column sums to 152 of 153)
COUNTS = {"Isa-Pd": {"CR": 7, "sCR": 0, "VGPR": 42, "PR": 44, "MR": 10, "SD": 37, "PD": 7, "NE": 7},
          "Pd": {"CR": 2, "sCR": 1, "VGPR": 10, "PR": 41, "MR": 17, "SD": 47, "PD": 18, "NE": 17}}


@pytest.fixture(scope="module")
def table():
    rows = [(arm, cat) for arm, c in COUNTS.items() for cat, k in c.items() for _ in range(k)]
    adsl = pd.DataFrame({"patient_id": range(len(rows)), "arm": [r[0] for r in rows], "ittfl": True,
                         "age_group_75": ["<75", ">=75"] * (len(rows) // 2) + ["<75"] * (len(rows) % 2),
                         "prior_lines_group": "2-3"})
    adrs = pd.DataFrame({"patient_id": adsl["patient_id"], "param": "BOR", "response": [r[1] for r in rows]})
    from mmevidence.analysis.plan import build_plan
    return response_table(analyse_response(adsl, adrs, build_plan(STUDY)), STUDY)


def cells(table, label: str, nth: int = 0) -> tuple[str, ...]:
    return [r.cells for r in table.rows if r.label == label][nth]


def test_header_and_population(table):
    assert table.columns == ("Isa-Pd (n=154)", "Pd (n=153)")
    assert table.population == "Intention-to-treat population (N=307)"


def test_every_table3_row_in_order(table):
    labels = [r.label for r in table.rows]
    expected = ["Best overall response (n [%])", "Complete response", "Stringent complete response",
                "Very good partial response", "Partial response", "Minimal response", "Stable disease",
                "Non-progressive disease", "Progressive disease", "Unconfirmed progressive disease",
                "Not evaluable or not assessed", "Overall response", "Responders*", "Odds ratio",
                "Stratified Cochran-Mantel-Haenszel test p value\u2021 versus control",
                "Very good partial response or better", "Odds ratio",
                "Stratified Cochran-Mantel-Haenszel test p value\u2021 versus control"]
    assert labels[:len(expected)] == expected


def test_cells_as_published(table):
    # printed exactly as Table 3 (Lancet style: whole percentages, "0", "<1%")
    assert cells(table, "Complete response") == ("7 (5%)", "2 (1%)")
    assert cells(table, "Stringent complete response") == ("0", "1 (<1%)")
    assert cells(table, "Very good partial response") == ("42 (27%)", "10 (7%)")
    assert cells(table, "Partial response") == ("44 (29%)", "41 (27%)")
    assert cells(table, "Responders*")[0] == "93 (60%; 95% CI 0.522\u20130.682)"
    assert cells(table, "Very good partial response or better")[0] == "49 (32%; 95% CI 0.246\u20130.398)"
    assert cells(table, "Odds ratio", 1) == ("5.026 (95% CI 2.514\u201310.586)", "NA")
    assert cells(table, "Stratified Cochran-Mantel-Haenszel test p value\u2021 versus control") == ("<0.0001", "NA")
    assert cells(table, "Non-progressive disease") == ("NA", "NA")


def test_cells_where_the_paper_rounded_twice(table):
    """The paper rounded to 4 (proportions) or 1 (percentages) decimals first, then again: 54/153 lower limit
    0.27749 prints 0.277 (paper 0.278); 13/153 = 8.497% prints 8% (paper 9%); 10/154 = 6.49% prints 6%
    (paper 7%). Single rounding half away from zero, as SAS PUTN of the exact value, is printed here."""
    assert cells(table, "Responders*")[1] == "54 (35%; 95% CI 0.277\u20130.434)"
    assert cells(table, "Very good partial response or better")[1] == "13 (8%; 95% CI 0.046\u20130.141)"
    assert cells(table, "Minimal response") == ("10 (6%)", "17 (11%)")
    # ORR odds ratio: exact conditional limits 1.715-4.562 (the paper's 1.75 is reproduced by no method)
    assert cells(table, "Odds ratio", 0) == ("2.795 (95% CI 1.715\u20134.562)", "NA")


def test_footnotes_name_sidedness_and_strata(table):
    assert any("One-sided" in f for f in table.footnotes)
    assert any("Age (<75 vs >=75 years) and Number of previous lines" in f for f in table.footnotes)


def test_two_sided_option_prints_the_two_sided_p():
    from mmevidence.analysis.results import as_frame, record
    recs = as_frame([record("response.orr", "itt", "ORR", "arm=Isa-Pd", "n", 3, n=10),
                     record("response.orr", "itt", "ORR", "arm=Pd", "n", 1, n=10),
                     record("response.orr", "itt", "ORR", "", "p_cmh", 0.2468),
                     record("response.orr", "itt", "ORR", "", "p_cmh_one_sided", 0.1234)])
    one = response_table(recs, STUDY)
    two = response_table(recs, STUDY, sides="two-sided")
    label = "Stratified Cochran-Mantel-Haenszel test p value\u2021 versus control"
    assert cells(one, label) == ("0.1234", "NA") and cells(two, label) == ("0.2468", "NA")
    assert cells(one, "Responders*") == ("3 (30%)", "1 (10%)")  # no rate record: no CI printed
    assert any("Two-sided" in f for f in two.footnotes)
