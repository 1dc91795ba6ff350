"""Validation of text tables against the schema, and construction of the typed tables.

Everything runs as vectorised SQL in DuckDB over the Arrow text tables (no per-row
Python). For each canonical table the validator

1. reports unknown tables, missing required tables and columns, extra columns
   (kept as text, warning);
2. parses every column explicitly (ISO dates or ``date_format``, numbers by a strict
   regular expression, whole numbers, the documented boolean spellings) and reports
   every non-empty value that does not parse, every value outside the allowed set or
   range, every date after the data cut-off (or the run date), empty required values;
3. for ``labs``: unknown tests and units, numbers for numeric tests, positive/negative for
   immunofixation, and the unit conversion to the canonical unit (see ``units``);
4. builds the typed table (DATE, DOUBLE, BIGINT, VARCHAR, BOOLEAN; empty = NULL) in the
   connection, in source row order, with ``source_file`` and ``source_row``;
5. runs the cross-table rules of :mod:`.consistency` (keys, patient ids, dates).

Public entry point: :func:`validate` (DataFrames or Arrow tables in, report out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import consistency
from ._sql import INTEGER_RE, ISO_DATE_RE, NUMBER_RE, Check, combined_select, ident, in_list, issue_select, lit
from .report import ValidationReport, issue_frame, unknown_table_issue
from .schema import (FALSE_VALUES, KNOWN_DRUGS, LAB_STORE_COLUMNS, LIST_SEPARATOR, REQUIRED_TABLES, TABLES,
                     TRACE_COLUMNS, TRUE_VALUES, Column, Table)
from .units import LAB_TESTS, QUALITATIVE_VALUES, known_units, unit_table

MISSING_CODES = ("NA", "N/A", "NULL", "NONE", "NAN", ".", "-", "MISSING", "UNKNOWN")
#: the codes in the spellings compared (exact match is much faster than upper() on millions of rows)
_MISSING_SPELLINGS = tuple(sorted({v for c in MISSING_CODES for v in (c, c.lower(), c.capitalize())}))


@dataclass(frozen=True)
class CheckOptions:
    """Run options: source date format (``None`` = ISO 8601 ``YYYY-MM-DD``) and data cut-off.

    Without a cut-off, dates after ``run_date`` (today) are errors.
    """

    date_format: str | None = None
    data_cutoff: dt.date | None = None
    run_date: dt.date = field(default_factory=dt.date.today)

    @property
    def date_limit(self) -> dt.date:
        return self.data_cutoff or self.run_date

    @property
    def date_rule(self) -> str:
        fmt = f"parsed with {self.date_format}" if self.date_format else "ISO 8601 (YYYY-MM-DD)"
        if self.data_cutoff:
            return f"{fmt}; dates after the data cut-off {self.data_cutoff.isoformat()} are errors"
        return (f"{fmt}; no data cut-off given, so dates after the run date "
                f"{self.run_date.isoformat()} are errors")


def parse_sql(col: Column, raw: str, date_format: str | None) -> str:
    """SQL expression parsing the text column ``raw`` into ``col``'s type (NULL if empty or unparseable)."""
    q = ident(raw)
    if col.type == "date":
        if date_format is None:
            return (f"CASE WHEN regexp_full_match({q}, {lit(ISO_DATE_RE)}) "
                    f"THEN CAST(try_strptime({q}, '%Y-%m-%d') AS DATE) END")
        return f"CAST(try_strptime({q}, {lit(date_format)}) AS DATE)"
    if col.type == "number":
        return f"CASE WHEN regexp_full_match({q}, {lit(NUMBER_RE)}) THEN TRY_CAST({q} AS DOUBLE) END"
    if col.type == "integer":
        return (f"CASE WHEN regexp_full_match({q}, {lit(INTEGER_RE)}) "
                f"THEN TRY_CAST(regexp_replace({q}, '\\.0*$', '') AS BIGINT) END")
    if col.type == "boolean":
        return (f"CASE WHEN lower({q}) IN {in_list(TRUE_VALUES)} THEN TRUE "
                f"WHEN lower({q}) IN {in_list(FALSE_VALUES)} THEN FALSE END")
    return f"NULLIF({q}, '')"


_PARSE_MESSAGES = {
    "date": ("bad_date", "unparseable date (expected {fmt})"),
    "number": ("bad_number", "not a number"),
    "integer": ("bad_integer", "not a whole number"),
    "boolean": ("bad_boolean", "not a boolean (accepted, any case: " + ", ".join(TRUE_VALUES) + " / "
                + ", ".join(FALSE_VALUES) + ")"),
}


