"""ae_table and safety_overview_table: records written by hand, layout and printed cells checked."""

from __future__ import annotations

import pytest

from mmevidence.analysis.results import as_frame, record
from mmevidence.report.tables._cells import FRONTIERS, LANCET
from mmevidence.report.tables.safety import (SOC_INTERNATIONAL_ORDER, AeLayout, ae_table,
                                             safety_overview_table)
from mmevidence.report.build import journal_style
from mmevidence.studies import load_study
from mmevidence.studies.model import AeGroup, Arm, Dates, Design, Population, Study

#: The adverse-event layouts of the bundled definitions' ``report:`` sections (ICARIA-MM Table 4, CUP Table 2).
ICARIA_TABLE_4 = journal_style(load_study("icaria-mm"))[1]
CUP_TABLE_2 = journal_style(load_study("cup"))[1]

STUDY = Study(id="toy", title="toy", sources=(), design=Design("randomised"), dates=Dates(),
              arms=(Arm("isa_pd", "Isa-Pd"), Arm("pd", "Pd")), comparison=None,
              populations={"safety": Population("safety", "Safety population", "saffl")},
              stratification=(), eligibility=(), endpoints=(), subgroups=(), baseline=(), published=())
N = {"Isa-Pd": 152, "Pd": 149}   # safety population (ICARIA-MM Table 4 header); labs: 152 and 147 evaluable
INF, GI, BLOOD = "Infections and infestations", "Gastrointestinal disorders", "Blood and lymphatic system disorders"


def counts(aid, endpoint, group, n, arm):
    d = N[arm]
    return [record(aid, "safety", endpoint, group, "n", n, n=d), record(aid, "safety", endpoint, group, "pct",
                                                                         100 * n / d, n=d)]


def pt(cat, term, soc, arm, n):
    return counts(f"safety.ae_pt.{cat}", term, f"arm={arm}|soc={soc}", n, arm)


def soc(cat, name, arm, n):
    return counts(f"safety.ae_soc.{cat}", name, f"arm={arm}", n, arm)


# ICARIA-MM Table 4 numbers (all grades / grade 3 / grade 4)
RECORDS = as_frame(
    counts("safety.overview", "all_grades", "arm=Isa-Pd", 151, "Isa-Pd") + counts("safety.overview", "all_grades",
                                                                                 "arm=Pd", 146, "Pd")
    + counts("safety.ae_any.all_grades", "any", "arm=Isa-Pd", 151, "Isa-Pd")
    + pt("all_grades", "Upper respiratory tract infection", INF, "Isa-Pd", 43) + pt("grade_3", "Upper respiratory tract infection", INF, "Isa-Pd", 5)
    + pt("all_grades", "Upper respiratory tract infection", INF, "Pd", 26) + pt("grade_3", "Upper respiratory tract infection", INF, "Pd", 1)
    + pt("all_grades", "Pneumonia", INF, "Isa-Pd", 31) + pt("grade_3", "Pneumonia", INF, "Isa-Pd", 23)
    + pt("grade_4", "Pneumonia", INF, "Isa-Pd", 2)
    + pt("all_grades", "Diarrhoea", GI, "Isa-Pd", 39) + pt("all_grades", "Diarrhoea", GI, "Pd", 29)
    + pt("all_grades", "Nausea", GI, "Isa-Pd", 23) + pt("all_grades", "Nausea", GI, "Pd", 14)
    + pt("all_grades", "Vomiting", GI, "Pd", 20)   # only frequent in Pd
    + pt("all_grades", "Febrile neutropenia", BLOOD, "Isa-Pd", 10)
    + soc("all_grades", INF, "Isa-Pd", 70) + soc("all_grades", GI, "Isa-Pd", 80) + soc("all_grades", BLOOD, "Isa-Pd", 10)
    + soc("all_grades", INF, "Pd", 30) + soc("all_grades", GI, "Pd", 50)
    + [record("safety.lab", "safety", "neutrophils", f"arm=Isa-Pd|grade={g}", "n", n, n=152)
       for g, n in (("all_grades", 146), ("grade_3", 37), ("grade_4", 92))]
    + [record("safety.lab", "safety", "neutrophils", f"arm=Pd|grade={g}", "n", n, n=147)
       for g, n in (("all_grades", 137), ("grade_3", 57), ("grade_4", 46))]
    + [record("safety.lab", "safety", "hemoglobin", f"arm=Isa-Pd|grade={g}", "n", n, n=152)
       for g, n in (("all_grades", 151), ("grade_3", 48), ("grade_4", 0))]
    + [record("safety.overview", "safety", "all_grades", "arm=Isa-Pd", "rate_100py", 250.04, 240.0, 260.06, n=152),
       record("safety.overview", "safety", "exposure", "arm=Isa-Pd", "patient_years", 120.25, n=152)])


