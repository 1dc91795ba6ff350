"""Tests for mmevidence.stats.agreement (Cohen's kappa) against R vcd::Kappa / confint.Kappa
(fixture: fixtures/agreement/agreement.R) and a hand calculation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from mmevidence.stats.agreement import cohen_kappa, kappa_weights

FIX = json.loads((Path(__file__).parent / "fixtures" / "agreement" / "agreement.json").read_text())
WEIGHTS = {"Equal-Spacing": "equal-spacing", "Fleiss-Cohen": "fleiss-cohen"}


@pytest.mark.parametrize("case", FIX["cases"], ids=lambda c: f"{c['name']}-{c['weights']}-{c['conf_level']}")
def test_kappa_matches_r_vcd(case):
    table = np.array(case["table"], dtype=float)
    un = cohen_kappa(table, conf_level=case["conf_level"])
    np.testing.assert_allclose([un.estimate, un.se, un.lower, un.upper],
                               [case["kappa"], case["ase"], case["lower"], case["upper"]], rtol=1e-6)
    wt = cohen_kappa(table, weights=WEIGHTS[case["weights"]], conf_level=case["conf_level"])
    np.testing.assert_allclose([wt.estimate, wt.se, wt.lower, wt.upper],
                               [case["wkappa"], case["wase"], case["wlower"], case["wupper"]], rtol=1e-6)


def test_kappa_2x2_by_hand():
    # rows rater A (yes, no), columns rater B: [[88, 14], [10, 42]], n = 154
    # p_o = 130/154; p_e = (102*98 + 52*56)/154^2 = 12908/23716
    # kappa = (130*154 - 12908) / (23716 - 12908) = 7112/10808 = 889/1351
    est = cohen_kappa(np.array([[88, 14], [10, 42]]))
    assert est.estimate == pytest.approx(889 / 1351, rel=1e-12)


def test_clip_false_gives_sas_unclipped_limits():
    case = next(c for c in FIX["cases"] if c["name"] == "nearperfect" and c["conf_level"] == 0.95)
    assert case["upper"] == 1.0  # R clips
    est = cohen_kappa(np.array(case["table"]), clip=False)
    z = 1.959963984540054
    np.testing.assert_allclose(est.upper, case["kappa"] + z * case["ase"], rtol=1e-6)
    assert est.upper > 1.0


def test_weights_matrix_and_degenerate_tables():
    np.testing.assert_allclose(kappa_weights(3, "equal-spacing"), [[1, .5, 0], [.5, 1, .5], [0, .5, 1]])
    np.testing.assert_allclose(kappa_weights(3, "fleiss-cohen"), [[1, .75, 0], [.75, 1, .75], [0, .75, 1]])
    one = cohen_kappa(np.array([[5, 0], [0, 0]]))
    assert math.isnan(one.estimate) and "chance agreement" in one.reason
    assert "empty" in cohen_kappa(np.zeros((2, 2))).reason
    with pytest.raises(ValueError, match="table"):
        cohen_kappa(np.ones((2, 3)))
    with pytest.raises(ValueError, match="table"):
        cohen_kappa(np.array([[1, -1], [0, 2]]))
    with pytest.raises(ValueError, match="conf_level"):
        cohen_kappa(np.eye(2), conf_level=1.5)
