"""The study store: a DuckDB file with one typed table per canonical table plus
``_validation_report``, ``_unit_conversions`` and ``_provenance``.

Writing is atomic: the store is built in a temporary file next to the target and
renamed over it only when validation passed, so a failed ingest leaves no store or the
previous one intact.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import uuid
from pathlib import Path

import duckdb
import pandas as pd

from .. import __version__
from .readers import SourceFile
from .report import ValidationReport
from .schema import TABLES

META_TABLES = ("_validation_report", "_unit_conversions", "_provenance")


def temp_path(store: Path) -> Path:
    """A unique temporary file in the store's folder (same file system, so the rename is atomic)."""
    return store.with_name(f".{store.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")


def remove_quietly(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def commit(tmp: Path, store: Path) -> None:
    """Move the finished temporary store into place (``os.replace`` is atomic on POSIX and Windows)."""
    os.replace(tmp, store)


def write_meta(con: duckdb.DuckDBPyConnection, report: ValidationReport, files: list[SourceFile],
               source: Path, date_format: str | None, data_cutoff: dt.date | None) -> None:
    """Create the three metadata tables in ``con`` (which already holds the typed tables)."""
    issues = report.issues.copy()
    issues.insert(0, "issue_no", range(1, len(issues) + 1))
    con.register("_v_report", issues)
    con.execute('CREATE TABLE _validation_report AS SELECT CAST(issue_no AS BIGINT) AS issue_no, severity, '
                '"table", CAST("row" AS BIGINT) AS "row", "column", value, rule, message, source_file '
                "FROM _v_report ORDER BY issue_no")
    con.unregister("_v_report")
    con.execute(
        "CREATE TABLE _unit_conversions AS SELECT 'labs' AS table_name, l.conversion, l.test, "
        "l.unit_original AS from_unit, l.unit AS to_unit, u.multiply, u.divide, u.source, count(*) AS \"rows\" "
        "FROM labs l JOIN _v_units u ON l.test = u.test AND l.unit_original = u.unit "
        "WHERE l.conversion IS NOT NULL GROUP BY ALL ORDER BY l.conversion")
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    rows = [(now, __version__, source.name, f.name, name, f.rows.get(name, 0), f.bytes, f.sha256,
             date_format or "%Y-%m-%d", data_cutoff, report.date_rule, platform.python_version(),
             duckdb.__version__)
            for f in files for name in (f.tables or [""])]
    prov = pd.DataFrame(rows, columns=["ingested_at_utc", "tool_version", "source", "file", "table_name", "rows",
                                       "bytes", "sha256", "date_format", "data_cutoff", "date_rule",
                                       "python_version", "duckdb_version"])
    prov["data_cutoff"] = pd.to_datetime(prov["data_cutoff"])
    con.register("_v_prov", prov)
    con.execute("CREATE TABLE _provenance AS SELECT CAST(ingested_at_utc AS TIMESTAMP) AS ingested_at_utc, "
                "tool_version, source, file, table_name, CAST(\"rows\" AS BIGINT) AS \"rows\", "
                "CAST(bytes AS BIGINT) AS bytes, sha256, date_format, CAST(data_cutoff AS DATE) AS data_cutoff, "
                "date_rule, python_version, duckdb_version FROM _v_prov ORDER BY file, table_name")
    con.unregister("_v_prov")


def open_store(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open a study store read-only (raises ``FileNotFoundError`` if it does not exist)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no study store at {path}")
    return duckdb.connect(str(path), read_only=True)


def read_table(store: str | Path | duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """One table of a store as a DataFrame, in source order (``source_row``) for canonical tables."""
    if name not in TABLES and name not in META_TABLES:
        raise ValueError(f"name: unknown table {name!r}")
    con = store if isinstance(store, duckdb.DuckDBPyConnection) else open_store(store)
    try:
        order = " ORDER BY source_row" if name in TABLES else ""
        return con.sql(f'SELECT * FROM "{name}"{order}').df()
    finally:
        if con is not store:
            con.close()


def store_info(store: str | Path) -> dict:
    """Tables with row counts, provenance, issue and conversion counts of a store."""
    con = open_store(store)
    try:
        names = [r[0] for r in con.sql("SELECT table_name FROM information_schema.tables ORDER BY table_name")
                 .fetchall()]
        counts = {n: con.sql(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in list(TABLES) + list(META_TABLES)
                  if n in names}
        issues = con.sql("SELECT severity, count(*) AS n FROM _validation_report GROUP BY severity").fetchall()
        return {
            "tables": counts,
            "provenance": con.sql("SELECT * FROM _provenance ORDER BY file, table_name").df(),
            "conversions": con.sql("SELECT * FROM _unit_conversions ORDER BY conversion").df(),
            "issues": dict(issues),
        }
    finally:
        con.close()
