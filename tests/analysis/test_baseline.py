"""analyse_baseline on an 8-patient frame; every expected number is worked out by hand below."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mmevidence.analysis._subjects import group_key, parse_group
from mmevidence.analysis.baseline import analyse_baseline, continuous_summary
from mmevidence.studies.model import Arm, BaselineRow, Dates, Design, Population, Study


def make_study(baseline=()) -> Study:
    return Study(id="toy", title="toy", sources=(), design=Design("randomised"), dates=Dates(),
                 arms=(Arm("a", "A", "isa_pd"), Arm("b", "B", "pd")), comparison=None,
                 populations={"itt": Population("itt", "Intention-to-treat population", "ittfl"),
                              "safety": Population("safety", "Safety population", "saffl")},
                 stratification=(), eligibility=(), endpoints=(), subgroups=(), baseline=tuple(baseline), published=())


ADSL = pd.DataFrame({
    "patient_id": ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"],
    "arm": ["A", "A", "A", "A", "B", "B", "B", "A"],
    "ittfl": [True, True, True, True, True, True, True, False],   # P8 is not in the ITT set
    "age": [50, 60, 70, 80, 55, 65, np.nan, 99],
    "sex": ["male", "female", "female", None, "male", "male", "female", "male"],
    "prior_asct": [True, False, True, True, False, False, True, True],
})
STUDY = make_study([BaselineRow("age", "Age (years)", "continuous", "median_iqr"),
                    BaselineRow("sex", "Sex", "categorical", levels=("female", "male")),
                    BaselineRow("prior_asct", "Previous ASCT", "categorical", levels=(True,)),
                    BaselineRow(None, "Previous history of asthma or COPD", "categorical")])


@pytest.fixture(scope="module")
def records():
    return analyse_baseline(ADSL, STUDY, "itt")


def test_continuous_by_hand(records, pick):
    # arm A ages 50 60 70 80 (P8 excluded by ittfl). Type 2 quartiles: 0.25 * 4 = 1 is an integer,
    # so q1 = (x1 + x2) / 2 = 55; q3: 0.75 * 4 = 3 -> (x3 + x4) / 2 = 75; median (60 + 70) / 2 = 65
    a = {s: pick(records, endpoint="age", group="arm=A", statistic=s).value for s in ("median", "q1", "q3", "min", "max")}
    assert a == {"median": 65.0, "q1": 55.0, "q3": 75.0, "min": 50.0, "max": 80.0}
    # arm B: 55 65 and one missing: n = 2, n_missing = 1; q1: 0.5 not integer -> x_ceil(0.5) = x1 = 55
    b = {s: pick(records, endpoint="age", group="arm=B", statistic=s).value for s in ("n", "n_missing", "q1", "median", "q3")}
    assert b == {"n": 2.0, "n_missing": 1.0, "q1": 55.0, "median": 60.0, "q3": 65.0}
    # total: 50 55 60 65 70 80: median 62.5; q1 x_ceil(1.5) = x2 = 55, q3 x_ceil(4.5) = x5 = 70 (R quantile type 2)
    # mean 380 / 6; sd^2 = (sum x^2 - 380^2 / 6) / 5 = (24650 - 24066.667) / 5 = 350 / 3 (R sd() = 10.8012345)
    t = {s: pick(records, endpoint="age", group="", statistic=s).value for s in ("median", "q1", "q3", "mean", "sd")}
    assert t["median"] == 62.5 and t["q1"] == 55.0 and t["q3"] == 70.0
    assert t["mean"] == pytest.approx(380 / 6, rel=1e-12)
    assert t["sd"] == pytest.approx(math.sqrt(350 / 3), rel=1e-12)
    assert t["sd"] == pytest.approx(10.8012345, rel=1e-8)


def test_quantile_type_7():
    # R quantile(c(50, 60, 70, 80), type = 7): q1 = 50 + 0.75 * 10 = 57.5, q3 = 72.5
    s = continuous_summary(np.array([50, 60, 70, 80.0]), quantile_type=7)
    assert (s["q1"], s["q3"]) == (57.5, 72.5)
    with pytest.raises(ValueError, match="quantile_type"):
        continuous_summary(np.array([1.0]), quantile_type=5)


def test_categorical_subject_denominator_and_missing_row(records, pick):
    # arm A: female 2/4 = 50%, male 1/4 = 25%, missing 1/4 = 25% (missing is its own row, in the denominator)
    for level, n, pct in (("female", 2, 50.0), ("male", 1, 25.0), ("Missing", 1, 25.0)):
        assert pick(records, endpoint="sex", group=f"arm=A|sex={level}", statistic="n").value == n
        r = pick(records, endpoint="sex", group=f"arm=A|sex={level}", statistic="pct")
        assert r.value == pct and r.n == 4
    # arm B: female 1/3, male 2/3, missing 0/3 (the row exists in every arm once any value is missing)
    assert pick(records, endpoint="sex", group="arm=B|sex=female", statistic="pct").value == pytest.approx(100 / 3)
    assert pick(records, endpoint="sex", group="arm=B|sex=Missing", statistic="n").value == 0
    # total: 3/7 female
    assert pick(records, endpoint="sex", group="sex=female", statistic="pct").value == pytest.approx(300 / 7)


def test_boolean_single_level(records, pick):
    # arm A: True 3/4 = 75%; arm B: 1/3; only the "True" level is recorded
    assert pick(records, endpoint="prior_asct", group="arm=A|prior_asct=True", statistic="pct").value == 75.0
    assert pick(records, endpoint="prior_asct", group="arm=B|prior_asct=True", statistic="n").value == 1
    assert not records["group"].str.contains("prior_asct=False").any()


def test_row_without_variable_gives_no_records(records):
    assert set(records["endpoint"]) == {"age", "sex", "prior_asct"}


def test_population_rule_filter(pick):
    # a population given as a rule over adsl columns: ITT patients aged 60 or more (P2, P3, P4 of A; P6 of B)
    study = make_study([BaselineRow("age", "Age", "continuous", "median_range")])
    study = Study(**{**study.__dict__, "populations": {"old": Population("old", "Aged >= 60", "ittfl and age >= 60")}})
    rec = analyse_baseline(ADSL, study, "old")
    assert pick(rec, endpoint="age", group="arm=A", statistic="median").value == 70.0   # 60 70 80
    assert pick(rec, endpoint="age", group="", statistic="n").value == 4


def test_errors():
    with pytest.raises(ValueError, match="population 'pp'"):
        analyse_baseline(ADSL, STUDY, "pp")
    bad = make_study([BaselineRow("weight", "Weight", "continuous", "median_range")])
    with pytest.raises(ValueError, match="no column 'weight'"):
        analyse_baseline(ADSL, bad, "itt")
    with pytest.raises(ValueError, match="not allowed"):
        group_key("A", sex="a|b")
    # "=" inside a level is fine: each part splits at its first "="
    assert group_key("A", age_group=">=75") == "arm=A|age_group=>=75"
    assert parse_group("arm=A|age_group=>=75") == {"arm": "A", "age_group": ">=75"}


def test_configured_unknown_level_takes_the_missing_values(pick):
    # ICARIA-MM prints missing ISS stage at diagnosis as "Unknown": a configured level "unknown" that no
    # value is spelled as counts the missing values (and no extra "Missing" level appears)
    adsl = ADSL.assign(iss=["I", None, "II", "I", None, "II", "II", "I"])
    study = make_study([BaselineRow("iss", "ISS", "categorical", levels=("I", "II", "unknown"))])
    rec = analyse_baseline(adsl, study, "itt")
    assert pick(rec, endpoint="iss", group="arm=A|iss=unknown", statistic="n").value == 1   # P2
    assert pick(rec, endpoint="iss", group="arm=B|iss=unknown", statistic="pct").value == pytest.approx(100 / 3)
    assert not rec["group"].str.contains("Missing").any()
    # a value really spelled "unknown" is an ordinary level; missing values then get "Missing"
    rec2 = analyse_baseline(adsl.assign(iss=["unknown", None, "II", "I", "I", "II", "II", "I"]), study, "itt")
    assert pick(rec2, endpoint="iss", group="arm=A|iss=unknown", statistic="n").value == 1   # P1
    assert pick(rec2, endpoint="iss", group="arm=A|iss=Missing", statistic="n").value == 1   # P2


def test_pooled_and_overlapping_levels_by_hand(pick):
    """ICARIA-MM Table 1 prints "eGFR <60" over the "<30" and "30-<60" groups and then "30-<60" again:
    pooled levels count every member value, may overlap, and their members get no row of their own."""
    from mmevidence.studies.model import LevelGroup

    adsl = ADSL.assign(egfr_group=["<30", "30-<60", ">=60", "30-<60", None, ">=60", "<30", "<30"])
    study = make_study([BaselineRow("egfr_group", "eGFR", "categorical",
                                    levels=(LevelGroup("<60", ("<30", "30-<60")), LevelGroup(">=30 and <60", ("30-<60",))))])
    recs = analyse_baseline(adsl, study, "itt")
    # ITT (P1-P7): arm A = P1 <30, P2 30-<60, P3 >=60, P4 30-<60 -> <60: 3 of 4, >=30 and <60: 2 of 4;
    # ">=60" is not pooled, so it keeps its own row: 1 of 4. Arm B = P5 missing, P6 >=60, P7 <30.
    counts = {g: pick(recs, group=f"arm=A|egfr_group={g}", statistic="n").value for g in ("<60", ">=30 and <60", ">=60")}
    assert counts == {"<60": 3.0, ">=30 and <60": 2.0, ">=60": 1.0}
    assert pick(recs, group="arm=B|egfr_group=<60", statistic="n").value == 1.0
    assert pick(recs, group="arm=B|egfr_group=Missing", statistic="n").value == 1.0
    groups = set(recs["group"])
    assert "arm=A|egfr_group=<30" not in groups and "arm=A|egfr_group=30-<60" not in groups