def test_icaria_table_4_flat_with_threshold():
    t = ae_table(RECORDS, STUDY, ICARIA_TABLE_4)
    assert t.rows[1].label == "Most common adverse events (in \u226515% of patients with isatuximab, worst grade)"
    assert t.spanners == (("Isa-Pd (n=152)", 0, 3), ("Pd (n=149)", 3, 3))
    assert t.columns == ("All grades", "Grade 3", "Grade 4") * 2
    labels = [r.label for r in t.rows]
    # >= 15% in Isa-Pd: URTI 43/152 = 28.3, diarrhoea 25.7, pneumonia 20.4, nausea 15.1; febrile neutropenia
    # (6.6%) and vomiting (0 in Isa-Pd, 13.6% in Pd) are left out; order by decreasing Isa-Pd frequency
    terms = labels[labels.index(t.rows[2].label):labels.index(t.rows[2].label) + 4]
    assert terms == ["Upper respiratory tract infection", "Diarrhoea", "Pneumonia", "Nausea"]
    assert "Vomiting" not in labels and "Febrile neutropenia" not in labels
    rows = {r.label: r.cells for r in t.rows}
    # ICARIA-MM prints these exact cells: 43/152 = 28.3%, 5/152 = 3.3%, 26/149 = 17.4%, 1/149 = 0.67% -> "<1%"
    assert rows["Upper respiratory tract infection"] == ("43 (28%)", "5 (3%)", "0", "26 (17%)", "1 (<1%)", "0")
    assert rows["Pneumonia"][:3] == ("31 (20%)", "23 (15%)", "2 (1%)")
    assert rows["Neutropenia"] == ("146/152 (96%)", "37/152 (24%)", "92/152 (61%)", "137/147 (93%)", "57/147 (39%)",
                                   "46/147 (31%)")
    assert rows["Anaemia"][:3] == ("151/152 (99%)", "48/152 (32%)", "0")
    assert any("\u226515% of patients in the Isa-Pd group" in f for f in t.footnotes)


