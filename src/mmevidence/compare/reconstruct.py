"""Reconstruct individual patient data from a digitised Kaplan–Meier curve (Guyot et al. 2012).

The algorithm is the one published by Guyot P, Ades AE, Ouwens MJ, Welton NJ,
"Enhanced secondary analysis of survival data: reconstructing the data from
published Kaplan-Meier survival curves", BMC Med Res Methodol 2012;12:9, in the
form of the R code of its appendix (the code reused by the R packages
IPDfromKM, kmdata and survHE ``digitise``). Port line by line, 0-based:

* the digitised points are split by the number-at-risk times into intervals
  (``lower[i]`` = first point at or after ``t_risk[i]``, ``upper[i]`` = last point
  before ``t_risk[i+1]``);
* on each interval but the last the number censored is first guessed as
  ``round(n_risk[i] S(lower[i+1]) / S(lower[i]) - n_risk[i+1])``, the censorings are
  spread evenly over the interval (``cen.t = t_lo + j (t_hi - t_lo)/(n_c + 1)``,
  binned with R ``hist`` right-closed bins), the events at each point are
  ``d_k = round(n_k (1 - S_k / KM_last))`` and ``KM_k = KM_last (1 - d_k / n_k)``,
  and the guess is corrected by ``n_hat(lower[i+1]) - n_risk[i+1]`` until the
  reconstructed number at risk equals the published one;
* on the last interval the censoring rate is the average of the previous ones;
  with ``total_events`` the last interval's censoring is adjusted until the
  total number of events agrees;
* events are placed at the digitised times, censorings at the midpoints of
  consecutive digitised times, and the patients not accounted for are censored
  at the last digitised time.

Departures from the appendix code, all on its input, none in the algorithm:

* input that the R code silently mishandles is refused with a ``ValueError``
  naming the row (see :func:`prepare_curve`, :func:`prepare_at_risk`), and the
  correction loops stop after :data:`MAX_ITER` rounds with a ``ValueError``
  where the R code would loop for ever;
* the digitised readings become one survival per time by least squares
  (``preprocess="antitonic"``, the default): the non-increasing step function
  closest to the readings (isotonic regression, the correction of Stata
  ``ipdfc``'s ``isotonic`` option, Wei Y, Royston P, Stata J 2017;17:786-802),
  with the reading at the top of a vertical drop counted as a second reading
  of the level before it. The R code expects a non-increasing input, and the
  usual preparation (IPDfromKM ``preprocess``, Liu N, Zhou Y, Lee JJ, BMC Med
  Res Methodol 2021;21:111) cuts every rise to the running minimum of the
  readings and keeps the last reading at each time: reading noise can then
  only lower the curve, and the bias accumulates where the steps are as small
  as the noise, moving medians earlier. ``preprocess="running_min"`` keeps
  that preparation. Either way the prepared points go unchanged into the
  appendix algorithm: the R fixture (tests/compare/fixtures/guyot/guyot.R)
  prepares the points both ways in R and gets the same patients. Measured
  effect on simulated trials: docs/compare.md.

One option departs from the algorithm itself, for curves read at the top and
the foot of every step: ``events="steps"`` counts each drawn drop as at least
one event and chooses the counts of each at-risk interval together by least
squares instead of the appendix code's point-by-point rounding
(:mod:`mmevidence.compare.reconstruct_events`); the intervals, the censorings and
their correction stay the appendix code's. The default, ``events="guyot"``, is
the appendix code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmevidence.compare.reconstruct_events import least_squares_events, place_events, round_events
from mmevidence.stats import kaplan_meier
from mmevidence.stats._km_quantile import curve_quantile

__all__ = ["EVENTS", "MAX_ITER", "PREPROCESS", "SURVIVAL_TOLERANCE", "ReconstructionAccuracy", "accuracy_report",
           "prepare_at_risk", "prepare_curve", "reconstruct_ipd"]

#: Largest rise of a digitised survival reading over the lowest reading before it that is taken for
#: reading noise (absolute, survival scale 0-1): two hundredths, two pixel rows of a typical
#: 100-row y-axis. Smaller rises are smoothed out by :func:`prepare_curve`; larger ones are refused.
SURVIVAL_TOLERANCE = 0.02

#: Rounds of the censoring correction per interval before giving up (the R code has no limit).
MAX_ITER = 1000

#: Event allocations on each at-risk interval (:mod:`mmevidence.compare.reconstruct_events`): ``"guyot"``
#: (the appendix code's point-by-point rounding, the default) and ``"steps"`` (every drawn drop at least
#: one event, counts by least squares over the interval), for points read at the top and foot of each step.
EVENTS = ("guyot", "steps")

#: Preparations of the digitised readings (:func:`prepare_curve`): ``"antitonic"`` (least-squares
#: non-increasing step function, the default) and ``"running_min"`` (IPDfromKM's, as in the R code).
PREPROCESS = ("antitonic", "running_min")


def _columns(frame: pd.DataFrame, name: str, columns: tuple[str, ...]) -> list[np.ndarray]:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{name}: expected a pandas DataFrame with columns {list(columns)}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {missing}; expected {list(columns)}")
    out = []
    for c in columns:
        try:
            values = frame[c].to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name}: column {c!r} must be numeric ({exc})") from None
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name}: row {i} has {c} = {frame[c].iloc[i]} (not a finite number)")
        out.append(values)
    if len(out[0]) == 0:
        raise ValueError(f"{name}: no rows")
    return out


def _antitonic(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least-squares non-increasing fit: minimise sum w_i (y_i - f_i)^2 over f_1 >= f_2 >= ...

    Pool-adjacent-violators algorithm (Barlow, Bartholomew, Bremner & Brunk 1972; Robertson,
    Wright & Dykstra 1988, ch. 1): adjacent blocks that violate the order are merged into their
    weighted mean. Same fit as R ``-isoreg(-y)$yf`` with integer weights as repeated values.
    """
    value: list[float] = []
    weight: list[float] = []
    size: list[int] = []
    for yi, wi in zip(y.tolist(), w.tolist()):
        value.append(yi)
        weight.append(wi)
        size.append(1)
        while len(value) > 1 and value[-2] < value[-1]:
            w2, v2, n2 = weight.pop(), value.pop(), size.pop()
            weight[-1], value[-1] = weight[-1] + w2, (weight[-1] * value[-1] + w2 * v2) / (weight[-1] + w2)
            size[-1] += n2
    return np.repeat(value, size)


