"""Benchmark: ``mmevidence ingest`` on a synthetic 100,000-patient cohort.

Generates (deterministically, numpy seed 1) CSVs for every canonical table in
``benchmarks/_work/cohort`` -- 100,000 patients, 50 lab rows a patient (5,000,000),
30 administrations a patient, 3 prior lines, 4 cytogenetic results, 10 response
assessments, 8 adverse events, 1 subsequent line -- all valid, with 10 % of labs in
alternative units so conversions run. Then times, in the same run:

* ``mmevidence ingest`` (the CLI, as a user runs it; full validation + atomic store write),
* ``pandas.read_csv`` of the same files (no validation, no store),
* DuckDB ``read_csv`` into an in-memory table (no validation, no store),

and writes a markdown table to ``benchmarks/results/ingest.md``.

Usage: ``python benchmarks/bench_ingest.py [--patients N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from _common import publish

ROOT = Path(__file__).resolve().parent
WORK = ROOT / "_work"
CUTOFF = "2022-12-31"


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("datetime64[D]")).cast(pa.string())


def _write(folder: Path, name: str, cols: dict[str, object]) -> int:
    table = pa.table({k: (v if isinstance(v, pa.Array) else pa.array(v)).cast(pa.string())
                      for k, v in cols.items()})
    pacsv.write_csv(table, folder / f"{name}.csv", pacsv.WriteOptions(quoting_style="none"))
    return table.num_rows


def generate(folder: Path, n: int) -> dict[str, int]:
    """Write a valid synthetic cohort of ``n`` patients; returns rows per table."""
    rng = np.random.default_rng(1)
    folder.mkdir(parents=True, exist_ok=True)
    ids = np.char.add("P", np.arange(1, n + 1).astype(str))
    base = np.datetime64("2018-01-01", "D").astype(int)
    index = base + rng.integers(0, 730, n)
    birth = index - (rng.uniform(50, 85, n) * 365.25).astype(int)
    last = np.datetime64(CUTOFF, "D").astype(int) - rng.integers(0, 60, n)
    rows = {}
    rows["patients"] = _write(folder, "patients", {
        "patient_id": ids, "site_id": np.char.add("S", (np.arange(n) % 50).astype(str)), "arm": np.full(n, "Isa-Pd"),
        "sex": np.where(rng.random(n) < 0.5, "male", "female"), "birth_date": _dates(birth),
        "age_at_index": np.round((index - birth) / 365.25, 1), "diagnosis_date": _dates(index - 1500),
        "index_date": _dates(index), "myeloma_type": rng.choice(["IgG", "IgA", "light_chain"], n),
        "light_chain": rng.choice(["kappa", "lambda"], n), "ecog": rng.integers(0, 3, n),
        "iss_stage_at_diagnosis": rng.choice(["I", "II", "III"], n), "weight_kg": np.round(rng.uniform(50, 95, n), 1),
        "height_cm": rng.integers(150, 190, n), "prior_asct": rng.choice(["yes", "no"], n),
        "end_of_treatment_date": _dates(index + 600), "end_of_treatment_reason": np.full(n, "progression"),
        "death_date": np.full(n, ""), "death_cause": np.full(n, ""), "last_contact_date": _dates(last)})
    k = 3
    pid = np.repeat(ids, k)
    line = np.tile(np.arange(1, k + 1), n)
    start = np.repeat(index, k) - 1400 + (line - 1) * 400
    rows["prior_therapies"] = _write(folder, "prior_therapies", {
        "patient_id": pid, "line_number": line, "start_date": _dates(start), "end_date": _dates(start + 300),
        "drugs": rng.choice(["bortezomib;lenalidomide;dexamethasone", "daratumumab;lenalidomide;dexamethasone",
                             "carfilzomib;dexamethasone"], n * k),
        "asct": rng.choice(["yes", "no"], n * k), "best_response": rng.choice(["CR", "VGPR", "PR", "SD"], n * k),
        "refractory": rng.choice(["yes", "no"], n * k)})
    k = 30
    j = np.tile(np.arange(k), n)
    drug = np.array(["isatuximab", "pomalidomide", "dexamethasone"])[j % 3]
    rows["administrations"] = _write(folder, "administrations", {
        "patient_id": np.repeat(ids, k), "drug": drug, "date": _dates(np.repeat(index, k) + 7 * (j // 3)),
        "cycle": j // 12 + 1, "cycle_day": (7 * (j // 3)) % 28 + 1,
        "dose": np.where(j % 3 == 0, "10", np.where(j % 3 == 1, "4", "40")),
        "unit": np.where(j % 3 == 0, "mg/kg", "mg"), "planned_dose": np.where(j % 3 == 0, "10", "4")})
    k = 50
    j = np.tile(np.arange(k), n)
    tests = np.array(["serum_m_protein", "hemoglobin", "creatinine", "serum_kappa_flc", "platelets"])
    canon = np.array(["g/dL", "g/dL", "mg/dL", "mg/dL", "10^9/L"])
    alt = np.array(["g/L", "g/L", "µmol/L", "mg/L", "G/L"])
    lo = np.array([0.2, 8.0, 0.6, 1.0, 80.0])
    hi = np.array([4.0, 14.0, 2.0, 60.0, 300.0])
    t = j % 5
    use_alt = rng.random(n * k) < 0.1
    value = lo[t] + (hi[t] - lo[t]) * rng.random(n * k)
    factor = np.array([10.0, 10.0, 88.42, 10.0, 1.0])[t]
    value = np.where(use_alt, value * factor, value)
    rows["labs"] = _write(folder, "labs", {
        "patient_id": np.repeat(ids, k), "date": _dates(np.repeat(index, k) + 14 * (j // 5)), "test": tests[t],
        "value": pa.array(np.round(value, 2)), "unit": np.where(use_alt, alt[t], canon[t]),
        "uln": np.full(n * k, "")})
    k = 4
    rows["cytogenetics"] = _write(folder, "cytogenetics", {
        "patient_id": np.repeat(ids, k), "date": _dates(np.repeat(index, k) - 5),
        "abnormality": np.tile(["del17p", "t_4_14", "t_14_16", "gain_1q"], n),
        "percent_positive": np.full(n * k, ""), "result": rng.choice(["positive", "negative"], n * k)})
    k = 10
    j = np.tile(np.arange(k), n)
    rows["response_assessments"] = _write(folder, "response_assessments", {
        "patient_id": np.repeat(ids, k), "date": _dates(np.repeat(index, k) + 28 * (j + 1)),
        "response": rng.choice(["CR", "VGPR", "PR", "SD", "PD"], n * k), "assessor": np.full(n * k, "investigator")})
    k = 8
    j = np.tile(np.arange(k), n)
    terms = np.array(["Neutropenia", "Thrombocytopenia", "Anaemia", "Pneumonia", "Fatigue", "Diarrhoea",
                      "Insomnia", "Infusion related reaction"])
    onset = np.repeat(index, k) + 10 * j + 1
    rows["adverse_events"] = _write(folder, "adverse_events", {
        "patient_id": np.repeat(ids, k), "preferred_term": terms[j], "system_organ_class": np.full(n * k, "Various"),
        "onset_date": _dates(onset), "end_date": _dates(onset + 7), "grade": rng.integers(1, 5, n * k),
        "serious": rng.choice(["yes", "no"], n * k), "related_to": np.full(n * k, "isatuximab;pomalidomide"),
        "aesi": np.full(n * k, "no"), "action_taken": np.full(n * k, "dose_not_changed"),
        "outcome": np.full(n * k, "recovered")})
    rows["subsequent_therapies"] = _write(folder, "subsequent_therapies", {
        "patient_id": ids, "line_number": np.ones(n, int), "start_date": _dates(index + 620),
        "drugs": np.full(n, "carfilzomib;dexamethasone"), "progression_date": _dates(index + 700)})
    return rows


def time_it(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=100_000)
    args = ap.parse_args()
    folder = WORK / "cohort"
    if folder.exists():
        shutil.rmtree(folder)
    t0 = time.perf_counter()
    rows = generate(folder, args.patients)
    t_gen = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in folder.iterdir())
    store = WORK / "study.duckdb"
    exe = Path(sys.executable).with_name("mmevidence")
    cmd = [str(exe), "ingest", str(folder), "--store", str(store), "--data-cutoff", CUTOFF, "--quiet"]

    def run_cli() -> None:
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            raise SystemExit(f"ingest failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")

    load_before = os.getloadavg()[0]
    t_ours = time_it(run_cli)
    load_after = os.getloadavg()[0]
    t_pandas = time_it(lambda: [pd.read_csv(f, dtype=str, keep_default_na=False) for f in sorted(folder.glob("*.csv"))])
    con = duckdb.connect()
    t_duck = time_it(lambda: [con.execute(f"CREATE OR REPLACE TABLE t_{f.stem} AS SELECT * FROM read_csv('{f}')")
                              for f in sorted(folder.glob("*.csv"))])
    con.close()
    total = sum(rows.values())
    lines = [
        "# Ingest benchmark",
        "",
        f"Generated by `benchmarks/bench_ingest.py` on {dt.date.today().isoformat()}: {args.patients:,} patients, "
        f"{total:,} rows in {len(rows)} CSV files ({size / 1e6:.0f} MB); machine: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, pandas {pd.__version__}.",
        "",
        "| table | rows |", "|---|---:|",
        *[f"| {k} | {v:,} |" for k, v in rows.items()],
        "",
        "| step | seconds | ratio to mmevidence ingest |", "|---|---:|---:|",
        f"| `mmevidence ingest` (read as text, all checks, unit conversion, typed store, atomic write) "
        f"| {t_ours:.1f} | 1.00 |",
        f"| `pandas.read_csv(dtype=str)` of the same files, no validation, no store | {t_pandas:.1f} "
        f"| {t_pandas / t_ours:.2f} |",
        f"| DuckDB `read_csv` into memory (type sniffing), no validation, no store | {t_duck:.1f} "
        f"| {t_duck / t_ours:.2f} |",
        "",
        f"Acceptance: ingest under 60 s -> {'PASS' if t_ours < 60 else 'FAIL'} ({t_ours:.1f} s). "
        f"(Data generation took {t_gen:.1f} s and is not included.) The machine is shared: 1-minute load average "
        f"{load_before:.1f} before and {load_after:.1f} after the ingest (2 cores); timings scale with it.",
        "",
    ]
    text = "\n".join(lines)
    publish("ingest", text)


if __name__ == "__main__":
    main()
