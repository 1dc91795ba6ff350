"""Validation issues: the record layout, the report object and its text/CSV forms.

An issue names the table, the spreadsheet-style row of the source (header = row 1,
first data row = row 2), the column, the value as given, a rule code and a message.
Messages never contain patient identifiers; an identifier can appear only in the
``value`` column of the row that is at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .schema import TABLES

ISSUE_COLUMNS: tuple[str, ...] = ("severity", "table", "row", "column", "value", "rule", "message", "source_file")

ROW_CONVENTION = ("row = spreadsheet-style row number in the source file or sheet "
                  "(header = row 1, first data row = row 2)")


def unknown_table_issue(name: str, file: str) -> dict:
    """The issue record for a table name that is not in the data model."""
    return {"severity": "error", "table": name, "row": None, "column": "", "value": name, "rule": "unknown_table",
            "message": "unknown table name (expected one of: " + ", ".join(TABLES) + ")", "source_file": file}


def issue_frame(records: list[dict] | None = None) -> pd.DataFrame:
    """Issue records as a DataFrame with the fixed column order and types."""
    df = pd.DataFrame.from_records(records or [], columns=list(ISSUE_COLUMNS))
    return normalise_issues(df)


def normalise_issues(df: pd.DataFrame) -> pd.DataFrame:
    """Fix column types (``row`` nullable integer, the rest text) and order."""
    df = df.reindex(columns=list(ISSUE_COLUMNS))
    out = {c: df[c].astype(object).where(df[c].notna(), "").astype(str) for c in ISSUE_COLUMNS if c != "row"}
    out["row"] = pd.array(pd.to_numeric(df["row"], errors="raise"), dtype="Int64")
    return pd.DataFrame(out, columns=list(ISSUE_COLUMNS))


@dataclass
class ValidationReport:
    """All issues found in a source, errors and warnings, with the date rule that applied."""

    issues: pd.DataFrame
    date_rule: str = ""

    def __post_init__(self) -> None:
        order = {name: i for i, name in enumerate(TABLES)}
        df = normalise_issues(self.issues)
        df["_sev"] = (df["severity"] != "error").astype(int)
        df["_tab"] = df["table"].map(order).fillna(len(order))
        df = df.sort_values(["_sev", "_tab", "table", "row", "column", "rule", "value"], kind="mergesort",
                            na_position="first")
        self.issues = df.drop(columns=["_sev", "_tab"]).reset_index(drop=True)

    @property
    def errors(self) -> pd.DataFrame:
        return self.issues[self.issues["severity"] == "error"].reset_index(drop=True)

    @property
    def warnings(self) -> pd.DataFrame:
        return self.issues[self.issues["severity"] == "warning"].reset_index(drop=True)

    @property
    def n_errors(self) -> int:
        return int((self.issues["severity"] == "error").sum())

    @property
    def n_warnings(self) -> int:
        return int((self.issues["severity"] == "warning").sum())

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return self.n_errors == 0

    def to_csv(self, path: str | Path) -> Path:
        """Write the complete report (every issue) as CSV; returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.issues.to_csv(path, index=False)
        return path

    def render(self, max_per_rule: int = 10) -> str:
        """Plain-text report: counts first, then errors and warnings, at most
        ``max_per_rule`` lines per (table, rule) with a count of the rest."""
        lines = [f"Validation: {self.n_errors} error(s), {self.n_warnings} warning(s)",
                 f"  {ROW_CONVENTION}"]
        if self.date_rule:
            lines.append(f"  dates: {self.date_rule}")
        for title, df in (("ERRORS", self.errors), ("WARNINGS", self.warnings)):
            if df.empty:
                continue
            lines.append(f"{title} ({len(df)})")
            for (table, rule), grp in df.groupby(["table", "rule"], sort=False):
                for rec in grp.head(max_per_rule).itertuples(index=False):
                    row = "-" if pd.isna(rec.row) else str(rec.row)
                    lines.append(f"  {table or '-'} row {row} column {rec.column or '-'} "
                                 f"value {rec.value!r}: {rec.message}")
                if len(grp) > max_per_rule:
                    lines.append(f"  ... and {len(grp) - max_per_rule} more {rule} issue(s) in {table or '-'}"
                                 " (all in the CSV report)")
        return "\n".join(lines)


class ValidationError(Exception):
    """Raised when a source fails validation; ``report`` holds every issue."""

    def __init__(self, report: ValidationReport):
        self.report = report
        first = report.errors.head(1)
        detail = ""
        if not first.empty:
            r = first.iloc[0]
            detail = f"; first: {r['table']} row {r['row']} column {r['column']}: {r['message']}"
        super().__init__(f"validation failed with {report.n_errors} error(s){detail}")
