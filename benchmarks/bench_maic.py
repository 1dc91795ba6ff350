"""Benchmark: bootstrap MAIC (1,000 resamples of 300 patients, weights re-estimated in each).

Plain script, not a test. Simulated index trial: 300 patients, 4 covariates (age, its SD, three
binary), targets shifted from the cohort. Rows:

1. mmevidence ``bootstrap_maic`` with the weighted response rate as the statistic, against a
   plain-scipy implementation of the NICE DSU TSD 18 appendix (``scipy.optimize.minimize``
   BFGS on ``sum(exp(X a))`` with its analytic gradient, the default tolerance, per resample)
   on the same resamples; "max abs diff" is the largest difference of the 1,000 replicates.
2. The same bootstrap with the weighted Cox HR as the statistic: the fast path
   (``compare.hazard_ratio_statistic``: the point estimate by ``stats.cox.weighted_log_hazard_ratio``
   on the resample's row indices, no DataFrame and no variance per resample), the general one
   (``stats.cox_ph`` with robust SE on ``data.iloc[rows]``), and lifelines ``CoxPHFitter(weights_col)``
   on the same resamples and weights, with and without ``robust=True`` (100 resamples each, time
   scaled x10; lifelines is slow). "max diff" of the Cox rows is against the fast path's replicates.

Usage: python benchmarks/bench_maic.py     Writes benchmarks/results/maic.md.
"""

from __future__ import annotations

import os
import platform
import time
import warnings

import numpy as np
import pandas as pd
import scipy
from scipy.optimize import minimize

from mmevidence import compare
from mmevidence.stats import cox_ph

from _common import publish

N, N_BOOT, SEED = 300, 1000, 20260122
TARGETS = {"age": 68.0, "male": 0.5, "ecog1": 0.55, "iss3": 0.3}
MATCH_SD = {"age": 8.0}


