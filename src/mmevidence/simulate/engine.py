"""``simulate_study``: every canonical source table of a simulated study, calibrated to the
published figures; ``write_tables``: write them as CSV or Parquet for ``mmevidence ingest``.

Pipeline: arms (published allocation) -> baseline covariates (:mod:`.baseline`) -> event
times, visits, best response, end of treatment, next line (:mod:`.course`, :mod:`.events`)
= the latent frame (:mod:`.latent`) -> source tables: ``patients``, ``prior_therapies``,
``cytogenetics``, ``subsequent_therapies`` here; ``labs``, ``response_assessments``,
``administrations``, ``adverse_events`` by the clinical simulators (S-clinical modules
``labs``, ``responses``, ``dosing``, ``adverse_events``).

Determinism: ``numpy.random.default_rng(seed)`` spawns one child generator per component in
the fixed order of :data:`COMPONENTS` (``Generator.spawn``), so adding a component at the
end never changes the others' draws. Everything is vectorised over patients.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Collection, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from ..data.schema import TABLES
from .baseline import categorical, simulate_baseline, simulate_cytogenetics, simulate_prior_therapies
from .course import simulate_course
from .latent import LATENT_COLUMNS, LATENT_LABS, check_latent
from .model import arm_sizes, calibrated

#: Random-number streams, in spawn order (append new components at the end).
COMPONENTS: tuple[str, ...] = (
    "arms", "baseline", "prior_therapies", "cytogenetics", "follow_up", "events", "visits", "treatment_end",
    "next_line", "subsequent_therapies", "labs", "responses", "administrations", "adverse_events", "sites",
    "safety",
)

#: Clinical simulators (S-clinical): table -> (module, function).
CLINICAL: dict[str, tuple[str, str]] = {
    "labs": ("labs", "simulate_labs"),
    "response_assessments": ("responses", "simulate_reported_responses"),
    "administrations": ("dosing", "simulate_administrations"),
    "adverse_events": ("adverse_events", "simulate_adverse_events"),
}

DAY = np.timedelta64(1, "D")


def _study_id(study: Any) -> str:
    return study if isinstance(study, str) else str(getattr(study, "id"))


def _days_to_date(index: np.ndarray, days: np.ndarray) -> np.ndarray:
    """index + days as datetime64[ns] (NaT where ``days`` is NaN)."""
    d = np.asarray(days, dtype=float)
    out = index.astype("datetime64[D]") + np.where(np.isnan(d), 0, d).astype(np.int64) * DAY
    out = out.astype("datetime64[ns]")
    out[np.isnan(d)] = np.datetime64("NaT")
    return out


def simulate_latent(study: Any, n: int | None = None, seed: int | Sequence[int] = 1, id_offset: int = 0
                    ) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict[str, np.random.Generator]]:
    """The latent frame (:mod:`.latent`), the baseline-derived tables (``prior_therapies``,
    ``cytogenetics``) and the remaining component generators. Patient ids are numbered from
    ``id_offset + 1``; ``seed`` is anything ``numpy.random.default_rng`` accepts."""
    sid = _study_id(study)
    cal = calibrated(sid)
    m = cal.model
    rng = dict(zip(COMPONENTS, np.random.default_rng(seed).spawn(len(COMPONENTS))))
    sizes = arm_sizes(m, n)
    arm_id = np.concatenate([np.full(k, a, dtype=object) for a, k in sizes.items()])
    arm_id = arm_id[rng["arms"].permutation(len(arm_id))]          # randomisation order
    total = len(arm_id)
    pid = np.char.add("P", np.char.zfill(np.arange(id_offset + 1, id_offset + total + 1).astype(str), 7)).astype(object)
    base = simulate_baseline(m, arm_id, rng["baseline"])
    cov = {"bl_hemoglobin": base["bl_hemoglobin"].to_numpy()}
    course = simulate_course(sid, arm_id, cov, [rng["follow_up"], rng["events"], rng["visits"],
                                                   rng["treatment_end"], rng["next_line"]])
    index = (cal.start + course["index_offset_day"].to_numpy().astype(np.int64) * DAY).astype("datetime64[ns]")
    sites = int(m.get("sites", 1))
    site = np.char.add("S", np.char.zfill((rng["sites"].integers(0, sites, total) + 1).astype(str), 3)).astype(object)
    label = {a["id"]: a["label"] for a in m["arms"]}
    regimen = {a["id"]: a["regimen"] for a in m["arms"]}
    prior, dx = simulate_prior_therapies(m, pid, index.astype("datetime64[D]"),
                                         base["years_since_diagnosis"].to_numpy(), base["prior_asct"].to_numpy(),
                                         rng["prior_therapies"])
    cyto = simulate_cytogenetics(m, pid, arm_id, index.astype("datetime64[D]"), rng["cytogenetics"])
    latent = pd.DataFrame({
        "patient_id": pid, "site_id": site, "arm": pd.Series(arm_id).map(label).to_numpy(dtype=object),
        "arm_id": arm_id, "regimen": pd.Series(arm_id).map(regimen).to_numpy(dtype=object),
        "index_date": index, "data_cutoff": np.full(total, cal.cutoff.astype("datetime64[ns]")),
        "age": base["age"], "sex": base["sex"], "weight_kg": base["weight_kg"], "height_cm": base["height_cm"],
        "ecog": base["ecog"], "myeloma_type": base["myeloma_type"], "light_chain": base["light_chain"],
        "iss_stage_at_diagnosis": base["iss_stage_at_diagnosis"], "iss_stage_at_entry": base["iss_at_entry"],
        "prior_asct": base["prior_asct"], "diagnosis_date": dx.astype("datetime64[ns]"),
        "measurable": base["measurable"], "bl_hemoglobin": base["bl_hemoglobin"],
        "bl_creatinine": base["bl_creatinine"], "bl_albumin": base["bl_albumin"],
        "bl_beta2_microglobulin": base["bl_beta2_microglobulin"],
    })
    for c in course.columns:
        if c in LATENT_COLUMNS:
            latent[c] = course[c].to_numpy()
    latent["treated"] = _treated(m, arm_id, course["best_response"].to_numpy(), rng["safety"])
    latent = latent[list(LATENT_COLUMNS)]
    latent.attrs["study_id"] = sid
    check_latent(latent)
    return latent, {"prior_therapies": prior, "cytogenetics": cyto}, rng


def _treated(model: dict, arm_id: np.ndarray, best: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Received at least one dose: the published safety-population share per arm (exact count,
    largest remainder), the untreated taken first among the NE patients (never assessed)."""
    out = np.ones(len(arm_id), dtype=bool)
    for a, spec in (model.get("safety_population") or {}).items():
        idx = np.flatnonzero(arm_id == a)
        k = int(round(len(idx) * (1 - spec["n"] / spec["of"])))
        order = idx[np.lexsort((rng.random(len(idx)), best[idx] != "NE"))]
        out[order[:k]] = False
    return out


