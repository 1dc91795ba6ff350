"""Benchmark: ph_test vs lifelines, logistic_regression vs statsmodels, fisher_exact vs scipy.

Plain script, not a test. Each pair runs on the same data in the same run; the
table reports wall-clock seconds, the reference's time relative to mmevidence,
and the largest relative difference of the results.

* ph_test (R cox.zph, km transform) on a fitted Cox model (simulated, 4 covariates,
  day-rounded times) vs lifelines ``proportional_hazard_test(time_transform="km")``.
  lifelines implements survival 2.x's approximate test (scaled Schoenfeld residuals),
  not the exact score test of survival >= 3.0, so its statistics differ by design;
  the column shows by how much. The Cox fits themselves are not timed.
* logistic_regression vs statsmodels ``GLM(Binomial)`` (IRLS) on simulated data, 5 covariates.
* fisher_exact vs ``scipy.stats.fisher_exact`` over 2,000 random 2 x 2 tables (two-sided).

Usage: python benchmarks/bench_ph_logistic.py [cox_rows] [logistic_rows]   (default 200000 1000000)
Writes benchmarks/results/ph_logistic.md.
"""

from __future__ import annotations

import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from mmevidence.stats.cox import cox_ph
from mmevidence.stats.fisher import fisher_exact
from mmevidence.stats.logistic import logistic_regression
from mmevidence.stats.ph_test import ph_test

from _common import publish

COX = ["age", "lab", "trt", "sex"]
LOGIT = ["age", "lab", "trt", "sex", "ecog"]


def timed(fn, repeat: int = 1):
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        t = time.perf_counter() - t0
        if best is None or t < best[0]:
            best = (t, out)
    return best


def simulate(n: int, seed: int = 20240501) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "age": rng.normal(65, 10, n), "lab": rng.lognormal(0, 0.5, n),
        "trt": rng.integers(0, 2, n).astype(float), "sex": rng.integers(0, 2, n).astype(float),
        "ecog": rng.integers(0, 3, n).astype(float),
    })
    lp = 0.02 * (df["age"] - 65) + 0.3 * df["lab"] - 0.4 * df["trt"] + 0.2 * df["sex"]
    t_event = rng.exponential(700 * np.exp(-lp)) * (1 + 0.5 * df["trt"] * rng.uniform(0, 1, n))  # mild non-PH
    t_cens = rng.uniform(30, 1500, n)
    df["time"] = np.ceil(np.minimum(t_event, t_cens))
    df["event"] = (t_event <= t_cens).astype(int)
    df["y"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-(-3 + 0.03 * df["age"] + 0.5 * df["trt"] - 0.3 * df["ecog"])))
               ).astype(int)
    return df


def bench_ph(n: int) -> list[tuple]:
    from lifelines import CoxPHFitter
    from lifelines.statistics import proportional_hazard_test

    df = simulate(n)
    fit = cox_ph(df, "time", "event", COX)
    t_ours, ours = timed(lambda: ph_test(fit, "km", terms=False), repeat=3)
    cph = CoxPHFitter().fit(df[COX + ["time", "event"]], "time", "event")
    t_ll, ll = timed(lambda: proportional_hazard_test(cph, df[COX + ["time", "event"]], time_transform="km"))
    a = ours.set_index("term").loc[COX, "chisq"].to_numpy()
    b = ll.summary.loc[COX, "test_statistic"].to_numpy()
    return [("ph_test (km)", "mmevidence ph_test", n, t_ours, 1.0, 0.0),
            ("ph_test (km)", "lifelines proportional_hazard_test", n, t_ll, t_ll / t_ours,
             float(np.max(np.abs(b / a - 1))))]


def bench_logistic(n: int) -> list[tuple]:
    import statsmodels.api as sm

    df = simulate(n)
    t_ours, ours = timed(lambda: logistic_regression(df, "y", LOGIT), repeat=3)
    x = sm.add_constant(df[LOGIT].to_numpy())
    t_sm, sm_fit = timed(lambda: sm.GLM(df["y"].to_numpy(), x, family=sm.families.Binomial()).fit())
    a, b = ours.summary["coef"].to_numpy(), np.asarray(sm_fit.params)
    return [("logistic", "mmevidence logistic_regression", n, t_ours, 1.0, 0.0),
            ("logistic", "statsmodels GLM Binomial", n, t_sm, t_sm / t_ours, float(np.max(np.abs(b / a - 1))))]


def bench_fisher(k: int = 2000) -> list[tuple]:
    from scipy.stats import fisher_exact as scipy_fisher

    rng = np.random.default_rng(7)
    tables = rng.integers(0, 150, size=(k, 4))
    t_ours, ours = timed(lambda: np.array([fisher_exact(*t).p for t in tables]), repeat=3)
    t_sp, sp = timed(lambda: np.array([scipy_fisher(t.reshape(2, 2)).pvalue for t in tables]))
    return [("fisher (2,000 tables)", "mmevidence fisher_exact", k, t_ours, 1.0, 0.0),
            ("fisher (2,000 tables)", "scipy.stats.fisher_exact", k, t_sp, t_sp / t_ours,
             float(np.max(np.abs(sp / ours - 1))))]


def main(cox_rows: int, logistic_rows: int) -> None:
    import lifelines
    import scipy
    import statsmodels

    warnings.simplefilter("ignore")
    rows = bench_ph(cox_rows) + bench_logistic(logistic_rows) + bench_fisher()
    lines = [
        "# PH test, logistic regression and Fisher exact test benchmark",
        "",
        f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"lifelines {lifelines.__version__}, statsmodels {statsmodels.__version__}; {platform.machine()}, "
        "shared 2-core machine. mmevidence: best of 3 runs; references: one run. Max rel. diff: "
        "largest |ref / mmevidence - 1| of the chi-squares (PH test), coefficients (logistic) or "
        "p-values (Fisher). lifelines' PH test is survival 2.x's approximation, so it differs by design.",
        "",
        "| task | implementation | rows / tables | seconds | time / mmevidence | max rel. diff |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for task, name, n, t, ratio, diff in rows:
        lines.append(f"| {task} | {name} | {n:,} | {t:.3f} | {ratio:.1f}x | {diff:.1e} |")
    text = "\n".join(lines) + "\n"
    publish("ph_logistic", text)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*(args + [200_000, 1_000_000][len(args):]))