def _fmt(x: float) -> str:
    return f"{x:g}"


def _range_checks(c: Column, p: str) -> list[Check]:
    """Errors outside [minimum, maximum]; warnings outside [warn_below, warn_above]."""
    out = []
    unit = f" {c.unit}" if c.unit else ""
    conds = []
    if c.minimum is not None:
        conds.append(f"{p} <= {c.minimum}" if c.exclusive_minimum else f"{p} < {c.minimum}")
    if c.maximum is not None:
        conds.append(f"{p} > {c.maximum}")
    if conds:
        if c.minimum is not None and c.maximum is not None:
            desc = f"must be between {_fmt(c.minimum)} and {_fmt(c.maximum)}{unit}"
        elif c.minimum is not None:
            desc = f"must be {'>' if c.exclusive_minimum else '>='} {_fmt(c.minimum)}{unit}"
        else:
            desc = f"must be <= {_fmt(c.maximum)}{unit}"
        out.append(Check("error", c.name, ident(c.name), "out_of_range", lit(f"outside the allowed range: {desc}"),
                         f"{p} IS NOT NULL AND ({' OR '.join(conds)})"))
    for bound, op, word in ((c.warn_below, "<", "below"), (c.warn_above, ">", "above")):
        if bound is not None:
            out.append(Check("warning", c.name, ident(c.name), "suspicious_value",
                             lit(f"suspicious value: {word} {_fmt(bound)}{unit}"),
                             f"{p} IS NOT NULL AND {p} {op} {bound}"))
    return out


def _column_checks(t: Table, i: int, c: Column, present: bool, stage: str,
                   opts: CheckOptions) -> tuple[list[Check], list[str]]:
    """Row-level checks of one column (values as given in the stage table), and the
    SELECTs over the items of list columns."""
    q, p = ident(c.name), ident(f"__p{i}")
    checks: list[Check] = []
    selects: list[str] = []

    def add(severity: str, rule: str, message: str, where: str) -> None:
        checks.append(Check(severity, c.name, q, rule, lit(message), where))

    if c.required and present and not c.allow_empty:
        add("error", "required_value", "required value missing", f"{q} = ''")
    if c.type in _PARSE_MESSAGES:
        rule, msg = _PARSE_MESSAGES[c.type]
        add("error", rule, msg.format(fmt=opts.date_format or "YYYY-MM-DD"), f"{q} <> '' AND {p} IS NULL")
    if c.allowed is not None:
        add("error", "not_allowed", f"not an allowed value ({', '.join(c.allowed)})",
            f"{q} <> '' AND {q} NOT IN {in_list(c.allowed)}")
    if c.type in ("number", "integer"):
        checks += _range_checks(c, p)
    if c.type == "date":
        add("error", "after_cutoff",
            f"date after the data cut-off {opts.data_cutoff}" if opts.data_cutoff
            else f"date after the run date {opts.run_date} (no data cut-off given)",
            f"{p} > DATE {lit(opts.date_limit.isoformat())}")
    if c.type in ("text", "list") and c.checked_by is None:
        add("warning", "missing_code", "looks like a missing-value code; only an empty cell means missing",
            f"{q} IN {in_list(_MISSING_SPELLINGS)}")
        add("warning", "whitespace", "leading or trailing spaces (kept as given)",
            f"{q} LIKE ' %' OR {q} LIKE '% '")
    if c.type == "list" or c.drug_names:
        items = (f"(SELECT source_row, source_file, {q}, trim(unnest(string_split({q}, {lit(LIST_SEPARATOR)}))) "
                 f"AS __item FROM {stage} WHERE {q} <> '')")
        if c.type == "list":
            selects.append(issue_select(severity="error", table=t.name, column=c.name, value_sql=q,
                                        rule="empty_list_item",
                                        message_sql=lit(f"empty item in a '{LIST_SEPARATOR}'-separated list"),
                                        from_sql=items, where="__item = ''"))
        if c.drug_names:
            selects.append(issue_select(severity="warning", table=t.name, column=c.name, value_sql=q,
                                        rule="unknown_drug",
                                        message_sql="'drug name not in the known generic-name list: ' || __item",
                                        from_sql=items,
                                        where=f"__item <> '' AND lower(__item) NOT IN {in_list(sorted(KNOWN_DRUGS))}"))
    return checks, selects


