"""ADAE rules on a hand-built cohort; every expected value is worked out in the comments."""

from __future__ import annotations

import pandas as pd
import pytest

from mmevidence.derive.adae import derive_adae, summarise_worst_grade

DRUGS = ("isatuximab", "pomalidomide", "dexamethasone")
# A: first dose 2020-01-10, last dose 2020-03-01, cycle 2 started 2020-02-07; EOT for progression.
# B: same dates; treatment ended for an adverse event.
TREATMENT = pd.DataFrame({
    "patient_id": ["A", "B"],
    "first_dose_date": pd.to_datetime(["2020-01-10", "2020-01-10"]),
    "last_dose_date": pd.to_datetime(["2020-03-01", "2020-03-01"]),
    "end_of_treatment_reason": ["progression", "adverse_event"],
})
CYCLES = pd.DataFrame({"patient_id": ["A", "A", "B"], "cycle": [1, 2, 1],
                       "cycle_start_date": pd.to_datetime(["2020-01-10", "2020-02-07", "2020-01-10"])})


def _ae(rows):
    cols = ["patient_id", "preferred_term", "system_organ_class", "onset_date", "grade", "serious", "related_to",
            "aesi", "action_taken", "outcome"]
    return pd.DataFrame(rows, columns=cols)


def _one(**kw):
    row = dict(patient_id="A", preferred_term="Anaemia", system_organ_class="Blood", onset_date="2020-01-20",
               grade=2, serious="no", related_to=None, aesi="no", action_taken="dose_not_changed", outcome="recovered")
    row.update(kw)
    return row


def _derive(rows, **kw):
    return derive_adae(_ae(rows), TREATMENT, cycles=CYCLES, study_drugs=DRUGS, **kw)


def test_treatment_emergent_window_and_study_day():
    out = _derive([_one(onset_date=d) for d in ("2020-01-09", "2020-01-10", "2020-03-31", "2020-04-01")])
    # day before first dose: not TE, study day -1 (no day 0); first dose day: TE, day 1;
    # last dose + 30 days (2020-03-31) is TE, + 31 days is not.
    assert out["treatment_emergent"].tolist() == [False, True, True, False]
    # 2020-01-10 -> 2020-03-31: 21 (rest of Jan) + 29 (Feb 2020) + 31 = 81 days -> day 82; 04-01 -> day 83.
    assert out["study_day"].tolist() == [-1, 1, 82, 83]
    # cycle of onset: none before the first dose, 1 on day 1, cycle 2 (last started) afterwards.
    assert out["cycle"].tolist()[1:] == [1, 2, 2] and pd.isna(out["cycle"].iloc[0])
    shorter = _derive([_one(onset_date="2020-03-31"), _one(onset_date="2020-03-01")], window_days=0)
    assert shorter["treatment_emergent"].tolist() == [False, True]


def test_patient_without_first_dose_gets_na_with_note():
    out = _derive([_one(patient_id="C")])
    assert pd.isna(out["treatment_emergent"].iloc[0]) and pd.isna(out["study_day"].iloc[0])
    assert "no first dose date" in out["note"].iloc[0]


def test_grade_groups_serious_aesi():
    out = _derive([_one(grade=g, serious=s, aesi=a) for g, s, a in
                   [(1, "yes", "no"), (3, "no", "yes"), (4, None, None), (5, "yes", "no")]])
    assert out["grade_3_or_more"].tolist() == [False, True, True, True]
    assert out["grade_3"].tolist() == [False, True, False, False]
    assert out["grade_4"].tolist() == [False, False, True, False]
    assert out["grade_5"].tolist() == [False, False, False, True]
    assert out["serious"].tolist()[:2] == [True, False] and pd.isna(out["serious"].iloc[2])
    assert pd.isna(out["aesi"].iloc[2]) and out["aesi"].iloc[1]


def test_related_per_drug_and_any():
    out = _derive([_one(related_to="Isatuximab; pomalidomide"), _one(related_to=None), _one(related_to="bortezomib")])
    assert out["related_isatuximab"].tolist() == [True, False, False]
    assert out["related_pomalidomide"].tolist() == [True, False, False]
    assert out["related_dexamethasone"].tolist() == [False, False, False]
    # empty related_to = not related; a non-study drug is not a study drug relation
    assert out["related"].tolist() == [True, False, False]