def simulate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    df = pd.DataFrame({"age": rng.normal(63, 9, N), "male": rng.binomial(1, 0.6, N).astype(float),
                       "ecog1": rng.binomial(1, 0.4, N).astype(float), "iss3": rng.binomial(1, 0.2, N).astype(float),
                       "arm": np.repeat(["A", "C"], N // 2)})
    lp = 0.03 * (df["age"] - 63) + 0.5 * df["ecog1"] - 0.5 * (df["arm"] == "A")
    t = rng.exponential(12 * np.exp(-lp))
    c = rng.uniform(12, 36, N)
    df["time"], df["event"] = np.minimum(t, c), (t <= c).astype(int)
    df["response"] = rng.binomial(1, 0.5, N)
    return df


def resamples() -> list[np.ndarray]:
    rng = np.random.default_rng(SEED + 1)
    return [rng.integers(0, N, N) for _ in range(N_BOOT)]


def response(d: pd.DataFrame, w: np.ndarray) -> float:
    return float(np.sum(w * d["response"].to_numpy()) / w.sum())


def naive_weights(d: pd.DataFrame) -> np.ndarray:
    """TSD 18 appendix in plain scipy: BFGS on sum(exp(X a)), analytic gradient, default tolerance.

    The centred columns are divided by their SD first: without it the age^2 column (~5,000) makes
    exp() overflow on the first BFGS step and the weights are garbage.
    """
    x = np.column_stack([d[c].to_numpy() - t for c, t in TARGETS.items()]
                        + [d["age"].to_numpy() ** 2 - (MATCH_SD["age"] ** 2 + TARGETS["age"] ** 2)])
    x = x / x.std(axis=0)
    fit = minimize(lambda a: np.exp(x @ a).sum(), np.zeros(x.shape[1]),
                   jac=lambda a: x.T @ np.exp(x @ a), method="BFGS")
    w = np.exp(x @ fit.x)
    return w * len(w) / w.sum()


def hr(d: pd.DataFrame, w: np.ndarray) -> float:
    frame = pd.DataFrame({"time": d["time"].to_numpy(), "event": d["event"].to_numpy(),
                          "trt": (d["arm"] == "A").to_numpy(dtype=float)})
    return cox_ph(frame, "time", "event", ["trt"], weights=w, robust=True).hazard_ratio("trt").estimate


def lifelines_hr(d: pd.DataFrame, w: np.ndarray, robust: bool = True) -> float:
    from lifelines import CoxPHFitter
    frame = pd.DataFrame({"time": d["time"].to_numpy(), "event": d["event"].to_numpy(),
                          "trt": (d["arm"] == "A").to_numpy(dtype=float), "w": w})
    return float(np.exp(CoxPHFitter().fit(frame, "time", "event", weights_col="w", robust=robust).params_["trt"]))


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    load = os.getloadavg()[0]
    df = simulate()
    idx = resamples()
    # ours: bootstrap_maic draws its own resamples; the same indices are replayed for the references
    t_ours, boot = timed(lambda: compare.bootstrap_maic(df, TARGETS, response, match_sd=MATCH_SD,
                                                        n_boot=N_BOOT, seed=SEED + 1))
    assert all(np.array_equal(a, b) for a, b in zip(idx[:3], resamples()[:3]))

    def naive():
        return np.array([response(df.iloc[i], naive_weights(df.iloc[i])) for i in idx])
    with np.errstate(all="ignore"):
        t_naive, reps_naive = timed(naive)
    diff_resp = float(np.nanmax(np.abs(boot.replicates - reps_naive)))

    fast = compare.hazard_ratio_statistic("time", "event", "arm", "A")
    t_fast, boot_fast = timed(lambda: compare.bootstrap_maic(df, TARGETS, fast, match_sd=MATCH_SD,
                                                             n_boot=N_BOOT, seed=SEED + 1))
    t_ours_hr, boot_hr = timed(lambda: compare.bootstrap_maic(df, TARGETS, hr, match_sd=MATCH_SD,
                                                              n_boot=N_BOOT, seed=SEED + 1))
    diff_cox = float(np.max(np.abs(boot_hr.replicates / boot_fast.replicates - 1)))
    k = 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lifelines = {robust: timed(lambda: np.array([
            lifelines_hr(df.iloc[i], compare.maic_weights(df.iloc[i], TARGETS, MATCH_SD).weights, robust)
            for i in idx[:k]])) for robust in (False, True)}
    t_ll_pt, t_ll = (lifelines[r][0] * N_BOOT / k for r in (False, True))
    diff_pt, diff_hr = (float(np.max(np.abs(lifelines[r][1] / boot_fast.replicates[:k] - 1))) for r in (False, True))
    speedup = t_ours_hr / t_fast

    text = "\n".join([
        f"# Bootstrap MAIC benchmark ({N_BOOT:,} resamples of {N} patients, weights re-estimated each time)",
        "",
        f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, pandas "
        f"{pd.__version__}; {platform.machine()}, shared 2-core machine (1-min load average {load:.1f} at the start); one "
        "run each. Targets: 4 means + 1 SD. "
        "Same resamples for every implementation.",
        "",
        "| statistic | implementation | seconds | time / mmevidence | max diff of replicates |",
        "|---|---|---:|---:|---:|",
        f"| weighted response rate | mmevidence bootstrap_maic (Newton) | {t_ours:.2f} | 1.0x | 0 |",
        f"| weighted response rate | plain scipy BFGS (TSD 18 appendix) | {t_naive:.2f} | {t_naive / t_ours:.1f}x | "
        f"{diff_resp:.1e} (abs) |",
        f"| weighted Cox HR (point estimate) fast path | mmevidence bootstrap_maic + compare.hazard_ratio_statistic "
        f"| {t_fast:.2f} | 1.0x | 0 |",
        f"| weighted Cox HR (point estimate) | lifelines CoxPHFitter ({k} resamples + weights, x{N_BOOT // k}) | "
        f"{t_ll_pt:.2f} | {t_ll_pt / t_fast:.1f}x | {diff_pt:.1e} (rel) |",
        f"| weighted Cox HR, robust SE | mmevidence bootstrap_maic + stats.cox_ph on data.iloc[rows] | "
        f"{t_ours_hr:.2f} | {speedup:.1f}x | {diff_cox:.1e} (rel) |",
        f"| weighted Cox HR, robust SE | lifelines CoxPHFitter(robust=True) ({k} resamples + weights, x{N_BOOT // k}) | "
        f"{t_ll:.2f} | {t_ll / t_fast:.1f}x | {diff_hr:.1e} (rel) |",
        "",
        f"Bootstrap 95% CI of the weighted HR: {boot_fast.estimate:.4f} ({boot_fast.lower:.4f}, "
        f"{boot_fast.upper:.4f}). The fast path gives the replicates of the cox_ph path (same fit: sorted risk sets, "
        f"Newton-Raphson with R's convergence rule) {speedup:.1f}x faster: a percentile interval needs neither the "
        f"robust variance nor a DataFrame per resample. Of its time, {t_ours:.2f} s is the weights (the "
        "response-rate row: the weights and a dot product). lifelines rows: 100 resamples timed and scaled x10; their replicates differ "
        "by lifelines' own convergence tolerance.",
        "",
        f"Bootstrap 95% CI of the weighted response rate: {boot.estimate:.4f} ({boot.lower:.4f}, {boot.upper:.4f}); "
        f"failed resamples: {boot.failed}. The BFGS replicates differ because BFGS stops at scipy's default "
        "gtol 1e-5 on the scaled gradient, Newton at machine precision (resamples where a target is outside the "
        "resample's range, which bootstrap_maic counts as failed, are left out of the difference).",
    ])
    publish("maic", text)


if __name__ == "__main__":
    main()
