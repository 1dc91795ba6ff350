"""Baseline labs, cytogenetic risk, MDRD eGFR, ISS and R-ISS on hand-worked values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mmevidence.derive.baseline import baseline_labs, cytogenetic_risk, ldh_above_uln
from mmevidence.derive.config import DeriveConfig
from mmevidence.derive.risk_scores import egfr_group, egfr_mdrd, iss_stage, r_iss_stage

IDX = pd.DataFrame({"patient_id": ["P1", "P2", "P3"], "index_date": pd.to_datetime(["2020-03-01"] * 3)})


# ---------------------------------------------------------------- MDRD eGFR (Levey 2006)
def test_egfr_mdrd_by_hand():
    # Female, 70 y, creatinine 1.2 mg/dL:
    # 1.2^-1.154 = exp(-1.154 * ln 1.2) = exp(-1.154 * 0.18232156) = exp(-0.21039908) = 0.81024
    # 70^-0.203  = exp(-0.203 * ln 70)  = exp(-0.203 * 4.24849524) = exp(-0.86244453) = 0.42215
    # 175 * 0.81024 * 0.42215 * 0.742 = 44.41...
    female = 175 * math.exp(-1.154 * math.log(1.2)) * math.exp(-0.203 * math.log(70)) * 0.742
    male = 175 * math.exp(-1.154 * math.log(1.2)) * math.exp(-0.203 * math.log(70))
    got = egfr_mdrd(np.array([1.2, 1.2]), np.array([70.0, 70.0]), np.array([True, False], dtype=object))
    assert got[0] == pytest.approx(female, rel=1e-12)
    assert got[1] == pytest.approx(male, rel=1e-12)
    assert got[0] == pytest.approx(44.41, abs=0.01)
    assert got[1] == pytest.approx(59.86, abs=0.01)  # 44.41 / 0.742: no race factor applied


def test_egfr_missing_inputs_give_nan():
    got = egfr_mdrd(np.array([np.nan, 1.0, 1.0, 0.0]), np.array([60.0, np.nan, 60.0, 60.0]),
                    np.array([True, True, None, True], dtype=object))
    assert np.isnan(got).all()


def test_egfr_groups_boundaries():
    assert egfr_group(np.array([29.99, 30.0, 59.99, 60.0, np.nan])).tolist() == \
        ["<30", "30-<60", "30-<60", ">=60", None]


# ---------------------------------------------------------------- ISS (Greipp 2005)
@pytest.mark.parametrize("b2m, alb, stage", [
    (3.4, 3.5, "I"),      # b2m < 3.5 and albumin >= 3.5
    (3.4, 3.4, "II"),     # b2m < 3.5 but albumin < 3.5
    (3.5, 4.0, "II"),     # 3.5 <= b2m < 5.5
    (5.49, 2.0, "II"),
    (5.5, 4.5, "III"),    # b2m >= 5.5 whatever the albumin
    (6.0, np.nan, "III"),  # albumin missing but b2m decides
    (4.0, np.nan, "II"),   # albumin missing but b2m decides
    (3.0, np.nan, None),   # I or II: undecidable
    (np.nan, 4.0, None),
])
def test_iss(b2m, alb, stage):
    assert iss_stage(np.array([b2m]), np.array([alb]))[0] == stage


# ---------------------------------------------------------------- R-ISS (Palumbo 2015)
@pytest.mark.parametrize("iss, hr, ldh, stage", [
    ("I", False, False, "I"),
    ("I", True, False, "II"),
    ("I", False, True, "II"),
    ("I", None, False, None),     # could be I or II
    ("I", None, True, "II"),      # adverse factor known -> not I
    ("II", None, None, "II"),     # ISS II is always R-ISS II
    ("III", True, None, "III"),
    ("III", False, True, "III"),
    ("III", False, False, "II"),
    ("III", False, None, None),
    (None, False, False, None),
])
def test_r_iss(iss, hr, ldh, stage):
    got = r_iss_stage(np.array([iss], dtype=object), np.array([hr], dtype=object), np.array([ldh], dtype=object))
    assert got[0] == stage


def test_ldh_above_uln_uses_row_uln_then_config():
    got = ldh_above_uln(np.array([250.0, 200.0, 260.0, 260.0, np.nan]), np.array([248.0, 248.0, np.nan, np.nan, 248]),
                        None)
    assert got.tolist() == [True, False, None, None, None]
    got = ldh_above_uln(np.array([260.0]), np.array([np.nan]), 250.0)
    assert got.tolist() == [True]


# ---------------------------------------------------------------- baseline labs window
def test_baseline_last_value_in_window():
    labs = pd.DataFrame({
        "patient_id": ["P1", "P1", "P1", "P1", "P2", "P2", "P3"],
        "date": pd.to_datetime(["2020-01-15", "2020-02-10", "2020-03-01", "2020-03-05",
                                "2020-01-31", "2020-02-01", "2020-02-20"]),
        "test": ["hemoglobin"] * 6 + ["ldh"],
        "value": [9.0, 10.0, 11.0, 12.0, 8.0, 8.5, 300.0],
        "uln": [np.nan] * 6 + [250.0],
        "source_row": [1, 2, 3, 4, 5, 6, 7],
    })
    out = baseline_labs(labs, IDX, window_days=28).set_index("patient_id")
    # P1: the index-day value 11.0 (row 3) is the last on or before index; day +4 (12.0) is after
    assert out.loc["P1", "bl_hemoglobin"] == 11.0 and out.loc["P1", "bl_hemoglobin_row"] == 3
    # P2: window starts 2020-03-01 - 28 d = 2020-02-02: both values are older -> missing
    assert np.isnan(out.loc["P2", "bl_hemoglobin"])
    # with a 29-day window 2020-02-01 is inside (inclusive) -> 8.5
    wide = baseline_labs(labs, IDX, window_days=29).set_index("patient_id")
    assert wide.loc["P2", "bl_hemoglobin"] == 8.5
    assert out.loc["P3", "bl_ldh"] == 300.0 and out.loc["P3", "bl_ldh_uln"] == 250.0
    assert out.loc["P3", "bl_ldh_date"] == pd.Timestamp("2020-02-20")


# ---------------------------------------------------------------- cytogenetic risk (ICARIA-MM thresholds)
def _cyto(rows):
    return pd.DataFrame(rows, columns=["patient_id", "date", "abnormality", "percent_positive", "result"]).assign(
        date=lambda d: pd.to_datetime(d["date"]))


ALL_NEG = [("abn", "2020-02-20", a, np.nan, "negative") for a in ("t_4_14", "t_14_16")]


def _risk(rows, config=DeriveConfig()):
    ix = pd.DataFrame({"patient_id": sorted({r[0] for r in rows}), "index_date": pd.Timestamp("2020-03-01")})
    return cytogenetic_risk(_cyto(rows), ix, config).set_index("patient_id")


def test_del17p_threshold_50_percent():
    rows = [("A", "2020-02-20", "del17p", 55.0, "positive"), ("B", "2020-02-20", "del17p", 45.0, "positive")]
    rows += [(p, d, a, v, r) for p in "AB" for (_, d, a, v, r) in ALL_NEG]
    out = _risk(rows)
    assert out.loc["A", "cyto_risk"] == "high"       # 55 % >= 50 %
    assert out.loc["B", "cyto_risk"] == "standard"   # 45 % < 50 % even though the lab called it positive
    assert out.loc["B", "cyto_del17p"] is False


def test_translocation_threshold_30_percent_and_config():
    rows = [("A", "2020-02-20", "t_4_14", 30.0, None), ("A", "2020-02-20", "del17p", 10.0, None),
            ("A", "2020-02-20", "t_14_16", 0.0, None)]
    assert _risk(rows).loc["A", "cyto_risk"] == "high"  # t(4;14) 30 % >= 30 %
    assert _risk(rows, DeriveConfig(t_4_14_pct=40.0)).loc["A", "cyto_risk"] == "standard"


def test_missing_when_not_all_evaluated_and_result_rule():
    rows = [("A", "2020-02-20", "del17p", np.nan, "negative"), ("A", "2020-02-20", "t_4_14", np.nan, "negative")]
    out = _risk(rows)
    assert out.loc["A", "cyto_risk"] is None         # t(14;16) never tested
    assert "not all" in out.loc["A", "cyto_risk_reason"]
    rows_pos = [("B", "2020-02-20", "t_14_16", np.nan, "positive")]
    assert _risk(rows_pos).loc["B", "cyto_risk"] == "high"  # one positive suffices
    assert _risk(rows_pos, DeriveConfig(cyto_result_without_percent="missing")).loc["B", "cyto_risk"] is None


def test_latest_test_before_index_is_used():
    rows = [("A", "2019-01-01", "del17p", 80.0, None), ("A", "2020-02-01", "del17p", 20.0, None),
            ("A", "2020-04-01", "del17p", 90.0, None)] + [("A", d, a, v, r) for (_, d, a, v, r) in ALL_NEG]
    # 2020-02-01 (20 %) is the latest on or before index; 2020-04-01 is after index
    assert _risk(rows).loc["A", "cyto_risk"] == "standard"
