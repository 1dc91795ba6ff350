"""``mmevidence derive STORE [--config study.yaml]``: read the study store, derive every
analysis dataset, write them back into the store in one transaction, return a summary.

Tables written: ``adsl``, ``adtte``, ``adrs``, ``adae``, ``adex`` (per patient and drug),
``adex_patient`` and ``_derive_provenance`` (configuration used, progression source,
cut-off, time, versions). Every row keeps the ``source_table``/``source_row`` (or, for
``adsl``, ``source_file``/``source_row`` of the patient row and ``bl_<test>_row`` of each
baseline lab) it was derived from. A failure leaves the store's previous analysis tables
unchanged (DuckDB transaction).

Progression source (``DeriveConfig.progression_source``): "derived" uses the IMWG engine
(``mmevidence.derive.imwg``) on the store's labs; "reported" uses ``response_assessments``;
"auto" (default) uses "derived" when the labs hold IMWG response tests (serum/urine
M-protein, FLC, immunofixation, marrow, plasmacytoma), else "reported"; the summary says
which and why.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from .. import __version__
from ..data.schema import TABLES
from .adrs import adrs_derived, adrs_reported
from .adsl import derive_adsl
from .adtte import ENDPOINTS, DiseaseEvidence, derive_adtte, derived_evidence, reported_evidence
from .config import DeriveConfig, load_config

#: IMWG measurable-disease types (the engine's ``disease_type``) that allow derived progression.
MEASURABLE: tuple[str, ...] = ("serum_and_urine", "serum", "urine", "flc")

OUTPUT_TABLES: tuple[str, ...] = ("adsl", "adtte", "adrs", "adae", "adex", "adex_patient")


@dataclass
class DeriveSummary:
    """What ``run_derive`` did; ``str()`` is the one-screen summary the CLI prints."""

    store: Path
    n_patients: int
    rows: dict[str, int]
    progression_source: str
    progression_note: str
    cutoff: dt.date | None
    endpoints: pd.DataFrame
    populations: dict[str, int]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def __str__(self) -> str:
        lines = [f"Derived analysis datasets in {self.store} ({self.n_patients:,} patients, {self.seconds:.1f} s)",
                 "Tables (rows): " + ", ".join(f"{k} {v:,}" for k, v in self.rows.items()),
                 "Populations: " + ", ".join(f"{k} {v:,}" for k, v in self.populations.items()),
                 f"Data cut-off: {self.cutoff.isoformat() if self.cutoff else 'none'}",
                 f"Progression: {self.progression_source} ({self.progression_note})",
                 "Endpoints:  endpoint  patients  events  censored  median observed time, months (not a KM median)"]
        for r in self.endpoints.itertuples(index=False):
            lines.append(f"            {r.endpoint:<8} {r.n:>9,} {r.events:>7,} {r.censored:>9,} {r.median_months:>10.1f}")
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


NOT_COMPUTED: Any = object()  # "not computed yet" (None is a valid IMWG result: no response labs)


def _read(con: duckdb.DuckDBPyConnection, name: str, present: set[str]) -> pd.DataFrame | None:
    if name not in present:
        return None
    return con.sql(f'SELECT * FROM "{name}" ORDER BY source_row').df()


def _store_cutoff(con: duckdb.DuckDBPyConnection, present: set[str]) -> dt.date | None:
    if "_provenance" not in present:
        return None
    value = con.sql("SELECT max(data_cutoff) FROM _provenance").fetchall()[0][0]
    return value


def imwg_responses(tables: dict[str, pd.DataFrame | None], index: pd.DataFrame):
    """The IMWG engine on the store's labs (None when there are no response labs). It depends on the
    labs, index dates and next-line starts only, not on the censoring options, so a caller deriving
    several censoring variants computes it once and passes it to :func:`derive_endpoints`."""
    from .imwg import derive_responses
    from .imwg.criteria import TESTS

    labs, sub = tables.get("labs"), tables.get("subsequent_therapies")
    if labs is None or not bool(labs["test"].isin(TESTS).any()):
        return None
    nt = sub[["patient_id", "start_date"]] if sub is not None else None
    return derive_responses(labs, index, nt)


def _evidence(tables: dict[str, pd.DataFrame | None], index: pd.DataFrame, config: DeriveConfig,
              notes: list[str], imwg: Any = NOT_COMPUTED) -> tuple[DiseaseEvidence, pd.DataFrame, str, str]:
    """Choose and build the disease evidence and adrs (see the module docstring); ``imwg``: a result
    of :func:`imwg_responses` already computed for these tables."""
    ra, sub = tables["response_assessments"], tables["subsequent_therapies"]
    choice, note = config.progression_source, ""
    if choice in ("auto", "derived"):
        res = imwg_responses(tables, index) if imwg is NOT_COMPUTED else imwg
        if res is not None:
            n_meas = int(res.best["disease_type"].isin(MEASURABLE).sum())
        if choice == "derived" and res is None:
            raise ValueError("progression_source 'derived' needs IMWG response labs in the store (none found)")
        if choice == "auto" and res is None:
            choice, note = "reported", "auto: no IMWG response labs in the store"
        elif choice == "auto" and n_meas == 0:
            choice, note = "reported", "auto: the IMWG engine found no patient with measurable disease at baseline"
        else:
            note = (f"IMWG engine on the labs; {n_meas:,} patient(s) with measurable disease at baseline"
                    + (" (auto: the store has response labs)" if choice == "auto" else ""))
            choice = "derived"
    if choice == "derived":
        ev = derived_evidence(res.visits, res.best)
        adrs = adrs_derived(res.visits, res.best)
        nm = len(res.best) - n_meas
        if nm:
            notes.append(f"{nm:,} patient(s) without measurable disease at baseline: no derived progression "
                         "(PFS/TTP censored unless death)")
        return ev, adrs, "derived", note
    if ra is None:
        notes.append("no response_assessments table: PFS/TTP have no progression events")
        note = note or "reported responses requested"
    else:
        note = note or "response_assessments as reported"
    ev = reported_evidence(ra, index, sub, config.response_assessor)
    first_nt = None
    if sub is not None:
        s = sub.merge(index, on="patient_id")
        s = s.loc[pd.to_datetime(s["start_date"]) > pd.to_datetime(s["index_date"])]
        first_nt = pd.to_datetime(s.groupby("patient_id")["start_date"].min()).astype("datetime64[ns]")
    adrs = adrs_reported(ra, index, first_nt, config.response_assessor)
    return ev, adrs, "reported", note


def _norm_key(s: str) -> str:
    return "".join(ch for ch in s.lower() if ch.isalnum())


def _regimens_by_arm(arms: list[str], config: DeriveConfig, notes: list[str]) -> dict[str, object]:
    from .regimens import available_regimens, load_regimen
    if config.regimens is not None:
        return {arm: load_regimen(name) for arm, name in config.regimens.items() if arm in arms}
    bundled = {}
    for name in available_regimens():
        reg = load_regimen(name)
        bundled[_norm_key(reg.name)] = reg
    out = {arm: bundled[_norm_key(arm)] for arm in arms if _norm_key(arm) in bundled}
    missing = [a for a in arms if a not in out]
    if missing:
        notes.append(f"no regimen for arm(s) {', '.join(missing)}: no adex rows for them "
                     "(set 'regimens' in the config)")
    return out


def _safety_tables(tables: dict[str, pd.DataFrame | None], adsl: pd.DataFrame, config: DeriveConfig,
                   notes: list[str]) -> dict[str, pd.DataFrame]:
    """adex (per arm with a regimen) and adae (part B's derivations)."""
    from .adae import derive_adae
    from .adex import cycle_starts, derive_adex
    out: dict[str, pd.DataFrame] = {}
    adm, pts = tables["administrations"], tables["patients"]
    arms = sorted(adsl["arm"].dropna().unique().tolist()) if "arm" in adsl.columns else []
    regimens = _regimens_by_arm(arms, config, notes) if adm is not None else {}
    by_drug, by_patient = [], []
    for arm, reg in regimens.items():
        ids = adsl.loc[adsl["arm"] == arm, "patient_id"]
        d, p = derive_adex(adm.loc[adm["patient_id"].isin(ids)], pts.loc[pts["patient_id"].isin(ids)], reg)
        by_drug.append(d.assign(arm=arm, regimen=reg.name))
        by_patient.append(p.assign(arm=arm, regimen=reg.name))
    if by_drug:
        out["adex"] = pd.concat(by_drug, ignore_index=True)
        out["adex_patient"] = pd.concat(by_patient, ignore_index=True)
    if tables["adverse_events"] is not None:
        treatment = adsl[["patient_id", "trt_start", "trt_end", "eot_reason"]].rename(columns={
            "trt_start": "first_dose_date", "trt_end": "last_dose_date", "eot_reason": "end_of_treatment_reason"})
        drugs = sorted({d for r in regimens.values() for d in r.drug_names}) if regimens else (
            sorted(adm["drug"].dropna().unique().tolist()) if adm is not None else [])
        cycles = cycle_starts(adm) if adm is not None else None
        out["adae"] = derive_adae(tables["adverse_events"], treatment, config.te_window_days, cycles, drugs)
    return out


def derive_endpoints(tables: dict[str, pd.DataFrame | None], adsl: pd.DataFrame, config: DeriveConfig | None = None,
                     cutoff: dt.date | None = None, imwg: Any = NOT_COMPUTED) -> pd.DataFrame:
    """``adtte`` alone, as :func:`derive_all` derives it, for a censoring-rule sensitivity analysis:
    ``adsl`` of the primary derivation is reused (censoring options do not change it) and the safety
    datasets are not derived; ``imwg`` is :func:`imwg_responses` computed once for several variants."""
    config = config or DeriveConfig()
    tables = {name: tables.get(name) for name in TABLES}
    index = adsl[["patient_id", "index_date"]]
    ev, _, _, _ = _evidence(tables, index, config, [], imwg)
    return derive_adtte(adsl, ev, tables["subsequent_therapies"], config, config.data_cutoff or cutoff)


def derive_all(tables: dict[str, pd.DataFrame | None], config: DeriveConfig | None = None,
               cutoff: dt.date | None = None) -> tuple[dict[str, pd.DataFrame], dict]:
    """Every analysis dataset from the store tables (``None`` = table absent); pure, no I/O.

    Returns ``(datasets, info)`` with ``info`` holding the progression source, its note, the
    cut-off used and the notes for the summary.
    """
    config = config or DeriveConfig()
    tables = {name: tables.get(name) for name in TABLES}
    if tables["patients"] is None:
        raise ValueError("tables: the store has no patients table")
    cut = config.data_cutoff or cutoff
    notes: list[str] = []
    adsl = derive_adsl(tables["patients"], tables["labs"], tables["cytogenetics"], tables["prior_therapies"],
                       tables["administrations"], config)
    index = adsl[["patient_id", "index_date"]]
    ev, adrs, source, note = _evidence(tables, index, config, notes)
    adtte = derive_adtte(adsl, ev, tables["subsequent_therapies"], config, cut)
    out = {"adsl": adsl, "adtte": adtte, "adrs": adrs}
    out.update(_safety_tables(tables, adsl, config, notes))
    if tables["prior_therapies"] is None:
        notes.append("no prior_therapies table: prior lines, exposure and refractoriness are missing")
    return out, {"progression_source": source, "progression_note": note, "cutoff": cut, "notes": notes}


def _arrow(df: pd.DataFrame) -> pa.Table:
    """``df`` as an Arrow table with typed columns (what DuckDB stores).

    Object columns holding only True/False/None become booleans (DuckDB BOOLEAN), all-missing
    object columns text (VARCHAR), text columns strings; the rest follows
    ``pyarrow.Table.from_pandas`` (NaN/NaT/<NA> -> NULL, as DuckDB's own pandas scan).
    Converting in Arrow's C code instead of DuckDB scanning pandas object columns row by
    row under the GIL is what makes the write fast.
    """
    arrays, fields = [], []
    for c in df.columns:
        col = df[c]
        typ = None
        if col.dtype == object:
            kind = pd.api.types.infer_dtype(col, skipna=True)  # C-level scan, stops at the first mismatch
            typ = {"boolean": pa.bool_(), "string": pa.string(), "empty": pa.string()}.get(kind)
        arr = pa.Array.from_pandas(col, type=typ) if typ is not None else pa.Array.from_pandas(col)
        if pa.types.is_null(arr.type):
            arr = arr.cast(pa.string())
        arrays.append(arr)
        fields.append(str(c))
    return pa.Table.from_arrays(arrays, names=fields)


def _write(con: duckdb.DuckDBPyConnection, name: str, df: pd.DataFrame) -> None:
    table = _arrow(df)
    dates = {f.name for f in table.schema if pa.types.is_timestamp(f.type) or pa.types.is_date(f.type)}
    con.register("_v_out", table)
    cols = ", ".join(f'CAST("{c}" AS DATE) AS "{c}"' if c in dates else f'"{c}"' for c in table.column_names)
    con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT {cols} FROM _v_out')
    con.unregister("_v_out")


def _endpoint_table(adtte: pd.DataFrame) -> pd.DataFrame:
    g = adtte.groupby("endpoint", sort=False).agg(n=("event", "size"), events=("event", "sum"),
                                                  median_months=("time_months", "median"))
    g["censored"] = g["n"] - g["events"]
    g = g.reindex([e for e in ENDPOINTS if e in g.index])
    return g.reset_index()[["endpoint", "n", "events", "censored", "median_months"]]


def run_derive(store_path: str | Path, config_path: str | Path | None = None,
               config: DeriveConfig | None = None) -> DeriveSummary:
    """Derive every analysis dataset of the store at ``store_path`` and write them into it.

    ``config_path``: YAML read by :func:`config.load_config` (``config`` overrides it when
    given). Raises ``FileNotFoundError`` when there is no store, ``ValueError`` for a bad
    configuration. Returns a :class:`DeriveSummary` (``print(summary)`` for the screen).
    """
    t0 = time.perf_counter()
    store = Path(store_path)
    if not store.is_file():
        raise FileNotFoundError(f"no study store at {store}")
    config = config or load_config(config_path)
    con = duckdb.connect(str(store))
    try:
        present = {r[0] for r in con.sql("SELECT table_name FROM information_schema.tables").fetchall()}
        tables = {name: _read(con, name, present) for name in TABLES}
        datasets, info = derive_all(tables, config, _store_cutoff(con, present))
        prov = pd.DataFrame([{
            "derived_at_utc": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0),
            "tool_version": __version__, "config": json.dumps(config.as_dict(), sort_keys=True),
            "progression_source": info["progression_source"], "progression_note": info["progression_note"],
            "data_cutoff": pd.Timestamp(info["cutoff"]) if info["cutoff"] else pd.NaT,
            "notes": "; ".join(info["notes"]), "duckdb_version": duckdb.__version__}])
        con.execute("BEGIN TRANSACTION")
        try:
            for name in OUTPUT_TABLES:
                if name in datasets:
                    _write(con, name, datasets[name])
                else:
                    con.execute(f'DROP TABLE IF EXISTS "{name}"')
            _write(con, "_derive_provenance", prov)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    finally:
        con.close()
    adsl = datasets["adsl"]
    pops = {"ITT": int(len(adsl)), "safety": int((adsl["saffl"] == True).sum())}  # noqa: E712
    return DeriveSummary(store=store, n_patients=len(adsl), rows={k: len(v) for k, v in datasets.items()},
                         progression_source=info["progression_source"], progression_note=info["progression_note"],
                         cutoff=info["cutoff"], endpoints=_endpoint_table(datasets["adtte"]), populations=pops,
                         notes=info["notes"], seconds=time.perf_counter() - t0)
