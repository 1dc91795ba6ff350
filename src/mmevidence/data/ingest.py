"""Orchestration: read a source, validate it, write the study store atomically."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .readers import SourceFile, load_source
from .report import ValidationError, ValidationReport
from .store import commit, remove_quietly, temp_path, write_meta
from .validate import CheckOptions, _as_date, run_checks

Progress = Callable[[str], None]


@dataclass
class IngestResult:
    """Outcome of :func:`ingest`: where the store is, the report, the files read, the time taken."""

    store: Path
    report: ValidationReport
    files: list[SourceFile]
    report_csv: Path | None
    seconds: float


def _noop(_: str) -> None:
    pass


def validate_source(source: str | Path, data_cutoff: dt.date | str | None = None, date_format: str | None = None,
                    progress: Progress | None = None) -> ValidationReport:
    """Read and validate ``source`` (folder or workbook) without writing a store."""
    progress = progress or _noop
    opts = CheckOptions(date_format=date_format, data_cutoff=_as_date(data_cutoff))
    progress("reading source")
    loaded = load_source(source, date_format)
    progress("validating")
    con = duckdb.connect()
    try:
        return run_checks(con, loaded.tables, opts, loaded.issues)
    finally:
        con.close()


def ingest(source: str | Path, store: str | Path, *, data_cutoff: dt.date | str | None = None,
           date_format: str | None = None, report_csv: str | Path | None = None,
           progress: Progress | None = None) -> IngestResult:
    """Read ``source``, validate it and, if there is no error, write the DuckDB store ``store``.

    The report is written to ``report_csv`` (if given) in every case. With any error
    nothing is written to ``store`` and :class:`ValidationError` is raised (carrying the
    report); an existing store is left as it was. The same input gives the same table
    contents; only ``_provenance.ingested_at_utc`` differs between runs.
    """
    t0 = time.perf_counter()
    progress = progress or _noop
    source, store = Path(source), Path(store)
    opts = CheckOptions(date_format=date_format, data_cutoff=_as_date(data_cutoff))
    progress("reading source")
    loaded = load_source(source, date_format)
    store.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(store)
    con = duckdb.connect(str(tmp))
    try:
        progress("validating and building typed tables")
        report = run_checks(con, loaded.tables, opts, loaded.issues)
        csv_path = report.to_csv(report_csv) if report_csv is not None else None
        if not report.ok:
            raise ValidationError(report)
        progress("writing store")
        write_meta(con, report, loaded.files, source, date_format, opts.data_cutoff)
        con.execute("DROP TABLE IF EXISTS _issues")
        con.close()
        commit(tmp, store)
    finally:
        con.close()
        remove_quietly(tmp)
    return IngestResult(store, report, loaded.files, csv_path, time.perf_counter() - t0)
