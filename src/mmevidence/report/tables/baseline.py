"""Baseline characteristics table (ICARIA-MM Table 1, German CUP Table 1) from the records of
:func:`mmevidence.analysis.baseline.analyse_baseline`.

One row block a ``study.baseline`` row, in the study's order: a continuous variable is one
row printed as configured (``median_range`` "median (min–max)", ``median_iqr`` "median
(Q1–Q3)", ``mean_sd`` "mean (SD)") with a "Missing" row when values are missing; a
categorical variable is a group row with one indented row a level (missing values as their
own "Missing" row); a boolean variable is a single row (patients with it).
"""

from __future__ import annotations

import math
import re

from ...analysis._subjects import MISSING_LEVEL, population_label
from ..format import fmt_mean_sd, fmt_median_range
from ..model import ReportTable, Row
from ._cells import DEFAULT, PctStyle, Records
from ._columns import arm_columns, levels_of, sub

def level_label(level: str) -> str:
    """Printed form of a category level: ">=" -> "≥", "<=" -> "≤", "_" -> " ", first letter upper
    case, a hyphen between digits -> en dash ("65-74" -> "65–74", "light_chain" -> "Light chain")."""
    text = level.replace(">=", "\u2265").replace("<=", "\u2264").replace("_", " ")
    text = re.sub(r"(?<=\d)-(?=[\d<>\u2264\u2265])", "\u2013", text)
    return text[:1].upper() + text[1:]


SUMMARY_TEXT = {"median_range": "median (range)", "median_iqr": "median (IQR)", "mean_sd": "mean (SD)"}


def _continuous_cell(records: Records, aid: str, var: str, group: str, summary: str, digits: int) -> str:
    v = {s: records.value(aid, var, group, s) for s in ("median", "q1", "q3", "min", "max", "mean", "sd")}
    if math.isnan(v["median"]):
        return ""
    if summary == "median_iqr":
        return fmt_median_range(v["median"], v["q1"], v["q3"], digits)
    if summary == "mean_sd":
        return fmt_mean_sd(v["mean"], v["sd"], digits)
    return fmt_median_range(v["median"], v["min"], v["max"], digits)


def baseline_table(records, study, population: str = "itt", style: PctStyle = DEFAULT, digits: int = 1,
                   table_id: str = "baseline", title: str | None = None,
                   footnotes: tuple[str, ...] = ()) -> ReportTable:
    """ReportTable of the baseline records (module docstring). ``digits``: decimals of
    continuous summaries; ``style``: how n (%) is printed (``_cells.LANCET``, ``FRONTIERS``)."""
    recs = records if isinstance(records, Records) else Records(records)
    recs = Records(recs.frame[recs.frame["analysis_id"].str.startswith("baseline.")
                              & (recs.frame["population"] == population)])
    first = next((f"baseline.{r.variable}" for r in study.baseline if r.variable), None)
    cols = arm_columns(recs, study, first) if first else []
    rows: list[Row] = []
    used: set[str] = set()
    for brow in study.baseline:
        var = brow.variable
        if var is None:
            continue
        aid = f"baseline.{var}"
        if brow.kind == "continuous":
            summary = brow.summary or "median_range"
            used.add(SUMMARY_TEXT[summary])
            rows.append(Row(brow.label, tuple(_continuous_cell(recs, aid, var, c.group, summary, digits)
                                              for c in cols)))
            missing = [recs.value(aid, var, c.group, "n_missing") for c in cols]
            if any(m > 0 for m in missing if not math.isnan(m)):
                rows.append(Row(MISSING_LEVEL, tuple(str(int(m)) if not math.isnan(m) else "" for m in missing),
                                indent=1))
            continue
        used.add("n (%)")
        levels = levels_of(recs, aid, var)
        if levels and set(levels) <= {"True", MISSING_LEVEL}:
            rows.append(Row(brow.label, tuple(recs.count(aid, var, sub(c.group, **{var: "True"}), style)
                                              for c in cols)))
            if MISSING_LEVEL in levels:
                rows.append(Row(MISSING_LEVEL, tuple(recs.count(aid, var, sub(c.group, **{var: MISSING_LEVEL}), style)
                                                     for c in cols), indent=1))
            continue
        rows.append(Row(brow.label, (), kind="group"))
        for level in levels:
            rows.append(Row(level_label(level), tuple(recs.count(aid, var, sub(c.group, **{var: level}), style)
                                                      for c in cols),
                            indent=1))
    n_total = cols[-1].n if cols else 0
    summaries = [s for s in ("median (range)", "median (IQR)", "mean (SD)", "n (%)") if s in used]
    note = "Data are " + (", ".join(summaries[:-1]) + " or " + summaries[-1] if len(summaries) > 1
                          else summaries[0]) + "." if summaries else ""
    return ReportTable(id=table_id, title=title or "Baseline demographic and disease characteristics",
                       population=population_label(study, population, n_total), stub="Characteristic",
                       columns=tuple(c.header for c in cols), rows=tuple(rows),
                       footnotes=tuple(f for f in (note, *footnotes) if f))
