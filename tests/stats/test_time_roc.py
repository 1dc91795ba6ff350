"""Tests for mmevidence.stats.time_roc against the IPCW cumulative/dynamic AUC written out in R.

Fixture: fixtures/time_roc/time_roc.R (base R + survival::survfit for the censoring KM; the
timeROC package is not installable here, so the script implements the timeROC
"cumulative"/"marginal" estimator as an explicit double sum over case/control pairs --
a different formulation from ours, which counts by sorting). Data: mgus2 OS and progression
by hemoglobin (low = risk), lung survival by age and ph.karno, and a 6-subject example also
worked by hand below.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from mmevidence.stats.time_roc import censoring_survival_before, time_dependent_auc

FIX = json.loads((Path(__file__).parent / "fixtures" / "time_roc" / "time_roc.json").read_text())


@pytest.mark.parametrize("case", FIX["cases"], ids=lambda c: c["name"])
def test_matches_r_double_sum(case):
    res = time_dependent_auc(case["time"], case["event"], case["marker"], case["horizons"], case["direction"])
    for (_, row), r in zip(res.iterrows(), case["result"]):
        assert row.n_cases == r["n_cases"] and row.n_controls == r["n_controls"]
        if r["auc"] is None:
            assert math.isnan(row.auc)
            continue
        assert row.n_censored == r["n_censored"]
        np.testing.assert_allclose(row.auc, r["auc"], rtol=1e-10)
        np.testing.assert_allclose(row.weight_cases, r["weight_cases"], rtol=1e-10)


def test_tiny_example_by_hand():
    # time 1..6, event 1 0 1 1 0 0, marker 3 5 2 4 2 6. Censoring KM: censored at 2 with 5 at
    # risk -> G = 4/5; so G(1-) = 1, G(3-) = G(4-) = 4/5. Horizon 4: cases t = 1, 3, 4 (weights
    # 1, 1.25, 1.25), controls t = 5, 6 (markers 2, 6). Case marker 3 beats 1 of 2 controls,
    # marker 2 ties 1 (1/2) and beats none, marker 4 beats 1:
    # AUC = (1 * 1/2 + 1.25 * 1/4 + 1.25 * 1/2) / (3.5) = 1.4375 / 3.5.
    t, e, x = [1, 2, 3, 4, 5, 6], [1, 0, 1, 1, 0, 0], [3, 5, 2, 4, 2, 6]
    np.testing.assert_allclose(censoring_survival_before(np.array(t, float), np.array(e, float),
                                                         np.array([1.0, 3.0, 4.0, 5.5])), [1, 0.8, 0.8, 0.4])
    res = time_dependent_auc(t, e, x, 4)
    assert res.auc.iloc[0] == pytest.approx(1.4375 / 3.5, rel=1e-14)
    # reversing the direction mirrors the AUC
    assert time_dependent_auc(t, e, x, 4, "<").auc.iloc[0] == pytest.approx(1 - 1.4375 / 3.5, rel=1e-14)


def test_without_censoring_equals_mann_whitney():
    # no censoring: all weights 1, AUC(t) = Mann-Whitney AUC of events-by-t vs survivors
    rng = np.random.default_rng(1)
    t = rng.exponential(10, 200)
    x = rng.normal(size=200) + 0.02 * t
    res = time_dependent_auc(t, np.ones(200), x, 8.0)
    case, ctrl = x[t <= 8], x[t > 8]
    mw = np.mean(case[:, None] > ctrl[None, :])
    assert res.auc.iloc[0] == pytest.approx(mw, rel=1e-12)


def test_errors():
    with pytest.raises(ValueError, match="direction"):
        time_dependent_auc([1, 2], [1, 0], [1, 2], 1, "up")
    with pytest.raises(ValueError, match="event"):
        time_dependent_auc([1, 2], [2, 0], [1, 2], 1)
    with pytest.raises(ValueError, match="differ in length"):
        time_dependent_auc([1, 2], [1, 0], [1, 2, 3], 1)