def patients_table(latent: pd.DataFrame) -> pd.DataFrame:
    """``patients`` rows from the latent frame."""
    idx = latent["index_date"].to_numpy()
    return pd.DataFrame({
        "patient_id": latent["patient_id"], "site_id": latent["site_id"], "arm": latent["arm"],
        "sex": latent["sex"], "age_at_index": latent["age"], "diagnosis_date": latent["diagnosis_date"],
        "index_date": latent["index_date"], "myeloma_type": latent["myeloma_type"],
        "light_chain": latent["light_chain"], "ecog": latent["ecog"],
        "iss_stage_at_diagnosis": latent["iss_stage_at_diagnosis"], "weight_kg": latent["weight_kg"],
        "height_cm": latent["height_cm"], "prior_asct": latent["prior_asct"],
        "end_of_treatment_date": _days_to_date(idx, latent["eot_day"].to_numpy()),
        "end_of_treatment_reason": latent["eot_reason"],
        "death_date": _days_to_date(idx, latent["death_day"].to_numpy()), "death_cause": latent["death_cause"],
        "last_contact_date": _days_to_date(idx, latent["last_contact_day"].to_numpy()),
    })


def subsequent_therapies_table(latent: pd.DataFrame, study_id: str, rng: np.random.Generator) -> pd.DataFrame:
    """First subsequent line (start, drugs from the arm's mix, progression on it for PFS2) and,
    after that progression, the start of a second line when observed."""
    m = calibrated(study_id).model["next_therapy"]
    has = latent["next_line_day"].notna().to_numpy()
    lt = latent.loc[has]
    idx = lt["index_date"].to_numpy()
    drugs = np.empty(len(lt), dtype=object)
    arm_id = lt["arm_id"].to_numpy()
    for a in np.unique(arm_id):
        sel = arm_id == a
        drugs[sel] = categorical(rng, int(sel.sum()), m["drugs"][a])
    first = pd.DataFrame({"patient_id": lt["patient_id"].to_numpy(), "line_number": 1,
                          "start_date": _days_to_date(idx, lt["next_line_day"].to_numpy()), "drugs": drugs,
                          "progression_date": _days_to_date(idx, lt["next_line_progression_day"].to_numpy())})
    p2 = lt["next_line_progression_day"].to_numpy() + 1 + np.ceil(rng.exponential(30.0, len(lt)))
    end = np.fmin(lt["last_contact_day"].to_numpy(), np.where(lt["death_day"].notna(), lt["death_day"] - 1, np.inf))
    ok = ~np.isnan(p2) & (p2 <= end)
    second = pd.DataFrame({"patient_id": lt["patient_id"].to_numpy()[ok], "line_number": 2,
                           "start_date": _days_to_date(idx[ok], p2[ok]),
                           "drugs": "selinexor;dexamethasone",
                           "progression_date": pd.Series(pd.NaT, index=range(int(ok.sum())), dtype="datetime64[ns]")})
    out = pd.concat([first, second], ignore_index=True)
    return out.sort_values(["patient_id", "line_number"], kind="stable").reset_index(drop=True)


