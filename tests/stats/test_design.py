"""Tests for mmevidence.stats.design.events_required (Schoenfeld 1983)."""

from __future__ import annotations

import math

import pytest

from mmevidence.stats.design import events_required

Z975 = 1.959963984540054  # standard normal 0.975 quantile (tables: 1.95996)
Z90 = 1.2815515655446004  # 0.90 quantile (1.28155)
Z80 = 0.8416212335729143  # 0.80 quantile (0.84162)


def test_icaria_pfs_events():
    # ICARIA-MM (seeds/002, statistical analysis): "a total of 162 events were needed to detect
    # an HR of 0.6 using a log-rank test (one-sided alpha 0.025, 90% power)".
    # Hand calculation: (1.959964 + 1.281552)^2 / (0.25 * log(0.6)^2)
    #                 = 10.507423 / (0.25 * 0.260943) = 161.07 -> 162
    d = (Z975 + Z90) ** 2 / (0.25 * math.log(0.6) ** 2)
    assert 161.0 < d < 161.1
    assert events_required(0.6, alpha=0.025, power=0.9, sides=1) == 162 == math.ceil(d)


def test_icaria_os_deaths():
    # "220 death events were needed ... HR of 0.685 ... one-sided 0.025 level with 80% power".
    # (1.959964 + 0.841621)^2 / (0.25 * log(0.685)^2) = 7.848879 / (0.25 * 0.143141) = 219.33 -> 220
    d = (Z975 + Z80) ** 2 / (0.25 * math.log(0.685) ** 2)
    assert 219.3 < d < 219.4
    assert events_required(0.685, alpha=0.025, power=0.8) == 220


def test_two_sided_alpha_is_split_between_tails():
    # two-sided 0.05 uses z_0.975, the same as one-sided 0.025
    assert events_required(0.6, alpha=0.05, power=0.9, sides=2) == 162
    # one-sided 0.05 uses z_0.95 = 1.644854: (1.644854 + 1.281552)^2 / (0.25 log(0.6)^2) = 131.28 -> 132
    assert events_required(0.6, alpha=0.05, power=0.9, sides=1) == 132


def test_unequal_allocation_and_hr_above_one():
    # 2:1 allocation, p = 2/3: p(1-p) = 2/9; D = 10.507423 / (2/9 * 0.260943) = 181.20 -> 182
    assert events_required(0.6, allocation=2 / 3) == 182
    # HR and 1/HR need the same number of events
    assert events_required(1 / 0.6) == 162


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        ({"hazard_ratio": 1.0}, "hazard_ratio"),
        ({"hazard_ratio": -0.5}, "hazard_ratio"),
        ({"hazard_ratio": 0.6, "alpha": 0}, "alpha"),
        ({"hazard_ratio": 0.6, "power": 1.2}, "power"),
        ({"hazard_ratio": 0.6, "allocation": 1}, "allocation"),
        ({"hazard_ratio": 0.6, "sides": 3}, "sides"),
    ],
)
def test_rejects_bad_arguments(kwargs, arg):
    with pytest.raises(ValueError, match=arg):
        events_required(**kwargs)
