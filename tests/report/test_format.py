"""Number formatting: SAS-style half-away-from-zero rounding of the decimal value as printed."""

import math

import pytest

from mmevidence.report.format import fmt_ci, fmt_mean_sd, fmt_median_range, fmt_n_pct, fmt_num, fmt_p


@pytest.mark.parametrize("value, digits, printed", [
    (2.675, 2, "2.68"),    # binary 2.67499999... but printed 2.675 -> SAS ROUND gives 2.68; Python round() gives 2.67
    (0.125, 2, "0.13"),    # half-even would give 0.12
    (-0.125, 2, "-0.13"),  # away from zero
    (11.5345, 2, "11.53"),
    (1.0, 0, "1"),
    (63.0, 1, "63.0"),
    (math.nan, 1, "NE"),
    (None, 1, "NE"),
    (math.inf, 2, "NE"),
    (-math.inf, 2, "NE"),
])
def test_fmt_num(value, digits, printed):
    assert fmt_num(value, digits) == printed


def test_fmt_n_pct_uses_the_denominator():
    # ICARIA-MM Table 3: 93 of 154 responders in Isa-Pd = 60.389...% -> "60.4%"
    assert fmt_n_pct(93, 154) == "93 (60.4%)"
    assert fmt_n_pct(0, 154) == "0"
    assert fmt_n_pct(1, 3, digits=2) == "1 (33.33%)"


def test_interval_and_summary_strings():
    assert fmt_ci(0.596, 0.436, 0.814, 3) == "0.596 (0.436\u20130.814)"
    assert fmt_ci(11.53, 8.94, math.nan, 2) == "11.53 (8.94\u2013NE)"
    assert fmt_median_range(67.0, 47.0, 78.0, 0) == "67 (47\u201378)"
    assert fmt_mean_sd(10.25, 1.5, 1) == "10.3 (1.5)"


def test_fmt_p():
    assert fmt_p(0.001) == "0.0010"
    assert fmt_p(0.00009) == "<0.0001"
    assert fmt_p(0.0001) == "0.0001"
    assert fmt_p(math.nan) == "NE"
