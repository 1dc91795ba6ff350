"""Cross-row and cross-table rules on the typed tables: keys, patient ids, date order.

Each rule is data (table, column, comparison, reference column, severity, code,
message) turned into one vectorised SQL query; the reference is a column of the same
row or of the patient's ``patients`` row. Every date of every table is checked against
the patient's birth date (error), death date (error) and last contact (warning).
"""

from __future__ import annotations

from typing import NamedTuple

import duckdb

from ._sql import Check, combined_select, ident, issue_select, lit
from .schema import LAB_STORE_COLUMNS, TABLES, Table


class DateRule(NamedTuple):
    """``table.column <op> ref`` is an issue; ``ref`` is ``patients.<col>`` or a column of the same row."""

    table: str
    column: str
    op: str
    ref: str
    severity: str
    rule: str
    message: str


PATIENT_REF = "patients."

DATE_RULES: tuple[DateRule, ...] = (
    DateRule("patients", "death_date", "<", "index_date", "error", "death_before_index",
             "death before index_date"),
    DateRule("patients", "last_contact_date", "<", "index_date", "error", "last_contact_before_index",
             "last contact before index_date"),
    DateRule("patients", "diagnosis_date", ">", "index_date", "error", "diagnosis_after_index",
             "diagnosis after index_date"),
    DateRule("patients", "end_of_treatment_date", "<", "index_date", "error", "end_before_start",
             "end of treatment before index_date"),
    DateRule("patients", "last_contact_date", ">", "death_date", "error", "after_death",
             "last contact after death_date"),
    DateRule("patients", "end_of_treatment_date", ">", "death_date", "error", "after_death",
             "end of treatment after death_date"),
    DateRule("prior_therapies", "end_date", "<", "start_date", "error", "end_before_start",
             "end_date before start_date"),
    DateRule("adverse_events", "end_date", "<", "onset_date", "error", "end_before_start",
             "end_date before onset_date"),
    DateRule("subsequent_therapies", "progression_date", "<", "start_date", "error", "end_before_start",
             "progression_date before start_date"),
    DateRule("prior_therapies", "start_date", ">=", "patients.index_date", "error", "prior_after_index",
             "prior therapy starts on or after index_date"),
    DateRule("subsequent_therapies", "start_date", "<", "patients.index_date", "error",
             "subsequent_before_index", "subsequent therapy starts before index_date"),
    DateRule("administrations", "date", "<", "patients.index_date", "warning", "dose_before_index",
             "dose given before index_date"),
)


def _date_columns(t: Table) -> list[str]:
    return [c.name for c in t.columns if c.type == "date"]


def all_date_rules() -> list[DateRule]:
    """The explicit rules plus, for every date column, birth (error), death (error), last contact (warning)."""
    rules = list(DATE_RULES)
    for t in TABLES.values():
        for col in _date_columns(t):
            if t.name == "patients" and col == "birth_date":
                continue
            rules.append(DateRule(t.name, col, "<", "patients.birth_date", "error", "before_birth",
                                  f"{col} before birth_date"))
            if t.name != "patients":
                rules.append(DateRule(t.name, col, ">", "patients.death_date", "error", "after_death",
                                      f"{col} after death_date"))
                rules.append(DateRule(t.name, col, ">", "patients.last_contact_date", "warning",
                                      "after_last_contact", f"{col} after last_contact_date"))
    return rules


def _date_check(r: DateRule) -> tuple[bool, Check]:
    """The rule as a row check on alias ``c`` (``p`` = the patient's row when the rule needs it)."""
    join = r.ref.startswith(PATIENT_REF) and r.table != "patients"
    ref = f"p.{ident(r.ref[len(PATIENT_REF):])}" if join else f"c.{ident(r.ref.removeprefix(PATIENT_REF))}"
    col = f"c.{ident(r.column)}"
    return join, Check(r.severity, r.column, f"strftime({col}, '%Y-%m-%d')", r.rule,
                       f"{lit(r.message + ' (')} || strftime({ref}, '%Y-%m-%d') || ')'", f"{col} {r.op} {ref}")


def _other_checks() -> list[tuple[str, bool, Check]]:
    """(table, needs the patient's row, check) for the rules that are not date comparisons."""
    age = "datediff('day', c.birth_date, c.index_date) / 365.25"
    return [
        ("patients", False, Check("warning", "age_at_index", "c.age_at_index", "age_mismatch",
                                  "'differs by more than 1 year from the age computed from birth_date and "
                                  f"index_date (' || round({age}, 1) || ')'", f"abs({age} - c.age_at_index) > 1")),
        ("adverse_events", True, Check("warning", "grade", "c.grade", "grade5_without_death",
                                       lit("grade 5 (fatal) event but no death_date"),
                                       "c.grade = 5 AND p.death_date IS NULL")),
    ]


