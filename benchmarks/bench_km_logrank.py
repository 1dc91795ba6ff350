"""Benchmark: Kaplan–Meier + two-group log-rank on day-rounded times, mmevidence vs lifelines.

Run: .venv/bin/python benchmarks/bench_km_logrank.py [--rows 10000000] [--lifelines-rows N]
Writes benchmarks/results/km_logrank.md. Asserts (not a test) that both libraries
agree on the median, survival at 365/730/1095 days and the log-rank chi-square to 1e-6.
Timings are best of ``--repeat`` runs, wall clock, on whatever machine runs it.
"""

from __future__ import annotations

import argparse
import platform
from pathlib import Path

import numpy as np

from mmevidence import stats

from _common import best_of, publish

LANDMARKS = [365.0, 730.0, 1095.0]


def simulate(n: int, seed: int = 20240601) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exponential event times (median ~ 485 / 625 days by arm), uniform censoring, rounded up to days."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 2, n)
    t = np.ceil(rng.exponential(np.where(group == 1, 900.0, 700.0)))
    c = np.ceil(rng.uniform(0.0, 3000.0, n))
    return np.minimum(t, c), (t <= c).astype(float), group


def ours(t, e, g):
    km = stats.kaplan_meier(t, e)
    med = km.median().estimate
    at = km.survival_at(LANDMARKS)["survival"].to_numpy()
    lr = stats.logrank_test(t, e, g)
    return med, at, lr.statistic


def ours_km(t, e):
    km = stats.kaplan_meier(t, e)
    return km.median().estimate, km.survival_at(LANDMARKS)["survival"].to_numpy()


def ours_lr(t, e, g):
    return stats.logrank_test(t, e, g).statistic


def lifelines_km(t, e):
    from lifelines import KaplanMeierFitter
    kmf = KaplanMeierFitter().fit(t, e)
    return float(kmf.median_survival_time_), kmf.survival_function_at_times(LANDMARKS).to_numpy()


def lifelines_lr(t, e, g):
    from lifelines.statistics import logrank_test
    a, b = g == 0, g == 1
    return float(logrank_test(t[a], t[b], e[a], e[b]).test_statistic)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--lifelines-rows", type=int, default=None, help="rows for the lifelines comparison (default: --rows)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n_big = args.rows
    n_ll = args.lifelines_rows or n_big

    rows = []
    t, e, g = simulate(n_big)
    t_total, (med, at, chi) = best_of(lambda: ours(t, e, g), args.repeat)
    rows.append(("mmevidence KM + median + landmarks + log-rank", n_big, t_total, None))

    tl, el, gl = (t, e, g) if n_ll == n_big else simulate(n_ll)
    t_km, (m_ours, at_ours) = best_of(lambda: ours_km(tl, el), args.repeat)
    t_lr, chi_ours = best_of(lambda: ours_lr(tl, el, gl), args.repeat)
    rep_ll = max(1, min(args.repeat, 2))
    t_km_ll, (m_ll, at_ll) = best_of(lambda: lifelines_km(tl, el), rep_ll)
    t_lr_ll, chi_ll = best_of(lambda: lifelines_lr(tl, el, gl), rep_ll)

    # agreement (script-level assertions, not unit tests)
    assert abs(m_ours - m_ll) <= 1e-6 * abs(m_ll), (m_ours, m_ll)
    np.testing.assert_allclose(at_ours, at_ll, rtol=1e-6)
    np.testing.assert_allclose(chi_ours, chi_ll, rtol=1e-6)

    lines = [
        "# Kaplan–Meier and log-rank: mmevidence vs lifelines",
        "",
        f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"numpy {np.__version__}; times are integer days; best of {args.repeat} (lifelines: best of {rep_ll}).",
        "",
        f"mmevidence, {n_big:,} rows, KM + median + survival at {len(LANDMARKS)} landmarks + two-group log-rank: "
        f"**{t_total:.3f} s** (target < 2 s). Median {med:g}, chi-square {chi:.6f}.",
        "",
        f"Same-run comparison on {n_ll:,} rows:",
        "",
        "| task | mmevidence (s) | lifelines (s) | lifelines / mmevidence |",
        "|---|---:|---:|---:|",
        f"| KaplanMeierFitter.fit + median + landmarks | {t_km:.3f} | {t_km_ll:.3f} | {t_km_ll / t_km:.1f}x |",
        f"| logrank_test, two groups | {t_lr:.3f} | {t_lr_ll:.3f} | {t_lr_ll / t_lr:.1f}x |",
        "",
        f"Agreement (asserted to 1e-6): median {m_ours:g} vs {m_ll:g}; survival at {LANDMARKS} "
        f"max |diff| {np.max(np.abs(at_ours - at_ll)):.2e}; chi-square {chi_ours:.10g} vs {chi_ll:.10g}.",
        "",
    ]
    text = "\n".join(lines)
    publish("km_logrank", text)


if __name__ == "__main__":
    main()
