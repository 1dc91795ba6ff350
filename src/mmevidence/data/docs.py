"""Generate ``docs/data-model.md`` from the schema and unit definitions.

Run ``python -m mmevidence.data.docs docs/data-model.md`` to rewrite the file; a test
fails when the committed file differs from :func:`render_data_model`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .consistency import DATE_RULES
from .schema import (FALSE_VALUES, KNOWN_DRUGS, LIST_SEPARATOR, REQUIRED_TABLES, TABLES, TRUE_VALUES, Column,
                     Table)
from .units import CONVERSIONS, LAB_TESTS, QUALITATIVE_VALUES, conversion_id

DECISIONS = f"""\
## How a source is read

* **Source.** A folder with one file per table (file stem = table name: `patients.csv`,
  `labs.parquet`, `adverse_events.sas7bdat`, ...) or one XLSX workbook with one sheet per
  table (sheet name = table name). Formats: CSV (UTF-8, comma-separated, optional BOM),
  Parquet, XLSX, SAS `.sas7bdat`/`.xpt`, SPSS `.sav`, Stata `.dta` (via pyreadstat).
  Only `{", ".join(REQUIRED_TABLES)}` is required; absent optional tables are stored empty.
  Files in other formats that look like data (`.xls`, `.tsv`, `.json`, ...) are reported
  as warnings; a table given twice or an unknown table name is an error.
* **Text first.** Every value is read as text and then parsed explicitly, so an
  unparseable value is reported, never coerced. Typed values of binary formats (Parquet,
  XLSX, SAS/SPSS/Stata) are rendered to text first: whole numbers without a decimal point,
  other numbers in shortest round-trip form, NaN as empty, dates in the run's date format,
  timestamps with a time of day in full ISO form (they then fail date validation instead of
  being truncated).
* **Missing.** An empty cell is missing; nothing else is. Codes such as `NA`, `NULL`, `.`
  in text columns are kept as given and reported as warnings; in typed columns they are
  errors (not a number / not a date).
* **Numbers** must match `[+-]digits[.digits][e[+-]digits]` exactly: no spaces, no
  thousands separators, no decimal comma, no `nan`/`inf`. **Whole numbers** may be written
  `3` or `3.0`. **Booleans** (any case): {", ".join(TRUE_VALUES)} / {", ".join(FALSE_VALUES)};
  anything else is an error. **Lists** (`drugs`, `related_to`) are `{LIST_SEPARATOR}`-separated;
  an empty item is an error, a name outside the known generic-name list a warning.
  **Categories** and **units** are case-sensitive (`mg/dl` is not `mg/dL`: an unknown unit).
* **Dates** are ISO 8601 `YYYY-MM-DD` by default; `--date-format` (a strftime pattern such
  as `%d/%m/%Y`) for others. Dates after `--data-cutoff` are errors; without a cut-off,
  dates after the run date are errors; the report header says which rule applied.
* **Rows.** "row" in the report is the spreadsheet-style row number in the source file or
  sheet: header = row 1, first data row = row 2 (the CSV line number when no value
  contains a line break; the worksheet row for XLSX; the 1-based record number + 1 for Parquet and
  SAS/SPSS/Stata). Entirely empty rows are skipped with a warning. Every stored row keeps
  `source_file` and `source_row`.
* **Unknown columns** are kept unchanged as text, with a warning. Missing required
  columns are errors.

## Validation report

