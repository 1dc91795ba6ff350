"""Read a source (folder of per-table files, or one workbook) into text tables.

Every value is read as text first; parsing into numbers, dates and booleans is the
validator's job, so an unparseable value is reported, never coerced. Empty cell =
missing. Each table gets ``source_file`` and ``source_row`` (spreadsheet-style row
number: header = row 1, first data row = row 2; for CSV this is the line number when
no value contains a line break; for XLSX it is the worksheet row).

Formats: CSV (UTF-8, comma), Parquet, XLSX (one sheet per table), SAS ``.sas7bdat``
and ``.xpt``, SPSS ``.sav``, Stata ``.dta`` (via pyreadstat). Typed values in binary
formats are rendered to text: whole numbers without a decimal point, other numbers in
shortest round-trip form, NaN/null as empty, dates with the date format of the run
(ISO ``%Y-%m-%d`` by default), timestamps with a time other than midnight in full
ISO form (which then fails date validation rather than being truncated).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .report import ValidationError, ValidationReport, issue_frame, unknown_table_issue
from .schema import TABLES

TABLE_FORMATS = {".csv", ".parquet", ".pq", ".sas7bdat", ".xpt", ".sav", ".dta"}
WORKBOOK_FORMATS = {".xlsx", ".xlsm"}
#: files in a source folder that look like data in a format we do not read: warned about, never silently skipped
UNSUPPORTED_DATA = {".xls", ".ods", ".tsv", ".txt", ".json", ".feather", ".rds", ".rdata", ".sas7bcat", ".por",
                    ".jsonl", ".gz", ".zip"}
RESERVED_COLUMNS = ("source_file", "source_row")
ISO_DATE = "%Y-%m-%d"


@dataclass
class SourceFile:
    """Provenance of one source file."""

    name: str
    path: Path
    bytes: int
    sha256: str
    tables: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class LoadedSource:
    """Text tables (pyarrow, all columns strings plus source_file/source_row), files read, read issues."""

    tables: dict[str, pa.Table]
    files: list[SourceFile]
    issues: list[dict]


def _issue(table: str, row: int | None, column: str, value: str, rule: str, message: str, file: str,
           severity: str = "error") -> dict:
    return {"severity": severity, "table": table, "row": row, "column": column, "value": value,
            "rule": rule, "message": message, "source_file": file}


def load_source(path: str | Path, date_format: str | None = None) -> LoadedSource:
    """Read every table of a source as text; problems become issue records, never exceptions."""
    path = Path(path)
    fmt = date_format or ISO_DATE
    out = LoadedSource({}, [], [])
    if not path.exists():
        out.issues.append(_issue("", None, "", str(path), "source_missing", "source does not exist", ""))
        return out
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))) \
        if path.is_dir() else [path]
    hashes: list[tuple[SourceFile, Future]] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        _read_files(files, path, fmt, out, pool, hashes)
    for info, fut in hashes:
        info.sha256 = fut.result()
    return out


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_files(files: list[Path], path: Path, fmt: str, out: LoadedSource, pool: ThreadPoolExecutor,
                hashes: list) -> None:
    for f in files:
        suffix = f.suffix.lower()
        if suffix not in TABLE_FORMATS | WORKBOOK_FORMATS:
            if path.is_dir() and suffix in UNSUPPORTED_DATA:
                out.issues.append(_issue("", None, "", f.name, "file_ignored",
                                         "file ignored: not a supported format", f.name, "warning"))
            elif not path.is_dir():
                out.issues.append(_issue("", None, "", f.name, "unsupported_format",
                                         f"unsupported file format {suffix or '(none)'}", f.name))
            continue
        data = f.read_bytes()
        info = SourceFile(f.name, f.resolve(), len(data), "")
        hashes.append((info, pool.submit(_sha256, data)))  # hashlib releases the GIL: overlaps parsing
        out.files.append(info)
        try:
            if suffix in WORKBOOK_FORMATS:
                found = _read_workbook(data, f.name, fmt, out.issues)
            elif suffix == ".csv" and f.stem not in TABLES:
                found = {f.stem: None}
            elif suffix == ".csv":
                found = {f.stem: _read_csv(data, f.stem, f.name, out.issues)}
            elif suffix in (".parquet", ".pq"):
                import pyarrow.parquet as pq

                found = {f.stem: _arrow_to_text(pq.read_table(pa.BufferReader(data)), fmt)}
            elif f.stem not in TABLES:
                found = {f.stem: None}
            else:
                found = {f.stem: _read_stat(f, suffix, fmt)}
        except Exception as exc:  # unreadable file of a known format: report it, never a traceback
            out.issues.append(_issue(f.stem, None, "", f.name, "unreadable_file",
                                     f"cannot read file: {type(exc).__name__}: {str(exc)[:200]}", f.name))
            continue
        for name, table in found.items():
            if name not in TABLES:  # reported whatever the content; never validated or stored
                out.issues.append(unknown_table_issue(name, f.name))
                continue
            if table is None:
                continue
            if name in out.tables:
                out.issues.append(_issue(name, None, "", f.name, "duplicate_table",
                                         "table given more than once in the source", f.name))
                continue
            table = _finish(table, name, f.name, out.issues)
            out.tables[name] = table
            info.tables.append(name)
            info.rows[name] = table.num_rows


def read_source(path: str | Path, date_format: str | None = None) -> dict[str, pd.DataFrame]:
    """Read a source into text DataFrames (one per table, plus ``source_file``/``source_row``).

    Raises :class:`~mmevidence.data.report.ValidationError` if a file cannot be read.
    """
    loaded = load_source(path, date_format)
    errors = [i for i in loaded.issues if i["severity"] == "error"]
    if errors:
        raise ValidationError(ValidationReport(issue_frame(loaded.issues)))
    return {name: t.to_pandas() for name, t in loaded.tables.items()}


def _finish(table: pa.Table, name: str, file: str, issues: list[dict]) -> pa.Table:
    """Add trace columns (rows numbered from 2 unless given), drop and report all-empty rows."""
    if "source_row" not in table.column_names:
        table = table.append_column("source_row", pa.array(range(2, table.num_rows + 2), pa.int64()))
    data_cols = [c for c in table.column_names if c != "source_row"]
    if data_cols and table.num_rows:
        empty = pc.equal(pc.utf8_length(table[data_cols[0]]), 0)
        for c in data_cols[1:]:
            empty = pc.and_(empty, pc.equal(pc.utf8_length(table[c]), 0))
        if pc.any(empty).as_py():
            for r in table.filter(empty)["source_row"].to_pylist():
                issues.append(_issue(name, r, "", "", "empty_row", "empty row skipped", file, "warning"))
            table = table.filter(pc.invert(empty))
    return table.append_column("source_file", pa.array([file] * table.num_rows, pa.string()))


def _check_header(header: list[str], name: str, file: str, issues: list[dict]) -> bool:
    ok = True
    seen: set[str] = set()
    for h in header:
        if h in RESERVED_COLUMNS or h.startswith("__"):
            issues.append(_issue(name, 1, h, h, "reserved_column", "column name is reserved for traceability",
                                 file))
            ok = False
        if h == "":
            issues.append(_issue(name, 1, h, h, "empty_column_name", "column without a name in the header", file))
            ok = False
        elif any(ord(ch) < 32 or ord(ch) == 127 for ch in h):
            issues.append(_issue(name, 1, h, repr(h), "control_character_column_name",
                                 "column name contains a control character (e.g. NUL or a line break)", file))
            ok = False
        if h in seen:
            issues.append(_issue(name, 1, h, h, "duplicate_column", "column name appears twice in the header",
                                 file))
            ok = False
        seen.add(h)
    return ok


def _read_csv(data: bytes, name: str, file: str, issues: list[dict]) -> pa.Table | None:
    """CSV as text: pyarrow fast path, Python ``csv`` fallback for ragged or multi-line records."""
    import pyarrow.csv as pacsv

    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    first = next(csv.reader(io.StringIO(body[:1_000_000].decode("utf-8", errors="ignore"), newline="")), None)
    if not first:
        issues.append(_issue(name, 1, "", "", "no_header", "file has no header row", file))
        return None
    if not _check_header(first, name, file, issues):
        return None
    n_lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=first, skip_rows=1, block_size=1 << 20),
            parse_options=pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in first}, strings_can_be_null=False,
                quoted_strings_can_be_null=False, null_values=[], auto_dict_encode=False),
        )
        if table.num_rows + 1 == n_lines:
            return table
    except (pa.ArrowInvalid, pa.ArrowException):
        pass  # ragged rows, invalid UTF-8, line breaks inside values: the slow path says where
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        issues.append(_issue(name, line, "", "", "not_utf8",
                             f"file is not UTF-8 text (invalid byte at line {line})", file))
        return None
    return _read_csv_python(text, first, name, file, issues)


def _read_csv_python(text: str, header: list[str], name: str, file: str, issues: list[dict]) -> pa.Table:
    """Record-by-record CSV reading; rows with the wrong number of fields are reported."""
    rows: list[list[str]] = []
    numbers: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        next(reader)
        for i, rec in enumerate(reader):
            row = i + 2
            if not rec:
                rec = [""] * len(header)
            if len(rec) != len(header):
                issues.append(_issue(name, row, "", ",".join(rec)[:80], "field_count",
                                     f"row has {len(rec)} field(s), the header has {len(header)}", file))
                continue
            rows.append(rec)
            numbers.append(row)
    except csv.Error as exc:
        issues.append(_issue(name, reader.line_num, "", "", "csv_syntax", f"CSV syntax error: {exc}", file))
    cols = {h: pa.array([r[j] for r in rows], pa.string()) for j, h in enumerate(header)}
    cols["source_row"] = pa.array(numbers, pa.int64())
    return pa.table(cols)


def _format_date(v: dt.date, fmt: str) -> str:
    if isinstance(v, dt.datetime) and v.time() != dt.time(0):
        return v.isoformat()
    return v.strftime(fmt)


def _cell_text(v: object, fmt: str) -> str:
    """Render one typed cell value as text (see module docstring)."""
    if v is None or v is pd.NaT:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, np.datetime64):
        return "" if np.isnat(v) else _cell_text(pd.Timestamp(v), fmt)
    if isinstance(v, (dt.datetime, dt.date)):
        return _format_date(v, fmt)
    if isinstance(v, pd.Timestamp):
        return _format_date(v.to_pydatetime(), fmt)
    return str(v)


def _read_workbook(data: bytes, file: str, fmt: str, issues: list[dict]) -> dict[str, pa.Table | None]:
    """One table per worksheet; the worksheet row number is the source row."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out: dict[str, pa.Table | None] = {}
    for ws in wb.worksheets:
        it = ws.iter_rows(values_only=True)
        head = next(it, None)
        if head is None:
            continue
        header = [_cell_text(h, fmt) for h in head]
        while header and header[-1] == "":
            header.pop()
        width = len(head)
        rows, numbers = [], []
        for i, rec in enumerate(it):
            vals = [_cell_text(v, fmt) for v in rec] + [""] * (width - len(rec))
            extra = [v for v in vals[len(header):] if v != ""]
            if extra:
                issues.append(_issue(ws.title, i + 2, "", extra[0], "column_without_header",
                                     "value in a column without a header", file))
            rows.append(vals[: len(header)])
            numbers.append(i + 2)
        while rows and all(v == "" for v in rows[-1]):  # trailing empty worksheet rows
            rows.pop()
            numbers.pop()
        if not _check_header(header, ws.title, file, issues):
            out[ws.title] = None
            continue
        cols = {h: pa.array([r[j] for r in rows], pa.string()) for j, h in enumerate(header)}
        cols["source_row"] = pa.array(numbers, pa.int64())
        out[ws.title] = pa.table(cols)
    wb.close()
    return out


