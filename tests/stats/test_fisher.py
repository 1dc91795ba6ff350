"""Fisher's exact test (mmevidence.stats.fisher.fisher_exact) against R stats::fisher.test.

Reference numbers: tests/stats/fixtures/fisher/fisher.json, written by fisher.R in
that folder; tables are (a, b, c, d) = matrix(c(a, b, c, d), 2, byrow = TRUE).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mmevidence.stats.fisher import fisher_exact

R = json.loads((Path(__file__).parent / "fixtures" / "fisher" / "fisher.json").read_text())
CASES = sorted(k for k in R if k != "r_version")
RTOL = 1e-6


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_matches_r_fisher_test(case: str, alternative: str) -> None:
    ref = R[case]
    got = fisher_exact(*ref["table"], alternative=alternative)
    assert got.alternative == alternative
    np.testing.assert_allclose(got.p, ref[alternative.replace("-", "_")], rtol=RTOL)


def test_icaria_vgpr_table() -> None:
    # ICARIA-MM (Attal et al., Lancet 2019) >= VGPR: 49/154 Isa-Pd vs 13/153 Pd.
    got = fisher_exact(49, 105, 13, 140)
    np.testing.assert_allclose(got.p, R["icaria_vgpr"]["two_sided"], rtol=RTOL)
    assert got.p < 0.0001


def test_tea_tasting_by_hand() -> None:
    # Margins all 4: P(A = x) = C(4, x) C(4, 4 - x) / C(8, 4) = (1, 16, 36, 16, 1) / 70.
    # Observed a = 3 (P = 16/70): two-sided sums the x with P <= 16/70 -> 34/70;
    # greater = P(A >= 3) = 17/70; less = P(A <= 3) = 69/70.
    np.testing.assert_allclose(fisher_exact(3, 1, 1, 3).p, 34 / 70, rtol=1e-12)
    np.testing.assert_allclose(fisher_exact(3, 1, 1, 3, "greater").p, 17 / 70, rtol=1e-12)
    np.testing.assert_allclose(fisher_exact(3, 1, 1, 3, "less").p, 69 / 70, rtol=1e-12)


def test_mirror_probabilities_count_as_extreme() -> None:
    # (0, 4, 2, 2): margins 4, 4 and 2, P(A = x) = C(4, x) C(4, 2 - x) / C(8, 2) = (6, 16, 6) / 28.
    # P(A = 2) equals P(A = 0) in theory but comes out a few ulps larger in floating point;
    # R's 1 + 1e-7 tolerance still counts it as extreme: two-sided p = 12/28 (not 6/28).
    np.testing.assert_allclose(fisher_exact(0, 4, 2, 2).p, 12 / 28, rtol=1e-12)


@pytest.mark.parametrize("bad", [(-1, 2, 3, 4), (1.5, 2, 3, 4), ("x", 2, 3, 4)])
def test_rejects_bad_counts(bad: tuple) -> None:
    with pytest.raises(ValueError, match="a:"):
        fisher_exact(*bad)


def test_rejects_bad_alternative() -> None:
    with pytest.raises(ValueError, match="alternative"):
        fisher_exact(1, 2, 3, 4, alternative="two.sided")  # type: ignore[arg-type]