Each issue: `severity` (error / warning), `table`, `row`, `column`, `value` (as given),
`rule` (a code), `message`, `source_file`. The screen shows counts first, then at most N
issues per table and rule (`--max-shown`); the CSV report (`--report`, default
`STORE.validation.csv`) and the store table `_validation_report` hold every issue. With
any error nothing is written (exit code 1) and an existing store is left intact.
Messages never contain patient identifiers; an identifier appears only in the `value`
field of an issue about that row (the user's own data). No network access.

## Cross-table rules

* Keys (see each table): policy *unique* = a repeated key is an error; policy *conflict* =
  a repeated key with identical values is a warning (exact duplicate), with different
  values an error.
* Every `patient_id` of a child table must exist in `patients`.
* Every date must not precede the patient's `birth_date` nor follow the `death_date`
  (errors) and should not follow `last_contact_date` (warning).
* `patients`: one of `birth_date`, `age_at_index` is required; age computed from the
  dates differing by more than one year from `age_at_index` is a warning. A grade-5
  adverse event without a `death_date` is a warning.
* Further date-order rules:

{{date_rules}}

## The study store

A DuckDB file with one table per canonical table (columns typed DATE, DOUBLE, BIGINT,
VARCHAR, BOOLEAN; rows in source order) plus `_validation_report`, `_unit_conversions`
(one row per conversion applied: test, from/to unit, factors, source, row count) and
`_provenance` (per source file: name, size, SHA-256, rows, table, tool version, run time
in UTC, date format, data cut-off). The store is built in a temporary file and renamed into
place only on success. Re-running on the same input gives identical table contents; only
`_provenance.ingested_at_utc` differs.

In `labs`, `value` (numeric tests) and `uln` are in the canonical unit of the test and
`unit` is that canonical unit; `value_text` holds positive/negative for immunofixation;
`value_original`, `unit_original`, `uln_original` keep what was handed in, and
`conversion` names the conversion applied (empty when the unit was canonical).
"""


def _column_line(c: Column) -> str:
    notes = []
    if c.allowed:
        notes.append("allowed: " + ", ".join(f"`{a}`" for a in c.allowed))
    if c.minimum is not None or c.maximum is not None:
        lo = "" if c.minimum is None else f"{'>' if c.exclusive_minimum else '>='} {c.minimum:g}"
        hi = "" if c.maximum is None else f"<= {c.maximum:g}"
        notes.append("range " + " and ".join(x for x in (lo, hi) if x))
    if c.warn_below is not None or c.warn_above is not None:
        w = " or ".join(x for x in (c.warn_below is not None and f"< {c.warn_below:g}" or "",
                                    c.warn_above is not None and f"> {c.warn_above:g}" or "") if x)
        notes.append(f"warning if {w}")
    if c.drug_names:
        notes.append("generic drug names (unknown names: warning)")
    if c.checked_by:
        notes.append(f"checked against {c.checked_by}")
    if c.allow_empty:
        notes.append("column required, value may be empty")
    req = "yes" if c.required else ""
    return (f"| `{c.name}` | {c.type} | {req} | {c.unit or ''} | {c.description} "
            f"{'; '.join(notes)} |").replace("  |", " |")


def _table_section(t: Table) -> str:
    lines = [f"### `{t.name}`", "", t.description, "",
             f"Key: ({', '.join(t.key)}), policy *{t.key_policy}*."
             + (" Required table." if t.name in REQUIRED_TABLES else " Optional table."), ""]
    for group in t.one_of_required:
        lines += [f"At least one of {', '.join(f'`{g}`' for g in group)} is required.", ""]
    lines += ["| column | type | required | unit | description |", "|---|---|---|---|---|"]
    lines += [_column_line(c) for c in t.columns]
    lines += ["", "Worked example row:", "", "| " + " | ".join(t.example) + " |",
              "|" + "---|" * len(t.example),
              "| " + " | ".join(t.example[k] for k in t.example) + " |", ""]
    return "\n".join(lines)


def _units_section() -> str:
    lines = ["## Units (labs)", "",
             "Every lab value is stored in the canonical unit of its test: "
             "`canonical = value * multiply / divide`. Unknown tests and units are errors; "
             f"immunofixation values are {' / '.join(QUALITATIVE_VALUES)} with an empty unit. "
             "Numeric values must be >= 0; values outside the plausible range are warnings.", "",
             "| test | canonical unit | kind | plausible range (warning outside) | description |",
             "|---|---|---|---|---|"]
    for t in LAB_TESTS.values():
        rng = ""
        if t.warn_below is not None or t.warn_above is not None:
            rng = f"{t.warn_below if t.warn_below is not None else 0:g} - " + (
                f"{t.warn_above:g}" if t.warn_above is not None else "")
        if t.maximum is not None:
            rng += f" (error above {t.maximum:g})"
        lines.append(f"| `{t.name}` | {t.unit or '(none)'} | {t.kind} | {rng} | {t.description} |")
    lines += ["", "Known alternative units:", "",
              "| conversion | multiply | divide | source |", "|---|---:|---:|---|"]
    for c in CONVERSIONS:
        lines.append(f"| `{conversion_id(c.test, c.unit)}` | {c.multiply:g} | {c.divide:g} | {c.source} |")
    lines += ["", "Administration dose units are kept as given and must be one of "
              + ", ".join(f"`{u}`" for u in TABLES['administrations'].column('unit').allowed) + ".", ""]
    return "\n".join(lines)


def render_data_model() -> str:
    """The full text of ``docs/data-model.md``."""
    rules = "\n".join(f"  * `{r.table}.{r.column}` {r.op} `{r.ref}`: {r.severity} `{r.rule}` ({r.message})"
                      for r in DATE_RULES)
    parts = ["# Data model", "",
             "Generated by `python -m mmevidence.data.docs docs/data-model.md` from "
             "`src/mmevidence/data/schema.py` and `units.py` (a test fails when this file is out of date).", "",
             DECISIONS.replace("{date_rules}", rules), "## Tables", ""]
    parts += [_table_section(t) for t in TABLES.values()]
    parts.append(_units_section())
    parts += ["## Known generic drug names", "", ", ".join(sorted(KNOWN_DRUGS)), ""]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    text = render_data_model()
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