def _clinical(table: str, require: bool):
    module, func = CLINICAL[table]
    try:
        return getattr(importlib.import_module(f"{__package__}.{module}"), func)
    except (ImportError, AttributeError) as exc:
        if require:
            raise NotImplementedError(
                f"simulate: table {table!r} needs {__package__}.{module}.{func} (S-clinical), not available yet "
                f"({exc}); pass require_clinical=False to simulate without it") from exc
        return None


def _latent_baseline_labs(labs: pd.DataFrame, latent: pd.DataFrame) -> pd.DataFrame:
    """Overwrite the screening values of :data:`latent.LATENT_LABS` with the latent ones (the event
    model depends on them, e.g. hemoglobin in the Italian cohort); the screening row of a test is
    its last row on or before the index date."""
    pos = pd.Index(latent["patient_id"]).get_indexer(labs["patient_id"])
    on_or_before = labs["date"].to_numpy() <= latent["index_date"].to_numpy()[pos]
    test = labs["test"].to_numpy()
    date = labs["date"].to_numpy()
    value = labs["value"].to_numpy(dtype=object).copy()
    unit = labs["unit"].to_numpy(dtype=object).copy()
    for name, u in LATENT_LABS.items():
        rows = np.flatnonzero((test == name) & on_or_before)
        if len(rows) == 0:
            continue
        order = np.lexsort((date[rows], pos[rows]))          # by patient, then date: keep each patient's last
        rows = rows[order]
        last = rows[np.r_[pos[rows][1:] != pos[rows][:-1], True]]
        vals = latent[f"bl_{name}"].to_numpy(dtype=float)[pos[last]]
        value[last] = pd.Series(vals).map("{:g}".format).to_numpy(dtype=object)
        unit[last] = u
    labs["value"] = value
    labs["unit"] = unit
    return labs


