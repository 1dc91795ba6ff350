"""Safety tables (ICARIA-MM Table 4, German CUP Table 2) from the records of
:func:`mmevidence.analysis.safety.analyse_safety`.

``safety_overview_table``: patients with any TEAE, grade >= 3, serious, related, leading to
discontinuation, fatal, and TEAEs per 100 patient-years (95% CI).

``ae_table``: TEAEs by system organ class (SOC) and preferred term (PT) with a spanner per arm
over the category columns (ICARIA-MM: all grades / grade 3 / grade 4; CUP: any grade / grade
>= 3 / serious / related / related grade >= 3), optionally flat (no SOC rows, ICARIA-MM), a
frequency threshold (a PT is shown when its all-category percentage reaches ``threshold_pct``
in ``threshold_arm``, or in any arm when None: ICARIA-MM ">= 15% of patients with
isatuximab"), SOC order by decreasing frequency, alphabetical (CUP) or the internationally
agreed order of MedDRA (:data:`SOC_INTERNATIONAL_ORDER`), PTs by decreasing frequency (ties
alphabetical) or alphabetical; the study's grouped terms (``study.ae_groups``, records
``safety.ae_group.<category>``) when ``layout.groups``: a ``most_common`` group is a row in
place of its member PTs, under the same threshold and order, an ``of_interest`` group a row
under "Other adverse events of interest" (no threshold), each group's note a footnote (ICARIA-MM
Table 4 "Infusion reaction", "Second primary malignancy"); and the haematological laboratory
abnormalities ("n/N (%)", worst grade in evaluable patients) when the records hold them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ...analysis._subjects import population_label
from ...analysis.safety import LAB_TERMS, OVERVIEW
from ..format import fmt_ci, fmt_num
from ..model import ReportTable, Row
from ._cells import DEFAULT, PctStyle, Records
from ._columns import arm_columns, sub

#: MedDRA System Organ Classes in the internationally agreed order (MedDRA Introductory Guide,
#: "internationally agreed order of SOCs", EMA/ICH; Product issues added in v19.0)
SOC_INTERNATIONAL_ORDER: tuple[str, ...] = (
    "Infections and infestations",
    "Neoplasms benign, malignant and unspecified (incl cysts and polyps)",
    "Blood and lymphatic system disorders", "Immune system disorders", "Endocrine disorders",
    "Metabolism and nutrition disorders", "Psychiatric disorders", "Nervous system disorders", "Eye disorders",
    "Ear and labyrinth disorders", "Cardiac disorders", "Vascular disorders",
    "Respiratory, thoracic and mediastinal disorders", "Gastrointestinal disorders", "Hepatobiliary disorders",
    "Skin and subcutaneous tissue disorders", "Musculoskeletal and connective tissue disorders",
    "Renal and urinary disorders", "Pregnancy, puerperium and perinatal conditions",
    "Reproductive system and breast disorders", "Congenital, familial and genetic disorders",
    "General disorders and administration site conditions", "Investigations",
    "Injury, poisoning and procedural complications", "Surgical and medical procedures", "Social circumstances",
    "Product issues",
)

CATEGORY_LABELS = {"all_grades": "All grades", "grade_3": "Grade 3", "grade_4": "Grade 4", "grade_5": "Grade 5",
                   "grade_3_or_more": "Grade \u22653", "serious": "Serious",
                   "serious_grade_3_or_more": "Serious, grade \u22653", "related": "Related",
                   "related_grade_3_or_more": "Related, grade \u22653", "discontinued": "Leading to discontinuation",
                   "fatal": "Fatal"}
OVERVIEW_LABELS = {"all_grades": "Any TEAE", "grade_3_or_more": "Grade \u22653 TEAE", "serious": "Serious TEAE",
                   "related": "Treatment-related TEAE", "discontinued": "TEAE leading to discontinuation",
                   "fatal": "TEAE with fatal outcome"}


def _soc_key(name: str) -> str:
    """SOC name reduced to letters (MedDRA spellings differ in commas, colons and "incl")."""
    return re.sub(r"[^a-z]", "", name.lower().replace("including", "incl"))


_INTERNATIONAL_RANK = {_soc_key(s): i for i, s in enumerate(SOC_INTERNATIONAL_ORDER)}


def safety_overview_table(records, study, population: str = "safety", style: PctStyle = DEFAULT,
                          table_id: str = "safety_overview",
                          title: str = "Overview of treatment-emergent adverse events",
                          footnotes: tuple[str, ...] = ()) -> ReportTable:
    """ReportTable of ``safety.overview`` records: n (%) rows, then TEAEs per 100 patient-years."""
    recs = records if isinstance(records, Records) else Records(records)
    f = recs.frame
    recs = Records(f[(f["analysis_id"] == "safety.overview") & (f["population"] == population)])
    cols = arm_columns(recs, study, "safety.overview")
    rows = [Row(OVERVIEW_LABELS[c], tuple(recs.count("safety.overview", c, col.group, style) for col in cols))
            for c in OVERVIEW]
    rows.append(Row("Patient-years of exposure", tuple(fmt_num(recs.value("safety.overview", "exposure", col.group,
                                                                           "patient_years"), 1) for col in cols)))
    rows.append(Row("TEAEs per 100 patient-years (95% CI)", (), kind="group"))
    for c in OVERVIEW:
        cells = []
        for col in cols:
            r = recs.get("safety.overview", c, col.group, "rate_100py")
            cells.append("" if r is None else fmt_ci(r.value, r.lower, r.upper, 1))
        rows.append(Row(OVERVIEW_LABELS[c], tuple(cells), indent=1))
    return ReportTable(id=table_id, title=title, population=population_label(study, population, cols[-1].n),
                       stub="", columns=tuple(c.header for c in cols), rows=tuple(rows),
                       footnotes=("Data are n (%) of patients unless stated. TEAE = treatment-emergent adverse event. "
                                  "Rates: events per 100 patient-years of exposure, exact Poisson 95% CI.", *footnotes))


def _frequency(recs: Records, aid: str, endpoint: str, groups: list[str]) -> float:
    """Largest percentage of ``endpoint`` over the arm groups (``groups``)."""
    vals = [recs.value(aid, endpoint, g, "pct") for g in groups]
    vals = [v for v in vals if not math.isnan(v)]
    return max(vals) if vals else 0.0


@dataclass(frozen=True)
class AeLayout:
    """How an AE table is laid out (module docstring): the category columns under each arm,
    n (%) style, SOC grouping and order, PT order, frequency threshold (percent of patients in
    the first category, in arm ``threshold_arm`` -- an arm id -- or in any arm when None), a
    "Total" column, the laboratory rows, events instead of patients in the "Any TEAE" row
    (CUP Table 2), a heading over a flat term list and the study's AE groups (``groups``, flat
    lists only: a group may span system organ classes)."""

    categories: tuple[str, ...] = ("all_grades", "grade_3", "grade_4")
    style: PctStyle = DEFAULT
    by_soc: bool = True
    soc_order: str = "frequency"        # frequency | alphabetical | international
    pt_order: str = "frequency"         # frequency | alphabetical
    threshold_pct: float = 0.0
    threshold_arm: str | None = None
    include_total: bool = False
    labs: bool = True
    any_row_events: bool = False
    pt_heading: str | None = None
    groups: bool = False

    def __post_init__(self):
        if self.groups and self.by_soc:
            raise ValueError("groups=True needs by_soc=False: an AE group may span system organ classes")
        if self.soc_order not in ("frequency", "alphabetical", "international"):
            raise ValueError(f"soc_order must be frequency, alphabetical or international, got {self.soc_order!r}")
        if self.pt_order not in ("frequency", "alphabetical"):
            raise ValueError(f"pt_order must be frequency or alphabetical, got {self.pt_order!r}")
        unknown = [c for c in self.categories if c not in CATEGORY_LABELS]
        if unknown:
            raise ValueError(f"unknown categories {unknown}; known: {', '.join(CATEGORY_LABELS)}")


def _order_socs(socs: set[str], order: str, frequency) -> list[str]:
    if order == "frequency":
        return sorted(socs, key=lambda s: (-frequency(s), s.lower()))
    if order == "international":
        return sorted(socs, key=lambda s: (_INTERNATIONAL_RANK.get(_soc_key(s), len(_INTERNATIONAL_RANK)), s.lower()))
    return sorted(socs, key=str.lower)


def _lab_rows(recs: Records, cols, layout: AeLayout) -> list[Row]:
    """"n/N (%)" rows of the worst-grade haematological abnormalities (empty when no lab records)."""
    if not (recs.frame["analysis_id"] == "safety.lab").any():
        return []
    st = layout.style
    lab_style = PctStyle(st.digits, st.sign, st.zero, st.below_one, denominator=True)
    rows = [Row("Haematological laboratory abnormalities (worst grade in evaluable patients)", (), kind="group")]
    for test, term in LAB_TERMS.items():
        cells = tuple(recs.count("safety.lab", test, sub(c.group, grade=cat), lab_style)
                      if recs.get("safety.lab", test, sub(c.group, grade=cat), "n") is not None else ""
                      for c in cols for cat in layout.categories)
        rows.append(Row(term, cells, indent=1))
    return rows


def ae_table(records, study, layout: AeLayout = AeLayout(), population: str = "safety", table_id: str = "teae",
             title: str = "Treatment-emergent adverse events", footnotes: tuple[str, ...] = ()) -> ReportTable:
    """ReportTable of TEAEs by SOC and preferred term in ``layout`` (module docstring; a study's own
    layout comes from its definition's ``report:`` section, ``report.build.journal_style``: e.g.
    ICARIA-MM Table 4, CUP Table 2). Frequencies for ordering and the threshold are the
    percentages of the first category."""
    recs = records if isinstance(records, Records) else Records(records)
    recs = Records(recs.frame[recs.frame["population"] == population])
    cats = layout.categories
    cols = [c for c in arm_columns(recs, study, "safety.overview") if layout.include_total or c.arm is not None]
    ref_groups = ([f"arm={study.arm(layout.threshold_arm).label}"] if layout.threshold_arm is not None
                  else [c.group for c in cols if c.arm is not None])
    pt_aid, soc_aid = f"safety.ae_pt.{cats[0]}", f"safety.ae_soc.{cats[0]}"
    pts = recs.frame[recs.frame["analysis_id"] == pt_aid]
    pairs = sorted({(g.split("soc=", 1)[1], e) for g, e in zip(pts["group"], pts["endpoint"])})  # (soc, pt)

    def pt_freq(soc: str, pt: str) -> float:
        return _frequency(recs, pt_aid, pt, [sub(g, soc=soc) for g in ref_groups])

    def order_key(label: str, freq: float):
        return (label.lower(),) if layout.pt_order == "alphabetical" else (-freq, label.lower())

    def frequent(freq: float) -> bool:
        return freq >= layout.threshold_pct - 1e-12

    def cells(prefix: str, endpoint: str, soc: str | None) -> tuple[str, ...]:
        return tuple(recs.count(f"{prefix}.{cat}", endpoint, c.group if soc is None else sub(c.group, soc=soc),
                                layout.style) for c in cols for cat in cats)

    groups = study.ae_groups if layout.groups else ()
    common = [g for g in groups if g.section == "most_common"]
    grouped = {t for g in common for t in g.terms}
    group_freq = {g.id: _frequency(recs, f"safety.ae_group.{cats[0]}", g.id, ref_groups) for g in common}
    # the groups shown: every of-interest group; a most-common group when it reaches the threshold
    groups = [g for g in groups if g.section == "of_interest" or frequent(group_freq[g.id])]
    shown = sorted(((s, p) for s, p in pairs if p not in grouped and frequent(pt_freq(s, p))),
                   key=lambda item: order_key(item[1], pt_freq(*item)))
    if layout.any_row_events:
        events = (recs.value(f"safety.ae_any.{cat}", "any", c.group, "events") for c in cols for cat in cats)
        any_row = Row("Any TEAE (events)", tuple(fmt_num(e, 0) for e in events), kind="total")
    else:
        any_row = Row("Any TEAE", cells("safety.ae_any", "any", None), kind="total")
    rows = [any_row]
    if layout.by_soc:
        for soc in _order_socs({s for s, _ in shown}, layout.soc_order,
                               lambda s: _frequency(recs, soc_aid, s, ref_groups)):
            rows.append(Row(soc, cells("safety.ae_soc", soc, None), kind="group"))
            rows += [Row(p, cells("safety.ae_pt", p, s), indent=1) for s, p in shown if s == soc]
    else:
        if layout.pt_heading:
            rows.append(Row(layout.pt_heading, (), kind="group"))
        terms = [(p, pt_freq(s, p), cells("safety.ae_pt", p, s)) for s, p in shown]
        terms += [(g.label, group_freq[g.id], cells("safety.ae_group", g.id, None)) for g in groups
                  if g.section == "most_common"]
        terms.sort(key=lambda t: order_key(t[0], t[1]))
        rows += [Row(label, c, indent=1 if layout.pt_heading else 0) for label, _, c in terms]
        of_interest = [g for g in groups if g.section == "of_interest"]
        if of_interest:
            rows.append(Row("Other adverse events of interest", (), kind="group"))
            rows += [Row(g.label, cells("safety.ae_group", g.id, None), indent=1) for g in of_interest]
    if layout.labs:
        rows += _lab_rows(recs, cols, layout)
    notes = ["Data are n (%) of patients; a patient is counted once per term at the worst grade. "
             "TEAE = treatment-emergent adverse event."]
    if layout.threshold_pct > 0:
        where = (f"in the {study.arm(layout.threshold_arm).label} group" if layout.threshold_arm else "in any group")
        notes.append(f"Preferred terms reported in \u2265{fmt_num(layout.threshold_pct, 0)}% of patients {where}.")
    notes += [f"{g.label}: {g.note}" for g in groups if g.note]
    if layout.by_soc:
        notes.append({"frequency": "System organ classes by decreasing frequency.",
                      "alphabetical": "System organ classes in alphabetical order.",
                      "international": "System organ classes in the internationally agreed MedDRA order."}
                     [layout.soc_order])
    n_safety = sum(c.n for c in cols if c.arm is not None)
    return ReportTable(id=table_id, title=title, population=population_label(study, population, n_safety),
                       stub="System organ class / preferred term" if layout.by_soc else "Preferred term",
                       columns=tuple(CATEGORY_LABELS[cat] for _ in cols for cat in cats), rows=tuple(rows),
                       spanners=tuple((c.header, i * len(cats), len(cats)) for i, c in enumerate(cols)),
                       footnotes=tuple(notes) + tuple(footnotes))