def _lab_checks() -> list[Check]:
    """Lab-specific rules on the labs stage table (joined to the unit table)."""
    canon = "(__value * __multiply / __divide)"
    out = [
        Check("error", "test", "test", "unknown_test",
              lit("unknown lab test (see the Units section of docs/data-model.md)"),
              "test <> '' AND __known_units IS NULL"),
        Check("error", "unit", "unit", "unknown_unit",
              "'unknown unit for ' || test || ' (known: ' || __known_units || ')'",
              "__known_units IS NOT NULL AND __canonical_unit IS NULL"),
        Check("error", "value", "value", "bad_number", lit("not a number"),
              "__kind = 'numeric' AND value <> '' AND __value IS NULL"),
        Check("error", "value", "value", "negative_lab_value", lit("negative value for a lab test"),
              "__kind = 'numeric' AND __value < 0"),
        Check("error", "value", "value", "bad_qualitative",
              lit(f"not an allowed value ({', '.join(QUALITATIVE_VALUES)})"),
              f"__kind = 'qualitative' AND value <> '' AND value NOT IN {in_list(QUALITATIVE_VALUES)}"),
        Check("error", "value", "value", "out_of_range",
              "'outside the allowed range: must be <= ' || __maximum_text || ' ' || __canonical_unit",
              f"__maximum IS NOT NULL AND {canon} > __maximum"),
    ]
    for bound, op, word in (("__warn_below", "<", "below"), ("__warn_above", ">", "above")):
        out.append(Check("warning", "value", "value", "suspicious_value",
                         f"'suspicious value: {word} ' || {bound}_text || ' ' || __canonical_unit || "
                         f"' (value in canonical unit: ' || {canon} || ')'",
                         f"{bound} IS NOT NULL AND __canonical_unit IS NOT NULL AND {canon} {op} {bound}"))
    return out


def _lab_test_table() -> pd.DataFrame:
    """Per lab test: kind, known units (for messages), plausibility bounds (numbers and their text)."""
    def g(x: float | None) -> str | None:
        return None if x is None else f"{x:g}"

    tests = pd.DataFrame([(t.name, ", ".join(repr(u) for u in known_units(t.name)), t.kind, t.warn_below,
                           t.warn_above, t.maximum, g(t.warn_below), g(t.warn_above), g(t.maximum))
                          for t in LAB_TESTS.values()],
                         columns=["test", "known_units", "kind", "warn_below", "warn_above", "maximum",
                                  "warn_below_text", "warn_above_text", "maximum_text"])
    return tests.astype({"warn_below": float, "warn_above": float, "maximum": float})


def _lab_lookup(table: pa.Table) -> pa.Table:
    """Append to the labs text table the attributes of each row's (test, unit) and test
    (``__canonical_unit``, ``__multiply``, ``__divide``, ``__conversion``, ``__kind``, ...),
    by vectorised hash look-ups that keep the row order (null where unknown)."""
    n = table.num_rows

    def text(name: str) -> pa.ChunkedArray:
        return table[name] if name in table.column_names else pa.chunked_array([pa.array([""] * n, pa.string())])

    units, tests = unit_table(), _lab_test_table()
    unit_rows = pc.index_in(pc.binary_join_element_wise(text("test"), text("unit"), "\x1f"),
                            value_set=pa.array((units["test"] + "\x1f" + units["unit"]).tolist()))
    test_rows = pc.index_in(text("test"), value_set=pa.array(tests["test"].tolist()))
    for name, values, rows in (
            [(f"__{c}", units[u], unit_rows) for c, u in (("canonical_unit", "canonical_unit"),
                                                           ("multiply", "multiply"), ("divide", "divide"),
                                                           ("conversion", "conversion"))]
            + [(f"__{c}", tests[c], test_rows) for c in ("kind", "known_units", "warn_below", "warn_above",
                                                        "maximum", "warn_below_text", "warn_above_text",
                                                        "maximum_text")]):
        table = table.append_column(name, pc.take(pa.Array.from_pandas(values), rows))
    return table


def _lab_stage_sql(parsed: str) -> str:
    """Labs stage: the parsed columns plus the numeric value (unit attributes come from :func:`_lab_lookup`)."""
    return (f"SELECT r.*, CASE WHEN regexp_full_match(r.value, {lit(NUMBER_RE)}) "
            f"THEN TRY_CAST(r.value AS DOUBLE) END AS __value FROM {parsed} r")


