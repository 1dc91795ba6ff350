"""Benchmark: one endpoint's efficacy analysis (mmevidence.analysis.efficacy.analyse_endpoint) vs the
same statistics assembled from lifelines.

Per arm: Kaplan-Meier with median, quartiles and 6/12/18/24-month landmarks; between arms: Cox HR
stratified by two factors (Efron) and the stratified log-rank test (one- and two-sided). lifelines
has no stratified log-rank test, so its side runs the unstratified one (less work than ours).
Run: .venv/bin/python benchmarks/bench_efficacy.py [--rows 10000 100000] [--repeat 3]
Writes benchmarks/results/efficacy.md. Asserts (not a test) that the stratified HRs agree to 1e-6.
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
import pandas as pd

from _common import best_of, publish
from mmevidence.analysis.efficacy import analyse_endpoint
from mmevidence.analysis.plan import build_plan

STUDY = {"id": "bench", "arms": [{"id": "e", "label": "E"}, {"id": "c", "label": "C"}],
         "comparison": {"experimental": "e", "control": "c"}, "populations": {"itt": {"filter": "ittfl"}},
         "stratification": [{"variable": "s1"}, {"variable": "s2"}], "endpoints": [{"id": "PFS", "label": "PFS"}]}


def simulate(n: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    arm = np.where(rng.integers(0, 2, n) == 1, "E", "C")
    s1, s2 = rng.choice(["<75", ">=75"], n, p=[0.8, 0.2]), rng.choice(["2-3", ">3"], n, p=[0.65, 0.35])
    days = np.ceil(rng.exponential(np.where(arm == "E", 350.0, 200.0)))
    cens = np.ceil(rng.uniform(30, 900, n))
    pid = np.arange(n).astype(str)
    adsl = pd.DataFrame({"patient_id": pid, "arm": arm, "s1": s1, "s2": s2, "ittfl": True})
    adtte = pd.DataFrame({"patient_id": pid, "endpoint": "PFS", "time_months": np.minimum(days, cens) / 30.4375,
                          "event": (days <= cens).astype(int)})
    return adsl, adtte


def lifelines_side(adsl: pd.DataFrame, adtte: pd.DataFrame) -> float:
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test
    from lifelines.utils import median_survival_times
    d = adsl.merge(adtte, on="patient_id")
    for arm in ("E", "C"):
        sub = d[d["arm"] == arm]
        kmf = KaplanMeierFitter().fit(sub["time_months"], sub["event"])
        kmf.median_survival_time_, median_survival_times(kmf.confidence_interval_)
        kmf.percentile(0.25), kmf.percentile(0.75), kmf.survival_function_at_times([6, 12, 18, 24])
    a, b = d["arm"] == "E", d["arm"] == "C"
    logrank_test(d["time_months"][a], d["time_months"][b], d["event"][a], d["event"][b])
    x = pd.DataFrame({"t": d["time_months"], "e": d["event"], "treat": a.astype(float), "s1": d["s1"], "s2": d["s2"]})
    cph = CoxPHFitter().fit(x, "t", "e", strata=["s1", "s2"])
    return float(np.exp(cph.params_["treat"]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    plan = build_plan(STUDY)
    lines = ["# Efficacy analysis of one endpoint: mmevidence vs lifelines", "",
             f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}; "
             f"best of {args.repeat} runs, wall clock.", "",
             "| patients | mmevidence analyse_endpoint (s) | lifelines equivalent (s) | ratio lifelines/ours | HR |",
             "|---:|---:|---:|---:|---:|"]
    for n in args.rows:
        adsl, adtte = simulate(n)
        t_ours, recs = best_of(lambda: analyse_endpoint(adsl, adtte, "PFS", plan), args.repeat)
        t_ll, hr_ll = best_of(lambda: lifelines_side(adsl, adtte), args.repeat)
        hr = float(recs.loc[(recs["group"] == "") & (recs["statistic"] == "hr"), "value"].iloc[0])
        assert abs(hr / hr_ll - 1) < 1e-6, (hr, hr_ll)
        lines.append(f"| {n:,} | {t_ours:.3f} | {t_ll:.3f} | {t_ll / t_ours:.1f} | {hr:.6f} |")
    lines += ["", "Ours includes the stratified log-rank test (one- and two-sided) and the Brookmeyer-Crowley "
              "CIs of three quantiles per arm; lifelines runs an unstratified log-rank test (it has no stratified one)."]
    publish("efficacy", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
