"""Adapter, argument checks, multi-patient runs and the derived-vs-reported agreement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmevidence.derive.imwg import agreement, derive_responses

IDX = pd.DataFrame({"patient_id": ["A", "B"], "index_date": ["2020-01-01", "2020-01-01"]})


def labs(rows):
    return pd.DataFrame(rows, columns=["patient_id", "date", "test", "value"])


SERUM_PR = [("A", "2020-01-01", "serum_m_protein", 2.0), ("A", "2020-02-01", "serum_m_protein", 0.9),
            ("A", "2020-03-01", "serum_m_protein", 0.8)]
FLC_VGPR = [("B", "2020-01-01", "serum_kappa_flc", 60.0), ("B", "2020-01-01", "serum_lambda_flc", 1.0),
            ("B", "2020-02-01", "serum_kappa_flc", 5.0), ("B", "2020-02-01", "serum_lambda_flc", 1.0),
            ("B", "2020-03-01", "serum_kappa_flc", 6.0), ("B", "2020-03-01", "serum_lambda_flc", 1.0)]


def test_two_patients_at_once_match_one_at_a_time():
    both = derive_responses(labs(SERUM_PR + FLC_VGPR), IDX).best
    assert list(both["best_response"]) == ["PR", "VGPR"]  # 55%/60% serum; dFLC 59 -> 4, 5 (>=90%)
    a = derive_responses(labs(SERUM_PR), IDX.iloc[:1]).best
    pd.testing.assert_frame_equal(both.iloc[:1].reset_index(drop=True), a, check_dtype=False)


def test_store_layout_value_text_and_canonical_units():
    rows = pd.DataFrame({
        "patient_id": "A", "date": ["2020-01-01"] * 3 + ["2020-02-01"] * 3 + ["2020-03-01"] * 3,
        "test": ["serum_m_protein", "serum_ife", "urine_ife"] * 3,
        "value": [2.0, np.nan, np.nan, 0.0, np.nan, np.nan, 0.0, np.nan, np.nan],
        "value_text": [None, "positive", "positive", None, "negative", "negative", None, "Negative", "negative"],
        "unit": ["g/dL", None, None] * 3})
    res = derive_responses(rows, IDX.iloc[:1])
    assert list(res.visits["category"]) == ["VGPR", "VGPR"]  # IFE negative but no marrow: not CR (default)
    assert res.best["base_serum_ife"].iloc[0] == 1.0


@pytest.mark.parametrize("bad, match", [
    (labs([("A", "2020-01-01", "serum_m_protein", 20.0)]).assign(unit="g/L"), "canonical"),
    (labs([("A", "2020-01-01", "serum_ife", "weak")]), "immunofixation"),
    (labs([("A", "2020-01-01", "serum_m_protein", "high")]), "numeric"),
    (labs([("A", "2020-01-01", "serum_m_protein", -1.0)]), "non-negative"),
    (labs([("A", "2020-01-01", "serum_m_protein", 1.0), ("A", "2020-01-01", "serum_m_protein", 1.2)]), "more than one"),
    (labs([]).drop(columns="value"), "missing column"),
])
def test_bad_labs_raise_value_error(bad, match):
    with pytest.raises(ValueError, match=match):
        derive_responses(bad, IDX)


def test_bad_index_dates():
    with pytest.raises(ValueError, match="index_dates"):
        derive_responses(labs(SERUM_PR), IDX.rename(columns={"index_date": "start"}))
    with pytest.raises(ValueError, match="one row per patient"):
        derive_responses(labs(SERUM_PR), pd.concat([IDX, IDX]))


def test_patient_without_labs_is_ne():
    idx = pd.concat([IDX, pd.DataFrame({"patient_id": ["C"], "index_date": ["2020-01-01"]})])
    best = derive_responses(labs(SERUM_PR + FLC_VGPR), idx).best.set_index("patient_id")
    assert best.loc["C", "best_response"] == "NE" and best.loc["C", "disease_type"] == "no_baseline"


def test_agreement_best_and_visit_level():
    res = derive_responses(labs(SERUM_PR + FLC_VGPR), IDX)
    reported = pd.DataFrame({
        "patient_id": ["A", "A", "B", "B", "A"], "date": ["2020-02-01", "2020-03-01", "2020-02-01", "2020-03-01",
                                                          "2020-02-01"],
        "response": ["PR", "VGPR", "VGPR", "VGPR", "SD"],
        "assessor": ["investigator", "investigator", "investigator", "investigator", "irc"]})
    table, kap = agreement(res.best, reported, assessor="investigator")
    # derived A=PR, B=VGPR; reported best A=VGPR, B=VGPR -> cells (PR,VGPR)=1, (VGPR,VGPR)=1
    assert table.loc["PR", "VGPR"] == 1 and table.loc["VGPR", "VGPR"] == 1 and table.to_numpy().sum() == 2
    # p_o = 1/2; rows PR .5 VGPR .5, columns VGPR 1 -> p_e = .5; kappa = 0
    assert kap.estimate == pytest.approx(0.0, abs=1e-12)
    vt, vk = agreement(res.visits, reported, level="visit", assessor="investigator")
    # visits: A PR/PR vs PR/VGPR; B VGPR/VGPR vs VGPR/VGPR -> agree 3 of 4
    # rows PR .5 VGPR .5, cols PR .25 VGPR .75: p_e = .5*.25 + .5*.75 = .5; kappa = (.75-.5)/.5 = .5
    assert vt.to_numpy().sum() == 4 and vk.estimate == pytest.approx(0.5, rel=1e-12)
    with pytest.raises(ValueError, match="assessor"):
        agreement(res.visits, reported, level="visit")