TEXT_TYPES = ("text", "category", "list")


def _typed_value(i: int, c: Column) -> str:
    """The stage expression holding column ``i``'s typed value: parsed ``__p<i>`` or, for text
    (not parsed in the stage, to avoid copying strings twice), the value with empty = NULL."""
    return f"NULLIF({ident(c.name)}, '')" if c.type in TEXT_TYPES else f"__p{i}"


def _typed_sql(t: Table, stage: str, extras: list[str]) -> str:
    trace = "source_file, source_row"
    extra = "".join(f", NULLIF({ident(e)}, '') AS {ident(e)}" for e in extras)
    if t.name == "labs":
        p = {c.name: _typed_value(i, c) for i, c in enumerate(t.columns)}
        cols = (f"{p['patient_id']} AS patient_id, {p['date']} AS date, {p['test']} AS test, "
                "CASE WHEN __kind = 'numeric' THEN __value * __multiply / __divide END AS value, "
                "CASE WHEN __kind = 'qualitative' THEN value END AS value_text, __canonical_unit AS unit, "
                f"{p['uln']} * __multiply / __divide AS uln, value AS value_original, "
                "NULLIF(unit, '') AS unit_original, "
                "NULLIF(uln, '') AS uln_original, __conversion AS conversion")
        casts = ", ".join(f"CAST({n} AS {ty}) AS {n}" for n, ty in LAB_STORE_COLUMNS)
        return f"SELECT {trace}, {casts}{extra} FROM (SELECT {trace}, {cols}{extra} FROM {stage})"
    cols = ", ".join(f"CAST({_typed_value(i, c)} AS {c.duckdb_type}) AS {ident(c.name)}"
                     for i, c in enumerate(t.columns))
    return f"SELECT {trace}, {cols}{extra} FROM {stage}"


def empty_table_sql(t: Table) -> str:
    """CREATE TABLE statement for an absent (optional) table, with the full typed schema."""
    cols = list(TRACE_COLUMNS) + (list(LAB_STORE_COLUMNS) if t.name == "labs"
                                  else [(c.name, c.duckdb_type) for c in t.columns])
    return f"CREATE TABLE {ident(t.name)} (" + ", ".join(f"{ident(n)} {ty}" for n, ty in cols) + ")"


ISSUES_DDL = ('CREATE OR REPLACE TEMP TABLE _issues (severity VARCHAR, "table" VARCHAR, "row" BIGINT, '
              '"column" VARCHAR, value VARCHAR, rule VARCHAR, message VARCHAR, source_file VARCHAR)')


def _insert_issues(con: duckdb.DuckDBPyConnection, selects: list[str]) -> None:
    if selects:
        con.execute("INSERT INTO _issues " + " UNION ALL ".join(selects))


