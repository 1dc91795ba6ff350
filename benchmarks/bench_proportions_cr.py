"""Benchmark: proportions, CMH, cumulative incidence and maxstat cut-points, mmevidence vs reference.

Run: .venv/bin/python benchmarks/bench_proportions_cr.py [--rows 200000] [--repeat 3]
Writes benchmarks/results/proportions_cr.md. References: statsmodels (Clopper–Pearson,
StratifiedTable CMH), scipy (exact conditional odds-ratio CI), lifelines
(AalenJohansenFitter). maxstat has no Python counterpart; it is timed alone. Agreement
of each pair is checked (not a test) and printed.
"""

from __future__ import annotations

import argparse
import platform
from pathlib import Path

import numpy as np

from mmevidence import stats

from _common import best_of, publish


def simulate_cr(n: int, seed: int = 7):
    """Continuous times (no ties, so lifelines does not jitter), 2 causes, 2 groups."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 2, n)
    t1 = rng.exponential(np.where(g == 1, 40.0, 30.0))
    t2 = rng.exponential(60.0, n)
    c = rng.uniform(0, 120.0, n)
    t = np.minimum(np.minimum(t1, t2), c)
    cause = np.where(t == c, 0, np.where(t == t1, 1, 2))
    return t, cause, g


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows = []

    # Clopper–Pearson, 2,000 (x, n) pairs
    rng = np.random.default_rng(1)
    ns = rng.integers(1, 500, 2000)
    xs = rng.integers(0, ns + 1)
    from statsmodels.stats.proportion import proportion_confint
    t_o, o = best_of(lambda: [clopper(x, n) for x, n in zip(xs, ns)], args.repeat)
    t_r, r = best_of(lambda: [proportion_confint(x, n, method="beta") for x, n in zip(xs, ns)], args.repeat)
    diff = max(max(abs(a[0] - b[0]), abs(a[1] - b[1])) for a, b in zip(o, r))
    rows.append(("Clopper–Pearson, 2,000 calls", t_o, "statsmodels proportion_confint(beta)", t_r, diff))

    # exact conditional OR CI, 200 tables
    from scipy.stats.contingency import odds_ratio as sp_or
    tabs = rng.integers(0, 60, (200, 4))
    tabs[:, 0] += 1
    tabs[:, 3] += 1
    t_o, o = best_of(lambda: [stats.odds_ratio(*tb, method="exact") for tb in tabs], args.repeat)
    t_r, r = best_of(lambda: [sp_or(tb.reshape(2, 2), kind="conditional").confidence_interval() for tb in tabs],
                     args.repeat)
    diff = max(abs(np.log(a.lower) - np.log(b.low)) if a.lower > 0 else 0 for a, b in zip(o, r))
    rows.append(("exact conditional OR CI, 200 tables", t_o, "scipy odds_ratio(conditional).confidence_interval", t_r,
                 diff))

    # CMH, 500 sets of 8 strata
    from statsmodels.stats.contingency_tables import StratifiedTable
    sets = rng.integers(1, 80, (500, 8, 4))
    t_o, o = best_of(lambda: [stats.cmh_test(s) for s in sets], args.repeat)

    def sm(s):
        st = StratifiedTable([tb.reshape(2, 2) for tb in s])
        return st.test_null_odds(correction=False).statistic, st.oddsratio_pooled, st.oddsratio_pooled_confint()
    t_r, r = best_of(lambda: [sm(s) for s in sets], args.repeat)
    diff = max(max(abs(a.statistic - b[0]) / b[0], abs(a.odds_ratio.lower / b[2][0] - 1)) for a, b in zip(o, r))
    rows.append(("CMH + MH OR + RBG CI, 500 x 8 strata", t_o, "statsmodels StratifiedTable", t_r, diff))

    # cumulative incidence
    t, cause, g = simulate_cr(args.rows)
    landmarks = [12.0, 24.0, 60.0]
    t_o, o = best_of(lambda: stats.cumulative_incidence(t, cause, g, times=landmarks), args.repeat)

    def ll():
        from lifelines import AalenJohansenFitter
        out = []
        for k in (1, 2):
            for gi in (0, 1):
                sel = g == gi
                aj = AalenJohansenFitter(calculate_variance=True).fit(t[sel], cause[sel], event_of_interest=k)
                out.append(aj.predict(landmarks).to_numpy())
        return out
    t_r, r = best_of(ll, max(1, args.repeat - 1))
    ours_est = [o.table.query(f"cause == {k} and group == {gi}").estimate.to_numpy() for k in (1, 2) for gi in (0, 1)]
    diff = max(np.max(np.abs(a - b)) for a, b in zip(ours_est, r))
    t_g, _ = best_of(lambda: stats.cumulative_incidence(t, cause, g), args.repeat)
    rows.append((f"CIF 2 causes x 2 groups + variance, {args.rows:,} rows (ours incl. Gray's test)", t_g,
                 "lifelines AalenJohansenFitter x 4 (with variance, no test)", t_r, diff))

    # maxstat
    marker = np.round(rng.normal(10, 2, args.rows), 1)
    ev = (cause > 0).astype(float)
    t_o, res = best_of(lambda: stats.maxstat_cutpoint(t, ev, marker), args.repeat)
    rows.append((f"maxstat cut-point, {args.rows:,} rows, {len(res.curve)} cuts", t_o, "(no Python reference)",
                 float("nan"), float("nan")))

    lines = [
        "# Proportions, CMH, cumulative incidence, cut-points: mmevidence vs reference",
        "",
        f"Machine: {platform.machine()}, CPython {platform.python_version()}, numpy {np.__version__}; "
        f"best of {args.repeat} (lifelines: best of {max(1, args.repeat - 1)}).",
        "",
        "| task | mmevidence (s) | reference | reference (s) | reference / mmevidence | max abs diff |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for task, a, ref, b, d in rows:
        ratio = f"{b / a:.1f}x" if np.isfinite(b) else "–"
        bt = f"{b:.3f}" if np.isfinite(b) else "–"
        dd = f"{d:.2e}" if np.isfinite(d) else "–"
        lines.append(f"| {task} | {a:.3f} | {ref} | {bt} | {ratio} | {dd} |")
    text = "\n".join(lines) + "\n"
    publish("proportions_cr", text)


def clopper(x, n):
    e = stats.clopper_pearson(int(x), int(n))
    return e.lower, e.upper


if __name__ == "__main__":
    main()
