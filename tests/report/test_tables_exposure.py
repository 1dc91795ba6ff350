"""exposure_table: records written by hand, printed cells checked (ICARIA-MM Table 2 layout)."""

from __future__ import annotations

from mmevidence.analysis.results import as_frame, record
from mmevidence.report.tables._cells import FRONTIERS, LANCET
from mmevidence.report.tables.exposure import exposure_table
from mmevidence.studies.model import Arm, Dates, Design, Population, Study

STUDY = Study(id="toy", title="toy", sources=(), design=Design("randomised"), dates=Dates(),
              arms=(Arm("isa_pd", "Isa-Pd"), Arm("pd", "Pd")), comparison=None,
              populations={"safety": Population("safety", "Safety population", "saffl")},
              stratification=(), eligibility=(), endpoints=(), subgroups=(), baseline=(), published=())


def summary(aid, endpoint, group, n, median, q1, q3, lo, hi):
    return [record(aid, "safety", endpoint, group, s, v, n=n)
            for s, v in (("median", median), ("q1", q1), ("q3", q3), ("min", lo), ("max", hi))]


def counts(aid, endpoint, group, n, denominator):
    return [record(aid, "safety", endpoint, group, "n", n, n=denominator),
            record(aid, "safety", endpoint, group, "pct", 100 * n / denominator, n=denominator)]


RECORDS = as_frame(
    summary("exposure.duration", "trt_duration_weeks", "arm=Isa-Pd", 152, 41.0, 19.14, 52.25, 1, 76.7)
    + summary("exposure.duration", "trt_duration_weeks", "arm=Pd", 149, 24.0, 11.1, 48.0, 1, 70)
    + summary("exposure.duration", "trt_duration_weeks", "", 301, 30.0, 15.0, 50.0, 1, 76.7)
    + summary("exposure.cycles", "cycles_received", "arm=Isa-Pd", 152, 10, 5, 13, 1, 19)
    + summary("exposure.rdi", "relative_dose_intensity", "arm=Isa-Pd|drug=isatuximab", 152, 92.3, 80, 99, 19.7, 111.1)
    + summary("exposure.rdi", "relative_dose_intensity", "arm=Isa-Pd|drug=pomalidomide", 152, 85.1, 70, 95, 22.9, 103.7)
    + summary("exposure.rdi", "relative_dose_intensity", "arm=Pd|drug=pomalidomide", 149, 93.3, 80, 99, 37.2, 118.5)
    + counts("exposure.dose_reduction", "any_dose_reduction", "arm=Isa-Pd|drug=isatuximab", 0, 152)
    + counts("exposure.dose_reduction", "any_dose_reduction", "arm=Pd|drug=isatuximab", 0, 149)
    + counts("exposure.dose_reduction", "any_dose_reduction", "arm=Isa-Pd|drug=pomalidomide", 65, 152)
    + counts("exposure.dose_reduction", "any_dose_reduction", "arm=Pd|drug=pomalidomide", 36, 149)
    + counts("exposure.discontinuation", "discontinued", "arm=Isa-Pd", 87, 152)
    + counts("exposure.discontinuation_reason", "eot_reason", "arm=Isa-Pd|eot_reason=progression", 66, 152)
    + counts("exposure.cycles_reached", "cycles_received", "arm=Isa-Pd|cycles=1", 152, 152)
    + counts("exposure.cycles_reached", "cycles_received", "arm=Isa-Pd|cycles=2", 140, 152))


def test_icaria_table_2_layout():
    t = exposure_table(RECORDS, STUDY, style=LANCET, summary="median_iqr", digits=1)
    rows = {r.label: r.cells for r in t.rows}
    assert t.columns == ("Isa-Pd (n=152)", "Pd (n=149)", "Total (n=301)")
    # ICARIA-MM Table 2 prints 41.00 (19.1-52.3): one decimal here; 19.14 -> 19.1, 52.25 -> 52.3 (half up)
    assert rows["Treatment duration (weeks)"][:2] == ("41.0 (19.1\u201352.3)", "24.0 (11.1\u201348.0)")
    # isatuximab RDI: "NA" in the control arm, as ICARIA-MM prints
    assert rows["Isatuximab"][:2] == ("92.3 (80.0\u201399.0)", "NA")
    # dose reductions 65/152 = 42.8% -> 43%, 36/149 = 24.2% -> 24% (ICARIA-MM "65 (43%)", "36 (24%)")
    assert rows["Pomalidomide dose reductions"][:2] == ("65 (43%)", "36 (24%)")
    assert rows["Isatuximab dose reductions"][:2] == ("0", "NA")
    assert rows["Disease progression"][0] == "66 (43%)"
    assert "Patients who received at least k cycles" not in rows
    assert t.population == "Safety population (N=301)"
    assert "NA = not applicable" in t.footnotes[0]


def test_range_summary_and_cycles_reached():
    t = exposure_table(RECORDS, STUDY, style=FRONTIERS, summary="median_range", cycles_reached=True)
    rows = {r.label: r.cells for r in t.rows}
    assert rows["Treatment duration (weeks)"][0] == "41.0 (1.0\u201376.7)"
    # CUP Table 3 style: 140/152 = 92.1
    assert rows["2"][0] == "140 (92.1)" and rows["1"][0] == "152 (100.0)"