def _read_stat(path: Path, suffix: str, fmt: str) -> pa.Table:
    """SAS / SPSS / Stata through pyreadstat, rendered to text."""
    import pyreadstat

    reader = {".sas7bdat": pyreadstat.read_sas7bdat, ".xpt": pyreadstat.read_xport,
              ".sav": pyreadstat.read_sav, ".dta": pyreadstat.read_dta}[suffix]
    df, _meta = reader(str(path))
    cols = {str(c): pa.array([_cell_text(v, fmt) for v in df[c].tolist()], pa.string()) for c in df.columns}
    return pa.table(cols) if cols else pa.table({})


def _arrow_to_text(table: pa.Table, fmt: str) -> pa.Table:
    """Render every column of a typed Arrow table as non-null text."""
    cols = {}
    for name, col in zip(table.column_names, table.columns):
        t = col.type
        if pa.types.is_dictionary(t):
            col = col.cast(t.value_type)
            t = t.value_type
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            txt = col.cast(pa.string())
        elif pa.types.is_floating(t) or pa.types.is_date(t) or pa.types.is_timestamp(t):
            txt = pa.array([_cell_text(v, fmt) for v in col.to_pylist()], pa.string())
        elif pa.types.is_boolean(t):
            txt = pc.if_else(col, "true", "false")
        else:
            txt = col.cast(pa.string())
        cols[str(name)] = pc.fill_null(txt, "")
    return pa.table(cols)
