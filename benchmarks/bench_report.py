"""Benchmark: ``mmevidence report`` on a 100,000-patient store, and ``mmevidence demo``.

Store: a simulated ICARIA-MM cohort of 100,000 patients (``mmevidence simulate``), ingested
and derived with the study's endpoint definitions into ``benchmarks/_work/report.duckdb``
(built once; reused when present). Timed:

* ``run_report`` on that store: read, the whole analysis plan (baseline, exposure, 7
  time-to-event endpoints with stratified Cox and log-rank, the 3 re-derived PFS sensitivity
  analyses, response with CMH, 10 subgroups with interaction tests, safety), tables, figures
  and the HTML, DOCX and XLSX documents; target under 2 minutes.
* as the same-run reference, lifelines computing only a part of it on the same analysis
  datasets: Kaplan-Meier by arm of the 7 endpoints and one Cox model (PFS, arm + the two
  stratification factors as strata) -- the ratio says how much of a whole report our code does
  in the time lifelines needs for those few statistics.
* ``mmevidence demo`` (simulate, ingest, derive, analyse and report ICARIA-MM and IMAGE at the
  published sizes, 1,000 MAIC bootstrap resamples); target under 3 minutes.

Writes ``benchmarks/results/report.md``. Usage: ``python benchmarks/bench_report.py [--patients N]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _common import publish

ROOT = Path(__file__).resolve().parent
WORK = ROOT / "_work"


def _ensure_store(n: int) -> tuple[Path, dict]:
    from mmevidence.analysis.plan import study_derive_config
    from mmevidence.data import ingest
    from mmevidence.derive.pipeline import run_derive
    from mmevidence.simulate import simulate_study, write_tables
    from mmevidence.studies import load_study

    store = WORK / f"report_{n}.duckdb"
    times: dict = {}
    if store.exists():
        return store, times
    folder = WORK / f"report_source_{n}"
    t0 = time.perf_counter()
    tables = simulate_study("icaria-mm", n, 1)
    cutoff = tables["_latent"]["data_cutoff"].max().date()
    write_tables(tables, folder, "parquet")
    del tables
    times["simulate + write (parquet)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    ingest(folder, store, data_cutoff=cutoff)
    times["ingest"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_derive(store, config=study_derive_config(load_study("icaria-mm")))
    times["derive"] = time.perf_counter() - t0
    shutil.rmtree(folder)
    return store, times


def _lifelines_reference(store: Path) -> float:
    from lifelines import CoxPHFitter, KaplanMeierFitter

    from mmevidence.analysis.run import read_store

    datasets, _ = read_store(store)
    adsl, adtte = datasets["adsl"], datasets["adtte"]
    t0 = time.perf_counter()
    arm = adsl.set_index("patient_id")["arm"]
    for endpoint in ("PFS", "OS", "TTP", "TTNT", "PFS2", "DOR", "TTR"):
        rows = adtte[adtte["endpoint"] == endpoint].dropna(subset=["time_months"])
        for _, part in rows.groupby(rows["patient_id"].map(arm)):
            KaplanMeierFitter().fit(part["time_months"], part["event"])
    pfs = adtte[adtte["endpoint"] == "PFS"].merge(adsl[["patient_id", "arm", "age_group_75", "prior_lines_group"]])
    frame = pfs.assign(isa=(pfs["arm"] == "Isa-Pd").astype(float))[
        ["time_months", "event", "isa", "age_group_75", "prior_lines_group"]].dropna()
    CoxPHFitter().fit(frame, "time_months", "event", strata=["age_group_75", "prior_lines_group"])
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=100_000)
    args = ap.parse_args()
    from mmevidence.report.build import run_report

    WORK.mkdir(exist_ok=True)
    store, prep = _ensure_store(args.patients)
    out = Path(tempfile.mkdtemp(prefix="bench_report_"))
    t0 = time.perf_counter()
    run_report(store, "icaria-mm", out / "report")
    t_report = time.perf_counter() - t0
    t_lifelines = _lifelines_reference(store)
    t0 = time.perf_counter()
    from click.testing import CliRunner

    from mmevidence.cli import main as cli
    res = CliRunner().invoke(cli, ["demo", "--out", str(out / "demo"), "--quiet"])
    t_demo = time.perf_counter() - t0
    assert res.exit_code == 0, res.output
    shutil.rmtree(out)

    lines = [f"# report and demo ({args.patients:,}-patient simulated ICARIA-MM store)", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
             f"load average before the run {os.getloadavg()[0]:.1f}.", "",
             "| step | seconds | target |", "|---|---:|---|"]
    lines += [f"| {name} (store preparation, not timed as report) | {t:.1f} | |" for name, t in prep.items()]
    lines += [f"| `run_report`: whole plan, tables, figures, HTML + DOCX + XLSX | {t_report:.1f} | < 120 |",
              f"| lifelines, same datasets: KM of 7 endpoints by arm + one stratified Cox | {t_lifelines:.1f} | |",
              f"| `mmevidence demo` (ICARIA-MM 307 + IMAGE 299 patients, MAIC 1,000 resamples) | {t_demo:.1f} | < 180 |",
              "", f"Ratio whole report / lifelines' few statistics: {t_report / t_lifelines:.2f}."]
    publish("report", "\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
