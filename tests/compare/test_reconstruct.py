"""Guyot IPD reconstruction against an R run of the published algorithm, plus input validation.

Fixture: tests/compare/fixtures/guyot/guyot.R (R 4.2.2, survival 3.5-3) runs the Guyot et al.
(2012) appendix algorithm with R's own round() and hist() on the real CheckMate 067 S3A curve
(tests/compare/data, from kmdata) and on R's lung KM curve, and computes the accuracy figures
with survfit/quantile.survfit. The CheckMate curve has rises and ties, so it is prepared both ways
of prepare_curve, in R: the running minimum (IPDfromKM; the appendix code's own input) and the
antitonic least-squares levels (written independently, with R's isoreg for pool-adjacent-violators).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmevidence import compare
from mmevidence.compare.reconstruct import accuracy_report, prepare_curve

HERE = Path(__file__).parent
FIX = json.loads((HERE / "fixtures" / "guyot" / "guyot.json").read_text())


def _checkmate() -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = pd.read_csv(HERE / "data" / "checkmate067_S3A_nivolumab_digitised_curve.csv")
    risk = pd.read_csv(HERE / "data" / "checkmate067_S3A_nivolumab_at_risk.csv")
    return (raw.rename(columns={"T": "time", "S": "survival"})[["time", "survival"]],
            risk.rename(columns={"trisk": "time", "nrisk": "n_risk"})[["time", "n_risk"]])


def _nan(x: object) -> float:
    return math.nan if x is None else float(x)


def _check_against_r(ipd: pd.DataFrame, expected: dict, curve: pd.DataFrame, at_risk: pd.DataFrame,
                     preprocess: str) -> None:
    # same patients, in the order the appendix code writes them
    np.testing.assert_allclose(ipd["time"].to_numpy(), expected["time"], rtol=1e-12)
    np.testing.assert_array_equal(ipd["event"].to_numpy(), expected["event"])
    acc = accuracy_report(ipd, curve, at_risk, preprocess=preprocess)
    np.testing.assert_allclose(acc.max_abs_diff, expected["max_abs_diff"], rtol=1e-6)
    np.testing.assert_allclose(acc.rms_diff, expected["rms_diff"], rtol=1e-6)
    np.testing.assert_allclose(acc.median_reconstructed, _nan(expected["median_reconstructed"]), rtol=1e-6)
    np.testing.assert_array_equal(acc.at_risk["reconstructed"].to_numpy(), expected["n_risk"])


@pytest.mark.parametrize("preprocess", ["running_min", "antitonic"])
@pytest.mark.parametrize("case", ["no_total", "total_35"])
def test_checkmate067_matches_r_guyot(case: str, preprocess: str) -> None:
    curve, risk = _checkmate()
    risk = risk[risk["time"] <= curve["time"].max()]  # the published row at 45 months is beyond the curve
    fix = FIX if preprocess == "running_min" else FIX["antitonic"]
    total = fix[case]["tot_events"]
    ipd = compare.reconstruct_ipd(curve, risk, total_events=total, preprocess=preprocess)
    assert len(ipd) == 80
    _check_against_r(ipd, fix[case], curve, risk, preprocess)
    acc = accuracy_report(ipd, curve, risk, preprocess=preprocess)
    # the curve stays above 0.59: neither median is reached (R quantile.survfit gives NA)
    assert math.isnan(acc.median_digitised) and fix["median_digitised"] is None
    # accuracy as published by Guyot (2012): numbers at risk reproduced except where the
    # algorithm lowers a published count it cannot reach; curve within 0.0063
    assert acc.max_abs_diff < 0.0063
    assert (acc.at_risk["difference"].abs() <= 1).all()


def test_checkmate067_default_is_antitonic() -> None:
    curve, risk = _checkmate()
    risk = risk[risk["time"] <= curve["time"].max()]
    ipd = compare.reconstruct_ipd(curve, risk)
    np.testing.assert_allclose(ipd["time"].to_numpy(), FIX["antitonic"]["no_total"]["time"], rtol=1e-12)
    np.testing.assert_array_equal(ipd["event"].to_numpy(), FIX["antitonic"]["no_total"]["event"])
    # the two preparations of this curve differ in 3 of the 80 reconstructed patients' times
    other = compare.reconstruct_ipd(curve, risk, preprocess="running_min")
    assert (np.sort(ipd["time"]) != np.sort(other["time"])).sum() == 3


@pytest.mark.parametrize("preprocess", ["running_min", "antitonic"])
@pytest.mark.parametrize("case", ["no_total", "total_165", "total_140", "total_175"])
def test_lung_curve_matches_r_guyot(case: str, preprocess: str) -> None:
    # one reading per time, never rising: both preparations leave the points as they are
    curve = pd.read_csv(HERE / "fixtures" / "guyot" / "lung_curve.csv")
    risk = pd.read_csv(HERE / "fixtures" / "guyot" / "lung_at_risk.csv")
    expected = FIX["lung"][case]
    ipd = compare.reconstruct_ipd(curve, risk, total_events=expected["tot_events"], preprocess=preprocess)
    _check_against_r(ipd, expected, curve, risk, preprocess)
    if expected["tot_events"] == 165:  # the true total of lung: the events are reproduced exactly
        assert ipd["event"].sum() == 165


@pytest.mark.parametrize("preprocess", ["running_min", "antitonic"])
def test_prepared_points_match_r_preparation(preprocess: str) -> None:
    curve, _ = _checkmate()
    prepared = prepare_curve(curve, preprocess=preprocess)
    fix = FIX if preprocess == "running_min" else FIX["antitonic"]
    assert len(prepared) == fix["n_points"]
    assert prepared["time"].iloc[0] == 0 and prepared["survival"].iloc[0] == 1
    assert (np.diff(prepared["time"]) > 0).all() and (np.diff(prepared["survival"]) <= 0).all()
    if preprocess == "antitonic":  # every point against R's isoreg
        np.testing.assert_array_equal(prepared["time"].to_numpy(), fix["prepared_time"])
        np.testing.assert_allclose(prepared["survival"].to_numpy(), fix["prepared_survival"], rtol=1e-12)


# ---------------------------------------------------------------- validation: errors name row and value

def _curve(times, surv) -> pd.DataFrame:
    return pd.DataFrame({"time": times, "survival": surv})


GOOD_CURVE = _curve([0, 1, 2, 3, 4, 5], [1, 0.9, 0.8, 0.7, 0.6, 0.5])
GOOD_RISK = pd.DataFrame({"time": [0, 2, 4], "n_risk": [10, 8, 6]})


def test_real_at_risk_row_beyond_curve_is_refused() -> None:
    curve, risk = _checkmate()
    with pytest.raises(ValueError, match=r"row 15 has time = 45.0 after the last digitised time 44.4"):
        compare.reconstruct_ipd(curve, risk)


@pytest.mark.parametrize("curve, message", [
    (_curve([0, 1, 2], [1, 1.2, 0.8]), r"row 1 has survival = 1.2 outside \[0, 1\]"),
    (_curve([0, 1, 2], [1, 0.9, -0.1]), r"row 2 has survival = -0.1 outside"),
    (_curve([0, 2, 1], [1, 0.9, 0.8]), r"row 2 has time = 1.0 before the previous row's 2.0"),
    (_curve([0, 1, 2, 3], [1, 0.8, 0.85, 0.7]), r"row 2 has survival = 0.85, 0.05 above the lowest earlier"),
    (_curve([0, 1, float("nan")], [1, 0.9, 0.8]), r"row 2 has time = nan"),
    (_curve([-1, 1, 2], [1, 0.9, 0.8]), r"row 0 has time = -1.0 < 0"),
    (_curve([0, 1, 2], [0.9, 0.8, 0.7]), r"row 0 has time 0 and survival = 0.9"),
])
def test_bad_curve_is_refused(curve: pd.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compare.reconstruct_ipd(curve, GOOD_RISK)


@pytest.mark.parametrize("risk, message", [
    (pd.DataFrame({"time": [0, 2, 4], "n_risk": [10, 11, 6]}), r"row 1 has n_risk = 11, more than the previous"),
    (pd.DataFrame({"time": [0, 2, 9], "n_risk": [10, 8, 6]}), r"row 2 has time = 9.0 after the last digitised"),
    (pd.DataFrame({"time": [0, 4, 2], "n_risk": [10, 8, 6]}), r"row 2 has time = 2.0, not after the previous"),
    (pd.DataFrame({"time": [1, 2, 4], "n_risk": [10, 8, 6]}), r"row 0 has time = 1.0; the table must start"),
    (pd.DataFrame({"time": [0, 2, 4], "n_risk": [10, 8.5, 6]}), r"row 1 has n_risk = 8.5, not a whole number"),
    (pd.DataFrame({"time": [0, 2.2, 2.5], "n_risk": [10, 8, 6]}), r"no digitised point between time 2.2 \(row 1\)"),
    (pd.DataFrame({"t": [0], "n_risk": [10]}), r"missing column\(s\) \['time'\]"),
])
def test_bad_at_risk_is_refused(risk: pd.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compare.reconstruct_ipd(GOOD_CURVE, risk)


def test_unknown_preprocess_is_refused() -> None:
    with pytest.raises(ValueError, match=r"preprocess: 'cummin' is not one of \['antitonic', 'running_min'\]"):
        compare.reconstruct_ipd(GOOD_CURVE, GOOD_RISK, preprocess="cummin")


# readings: a drop read at its top and foot (t=2), a reading above the previous one within the
# tolerance (t=3), three readings at one time, in no order (t=4), two at one time with the foot
# first (t=5), two equal readings (t=6)
NOISY = _curve([0, 1, 2, 2, 3, 4, 4, 4, 5, 5, 6, 6],
               [1, 0.9, 0.895, 0.8, 0.815, 0.81, 0.6, 0.61, 0.5, 0.505, 0.5, 0.5])


def test_reading_noise_within_tolerance_running_min() -> None:
    # IPDfromKM: running minimum 1, .9, .895, .8, .8, .8, .6, .6, .5, .5, .5, .5; last reading of each time
    prepared = prepare_curve(NOISY, preprocess="running_min")
    np.testing.assert_array_equal(prepared["time"], [0, 1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(prepared["survival"], [1, 0.9, 0.8, 0.8, 0.6, 0.5, 0.5])


def test_reading_noise_within_tolerance_antitonic() -> None:
    # Hand calculation. Readings at one time in decreasing order; where they differ the highest reads the
    # level of the previous time, the lowest its own, those between none:
    #   level(1) <- 0.9 (t=1), 0.895 (top at t=2)   mean 0.8975, 2 readings
    #   level(2) <- 0.8 (foot at t=2)                mean 0.8,    1
    #   level(3) <- 0.815 (t=3), 0.81 (top at t=4)   mean 0.8125, 2   (0.61 at t=4 lies on the drop)
    #   level(4) <- 0.6 (foot at t=4), 0.505 (top at t=5, read after the foot)  mean 0.5525, 2
    #   level(5) <- 0.5 (foot at t=5)                mean 0.5,    1
    #   level(6) <- 0.5, 0.5 (equal: both read t=6)  mean 0.5,    2
    # Non-increasing least squares: level(2) < level(3) violates, pooled (0.8 + 2 x 0.8125) / 3 = 0.808333...;
    # the rest is in order. Level at time 0: 1.
    prepared = prepare_curve(NOISY)
    np.testing.assert_array_equal(prepared["time"], [0, 1, 2, 3, 4, 5, 6])
    np.testing.assert_allclose(prepared["survival"], [1, 0.8975, 2.425 / 3, 2.425 / 3, 0.5525, 0.5, 0.5],
                               rtol=1e-15)
    # first reading after 0, read at the top and the foot: the top reads the level before it, 1: dropped
    late = prepare_curve(_curve([1, 1, 2], [0.99, 0.9, 0.85]))
    np.testing.assert_array_equal(late["time"], [0, 1, 2])
    np.testing.assert_allclose(late["survival"], [1, 0.9, 0.85], rtol=1e-15)


def test_reading_noise_within_tolerance_is_levelled() -> None:
    # a rise of 0.01 (< 0.02) is reading noise: levelled to the running minimum 0.8, or pooled with the
    # reading before it by least squares, (0.8 + 0.81) / 2 = 0.805
    noisy = _curve([0, 1, 2, 3, 4, 5], [1, 0.9, 0.8, 0.81, 0.6, 0.5])
    np.testing.assert_array_equal(prepare_curve(noisy, preprocess="running_min")["survival"],
                                  [1, 0.9, 0.8, 0.8, 0.6, 0.5])
    np.testing.assert_allclose(prepare_curve(noisy)["survival"], [1, 0.9, 0.805, 0.805, 0.6, 0.5], rtol=1e-15)
    # Hand calculation of the Guyot steps on GOOD_CURVE / GOOD_RISK (10 patients):
    # [0,2): guess round(10*0.8/1 - 8) = 0 censored; d(1) = round(10*0.1) = 1 -> n(2) = 9 != 8, so 1 censored,
    #   cen.t = 0 + 1*(2-0)/2 = 1 falls in hist bin [0,1] -> censored at the midpoint 0.5; then
    #   d(1) = round(9*0.1) = 1, KM = 8/9, n(2) = 8 = published.
    # [2,4): guess round(8*0.6/0.8 - 6) = 0; d(2) = round(8*(1 - 0.8/(8/9))) = round(0.8) = 1, KM = 7/9;
    #   d(3) = round(7*(1 - 0.7/(7/9))) = round(0.7) = 1, KM = 6/9, n(4) = 6 = published.
    # [4,5]: censoring rate round(1*(5-4)/(3-0)) = 0; d(4) = round(6*0.1) = 1, KM = 5/9;
    #   d(5) = round(5*(1 - 0.5/(5/9))) = round(0.5000000000000004) = 1 in floating point (as in R).
    # 5 events, 1 censored at 0.5, the other 4 censored at the last time 5.
    ipd = compare.reconstruct_ipd(GOOD_CURVE, GOOD_RISK)
    assert ipd["time"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 0.5, 5.0, 5.0, 5.0, 5.0]
    assert ipd["event"].tolist() == [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]


def test_total_events_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"total_events: 11 is not a whole number between 0 and 10"):
        compare.reconstruct_ipd(GOOD_CURVE, GOOD_RISK, total_events=11)