def simulate_study(study: Any, n: int | None = None, seed: int | Sequence[int] = 1, *, require_clinical: bool = True,
                   tables: Collection[str] | None = None, id_offset: int = 0) -> dict[str, pd.DataFrame]:
    """Every canonical source table of ``study`` (a bundled study id such as "icaria-mm", or a
    ``mmevidence.studies.Study``) for ``n`` patients in total (None = the published size;
    randomised studies split by the published allocation), deterministic for ``seed``.

    Columns and units are those of :data:`mmevidence.data.schema.TABLES`. The clinical tables
    come from S-clinical's simulators; while one is missing, ``require_clinical=True`` raises
    ``NotImplementedError`` naming it, ``False`` leaves the table out. The latent frame is
    returned under the key ``"_latent"`` (not a source table; ``write_tables`` skips it).
    ``tables``: build only these source tables (``patients`` always; ``response_assessments``
    also builds ``labs``), e.g. for fast repeated simulation of one endpoint; the draws of the
    tables built are the same as in a full run.
    """
    want = set(TABLES) if tables is None else set(tables) | {"patients"}
    unknown = want - set(TABLES)
    if unknown:
        raise ValueError(f"tables: unknown table(s) {', '.join(sorted(unknown))}")
    sid = _study_id(study)
    latent, base_tables, rng = simulate_latent(sid, n, seed, id_offset)
    out: dict[str, pd.DataFrame] = {"patients": patients_table(latent)}
    out.update(base_tables)
    if "subsequent_therapies" in want:
        out["subsequent_therapies"] = subsequent_therapies_table(latent, sid, rng["subsequent_therapies"])
    labs = None
    fn = _clinical("labs", require_clinical) if want & {"labs", "response_assessments"} else None
    if fn is not None:
        labs = _latent_baseline_labs(fn(latent, rng["labs"]), latent)
        out["labs"] = labs
    fn = _clinical("response_assessments", require_clinical) if "response_assessments" in want else None
    if fn is not None and labs is not None:
        out["response_assessments"] = fn(latent, labs, rng["responses"])
    for table in ("administrations", "adverse_events"):
        fn = _clinical(table, require_clinical) if table in want else None
        if fn is not None:
            out[table] = fn(latent, rng[table])
    ordered = {t: out[t] for t in TABLES if t in out and t in want}
    ordered["_latent"] = latent
    return ordered


def _arrow(df: pd.DataFrame, table: str) -> pa.Table:
    """Arrow table in the schema's column order: dates as date32, the rest as inferred."""
    cols = [c.name for c in TABLES[table].columns if c.name in df.columns]
    arrays = []
    for c in cols:
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            arr = pa.array(s.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]"), type=pa.date32(),
                           mask=s.isna().to_numpy())
        elif s.dtype == object:
            arr = pa.array(s.where(s.notna(), None).tolist() if len(s) < 1000 else s, from_pandas=True)
            if pa.types.is_null(arr.type):
                arr = arr.cast(pa.string())
        else:
            arr = pa.Array.from_pandas(s)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, names=cols)