def test_icaria_table_4_grouped_terms():
    """ICARIA-MM Table 4 "Infusion reaction*" (most common, in place of its PTs) and "Second primary
    malignancy†" (of interest) from hand-written group records."""
    from dataclasses import replace

    import pandas as pd

    ir = AeGroup("infusion_reaction", "Infusion reaction",
                 ("Infusion related reaction", "Cytokine release syndrome", "Drug hypersensitivity"),
                 note="As reported by the investigator.")
    spm = AeGroup("spm", "Second primary malignancy", ("Myelodysplastic syndrome", "Angiosarcoma"),
                  section="of_interest", note="One patient with myelodysplastic syndrome.")
    rare = AeGroup("rare", "Rare group", ("Vomiting",), note="never printed")
    study = replace(STUDY, ae_groups=(ir, spm, rare))
    g = "safety.ae_group"
    extra = (counts(f"{g}.all_grades", "infusion_reaction", "arm=Isa-Pd", 56, "Isa-Pd")
             + counts(f"{g}.grade_3", "infusion_reaction", "arm=Isa-Pd", 2, "Isa-Pd")
             + counts(f"{g}.grade_4", "infusion_reaction", "arm=Isa-Pd", 2, "Isa-Pd")
             # member PTs: CRS 25/152 = 16.4% would pass the threshold on its own but is shown through the group
             + pt("all_grades", "Infusion related reaction", "Injury, poisoning and procedural complications",
                  "Isa-Pd", 50)
             + pt("all_grades", "Cytokine release syndrome", "Immune system disorders", "Isa-Pd", 25)
             + counts(f"{g}.all_grades", "spm", "arm=Isa-Pd", 6, "Isa-Pd")
             + counts(f"{g}.grade_3", "spm", "arm=Isa-Pd", 1, "Isa-Pd")
             + counts(f"{g}.all_grades", "spm", "arm=Pd", 1, "Pd")
             + counts(f"{g}.all_grades", "rare", "arm=Isa-Pd", 5, "Isa-Pd"))   # 3.3% < 15%: not shown
    t = ae_table(pd.concat([RECORDS, as_frame(extra)], ignore_index=True), study, ICARIA_TABLE_4)
    labels = [r.label for r in t.rows]
    head = labels.index("Most common adverse events (in ≥15% of patients with isatuximab, worst grade)")
    # 56/152 = 36.8% ranks first, then URTI 28.3, diarrhoea 25.7, pneumonia 20.4, nausea 15.1
    assert labels[head + 1:head + 8] == ["Infusion reaction", "Upper respiratory tract infection", "Diarrhoea",
                                         "Pneumonia", "Nausea", "Other adverse events of interest",
                                         "Second primary malignancy"]
    assert labels[head + 8] == "Haematological laboratory abnormalities (worst grade in evaluable patients)"
    assert not {"Infusion related reaction", "Cytokine release syndrome", "Rare group"} & set(labels)
    rows = {r.label: r for r in t.rows}
    # 56/152 = 36.8 -> 37%; 2/152 = 1.3 -> 1%; nobody in Pd -> "0"
    assert rows["Infusion reaction"].cells == ("56 (37%)", "2 (1%)", "2 (1%)", "0", "0", "0")
    # 6/152 = 3.9 -> 4%; 1/152 = 0.66 and 1/149 = 0.67 -> "<1%" (ICARIA-MM prints "6 (4%) 1 (<1%)")
    assert rows["Second primary malignancy"].cells == ("6 (4%)", "1 (<1%)", "0", "1 (<1%)", "0", "0")
    assert rows["Second primary malignancy"].indent == 1 and rows["Other adverse events of interest"].kind == "group"
    assert "Infusion reaction: As reported by the investigator." in t.footnotes
    assert "Second primary malignancy: One patient with myelodysplastic syndrome." in t.footnotes
    assert not any("never printed" in f for f in t.footnotes)
    # without groups the member PTs are rows again (CRS 16.4% >= 15%)
    plain = [r.label for r in ae_table(pd.concat([RECORDS, as_frame(extra)]), study,
                                       replace(ICARIA_TABLE_4, groups=False)).rows]
    assert "Cytokine release syndrome" in plain and "Infusion reaction" not in plain
    with pytest.raises(ValueError, match="groups=True needs by_soc=False"):
        AeLayout(groups=True)


def test_soc_orders():
    by_freq = [r.label for r in ae_table(RECORDS, STUDY, AeLayout()).rows if r.kind == "group"]
    # frequency = largest arm percentage of the SOC: GI 80/152 = 52.6, INF 46.1, BLOOD 6.6
    assert by_freq[:3] == [GI, INF, BLOOD]
    intl = [r.label for r in ae_table(RECORDS, STUDY, AeLayout(soc_order="international")).rows if r.kind == "group"]
    assert intl[:3] == [INF, BLOOD, GI]
    assert SOC_INTERNATIONAL_ORDER.index(INF) < SOC_INTERNATIONAL_ORDER.index(BLOOD) < SOC_INTERNATIONAL_ORDER.index(GI)
    alpha = [r.label for r in ae_table(RECORDS, STUDY, AeLayout(soc_order="alphabetical")).rows if r.kind == "group"]
    assert alpha[:3] == [BLOOD, GI, INF]
    with pytest.raises(ValueError, match="soc_order"):
        AeLayout(soc_order="meddra")
    with pytest.raises(ValueError, match="unknown categories"):
        AeLayout(categories=("grade_9",))


