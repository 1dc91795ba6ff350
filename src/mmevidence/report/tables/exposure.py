"""Exposure table (ICARIA-MM Table 2, German CUP Table 3) from the records of
:func:`mmevidence.analysis.exposure.analyse_exposure`.

Rows: treatment duration (weeks), cycles received, relative dose intensity per drug ("NA"
where the arm did not receive the drug, as ICARIA-MM prints), patients with a dose reduction
per drug, discontinuation and its reasons, and (``cycles_reached=True``, CUP Table 3) the
number of patients who received at least k cycles.
"""

from __future__ import annotations

import math

from ...analysis._subjects import population_label
from ..format import fmt_median_range
from ..model import ReportTable, Row
from ._cells import DEFAULT, PctStyle, Records
from ._columns import arm_columns, levels_of, sub

REASON_LABELS = {"progression": "Disease progression", "adverse_event": "Adverse event", "death": "Death",
                 "patient_decision": "Patient decision", "physician_decision": "Physician decision",
                 "other": "Other", "Missing": "Missing"}
NA = "NA"


def _summary(recs: Records, aid: str, endpoint: str, group: str, summary: str, digits: int, suffix: str = "") -> str:
    med = recs.value(aid, endpoint, group, "median")
    if math.isnan(med):
        return NA
    lo, hi = ("q1", "q3") if summary == "median_iqr" else ("min", "max")
    text = fmt_median_range(med, recs.value(aid, endpoint, group, lo), recs.value(aid, endpoint, group, hi), digits)
    return text.replace(" (", f"{suffix} (", 1) if suffix else text


def exposure_table(records, study, population: str = "safety", style: PctStyle = DEFAULT,
                   summary: str = "median_iqr", digits: int = 1, cycles_reached: bool = False,
                   table_id: str = "exposure", title: str = "Exposure to study treatments",
                   footnotes: tuple[str, ...] = ()) -> ReportTable:
    """ReportTable of the exposure records (module docstring); ``summary`` "median_iqr" or
    "median_range" for the continuous rows."""
    recs = records if isinstance(records, Records) else Records(records)
    recs = Records(recs.frame[recs.frame["analysis_id"].str.startswith("exposure.")
                              & (recs.frame["population"] == population)])
    cols = arm_columns(recs, study, "exposure.duration")

    def continuous(aid: str, endpoint: str, **levels: str) -> tuple[str, ...]:
        return tuple(_summary(recs, aid, endpoint, sub(c.group, **levels), summary, digits) for c in cols)

    def count(aid: str, endpoint: str, **levels: str) -> tuple[str, ...]:
        return tuple(recs.count(aid, endpoint, sub(c.group, **levels), style) for c in cols)

    def reductions(drug: str) -> tuple[str, ...]:
        """n (%) with a reduction; NA in an arm that did not receive the drug (no RDI record)."""
        given = [recs.get("exposure.rdi", "relative_dose_intensity", sub(c.group, drug=drug), "median") is not None
                 for c in cols]
        cells = count("exposure.dose_reduction", "any_dose_reduction", drug=drug)
        return tuple(cell if g else NA for cell, g in zip(cells, given))

    rows = [Row("Treatment duration (weeks)", continuous("exposure.duration", "trt_duration_weeks")),
            Row("Cycles received", continuous("exposure.cycles", "cycles_received"))]
    drugs = levels_of(recs, "exposure.dose_reduction", "drug")
    if drugs:
        rows.append(Row("Relative dose intensity (%)", (), kind="group"))
        rows += [Row(d.capitalize(), continuous("exposure.rdi", "relative_dose_intensity", drug=d), indent=1)
                 for d in drugs]
        rows += [Row(f"{d.capitalize()} dose reductions", reductions(d)) for d in drugs]
    rows.append(Row("Treatment discontinued", count("exposure.discontinuation", "discontinued")))
    rows += [Row(REASON_LABELS.get(r, r), count("exposure.discontinuation_reason", "eot_reason", eot_reason=r),
                 indent=1) for r in levels_of(recs, "exposure.discontinuation_reason", "eot_reason")]
    if cycles_reached:
        rows.append(Row("Patients who received at least k cycles", (), kind="group"))
        ks = sorted(int(k) for k in levels_of(recs, "exposure.cycles_reached", "cycles"))
        rows += [Row(str(k), count("exposure.cycles_reached", "cycles_received", cycles=str(k)), indent=1) for k in ks]
    kind = "median (IQR)" if summary == "median_iqr" else "median (range)"
    return ReportTable(id=table_id, title=title, population=population_label(study, population, cols[-1].n),
                       stub="", columns=tuple(c.header for c in cols), rows=tuple(rows),
                       footnotes=(f"Data are {kind} or n (%). NA = not applicable (drug not given in the arm). "
                                  "Relative dose intensity = delivered / planned dose intensity.", *footnotes))