def test_discontinuation_flags():
    out = _derive([
        _one(action_taken="drug_withdrawn", related_to="isatuximab"),                   # A: isa only
        _one(action_taken="drug_withdrawn", related_to="isatuximab;pomalidomide;dexamethasone"),  # A: all related
        _one(patient_id="B", action_taken="drug_withdrawn", related_to="isatuximab"),   # B: EOT for an AE
        _one(action_taken="dose_reduced", related_to="pomalidomide"),
        _one(action_taken="unknown"),
        _one(action_taken=None),
    ])
    assert out["discontinued_any_drug"].tolist()[:4] == [True, True, True, False]
    assert out["discontinued_isatuximab"].tolist()[:4] == [True, True, True, False]
    assert out["discontinued_pomalidomide"].tolist()[:4] == [False, True, False, False]
    assert out["discontinued_all_drugs"].tolist()[:4] == [False, True, True, False]
    assert out[["discontinued_any_drug", "discontinued_all_drugs"]].iloc[4:].isna().all().all()
    assert "action_taken missing" in out["note"].iloc[5]


def test_fatal_and_inconsistency():
    out = _derive([_one(grade=5, outcome="fatal"), _one(grade=5, outcome="recovered"), _one(grade=3, outcome="fatal"),
                   _one(grade=5, outcome="unknown"), _one(grade=2, outcome="recovered")])
    assert out["fatal"].tolist() == [True, True, True, True, False]
    assert out["fatal_inconsistent"].tolist() == [False, True, True, False, False]
    assert "grade 5 and outcome disagree" in out["note"].iloc[1]


def test_input_columns_and_trace_kept():
    rows = _ae([_one()]).assign(source_file="ae.csv", source_row=7)
    out = derive_adae(rows, TREATMENT)
    assert out[["source_file", "source_row"]].iloc[0].tolist() == ["ae.csv", 7]
    assert pd.isna(out["cycle"].iloc[0])  # no cycles given


def test_worst_grade_per_term_soc_and_patient():
    out = _derive([
        _one(preferred_term="Anaemia", grade=2, onset_date="2020-01-15"),
        _one(preferred_term="Anaemia", grade=4, onset_date="2020-02-15"),
        _one(preferred_term="Anaemia", grade=1, onset_date="2020-02-20"),
        _one(preferred_term="Neutropenia", grade=3, onset_date="2020-02-01"),
        _one(preferred_term="Pneumonia", system_organ_class="Infections", grade=5, onset_date="2020-01-01"),  # pre-dose
        _one(patient_id="B", preferred_term="Anaemia", grade=1),
    ])
    pt = summarise_worst_grade(out, "preferred_term").set_index(["patient_id", "preferred_term"])
    # A: Anaemia grades 2, 4, 1 -> worst 4 (3 events); Neutropenia 3; the pre-dose pneumonia is not TE.
    assert pt.loc[("A", "Anaemia"), "worst_grade"] == 4 and pt.loc[("A", "Anaemia"), "n_events"] == 3
    assert pt.loc[("A", "Anaemia"), "grade_4"] and not pt.loc[("A", "Anaemia"), "grade_3"]
    assert pt.loc[("A", "Neutropenia"), "grade_3"] and ("A", "Pneumonia") not in pt.index
    soc = summarise_worst_grade(out, "system_organ_class").set_index(["patient_id", "system_organ_class"])
    assert soc.loc[("A", "Blood"), "worst_grade"] == 4 and soc.loc[("B", "Blood"), "worst_grade"] == 1
    everyone = summarise_worst_grade(out, "any", teae_only=False).set_index("patient_id")
    assert everyone.loc["A", "worst_grade"] == 5 and everyone.loc["A", "grade_5"]
    assert not everyone.loc["B", "grade_3_or_more"]
    with pytest.raises(ValueError, match="by must be"):
        summarise_worst_grade(out, "hlt")