def _antitonic_levels(time: np.ndarray, surv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct times and the least-squares non-increasing step function read by the points (``antitonic``).

    Each reading is a reading of one level of the step function: a reading at time t is S(t),
    except where several readings share t and differ: then the highest is the top of a vertical
    drop, S(t-), the level of the previous distinct time (1 before the first), the lowest is
    S(t), and the ones between lie on the drop and read no level. The levels are the weighted
    antitonic regression (:func:`_antitonic`) of the level means, weighted by the number of
    readings; a level at time 0 is 1.
    """
    order = np.lexsort((-surv, time))  # by time, and at one time from the top down: order within a time unused
    time, surv = time[order], surv[order]
    times, first, count = np.unique(time, return_index=True, return_counts=True)
    level = np.searchsorted(times, time) + 1  # 1-based: level 0 is the curve before the first time
    last = first + count - 1
    drop = (count > 1) & (surv[first] > surv[last])
    level[first[drop]] = level[first[drop]] - 1
    on_drop = np.zeros(len(time), dtype=bool)
    for a, b in zip(first[drop], last[drop]):
        on_drop[a + 1:b] = True
    fixed = np.zeros(len(times) + 1, dtype=bool)
    fixed[0] = True  # before the first time: 1
    fixed[1] = times[0] == 0  # a KM curve is 1 at time 0
    use = ~on_drop & ~fixed[level]
    total = np.bincount(level[use], weights=surv[use], minlength=len(times) + 1)
    n = np.bincount(level[use], minlength=len(times) + 1).astype(float)
    free = np.flatnonzero(~fixed)  # every free level has its own lowest reading: n > 0
    fitted = np.ones(len(times) + 1)
    fitted[free] = _antitonic(total[free] / n[free], n[free])
    return times, fitted[1:]


def _drawn_steps(time: np.ndarray, surv: np.ndarray) -> np.ndarray:
    """For each distinct time, in order: whether it was read as a drawn drop, i.e. two or more
    readings at that time that differ (the top and the foot of a step)."""
    times, inverse = np.unique(time, return_inverse=True)
    high = np.full(len(times), -np.inf)
    low = np.full(len(times), np.inf)
    np.maximum.at(high, inverse, surv)
    np.minimum.at(low, inverse, surv)
    return high > low


def prepare_curve(curve: pd.DataFrame, tolerance: float = SURVIVAL_TOLERANCE,
                  preprocess: str = "antitonic") -> pd.DataFrame:
    """Check digitised ``(time, survival)`` points and return the points the algorithm runs on.

    Refused (``ValueError`` naming the row, 0-based, and the value): a missing
    or non-finite value, a negative time, a survival outside [0, 1], a time
    smaller than the previous row's (points must be in reading order along the
    time axis), a survival more than ``tolerance`` above the lowest survival
    read before it. A first reading at time 0 must be 1 within ``tolerance``.

    Then one point per distinct time, by ``preprocess``:

    * ``"antitonic"`` (default): the non-increasing step function closest to
      the readings in least squares. Each reading reads one level: S(t) at its
      time t, except where several readings at one time differ: the highest
      (top of the drop) reads S(t-), the level of the previous time, the
      lowest reads S(t), those between lie on the drop. Levels are the weighted
      antitonic (pool-adjacent-violators) regression of the mean reading of
      each level, weighted by the number of readings (isotonic regression of
      the readings as Stata ``ipdfc, isotonic``, Wei & Royston 2017, with the
      top of each drop counted as a second reading of the level before).
      Reading noise is averaged, not cut to the lowest reading. The order of
      readings at one time is not used (files are often sorted by time only).
    * ``"running_min"``: as IPDfromKM ``preprocess`` before the Guyot code:
      rises levelled to the running minimum of the readings; points read at
      the same time merged into the last one (the R code's ``hist`` needs
      strictly increasing times). Biased downwards: the noise of every reading
      can only lower the curve.

    The level at time 0 is 1, and the point (0, 1) is added when the first
    reading is after time 0.

    Returns columns ``time``, ``survival`` and ``step``: whether the time was
    read as a drawn drop (two or more readings at it that differ), used by
    ``reconstruct_ipd(events="steps")``.
    """
    if preprocess not in PREPROCESS:
        raise ValueError(f"preprocess: {preprocess!r} is not one of {list(PREPROCESS)}")
    time, surv = _columns(curve, "curve", ("time", "survival"))
    for i in range(len(time)):
        if time[i] < 0:
            raise ValueError(f"curve: row {i} has time = {float(time[i])!r} < 0")
        if not 0.0 <= surv[i] <= 1.0:
            raise ValueError(f"curve: row {i} has survival = {float(surv[i])!r} outside [0, 1]")
    back = np.flatnonzero(np.diff(time) < 0)
    if back.size:
        i = int(back[0]) + 1
        raise ValueError(f"curve: row {i} has time = {float(time[i])!r} before the previous row's "
                         f"{float(time[i - 1])!r}; "
                         "sort the points by time")
    running = np.minimum.accumulate(surv)
    rise = surv - running
    over = np.flatnonzero(rise > tolerance)
    if over.size:
        i = int(over[0])
        raise ValueError(f"curve: row {i} has survival = {float(surv[i])!r}, {rise[i]:.4g} above the lowest earlier "
                         f"reading {float(running[i])!r} (more than the tolerance {tolerance}); a KM curve never rises")
    if time[0] == 0 and surv[0] < 1.0 - tolerance:
        raise ValueError(f"curve: row 0 has time 0 and survival = {float(surv[0])!r}; a KM curve starts at 1")
    step = _drawn_steps(time, surv)
    if preprocess == "antitonic":
        time, surv = _antitonic_levels(time, surv)
    else:
        keep = np.append(time[1:] != time[:-1], True)  # last reading of each time
        time, surv = time[keep], running[keep]
    if time[0] > 0:
        time, surv, step = (np.concatenate(([0.0], time)), np.concatenate(([1.0], surv)),
                            np.concatenate(([False], step)))
    else:
        surv[0] = 1.0
    return pd.DataFrame({"time": time, "survival": surv, "step": step})


def prepare_at_risk(at_risk: pd.DataFrame, curve_time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Check a number-at-risk table against the (prepared) curve times; return ``(t_risk, n_risk)``.

    Refused (``ValueError`` naming the row and value): missing values, a first
    time other than 0 (the first count is the number of patients), times not
    strictly increasing, counts that are negative, not whole or larger than
    the previous count, a time after the last digitised time (drop such rows:
    the algorithm has no curve there), an interval between two at-risk times
    with no digitised point in it.
    """
    t_risk, n_risk = _columns(at_risk, "at_risk", ("time", "n_risk"))
    if t_risk[0] != 0:
        raise ValueError(f"at_risk: row 0 has time = {float(t_risk[0])!r}; the table must start at time 0 "
                         "with the number of patients")
    for i in range(len(t_risk)):
        if n_risk[i] < 0 or n_risk[i] != math.floor(n_risk[i]):
            raise ValueError(f"at_risk: row {i} has n_risk = {float(n_risk[i])!r}, not a whole number >= 0")
        if i and t_risk[i] <= t_risk[i - 1]:
            raise ValueError(f"at_risk: row {i} has time = {float(t_risk[i])!r}, not after the previous "
                             f"{float(t_risk[i - 1])!r}")
        if i and n_risk[i] > n_risk[i - 1]:
            raise ValueError(f"at_risk: row {i} has n_risk = {n_risk[i]:g}, more than the previous row's "
                             f"{n_risk[i - 1]:g}; numbers at risk cannot increase")
        if t_risk[i] > curve_time[-1]:
            raise ValueError(f"at_risk: row {i} has time = {float(t_risk[i])!r} after the last digitised time "
                             f"{float(curve_time[-1])!r}; drop at-risk rows beyond the curve")
    lower = np.searchsorted(curve_time, t_risk, side="left")
    ends = np.append(lower[1:], len(curve_time))
    empty = np.flatnonzero(ends <= lower)
    if empty.size:
        i = int(empty[0])
        raise ValueError(f"at_risk: no digitised point between time {float(t_risk[i])!r} (row {i}) and the next "
                         "at-risk time; digitise the curve at each at-risk time")
    if n_risk[0] < 1:
        raise ValueError("at_risk: row 0 has n_risk = 0; no patients")
    return t_risk, n_risk.astype(np.int64)