def write_tables(tables: dict[str, pd.DataFrame], out_dir: str | Path, format: str = "csv") -> list[Path]:
    """Write each canonical table as ``<out_dir>/<table>.csv`` (ISO dates, empty = missing,
    booleans true/false) or ``.parquet`` (typed); keys starting with "_" are skipped.
    Returns the paths written."""
    if format not in ("csv", "parquet"):
        raise ValueError(f"format: must be 'csv' or 'parquet', got {format!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in tables.items():
        if name.startswith("_"):
            continue
        if name not in TABLES:
            raise ValueError(f"tables: {name!r} is not a canonical table")
        t = _arrow(df, name)
        path = out / f"{name}.{format}"
        if format == "csv":
            import pyarrow.csv as pacsv
            pacsv.write_csv(t, path, pacsv.WriteOptions(quoting_style="needed"))
        else:
            import pyarrow.parquet as pq
            pq.write_table(t, path)
        paths.append(path)
    return paths


def as_store_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The simulated tables as ``mmevidence.data.ingest`` stores them (what
    ``mmevidence.derive.pipeline.derive_all`` reads): ``source_file``/``source_row`` (row 2 =
    first data row of ``<table>.csv``), dates as datetime64, ``labs.value`` numeric with the
    non-numeric results (immunofixation) in ``value_text``. No unit conversion is needed:
    the simulator writes canonical units. For deriving many small simulated studies in memory;
    ``tests/simulate/test_engine.py`` checks it gives the same analysis datasets as ingest.
    """
    out = {}
    for name, df in tables.items():
        if name.startswith("_"):
            continue
        cols = [c.name for c in TABLES[name].columns if c.name in df.columns]
        d = df[cols].copy()
        d.insert(0, "source_row", np.arange(2, len(d) + 2, dtype=np.int64))
        d.insert(0, "source_file", f"{name}.csv")
        for c in TABLES[name].columns:
            if c.name in d.columns and c.type == "date":
                d[c.name] = pd.to_datetime(d[c.name]).astype("datetime64[ns]")
        if name == "labs":
            text = d["value"].astype(object)
            num = pd.to_numeric(text, errors="coerce")
            d["value_text"] = text.where(num.isna(), None)
            d["value"] = num
            d["value_original"] = text
            d["unit_original"] = d["unit"]
            d["uln_original"] = d["uln"].map(lambda v: None if pd.isna(v) else f"{v:g}") if "uln" in d else None
            d["conversion"] = None
        out[name] = d
    return out


def write_study(study: Any, out_dir: str | Path, n: int | None = None, seed: int = 1, format: str = "csv",
                chunk_size: int = 200_000) -> list[Path]:
    """Simulate ``n`` patients and write every table, ``chunk_size`` patients at a time (memory
    stays bounded: a million patients hold about 90 million lab and dosing rows).

    Chunk ``k`` is ``simulate_study(study, chunk_n, seed=[seed, k], id_offset=...)``: each chunk
    splits by the published allocation and is an independent draw, so the output is
    deterministic for (``seed``, ``chunk_size``) but is not the same draw as one
    ``simulate_study(study, n, seed)`` call. With ``n <= chunk_size`` it is exactly
    ``write_tables(simulate_study(study, n, seed), out_dir, format)``.
    """
    if format not in ("csv", "parquet"):
        raise ValueError(f"format: must be 'csv' or 'parquet', got {format!r}")
    total = sum(arm_sizes(calibrated(_study_id(study)).model, n).values())
    if total <= chunk_size:
        return write_tables(simulate_study(study, total, seed), out_dir, format)
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    writers: dict[str, Any] = {}
    schemas: dict[str, pa.Schema] = {}
    done = 0
    try:
        for k, start in enumerate(range(0, total, chunk_size)):
            m = min(chunk_size, total - start)
            tables = simulate_study(study, m, seed=[seed, k], id_offset=start)
            for name, df in tables.items():
                if name.startswith("_"):
                    continue
                t = _arrow(df, name)
                if name not in writers:
                    path = out / f"{name}.{format}"
                    schemas[name] = pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f
                                               for f in t.schema])
                    writers[name] = (pacsv.CSVWriter(path, schemas[name]) if format == "csv"
                                     else pq.ParquetWriter(path, schemas[name]))
                writers[name].write_table(t.cast(schemas[name]))
            done += m
    finally:
        for w in writers.values():
            w.close()
    return [out / f"{name}.{format}" for name in writers]