def check_tables(con: duckdb.DuckDBPyConnection, tables: Mapping[str, pa.Table], opts: CheckOptions,
                 issues: list[dict]) -> None:
    """Create the typed tables in ``con``, insert value-level issues into the temp table ``_issues``;
    structural issues (tables, columns) are appended to ``issues``."""
    con.execute("SET preserve_insertion_order = true")  # typed tables keep the source row order
    con.register("_v_units", unit_table())  # for the _unit_conversions summary of the store
    con.execute(ISSUES_DDL)
    for name in tables:
        if name not in TABLES:
            issues.append(unknown_table_issue(name, _file_of(tables[name])))
    for name in REQUIRED_TABLES:
        if name not in tables:
            issues.append({"severity": "error", "table": name, "row": None, "column": "", "value": "",
                           "rule": "missing_table", "source_file": "", "message": "required table missing"})
    for t in TABLES.values():
        if t.name not in tables:
            con.execute(empty_table_sql(t))
            continue
        arrow = tables[t.name]
        file = _file_of(arrow)
        given = [c for c in arrow.column_names if c not in ("source_file", "source_row")]
        store_names = {n for n, _ in LAB_STORE_COLUMNS} if t.name == "labs" else set()
        extras = [c for c in given if c not in t.column_names]
        for e in extras:
            reserved = e in store_names
            issues.append({"severity": "error" if reserved else "warning", "table": t.name, "row": 1, "column": e,
                           "value": e, "rule": "reserved_column" if reserved else "unknown_column",
                           "source_file": file,
                           "message": "column name is reserved in the store" if reserved
                           else "column not in the data model; stored unchanged as text"})
        for c in t.columns:
            if c.required and c.name not in given:
                issues.append({"severity": "error", "table": t.name, "row": 1, "column": c.name, "value": "",
                               "rule": "missing_column", "source_file": file,
                               "message": "required column missing from the header"})
        extras = [e for e in extras if e not in store_names]
        raw = f"_raw_{t.name}"
        con.register(raw, _lab_lookup(arrow) if t.name == "labs" else arrow)
        missing = "".join(f", '' AS {ident(c.name)}" for c in t.columns if c.name not in given)
        raw_sel = f"(SELECT *{missing} FROM {raw})"
        parse = ", ".join(f"{parse_sql(c, c.name, opts.date_format)} AS __p{i}" for i, c in enumerate(t.columns)
                          if c.type not in TEXT_TYPES)
        stage = ident(f"_stage_{t.name}")
        body = f"SELECT *{', ' + parse if parse else ''} FROM {raw_sel}"
        if t.name == "labs":
            body = _lab_stage_sql(f"({body})")
        con.execute(f"CREATE TEMP TABLE {stage} AS {body}")
        con.unregister(raw)
        checks: list[Check] = []
        selects: list[str] = []
        for i, c in enumerate(t.columns):
            col_checks, col_selects = _column_checks(t, i, c, c.name in given, stage, opts)
            checks += col_checks
            selects += col_selects
        for group in t.one_of_required:
            checks.append(Check("error", "|".join(group), "''", "one_of_required",
                                lit(f"one of {', '.join(group)} is required"),
                                " AND ".join(f"{ident(g)} = ''" for g in group)))
        if t.name == "labs":
            checks += _lab_checks()
        selects.append(combined_select(t.name, checks, stage))
        _insert_issues(con, selects)
        con.execute(f"CREATE TABLE {ident(t.name)} AS {_typed_sql(t, stage, extras)}")
        con.execute(f"DROP TABLE {stage}")
    _insert_issues(con, consistency.cross_table_checks(con, present=set(tables) & set(TABLES)))


def _file_of(table: pa.Table) -> str:
    if "source_file" in table.column_names and table.num_rows:
        return str(table["source_file"][0].as_py())
    return ""


def run_checks(con: duckdb.DuckDBPyConnection, tables: Mapping[str, pa.Table], opts: CheckOptions,
               read_issues: list[dict] | None = None) -> ValidationReport:
    """Check ``tables`` into typed tables of ``con``; return the report (also left in temp table ``_issues``)."""
    issues = list(read_issues or [])
    check_tables(con, tables, opts, issues)
    con.register("_v_struct_issues", issue_frame(issues))
    con.execute('INSERT INTO _issues SELECT severity, "table", CAST("row" AS BIGINT), "column", value, rule, '
                "message, source_file FROM _v_struct_issues")
    con.unregister("_v_struct_issues")
    return ValidationReport(con.sql("SELECT DISTINCT * FROM _issues").df(), date_rule=opts.date_rule)


def _as_arrow(df: pd.DataFrame | pa.Table, name: str) -> pa.Table:
    """Text Arrow table with trace columns from a DataFrame of strings (or an Arrow table)."""
    table = df if isinstance(df, pa.Table) else pa.Table.from_pandas(
        df.astype(object).where(df.notna(), "").astype(str) if not df.empty else df.astype(str),
        preserve_index=False)
    if "source_row" in table.column_names:
        table = table.set_column(table.column_names.index("source_row"), "source_row",
                                 table["source_row"].cast(pa.int64()))
    else:
        table = table.append_column("source_row", pa.array(range(2, table.num_rows + 2), pa.int64()))
    if "source_file" not in table.column_names:
        table = table.append_column("source_file", pa.array([f"<{name}>"] * table.num_rows, pa.string()))
    return table


def validate(tables: Mapping[str, pd.DataFrame | pa.Table], data_cutoff: dt.date | str | None = None,
             date_format: str | None = None) -> ValidationReport:
    """Validate text tables (as returned by :func:`~mmevidence.data.read_source`) without writing anything.

    Values must be text (every column read as strings; empty = missing). Rows are
    numbered spreadsheet-style from 2 unless a ``source_row`` column is given.
    Returns a :class:`ValidationReport`; data problems never raise.
    """
    opts = CheckOptions(date_format=date_format, data_cutoff=_as_date(data_cutoff))
    con = duckdb.connect()
    try:
        arrow = {name: _as_arrow(df, name) for name, df in tables.items()}
        return run_checks(con, arrow, opts)
    finally:
        con.close()


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)
