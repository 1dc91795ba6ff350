"""suppress_small_counts: counts 1..k-1 and their percentages hidden on the records, printed "<k"."""

from __future__ import annotations

import math

import pytest

from mmevidence.analysis.results import as_frame, record
from mmevidence.report.suppression import suppress_small_counts
from mmevidence.report.tables._cells import Records

RECORDS = as_frame([
    record("baseline.sex", "itt", "sex", "arm=A|sex=male", "n", 3, n=20),
    record("baseline.sex", "itt", "sex", "arm=A|sex=male", "pct", 15.0, n=20),
    record("baseline.sex", "itt", "sex", "arm=A|sex=female", "n", 17, n=20),
    record("baseline.sex", "itt", "sex", "arm=A|sex=female", "pct", 85.0, n=20),
    record("baseline.sex", "itt", "sex", "arm=A|sex=Missing", "n", 0, n=20),
    record("baseline.sex", "itt", "sex", "arm=A|sex=Missing", "pct", 0.0, n=20),
    record("baseline.sex", "itt", "sex", "arm=B|sex=male", "n", 5, n=5),          # exactly k: shown
    record("baseline.sex", "itt", "sex", "arm=B|sex=male", "pct", 100.0, n=5),
    record("baseline.age", "itt", "age", "arm=A", "median", 3.0, n=20),          # not a count: unchanged
    record("safety.ae_any.all_grades", "safety", "any", "arm=A", "events", 2, n=20),  # events: unchanged
])


def test_suppression_on_records():
    out = suppress_small_counts(RECORDS, k=5)
    hidden = out[out["method"] == "suppressed below 5"]
    assert sorted(zip(hidden["group"], hidden["statistic"])) == [("arm=A|sex=male", "n"), ("arm=A|sex=male", "pct")]
    assert hidden["value"].isna().all()
    # zero, exactly k, continuous and event records keep their values; the input is not modified
    kept = out[out["method"] != "suppressed below 5"]
    assert kept["value"].tolist() == RECORDS.loc[kept.index, "value"].tolist()
    assert RECORDS.loc[0, "value"] == 3 and not math.isnan(RECORDS.loc[1, "value"])


def test_cells_print_less_than_k():
    recs = Records(suppress_small_counts(RECORDS, k=5))
    assert recs.count("baseline.sex", "sex", "arm=A|sex=male") == "<5"
    assert recs.count("baseline.sex", "sex", "arm=A|sex=female") == "17 (85.0%)"
    assert recs.count("baseline.sex", "sex", "arm=A|sex=Missing") == "0"
    assert recs.count("baseline.sex", "sex", "arm=B|sex=male") == "5 (100.0%)"


def test_k_validation_and_k_equal_one_is_a_no_op():
    with pytest.raises(ValueError, match="k must be"):
        suppress_small_counts(RECORDS, k=0)
    assert suppress_small_counts(RECORDS, k=1)["method"].eq("").all()