def _row_rule_selects(present: set[str]) -> list[str]:
    """Date-order and other row rules, one scan (or one join with patients) per table."""
    groups: dict[tuple[str, bool], list[Check]] = {}
    for r in all_date_rules():
        join, check = _date_check(r)
        groups.setdefault((r.table, join), []).append(check)
    for table, join, check in _other_checks():
        groups.setdefault((table, join), []).append(check)
    out = []
    for (table, join), checks in groups.items():
        if table not in present or (join and "patients" not in present):
            continue
        src = (f"{ident(table)} c JOIN patients p ON c.patient_id = p.patient_id" if join else f"{ident(table)} c")
        out.append(combined_select(table, checks, src, row_sql="c.source_row", file_sql="c.source_file"))
    return out


def _compared_columns(t: Table) -> list[str]:
    """Columns that must agree between two rows with the same key (canonical values for labs)."""
    names = ["value", "value_text", "unit", "uln"] if t.name == "labs" else list(t.column_names)
    assert t.name != "labs" or set(names) <= {n for n, _ in LAB_STORE_COLUMNS}
    return [n for n in names if n not in t.key]


def _duplicate_sql(con: duckdb.DuckDBPyConnection, t: Table) -> list[str]:
    """Duplicate keys: grouped first (cheap), then only the rows of duplicated keys are compared
    with the first occurrence (``unique`` policy: error; ``conflict``: identical = warning, else error)."""
    name = ident(t.name)
    keys = ", ".join(ident(k) for k in t.key)
    on = " AND ".join(f"a.{ident(k)} IS NOT DISTINCT FROM d.{ident(k)}" for k in t.key)
    key_value = " || ' | ' || ".join(f"coalesce(CAST(a.{ident(k)} AS VARCHAR), '')" for k in t.key)
    same = " AND ".join(f"a.{ident(c)} IS NOT DISTINCT FROM f.{ident(c)}" for c in _compared_columns(t)) or "TRUE"
    dups = ident(f"_dups_{t.name}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {dups} AS "
        f"WITH d AS (SELECT {keys}, min(source_row) AS __first FROM {name} WHERE patient_id IS NOT NULL "
        f"GROUP BY ALL HAVING count(*) > 1) "
        f"SELECT a.source_row, a.source_file, d.__first, {key_value} AS key_value, ({same}) AS same "
        f"FROM {name} a JOIN d ON {on} JOIN {name} f ON f.source_row = d.__first "
        f"WHERE a.source_row <> d.__first")
    key_desc = ", ".join(t.key)
    common = dict(table=t.name, column=key_desc, value_sql="key_value", from_sql=dups)
    if t.key_policy == "unique":
        return [issue_select(severity="error", rule="duplicate_key",
                             message_sql=f"{lit(f'duplicate key ({key_desc}); first occurrence at row ')} || __first",
                             where="TRUE", **common)]
    return [
        issue_select(severity="warning", rule="duplicate_row",
                     message_sql=f"{lit(f'exact duplicate (same {key_desc} and values) of row ')} || __first",
                     where="same", **common),
        issue_select(severity="error", rule="conflicting_duplicate",
                     message_sql=f"{lit(f'same {key_desc} as row ')} || __first || ' but different values'",
                     where="NOT same", **common),
    ]


def _unknown_patient_sql(t: Table) -> str:
    return issue_select(severity="error", table=t.name, column="patient_id", value_sql="c.patient_id",
                        rule="unknown_patient", message_sql=lit("patient_id not found in patients"),
                        from_sql=f"{ident(t.name)} c",
                        where="c.patient_id IS NOT NULL AND NOT EXISTS "
                              "(SELECT 1 FROM patients p WHERE p.patient_id = c.patient_id)",
                        row_sql="c.source_row", file_sql="c.source_file")


def cross_table_checks(con: duckdb.DuckDBPyConnection, present: set[str]) -> list[str]:
    """Issue SELECTs for keys, unknown patient ids and date order over the typed tables in ``con``.

    Tables not in ``present`` exist empty, so their rules select nothing; the
    unknown-patient rule is skipped when the patients table itself is absent.
    Rows of duplicated keys are collected first in temp tables ``_dups_<table>``.
    """
    out: list[str] = []
    for t in TABLES.values():
        if t.name not in present:
            continue
        out += _duplicate_sql(con, t)
        if t.name != "patients" and "patients" in present:
            out.append(_unknown_patient_sql(t))
    return out + _row_rule_selects(present)
