"""Benchmark: ROC/AUC with DeLong CI, ROC curve, Youden cut-point and DeLong's paired test.

Run: .venv/bin/python benchmarks/bench_roc.py [--rows 1000000] [--repeat 3]
Writes benchmarks/results/roc.md. scikit-learn is not in the venv, so the AUC references are
scipy.stats.mannwhitneyu (U / (m n)) and a plain pandas midrank formula
(AUC = (sum of case midranks - m (m + 1)/2) / (m n)); both give the AUC only, ours adds the
DeLong SE and CI. The other functions have no Python counterpart and are timed alone.
Agreement of each AUC pair is checked (not a test) and printed.
"""

from __future__ import annotations

import argparse
import platform
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu

from mmevidence.stats.roc import roc_auc, roc_curve, roc_test_delong, youden_cutpoint

from _common import best_of, publish


def pandas_rank_auc(marker: np.ndarray, outcome: np.ndarray) -> float:
    r = pd.Series(marker).rank(method="average").to_numpy()
    m = int(outcome.sum())
    n = len(outcome) - m
    return float((r[outcome == 1].sum() - m * (m + 1) / 2) / (m * n))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(9)
    n = args.rows
    outcome = (rng.random(n) < 0.3).astype(float)
    # a marker rounded to 0.1 (lab-value-like: many ties) and a second correlated one
    marker = np.round(rng.normal(12 + 0.6 * outcome, 1.8), 1)
    marker2 = np.round(marker + rng.normal(0, 1.5, n), 1)

    continuous = rng.normal(12 + 0.6 * outcome, 1.8)
    m = int(outcome.sum())

    rows = []
    for label, x in (("tied", marker), ("continuous", continuous)):
        t_o, est = best_of(lambda: roc_auc(x, outcome, "<"), args.repeat)
        t_s, mw = best_of(lambda: mannwhitneyu(x[outcome == 1], x[outcome == 0]).statistic / (m * (n - m)),
                          args.repeat)
        t_p, pr = best_of(lambda: pandas_rank_auc(x, outcome), args.repeat)
        ours = f"roc_auc, {label} marker (AUC + DeLong SE/CI)"
        rows.append((ours, t_o, "scipy mannwhitneyu (AUC only)", t_s, abs(est.estimate - mw)))
        rows.append((ours, t_o, "pandas midrank formula (AUC only)", t_p, abs(est.estimate - pr)))
    t_c, cur = best_of(lambda: roc_curve(marker, outcome, "<"), args.repeat)
    rows.append((f"roc_curve ({len(cur)} thresholds)", t_c, "—", None, None))
    t_y, _ = best_of(lambda: youden_cutpoint(marker, outcome, ">="), args.repeat)
    rows.append(("youden_cutpoint", t_y, "—", None, None))
    t_d, _ = best_of(lambda: roc_test_delong(marker, marker2, outcome, "<"), args.repeat)
    rows.append(("roc_test_delong (two markers)", t_d, "—", None, None))

    lines = [
        f"# ROC benchmark: {n:,} observations ({m:,} cases)",
        "",
        "Tied marker: normal rounded to 0.1 (lab-value-like); continuous: no ties. roc_curve,",
        "youden_cutpoint and roc_test_delong use the tied marker.",
        "",
        f"Best of {args.repeat}; {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, pandas {pd.__version__}. scikit-learn is not installed.",
        "",
        "| mmevidence | time (s) | reference | time (s) | ratio ours/ref | max abs diff |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for name, to, ref, tr, diff in rows:
        if tr is None:
            lines.append(f"| {name} | {to:.3f} | {ref} | | | |")
        else:
            lines.append(f"| {name} | {to:.3f} | {ref} | {tr:.3f} | {to / tr:.2f} | {diff:.1e} |")
    text = "\n".join(lines) + "\n"
    publish("roc", text)


if __name__ == "__main__":
    main()