def test_pt_alphabetical_within_soc_and_frontiers_style():
    t = ae_table(RECORDS, STUDY, AeLayout(categories=("all_grades",), style=FRONTIERS, soc_order="alphabetical",
                                          pt_order="alphabetical", labs=False))
    labels = [r.label for r in t.rows]
    gi = labels.index(GI)
    assert labels[gi + 1:gi + 4] == ["Diarrhoea", "Nausea", "Vomiting"]
    rows = {r.label: r for r in t.rows}
    # 39/152 = 25.66 -> 25.7; vomiting absent in Isa-Pd -> "0" cell
    assert rows["Diarrhoea"].cells == ("39 (25.7)", "29 (19.5)") and rows["Diarrhoea"].indent == 1
    assert rows["Vomiting"].cells[0] == "0 (0)"   # absent record: the style's zero
    assert rows[GI].cells == ("80 (52.6)", "50 (33.6)")
    assert "Neutropenia" not in rows


def test_overview_table():
    t = safety_overview_table(RECORDS, STUDY, style=LANCET)
    rows = {r.label: r.cells for r in t.rows if r.indent == 0}
    # 151/152 = 99.3% -> 99%; 146/149 = 98.0% -> 98%
    assert rows["Any TEAE"][:2] == ("151 (99%)", "146 (98%)")
    assert rows["Patient-years of exposure"][0] == "120.3"   # 120.25 half away from zero
    rate_rows = [r for r in t.rows if r.indent == 1 and r.label == "Any TEAE"]
    assert rate_rows[0].cells[0] == "250.0 (240.0\u2013260.1)"


def test_cup_table_2_layout_from_analysis():
    """German CUP Table 2 layout on a 4-patient single-arm cohort (counts by hand):
    P1 Anaemia g3 serious + Febrile neutropenia g3 related; P2 Angina pectoris g2 serious related;
    P3 Anaemia g1; P4 no event."""
    import pandas as pd

    from mmevidence.analysis.safety import analyse_safety

    cup = Study(**{**STUDY.__dict__, "design": Design("single-arm"), "arms": (Arm("isa", "Isatuximab"),)})
    adsl = pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P4"], "arm": "Isatuximab", "saffl": True,
                         "trt_start": pd.to_datetime("2020-01-01"), "trt_end": pd.to_datetime("2020-03-31")})
    ae = pd.DataFrame([("P1", "Anaemia", BLOOD, 3, True, False), ("P1", "Febrile neutropenia", BLOOD, 3, False, True),
                       ("P2", "Angina pectoris", "Cardiac disorders", 2, True, True), ("P3", "Anaemia", BLOOD, 1, False, False)],
                      columns=["patient_id", "preferred_term", "system_organ_class", "grade", "serious", "related"])
    ae = ae.assign(treatment_emergent=True, discontinued_any_drug=False, fatal=False)
    rec = analyse_safety(adsl, ae, None, cup, "safety", categories=CUP_TABLE_2.categories)
    t = ae_table(rec, cup, CUP_TABLE_2)
    assert t.spanners == (("Isatuximab (n=4)", 0, 5),)
    assert t.columns == ("All grades", "Grade \u22653", "Serious", "Related", "Related, grade \u22653")
    rows = [(r.label, r.cells) for r in t.rows]
    # events: 4 TEAEs; grade >= 3: 2; serious: 2; related: 2; related and grade >= 3: 1 (febrile neutropenia)
    assert rows[0] == ("Any TEAE (events)", ("4", "2", "2", "2", "1"))
    # SOCs and terms alphabetical; Anaemia: P1 and P3 = 2/4 = 50.0, grade >= 3 P1 = 25.0, serious P1, not related
    assert rows[1] == (BLOOD, ("2 (50.0)", "1 (25.0)", "1 (25.0)", "1 (25.0)", "1 (25.0)"))
    # a category nobody had prints the style's zero, "0 (0)" as CUP Table 2
    assert rows[2] == ("Anaemia", ("2 (50.0)", "1 (25.0)", "1 (25.0)", "0 (0)", "0 (0)"))
    assert rows[3] == ("Febrile neutropenia", ("1 (25.0)", "1 (25.0)", "0 (0)", "1 (25.0)", "1 (25.0)"))
    assert rows[4][0] == "Cardiac disorders"
    assert rows[5] == ("Angina pectoris", ("1 (25.0)", "0 (0)", "1 (25.0)", "1 (25.0)", "0 (0)"))
