"""Kaplan–Meier, quantiles, landmark survival, RMST and reverse-KM follow-up against R survival 3.5-3.

Fixture: tests/stats/fixtures/kaplan_meier/kaplan_meier.R -> kaplan_meier.json.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from mmevidence import stats

FIX = json.loads((Path(__file__).parent / "fixtures" / "kaplan_meier" / "kaplan_meier.json").read_text())
CASES = {c["name"]: c for c in FIX["cases"]}
RTOL, ATOL = 1e-6, 1e-10
R_CONF = {"arcsin": "arcsine"}  # R spelling -> ours (both accepted)


def arr(x) -> np.ndarray:
    """R JSON vector (NA/NaN/Inf as strings, length-1 unboxed) -> float array."""
    vals = x if isinstance(x, list) else [x]
    return np.array([math.nan if v in ("NA", None) else float(v) for v in vals], dtype=float)


def opt(x):
    return None if x in ({}, None, []) else arr(x)


def close(actual, expected) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=float), arr(expected), rtol=RTOL, atol=ATOL, equal_nan=True)


def fit(case):
    variance = {True: "robust", False: "greenwood"}.get(case["robust"] if case["robust"] != {} else None)
    return stats.kaplan_meier(arr(case["time"]), arr(case["event"]), entry=opt(case["entry"]),
                              weights=opt(case["weights"]), conf_type=R_CONF.get(case["conf_type"], case["conf_type"]),
                              conf_level=case["conf_level"], variance=variance)


@pytest.mark.parametrize("name", sorted(CASES))
def test_table_matches_summary_survfit(name):
    case = CASES[name]
    tab = fit(case).table
    assert list(tab.columns) == ["time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper"]
    for col, rcol in [("time", "time"), ("n_risk", "n_risk"), ("n_event", "n_event"), ("n_censor", "n_censor"),
                      ("survival", "survival"), ("std_err", "std_err"), ("lower", "lower"), ("upper", "upper")]:
        close(tab[col], case["table"][rcol])


@pytest.mark.parametrize("name", sorted(CASES))
def test_quantiles_match_quantile_survfit(name):
    case = CASES[name]
    km = fit(case)
    q = case["quantiles"]
    for p, est, lo, hi in zip(arr(q["p"]), arr(q["estimate"]), arr(q["lower"]), arr(q["upper"])):
        e = km.quantile(p)
        close([e.estimate, e.lower, e.upper], [est, lo, hi])
        if math.isnan(est):
            assert e.reason in ("not reached", "no events")


@pytest.mark.parametrize("name", sorted(n for n in CASES if "at" in CASES[n]))
def test_survival_at_matches_summary_times_extend(name):
    case = CASES[name]
    at = case["at"]
    got = fit(case).survival_at(arr(at["time"]))
    for col in ("time", "survival", "std_err", "lower", "upper", "n_risk"):
        close(got[col], at[col])


@pytest.mark.parametrize("name", sorted(n for n in CASES if "rmean" in CASES[n]))
def test_rmst_matches_print_rmean(name):
    case = CASES[name]
    km = fit(case)
    for r in case["rmean"]:
        e = km.rmst(r["tau"])
        close([e.estimate, e.se], [r["rmean"], r["se"]])
        z = 1.959963984540054 if case["conf_level"] == 0.95 else None
        if z:
            assert e.lower == pytest.approx(e.estimate - z * e.se, rel=1e-12)


def test_median_is_midpoint_of_flat_segment_hand_computed():
    # S = .75, .5, .25, 0 at t = 1..4: S = 0.5 exactly on [2, 3) -> median (2 + 3) / 2.
    km = stats.kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1], conf_type="log")
    assert km.median().estimate == 2.5
    # S = 0.5 from t = 2 to the last time 4 -> R quantile.survfit: (2 + 4) / 2 = 3.
    # (R print.survfit's table prints 2 here: its survmean uses a different rule.)
    km = stats.kaplan_meier([1, 2, 3, 4], [1, 1, 0, 0], conf_type="log")
    assert km.median().estimate == 3.0
    assert CASES["flat_half_last"]["print_median"][0] == 2


def test_print_median_agrees_with_quantile_except_flat_end():
    for name, case in CASES.items():
        if name == "flat_half_last":
            continue
        pm = arr(case["print_median"])
        q = case["quantiles"]
        np.testing.assert_allclose(pm, [arr(q["estimate"])[1], arr(q["lower"])[1], arr(q["upper"])[1]],
                                   equal_nan=True, err_msg=name)


def test_lung_median_values_written_out():
    # R: print(survfit(Surv(time, status) ~ 1, lung, conf.type = "log-log")): median 310, 0.95LCL 284, 0.95UCL 361
    # R default conf.type = "log": 310 (285, 363)
    t, e = arr(CASES["lung_log-log"]["time"]), arr(CASES["lung_log-log"]["event"])
    m = stats.kaplan_meier(t, e).median()
    assert (m.estimate, m.lower, m.upper, m.reason) == (310.0, 284.0, 361.0, "")
    m = stats.kaplan_meier(t, e, conf_type="log").median()
    assert (m.estimate, m.lower, m.upper) == (310.0, 285.0, 363.0)


def test_degenerate_reasons():
    m = stats.kaplan_meier([3, 5, 7, 7, 10], [0, 0, 0, 0, 0]).median()
    assert math.isnan(m.estimate) and m.reason == "no events"
    assert math.isnan(m.lower) and math.isnan(m.upper)
    # single event: S = 0.75 after t = 5, median not reached; R gives LCL 5 (log-log)
    m = stats.kaplan_meier([3, 5, 7, 9, 10], [0, 1, 0, 0, 0]).median()
    assert math.isnan(m.estimate) and m.reason == "not reached"
    assert m.lower == 5.0 and math.isnan(m.upper)


def test_conf_type_aliases_and_level():
    a = stats.kaplan_meier([1, 2, 3, 4, 5], [1, 0, 1, 1, 0], conf_type="arcsin").table
    b = stats.kaplan_meier([1, 2, 3, 4, 5], [1, 0, 1, 1, 0], conf_type="arcsine").table
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
    with pytest.raises(ValueError, match="conf_type"):
        stats.kaplan_meier([1, 2], [1, 1], conf_type="wald")
    with pytest.raises(ValueError, match="conf_level"):
        stats.kaplan_meier([1, 2], [1, 1], conf_level=95)


@pytest.mark.parametrize("kwargs, arg", [
    (dict(time=[1, math.nan, 3], event=[1, 0, 1]), "time"),
    (dict(time=[1, -2, 3], event=[1, 0, 1]), "time"),
    (dict(time=[1, 2, 3], event=[1, 2, 1]), "event"),
    (dict(time=[1, 2, 3], event=[1, 0]), "differ in length"),
    (dict(time=[1, 2, 3], event=[1, 0, 1], entry=[0, 2, 1]), "entry"),
    (dict(time=[1, 2, 3], event=[1, 0, 1], weights=[1, -1, 1]), "weights"),
])
def test_argument_errors(kwargs, arg):
    with pytest.raises(ValueError, match=arg):
        stats.kaplan_meier(**kwargs)


def test_survival_at_rejects_negative_times():
    with pytest.raises(ValueError, match="times"):
        stats.kaplan_meier([1, 2], [1, 1]).survival_at([-1])


@pytest.mark.parametrize("case", FIX["reverse"], ids=lambda c: c["name"])
def test_median_follow_up_is_reverse_km(case):
    ct = case["conf_type"]
    e = stats.median_follow_up(arr(case["time"]), arr(case["event"]), conf_type=ct)
    close([e.estimate, e.lower, e.upper], [case["estimate"], case["lower"], case["upper"]])


def test_median_follow_up_without_censoring():
    e = stats.median_follow_up([1, 2, 3], [1, 1, 1])
    assert math.isnan(e.estimate) and e.reason == "no censored observations"


def test_rmst_difference_from_r_rmeans():
    r = FIX["rmst_sex"]
    # R: summary(survfit(Surv(time, status) ~ sex, lung), rmean = 365)$table
    #   sex=1: rmean 241.49508519205702, se 10.358226491096945
    #   sex=2: rmean 297.46540953203680, se 10.791323978800090
    diff = 241.49508519205702 - 297.46540953203680           # -55.97032433997978
    se = math.sqrt(10.358226491096945 ** 2 + 10.791323978800090 ** 2)  # 14.958...
    z = 1.959963984540054
    close(r["rmean"], [241.49508519205702, 297.46540953203680])
    e = stats.rmst_difference(arr(r["time"]), arr(r["event"]), arr(r["group"]), tau=365)
    np.testing.assert_allclose([e.estimate, e.se, e.lower, e.upper],
                               [diff, se, diff - z * se, diff + z * se], rtol=RTOL)


def test_rmst_difference_needs_two_groups():
    with pytest.raises(ValueError, match="group"):
        stats.rmst_difference([1, 2, 3], [1, 1, 0], ["a", "b", "c"], tau=2)


def test_variance_default_follows_r():
    # R survfit: robust (jackknife) SE by default only when some weight is not an integer
    t, e = [2.0, 3, 5, 8, 9, 12], [1.0, 1, 0, 1, 1, 0]
    frac = stats.kaplan_meier(t, e, weights=[1, 1.5, 1, 2, 1, 1]).table["std_err"]
    robust = stats.kaplan_meier(t, e, weights=[1, 1.5, 1, 2, 1, 1], variance="robust").table["std_err"]
    greenwood = stats.kaplan_meier(t, e, weights=[1, 1.5, 1, 2, 1, 1], variance="greenwood").table["std_err"]
    np.testing.assert_array_equal(frac, robust)
    assert not np.allclose(robust, greenwood)
    with pytest.raises(ValueError, match="variance"):
        stats.kaplan_meier(t, e, variance="bootstrap")


def test_weights_equal_to_replication():
    # Integer case weights give the same curve as replicating rows (R survfit, Greenwood on weighted counts).
    t = np.array([2.0, 3, 3, 5, 8, 9, 12]); e = np.array([1.0, 1, 0, 1, 0, 1, 1]); w = np.array([1, 2, 3, 1, 2, 1, 2])
    a = stats.kaplan_meier(t, e, weights=w).table
    b = stats.kaplan_meier(np.repeat(t, w), np.repeat(e, w)).table
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12, equal_nan=True)
