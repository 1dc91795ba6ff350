"""SQL text helpers for the DuckDB validation: quoting and the issue-record SELECT."""

from __future__ import annotations

from typing import NamedTuple

NUMBER_RE = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
INTEGER_RE = r"[+-]?[0-9]+(\.0*)?"
ISO_DATE_RE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"


def ident(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """Quote an SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def in_list(values) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


def issue_select(*, severity: str, table: str, column: str, value_sql: str, rule: str, message_sql: str,
                 from_sql: str, where: str, row_sql: str = "source_row", file_sql: str = "source_file") -> str:
    """A SELECT producing issue records (see ``report.ISSUE_COLUMNS``)."""
    return (f"SELECT {lit(severity)} AS severity, {lit(table)} AS \"table\", CAST({row_sql} AS BIGINT) AS \"row\", "
            f"{lit(column)} AS \"column\", CAST({value_sql} AS VARCHAR) AS value, {lit(rule)} AS rule, "
            f"CAST({message_sql} AS VARCHAR) AS message, CAST({file_sql} AS VARCHAR) AS source_file "
            f"FROM {from_sql} WHERE {where}")


class Check(NamedTuple):
    """One row-level rule: an issue is reported for every row where ``where`` is true."""

    severity: str
    column: str
    value_sql: str
    rule: str
    message_sql: str
    where: str


def combined_select(table: str, checks: list[Check], from_sql: str, row_sql: str = "source_row",
                    file_sql: str = "source_file") -> str:
    """All ``checks`` on one table in a single scan.

    Rows are prefiltered by the OR of the conditions (cheap on clean data); for the rows
    that fail, a list of issue structs is built and unnested, one issue per failed check.
    """
    items = ", ".join(
        f"CASE WHEN {c.where} THEN struct_pack(severity := {lit(c.severity)}, \"column\" := {lit(c.column)}, "
        f"value := CAST({c.value_sql} AS VARCHAR), rule := {lit(c.rule)}, "
        f"message := CAST({c.message_sql} AS VARCHAR)) END" for c in checks)
    any_fail = " OR ".join(f"({c.where})" for c in checks)
    return (f"SELECT i.severity, {lit(table)} AS \"table\", __row AS \"row\", i.\"column\", i.value, i.rule, "
            f"i.message, __file AS source_file FROM (SELECT CAST({row_sql} AS BIGINT) AS __row, "
            f"CAST({file_sql} AS VARCHAR) AS __file, "
            f"unnest(list_filter([{items}], lambda x: x IS NOT NULL)) AS i FROM {from_sql} WHERE {any_fail})")