def _hist_counts(x: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """R ``hist(x, breaks, plot = FALSE)$counts``: right-closed bins, lowest included, R's 1e-7 fuzz."""
    nb = len(breaks)
    h = np.diff(breaks)
    if nb > 5:
        diddle = 1e-7 * float(np.median(h))
    elif nb <= 3:
        diddle = 1e-7 * float(x.max() - x.min())
    else:
        diddle = 1e-7 * float(h[h > 0].min())
    fuzzy = breaks + np.concatenate(([-diddle], np.full(nb - 1, diddle)))
    idx = np.searchsorted(fuzzy, x, side="left") - 1  # fuzzy[j] < x <= fuzzy[j+1]
    idx = np.where(x == fuzzy[0], 0, idx)
    if np.any((idx < 0) | (idx >= nb - 1)):
        raise ValueError("internal: censoring times outside the interval (R hist: some 'x' not counted)")
    return np.bincount(idx, minlength=nb - 1).astype(float)


def _spread_censored(n_censor: float, t_s: np.ndarray, first: int, last: int) -> np.ndarray:
    """Counts of ``n_censor`` evenly spaced censorings in the bins ``t_s[first:last+1]`` (Guyot's ``cen.t``)."""
    j = np.arange(1, int(n_censor) + 1)
    cen_t = t_s[first] + j * (t_s[last] - t_s[first]) / (n_censor + 1)
    return _hist_counts(cen_t, t_s[first:last + 1])


def _next_interval(t_s: np.ndarray, s: np.ndarray, step: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                   n_risk: np.ndarray, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Readings, provisional censorings and step flags of interval ``i``, the look-ahead of
    ``least_squares_events`` on interval ``i - 1``: the appendix code's first guess of the number
    censored, ``round(n_i S(t_{i+1}) / S(t_i) - n_{i+1})``, spread evenly; none on the last interval."""
    lo, up = int(lower[i]), int(upper[i])
    cen = np.zeros(up - lo + 1)
    if i + 1 < len(lower):
        guess = np.round(n_risk[i] * s[lower[i + 1]] / s[lo] - n_risk[i + 1])
        if np.isfinite(guess) and guess > 0:
            cen = _spread_censored(guess, t_s, lo, int(lower[i + 1]))
    return s[lo:up + 1], cen, step[lo:up + 1]


def _guyot(t_s: np.ndarray, s: np.ndarray, t_risk: np.ndarray, n_risk_in: np.ndarray,
           total_events: int | None, events: str = "guyot", step: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Events ``d`` and censorings ``cen`` at each digitised point (the appendix code, 0-based).

    The events on each interval are chosen by :func:`~mmevidence.compare.reconstruct_events.round_events`
    (``events="guyot"``, the appendix code) or
    :func:`~mmevidence.compare.reconstruct_events.least_squares_events` (``"steps"``, with ``step``
    the points read as a drawn drop); the rest of the loop is the appendix code's.
    """
    allocate = round_events if events == "guyot" else least_squares_events
    n_risk = n_risk_in.astype(float)
    n_int = len(n_risk)
    lower = np.searchsorted(t_s, t_risk, side="left")
    upper = np.append(lower[1:] - 1, len(t_s) - 1)
    n_t = int(upper[-1]) + 1
    n_censor = np.zeros(n_int)
    n_hat = np.full(n_t + 1, n_risk[0] + 1)
    cen = np.zeros(n_t)
    d = np.zeros(n_t)
    km_hat = np.ones(n_t)
    km_last = 1.0  # reconstructed KM at the last event before the interval
    for i in range(n_int - 1):
        lo, up, nxt = int(lower[i]), int(upper[i]), int(lower[i + 1])
        n_censor[i] = np.round(n_risk[i] * s[nxt] / s[lo] - n_risk[i + 1])
        ahead = _next_interval(t_s, s, step, lower, upper, n_risk, i + 1) if events == "steps" else None
        km_end = km_last
        rounds = 0
        tried: set[float] = set()
        while n_hat[nxt] > n_risk[i + 1] or (n_hat[nxt] < n_risk[i + 1] and n_censor[i] > 0):
            rounds += 1
            if events == "steps" and n_censor[i] in tried:
                # the counts and the censored number chase each other round a cycle: keep the last counts
                # and censor the number the at-risk table leaves for them
                n_censor[i] = max(n_risk[i] - n_risk[i + 1] - d[lo:up + 1].sum(), 0)
                cen[lo:up + 1] = _spread_censored(n_censor[i], t_s, lo, nxt) if n_censor[i] > 0 else 0
                km_end = place_events(cen, n_hat, d, km_hat, lo, up, km_last, first_fixed=i == 0)
                break
            tried.add(n_censor[i])
            if rounds > MAX_ITER:
                raise ValueError(f"at_risk: the censoring on the interval starting at time {float(t_risk[i])!r} "
                                 f"(row {i}) "
                                 f"did not settle in {MAX_ITER} rounds; check the curve and the at-risk table")
            if n_censor[i] <= 0:
                cen[lo:up + 1] = 0
                n_censor[i] = 0
            if n_censor[i] > 0:
                cen[lo:up + 1] = _spread_censored(n_censor[i], t_s, lo, nxt)
            n_hat[lo] = n_risk[i]
            km_end = allocate(s, cen, n_hat, d, km_hat, lo, up, km_last, first_fixed=i == 0, step=step,
                              ahead=ahead)
            n_censor[i] += n_hat[nxt] - n_risk[i + 1]
        if n_hat[nxt] < n_risk[i + 1]:
            n_risk[i + 1] = n_hat[nxt]
        km_last = km_end

    lo, up = int(lower[-1]), int(upper[-1])

    def spread_last() -> None:
        if n_censor[-1] <= 0:
            cen[lo:up] = 0
            n_censor[-1] = 0
        if n_censor[-1] > 0:
            cen[lo:up] = _spread_censored(n_censor[-1], t_s, lo, up)

    def last_interval(guard: bool) -> None:
        n_hat[lo] = n_risk[-1]
        allocate(s, cen, n_hat, d, km_hat, lo, up, km_last, first_fixed=n_int == 1, clamp=True, guard=guard,
                 step=step)

    if n_int > 1:  # same censoring rate as the average over the previous intervals
        n_censor[-1] = min(np.round(n_censor[:-1].sum() * (t_s[up] - t_s[lo]) / (t_s[upper[-2]] - t_s[lower[0]])),
                           n_risk[-1])
    else:
        n_censor[-1] = 0
    spread_last()
    last_interval(guard=True)

    if total_events is not None:
        sum_dl = 0.0
        if n_int > 1:
            sum_dl = d[:int(upper[-2]) + 1].sum()
            if sum_dl >= total_events:  # too many events already: none on the last interval
                d[lo:up + 1] = 0
                cen[lo:up] = 0
                n_hat[lo + 1:up + 2] = n_risk[-1]
        if sum_dl < total_events or n_int == 1:
            sum_d = d[:up + 1].sum()
            rounds = 0
            while sum_d > total_events or (sum_d < total_events and n_censor[-1] > 0):
                rounds += 1
                if rounds > MAX_ITER:
                    raise ValueError(f"total_events: the events could not be made to total {total_events} "
                                     f"in {MAX_ITER} rounds")
                n_censor[-1] += sum_d - total_events
                spread_last()
                last_interval(guard=False)
                sum_d = d[:up + 1].sum()
    return d, cen


def reconstruct_ipd(curve: pd.DataFrame, at_risk: pd.DataFrame, total_events: int | None = None,
                    tolerance: float = SURVIVAL_TOLERANCE, preprocess: str = "antitonic",
                    events: str = "guyot") -> pd.DataFrame:
    """Reconstruct one arm's patient-level data from its digitised KM curve and number-at-risk table.

    Parameters
    ----------
    curve : digitised points, columns ``time`` and ``survival`` (0-1 scale), in
        reading order; checked and prepared by :func:`prepare_curve`.
    at_risk : the published number-at-risk table, columns ``time`` and
        ``n_risk``, starting at time 0; checked by :func:`prepare_at_risk`.
    total_events : the published total number of events, if any (Guyot's
        ``tot.events``); adjusts the censoring on the last interval.
    tolerance : largest rise of a survival reading taken for reading noise
        (:data:`SURVIVAL_TOLERANCE`).
    preprocess : how the readings become one survival per time
        (:func:`prepare_curve`): ``"antitonic"`` (least-squares non-increasing
        step function, default) or ``"running_min"`` (IPDfromKM's, which with
        the same input gives the same patients as the R code of the appendix).
    events : how the events on each at-risk interval are counted
        (:mod:`mmevidence.compare.reconstruct_events`): ``"guyot"`` (default;
        the appendix code's rounding, point by point) or ``"steps"``, for
        points digitised at the top and the foot of every step (two readings at
        one time): each such drawn drop is at least one event, and the counts
        of an interval are chosen together to bring the reconstructed KM
        closest to the prepared curve in least squares. Do not use ``"steps"``
        on curves traced automatically pixel by pixel, where one drop spreads
        over several time columns (it would count each column as an event).

    Returns a DataFrame ``time, event`` with one row per reconstructed patient
    (``n_risk`` at time 0 rows): events at digitised times, censorings at the
    midpoints between digitised times, the remaining patients censored at the
    last digitised time, in that order (as the appendix code writes them).

    Algorithm: Guyot et al. 2012, BMC Med Res Methodol 12:9, appendix R code
    (see the module docstring). Raises ``ValueError`` when the reconstruction
    produces a negative number of events or censorings (a curve inconsistent
    with its at-risk table) instead of R's garbled output.
    """
    if events not in EVENTS:
        raise ValueError(f"events: {events!r} is not one of {list(EVENTS)}")
    prepared = prepare_curve(curve, tolerance, preprocess)
    t_s, s = prepared["time"].to_numpy(), prepared["survival"].to_numpy()
    t_risk, n_risk = prepare_at_risk(at_risk, t_s)
    n0 = int(n_risk[0])
    if total_events is not None:
        if int(total_events) != total_events or not 0 <= total_events <= n0:
            raise ValueError(f"total_events: {total_events!r} is not a whole number between 0 and {n0}")
        total_events = int(total_events)
    later = np.flatnonzero((s == 0) & (t_s < t_risk[-1]))
    if later.size and n_risk[-1] > 0:
        k = int(later[0])
        j = int(np.searchsorted(t_risk, t_s[k], side="right"))
        raise ValueError(f"curve: survival reads 0 at time {float(t_s[k])!r}, but at_risk row {j} has "
                         f"{int(n_risk[j])} patients at risk at time {float(t_risk[j])!r}; a curve is 0 only after "
                         "its last patient at risk (correct the readings near the axis)")
    with np.errstate(divide="ignore", invalid="ignore"):
        d, cen = _guyot(t_s, s, t_risk, n_risk, total_events, events, prepared["step"].to_numpy())
    undefined = np.flatnonzero(np.isnan(d) | np.isnan(cen))
    if undefined.size:
        k = int(undefined[0])
        raise ValueError(f"curve: the reconstructed curve falls to 0 before time {float(t_s[k])!r} while the at-risk "
                         "table still has patients at risk later (the Guyot algorithm divides by the reconstructed "
                         "survival there); the readings near the axis are probably too low")
    for name, counts in (("events", d), ("censorings", cen)):
        bad = np.flatnonzero(~(counts >= 0))
        if bad.size:
            k = int(bad[0])
            raise ValueError(f"curve: the reconstruction gives {counts[k]:g} {name} at time {float(t_s[k])!r}; "
                             "the curve "
                             "is inconsistent with the at-risk table there")
    d, cen = d.astype(np.int64), cen.astype(np.int64)
    times = [np.repeat(t_s, d), np.repeat((t_s[:-1] + t_s[1:]) / 2, cen[:-1])]
    events = [np.ones(d.sum()), np.zeros(cen[:-1].sum())]
    placed = d.sum() + cen[:-1].sum()
    if placed < n0:
        times.append(np.full(n0 - placed, t_s[-1]))
        events.append(np.zeros(n0 - placed))
    elif placed > n0:
        raise ValueError(f"curve: the reconstruction places {placed} patients, more than the {n0} at time 0")
    return pd.DataFrame({"time": np.concatenate(times), "event": np.concatenate(events).astype(np.int64)})


@dataclass(frozen=True)
class ReconstructionAccuracy:
    """How closely reconstructed IPD reproduce the digitised curve and the published at-risk table.

    ``max_abs_diff``/``rms_diff``: KM of the IPD minus the digitised survival at
    the prepared digitised points. ``median_reconstructed``/``median_digitised``:
    medians by R's ``quantile.survfit`` rule (NaN if not reached).
    ``at_risk``: ``time, published, reconstructed, difference``.
    """

    max_abs_diff: float
    rms_diff: float
    median_reconstructed: float
    median_digitised: float
    at_risk: pd.DataFrame


def accuracy_report(ipd: pd.DataFrame, curve: pd.DataFrame, at_risk: pd.DataFrame,
                    tolerance: float = SURVIVAL_TOLERANCE, preprocess: str = "antitonic") -> ReconstructionAccuracy:
    """Compare reconstructed IPD with the curve and at-risk table they came from (Guyot 2012, "Results").

    The KM estimate of ``ipd`` (R ``survfit``) is evaluated as a right-continuous
    step function at each prepared digitised time (:func:`prepare_curve`, with
    the ``preprocess`` the IPD were reconstructed with);
    differences with the digitised survival give the maximum absolute and the
    root-mean-square difference. Medians: the smallest time with S <= 0.5,
    midpoint rule on flat segments (R ``quantile.survfit``), for the KM of the
    IPD and for the digitised points read as a step function. Numbers at risk
    of the IPD at time t: patients with time >= t.
    """
    prepared = prepare_curve(curve, tolerance, preprocess)
    t_s, s = prepared["time"].to_numpy(), prepared["survival"].to_numpy()
    t_risk, n_risk = prepare_at_risk(at_risk, t_s)
    km = kaplan_meier(ipd["time"].to_numpy(), ipd["event"].to_numpy())
    pos = np.searchsorted(km.time, t_s, side="right") - 1
    fitted = np.where(pos >= 0, km.survival[np.maximum(pos, 0)], 1.0)
    diff = fitted - s
    ipd_time = np.sort(ipd["time"].to_numpy(dtype=float))
    recon = len(ipd_time) - np.searchsorted(ipd_time, t_risk, side="left")
    table = pd.DataFrame({"time": t_risk, "published": n_risk, "reconstructed": recon,
                          "difference": recon - n_risk})
    return ReconstructionAccuracy(
        max_abs_diff=float(np.abs(diff).max()), rms_diff=float(np.sqrt(np.mean(diff ** 2))),
        median_reconstructed=km.quantile(0.5).estimate,
        median_digitised=curve_quantile(t_s[1:], s[1:], 0.5, first_time=t_s[0]),
        at_risk=table)
