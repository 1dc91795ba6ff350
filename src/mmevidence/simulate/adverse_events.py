"""Simulated ``adverse_events`` table: every preferred term of the published AE tables
(ICARIA-MM Table 4; German CUP Table 2; IMAGE summary) with its system organ class, drawn
per patient at the published per-arm worst-grade rates, plus fatal AEs consistent with the
latent deaths and AEs leading to withdrawal for patients whose treatment ended for an AE.

Model (one row = the worst episode of a preferred term in a patient):

* worst grade of PT *k* in a patient of arm *a*: categorical with P(grade 3) = published
  grade-3 rate, P(grade 4) = grade-4 rate, P(grade 1-2) = all-grade - grade 3 - grade 4
  (grade 1 : grade 2 = 1 : 1, an assumption), independently across PTs (the papers give no
  joint distribution); "grade >= 3" tables (CUP) put the whole >= 3 rate on grade 3 except
  where the text names the grade. Hence a PT's all-grade, grade-3 and grade-4 patient
  percentages are reproduced in expectation.
* onset (days from the first dose): infusion reactions at the first infusion (ICARIA-MM:
  "most occurred with the first infusion"), other PTs ``end * U**2`` (front-loaded: the CUP
  documented 68 % of TEAEs in cycle 1) within treatment (first dose .. end of treatment, or
  end of observation while ongoing), so every event is treatment-emergent.
* serious / related / outcome / action: published per PT where the paper gives them (CUP
  Table 2 serious and related-to-isatuximab counts), otherwise the assumptions named below.
* overall rates (ICARIA-MM): patients with >= 1 grade >= 3 AE are topped up to the published
  share by one filler PT (:data:`FILLER_PT`, the unlisted PTs of Table 4), and the assumed
  per-event serious probabilities are scaled per arm (bisection, common random numbers) so
  that the share of patients with >= 1 serious AE is the published one.
* fatal AEs (grade 5, outcome fatal, onset and end on the death date) only for patients who
  die within 30 days of the end of treatment, as many as the published fatal-AE percentage.
* ``eot_reason == "adverse_event"``: one of the patient's AEs (the worst; a "General physical
  health deterioration" AE if none) starts within 14 days before the end of treatment with
  ``action_taken = drug_withdrawn``.

``derive_adae`` + counting patients by PT and worst grade reproduces the rates (tested on
20,000 patients within 2 percentage points, ``tests/simulate/test_adverse_events.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._published import published_rate

SOC = {
    "blood": "Blood and lymphatic system disorders", "cardiac": "Cardiac disorders",
    "gi": "Gastrointestinal disorders", "general": "General disorders and administration site conditions",
    "infection": "Infections and infestations", "injury": "Injury, poisoning and procedural complications",
    "investigations": "Investigations", "metabolism": "Metabolism and nutrition disorders",
    "musculoskeletal": "Musculoskeletal and connective tissue disorders",
    "neoplasms": "Neoplasms benign, malignant and unspecified (incl cysts and polyps)",
    "nervous": "Nervous system disorders", "respiratory": "Respiratory, thoracic and mediastinal disorders",
    "skin": "Skin and subcutaneous tissue disorders", "vascular": "Vascular disorders",
}


@dataclass(frozen=True)
class PT:
    """A published preferred term: counts (all grades, grade 3, grade 4, grade 5) and the
    denominator per arm label, the quote they were read from, and the published or assumed
    probabilities that an event is serious / related (``related``: drugs, probability)."""

    term: str
    soc: str
    counts: dict[str, tuple[int, int, int, int, int]]  # arm label -> (all, g3, g4, g5, N)
    quote: str
    serious: float | None = None  # None: by grade (ASSUMED_SERIOUS_BY_GRADE)
    related: tuple[tuple[str, ...], float] = ((), 0.0)
    aesi: bool = False
    item: str | None = None  # the study definition's ``item`` (default: term in lower case)
    grade_3_plus: bool = False  # the paper prints "grade >= 3" (CUP) rather than grade 3 and 4


#: Assumptions (not published): P(serious) by grade when the paper gives no per-PT figure;
#: infections of grade >= 3 are usually hospitalised (serious).
ASSUMED_SERIOUS_BY_GRADE = np.array([0.0, 0.02, 0.08, 0.55, 0.85, 1.0])
ASSUMED_SERIOUS_INFECTION_G3 = 0.9
#: Assumed outcomes of non-fatal events (CUP: "8 of 11 patients; 72.7%" recovered).
OUTCOMES = (("recovered", 0.78), ("recovering", 0.08), ("not_recovered", 0.10), ("recovered_with_sequelae", 0.04))
#: Assumed action with study treatment for related grade >= 3 events.
ACTIONS_RELATED_SEVERE = (("dose_reduced", 0.35), ("dose_delayed", 0.35), ("drug_interrupted", 0.30))
_I, _P, _D = "isatuximab", "pomalidomide", "dexamethasone"

_A = ("Isa-Pd", "Pd")


def _ic(term, soc, isa, pd_, quote, related=((), 0.0), aesi=False, item=None):
    return PT(term, SOC[soc], {"Isa-Pd": (*isa, 0, 152), "Pd": (*pd_, 0, 149)}, quote, None, related, aesi, item)


#: ICARIA-MM Table 4 (safety population, Isa-Pd n=152, Pd n=149), "Most common adverse events
#: (in >=15% of patients with isatuximab, worst grade)": all grades, grade 3, grade 4.
#: Relatedness: assumptions (not published per PT).
ICARIA_PTS: tuple[PT, ...] = (
    _ic("Infusion related reaction", "injury", (56, 2, 2), (0, 0, 0), "Infusion reaction* 56 (38%) 2 (1%) 2 (1%) 0 0 0",
        ((_I,), 1.0), aesi=True, item="infusion reaction"),
    _ic("Upper respiratory tract infection", "infection", (43, 5, 0), (26, 1, 0),
        "Upper respiratory tract infection 43 (28%) 5 (3%) 0 26 (17%) 1 (<1%) 0", ((_I, _P), 0.4)),
    _ic("Diarrhoea", "gi", (39, 3, 0), (29, 1, 0), "Diarrhoea 39 (26%) 3 (2%) 0 29 (20%) 1 (<1%) 0", ((_P,), 0.5)),
    _ic("Bronchitis", "infection", (36, 5, 0), (13, 1, 0), "Bronchitis 36 (24%) 5 (3%) 0 13 (9%) 1 (<1%) 0",
        ((_I, _P), 0.4)),
    _ic("Pneumonia", "infection", (31, 23, 2), (26, 20, 2),
        "Pneumonia 31 (20%) 23 (15%) 2 (1%) 26 (17%) 20 (13%) 2 (1%)",
        ((_I, _P, _D), 0.5)),
    _ic("Fatigue", "general", (26, 6, 0), (32, 0, 0), "Fatigue 26 (17%) 6 (4%) 0 32 (22%) 0 0", ((_P, _D), 0.5)),
    _ic("Back pain", "musculoskeletal", (25, 3, 0), (22, 2, 0), "Back pain 25 (16%) 3 (2%) 0 22 (15%) 2 (1%) 0"),
    _ic("Constipation", "gi", (24, 0, 0), (26, 0, 0), "Constipation 24 (16%) 0 0 26 (17%) 0 0", ((_P,), 0.4)),
    _ic("Asthenia", "general", (23, 5, 0), (27, 4, 0), "Asthenia 23 (15%) 5 (3%) 0 27 (18%) 4 (3%) 0", ((_P, _D), 0.5)),
    _ic("Dyspnoea", "respiratory", (23, 6, 0), (15, 2, 0), "Dyspnoea 23 (15%) 6 (4%) 0 15 (10%) 2 (1%) 0",
        ((_I,), 0.3)),
    _ic("Nausea", "gi", (23, 0, 0), (14, 0, 0), "Nausea 23 (15%) 0 0 14 (9%) 0 0", ((_P,), 0.5)),
    # "Second primary malignancy 6 (4%) 1 (<1%)", footnote: Isa-Pd one myelodysplastic syndrome, one
    # post-radiation angiosarcoma, four squamous cell carcinoma of the skin; Pd one squamous cell carcinoma
    # of the skin. Grades not published: assumed grade 3 (squamous cell carcinoma: grade 2).
    _ic("Squamous cell carcinoma of skin", "neoplasms", (4, 0, 0), (1, 0, 0),
        "four patients with squamous cell carcinoma of the skin", aesi=True),
    _ic("Myelodysplastic syndrome", "neoplasms", (1, 1, 0), (0, 0, 0), "one patient with myelodysplastic syndrome",
        aesi=True),
    _ic("Angiosarcoma", "neoplasms", (1, 1, 0), (0, 0, 0), "one patient with post-radiation angiosarcoma", aesi=True),
)
#: ICARIA-MM Summary: "Adverse events with a fatal outcome were reported in 12 patients (8%) in the
#: isatuximab-pomalidomide-dexamethasone group and 14 (9%) in the pomalidomide-dexamethasone group."
ICARIA_FATAL = {"Isa-Pd": (12, 152), "Pd": (14, 149)}
#: Fatal PTs (assumption; the paper names sepsis, pneumonia and urinary tract infection only for
#: the treatment-related deaths): PTs outside Table 4 so that Table 4's grade rates stay exact.
ICARIA_FATAL_PTS = (("Sepsis", "infection", 0.35), ("General physical health deterioration", "general", 0.35),
                    ("Cardiac failure", "cardiac", 0.15), ("Respiratory failure", "respiratory", 0.15))


def _cup(term, soc, any_, g3plus, serious, rel_any, quote, g4=0, g5=0, aesi=False):
    g3 = g3plus - g4 - g5
    item = quote.split(" 1 (")[0].split(" 2 (")[0].lower()  # the term as printed ("Localized edema")
    return PT(term, SOC[soc], {"Isa-Pd": (any_, g3, g4, g5, 18)}, quote,
              serious / any_, ((_I,), rel_any / any_), aesi, item, grade_3_plus=True)


#: German CUP Table 2 (n=18): any grade, grade >=3, serious, related to isatuximab (seed 003).
#: Grades named in the text: platelet count decreased grade 4; the two TEAEs leading to death
#: were "plasma cell myeloma and disease progression" (grade 5); other >=3 events grade 3.
CUP_PTS: tuple[PT, ...] = (
    _cup("Anaemia", "blood", 1, 1, 1, 0, "Anemia 1 (5.6) 1 (5.6) 1 (5.6)"),
    _cup("Febrile neutropenia", "blood", 1, 1, 0, 1, "Febrile neutropenia 1 (5.6) 1 (5.6) 1 (5.6) 1 (5.6)"),
    _cup("Neutropenia", "blood", 1, 0, 0, 0, "Neutropenia 1 (5.6) 0 (0)"),
    _cup("Angina pectoris", "cardiac", 1, 0, 1, 1, "Angina pectoris 1 (5.6) 0 (0) 1 (5.6) 1 (5.6) 0 (0)", aesi=True),
    _cup("Ascites", "gi", 1, 0, 0, 0, "Ascites 1 (5.6) 0 (0)"),
    _cup("Disease progression", "general", 1, 1, 1, 0, "Disease progression 1 (5.6) 1 (5.6) 1 (5.6)", g5=1),
    _cup("Localised oedema", "general", 2, 0, 0, 0, "Localized edema 2 (11.1) 0 (0)"),
    _cup("Pain", "general", 1, 1, 1, 0, "Pain 1 (5.6) 1 (5.6) 1 (5.6)"),
    _cup("Bronchitis", "infection", 1, 1, 0, 0, "Bronchitis 1 (5.6) 1 (5.6)"),
    _cup("Urinary tract infection", "infection", 2, 1, 1, 1,
         "Urinary tract infection 2 (11.1) 1 (5.6) 1 (5.6) 1 (5.6) 1 (5.6)"),
    _cup("Fall", "injury", 1, 1, 1, 0, "Fall 1 (5.6) 1 (5.6) 1 (5.6)"),
    _cup("Hip fracture", "injury", 1, 1, 1, 0, "Hip fracture 1 (5.6) 1 (5.6) 1 (5.6)"),
    _cup("Infusion related reaction", "injury", 1, 0, 0, 1, "Infusion-related reaction 1 (5.6) 0 (0) 1 (5.6) 0 (0)",
         aesi=True),
    _cup("Neutrophil count decreased", "investigations", 1, 1, 0, 1,
         "Neutrophil count decreased 1 (5.6) 1 (5.6) 1 (5.6) 1 (5.6)"),
    _cup("Platelet count decreased", "investigations", 1, 1, 1, 1,
         "Platelet count decreased 1 (5.6) 1 (5.6) 1 (5.6) 1 (5.6) 1 (5.6)", g4=1),
    _cup("Cachexia", "metabolism", 1, 1, 1, 0, "Cachexia 1 (5.6) 1 (5.6) 1 (5.6)"),
    _cup("Hypokalaemia", "metabolism", 1, 1, 0, 0, "Hypokalemia 1 (5.6) 1 (5.6)"),
    _cup("Back pain", "musculoskeletal", 1, 0, 0, 0, "Back pain 1 (5.6) 0 (0)"),
    _cup("Bone pain", "musculoskeletal", 1, 1, 1, 0, "Bone pain 1 (5.6) 1 (5.6) 1 (5.6)"),
    _cup("Plasma cell myeloma", "neoplasms", 2, 2, 1, 0, "Plasma cell myeloma 2 (11.1) 2 (11.1) 1 (5.6)", g5=1),
    _cup("Dizziness", "nervous", 1, 0, 0, 0, "Dizziness 1 (5.6) 0 (0)"),
    _cup("Dyspnoea", "respiratory", 1, 0, 0, 1, "Dyspnea 1 (5.6) 0 (0) 1 (5.6) 0 (0)", aesi=True),
    _cup("Laryngeal obstruction", "respiratory", 1, 0, 0, 1, "Laryngeal obstruction 1 (5.6) 0 (0) 1 (5.6) 0 (0)",
         aesi=True),
    _cup("Pruritus", "skin", 1, 0, 0, 1, "Pruritus 1 (5.6) 0 (0) 1 (5.6) 0 (0)"),
    _cup("Hypertension", "vascular", 1, 1, 0, 1, "Hypertension 1 (5.6) 1 (5.6) 1 (5.6) 1 (5.6)", aesi=True),
)

#: IMAGE summary (seed 000, n=299 safety population): "the most common AEs (occurring in >=5% of
#: patients) were neutropenia (9.4%) and thrombocytopenia (5%)"; grades not published (assumed 1-2).
IMAGE_PTS: tuple[PT, ...] = (
    PT("Neutropenia", SOC["blood"], {"Isa-Pd": (28, 0, 0, 0, 299)}, "neutropenia (9.4%)", None, ((_I, _P), 0.6)),
    PT("Thrombocytopenia", SOC["blood"], {"Isa-Pd": (15, 0, 0, 0, 299)}, "thrombocytopenia (5%)", None,
       ((_I, _P), 0.6)),
)

#: Overall rates (patients with >= 1 event), ICARIA-MM Results: "Grade 3 or higher adverse events
#: occurred in 132 (87%) in the isatuximab-pomalidomide-dexamethasone group versus 105 (71%)"; "The
#: overall incidence of serious adverse events was 94 (62%) ... and 80 (54%)".
ICARIA_OVERALL = {"grade_3_plus": ({"Isa-Pd": (132, 152), "Pd": (105, 149)},
                                   "Grade 3 or higher adverse events occurred in 132 (87%)"),
                  "serious": ({"Isa-Pd": (94, 152), "Pd": (80, 149)},
                              "The overall incidence of serious adverse events was 94 (62%)")}
#: Table 4 lists only the PTs in >= 15 % of patients; the grade >= 3 events of the other PTs are
#: represented by one filler PT, neutropenia (the most frequent grade >= 3 AE of pomalidomide
#: regimens; assumption), with grade 3 : grade 4 as the laboratory neutropenia of Table 4
#: (37 : 92 with Isa-Pd, 57 : 46 with Pd), rarely serious (assumption 5 %).
FILLER_PT = ("Neutropenia", "blood", {"Isa-Pd": (37, 92), "Pd": (57, 46)}, 0.05)

STUDY_PTS = {"icaria-mm": ICARIA_PTS, "cup": CUP_PTS, "image": IMAGE_PTS}
STUDY_OVERALL = {"icaria-mm": ICARIA_OVERALL}
STUDY_FATAL = {"icaria-mm": (ICARIA_FATAL, ICARIA_FATAL_PTS)}
_EXTRA_PT = ("General physical health deterioration", SOC["general"])


def _rates(study_id: str, pt: PT, arm_label: str, arm_id: str | None) -> np.ndarray:
    """P(worst grade = 0..5) for the PT in the arm (published figure when the study has it)."""
    n_all, n3, n4, n5, denom = pt.counts[arm_label]
    item = pt.item or pt.term.lower()

    def get(level: str, k: int) -> float:
        return published_rate(study_id, k, denom, pt.quote, topic="safety", item=item, arm=arm_id,
                              level=level).value

    p_all, p4, p5 = get("all_grades", n_all), n4 / denom, n5 / denom
    if pt.grade_3_plus:  # grade >= 3 published: grade 4 and 5 as named in the text, the rest grade 3
        p3 = get("grade_3_plus", n3 + n4 + n5) - p4 - p5
    else:
        p3, p4 = get("grade_3", n3), get("grade_4", n4)
    p12 = max(p_all - p3 - p4 - p5, 0.0)
    return np.array([1.0 - p_all, p12 / 2, p12 / 2, p3, p4, p5])


def _pick(options: tuple[tuple[str, float], ...], u: np.ndarray) -> np.ndarray:
    names = np.array([o[0] for o in options], dtype=object)
    cum = np.cumsum([o[1] for o in options])
    return names[np.minimum(np.searchsorted(cum / cum[-1], u, side="right"), len(names) - 1)]


def _days(latent: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(latent[col], errors="coerce").to_numpy(dtype=float)


def simulate_adverse_events(latent: pd.DataFrame, rng: np.random.Generator,
                            study_id: str | None = None) -> pd.DataFrame:
    """The ``adverse_events`` source table (schema ``adverse_events``) for the treated
    patients of ``latent`` (all rows, or those with ``treated`` True when the column exists).

    ``study_id`` (default ``latent.attrs["study_id"]``, else "icaria-mm") selects the published
    AE table (module docstring). Arms the table does not cover take its first arm's rates
    (e.g. a single-arm real-world cohort of an ICARIA-MM regimen uses the Isa-Pd rates).
    """
    study_id = study_id or latent.attrs.get("study_id", "icaria-mm")
    pts = STUDY_PTS.get(study_id, ICARIA_PTS)
    fatal_spec = STUDY_FATAL.get(study_id)
    n = len(latent)
    r_grade, r_detail, r_fatal, r_disc = rng.spawn(4)
    treated = latent["treated"].to_numpy(dtype=bool) if "treated" in latent.columns else np.ones(n, dtype=bool)
    index = pd.to_datetime(latent["index_date"]).to_numpy().astype("datetime64[D]")
    cutoff = pd.to_datetime(latent["data_cutoff"]).to_numpy().astype("datetime64[D]")
    obs_end = np.fmin(np.fmin(_days(latent, "last_contact_day"), _days(latent, "death_day")),
                      (cutoff - index).astype(float))
    eot = _days(latent, "eot_day")
    # events within treatment: first dose .. end of treatment, and within 30 days of the last dose
    from .dosing import first_dose_day, treatment_window
    window = treatment_window(latent)
    treat_end = np.maximum(np.floor(np.fmin(np.fmin(np.where(np.isnan(eot), obs_end, eot), obs_end),
                                            window["last_dose_min"].to_numpy() + 30.0)), 0.0)
    death = _days(latent, "death_day")
    arm = latent["arm"].astype(str).to_numpy()
    arm_code, arm_labels = pd.factorize(arm)
    arm_sel = {label: arm_code == k for k, label in enumerate(arm_labels)}  # one mask an arm
    reg_code, reg_drugs = _regimen_drugs(latent["regimen"].astype(str).to_numpy())
    from ._published import _study
    study = _study(study_id)
    arm_ids = {a.label: a.id for a in study.arms} if study is not None else {}

    # fatal AEs: patients dying within 30 days after the end of treatment, at the published rate
    fatal_pt = np.full(n, None, dtype=object)
    fatal_soc = np.full(n, None, dtype=object)
    dying = treated & ~np.isnan(death) & (death <= window["last_dose_min"].to_numpy() + 30.0)
    if fatal_spec is not None:
        rates, terms = fatal_spec
        uf = r_fatal.random((2, n))
        for label, sel in arm_sel.items():
            k, denom = rates.get(label, next(iter(rates.values())))
            want = k / denom * (treated & sel).sum()
            have = (dying & sel).sum()
            chosen = dying & sel & (uf[0] < (want / have if have else 0.0))
            fatal_pt[chosen] = _pick(tuple((t, w) for t, _, w in terms), uf[1][chosen])
        soc_of = {t: SOC[s] for t, s, _ in terms}
        codes, uniq = pd.factorize(fatal_pt)
        fatal_soc = np.array([soc_of.get(t) for t in uniq] + [None], dtype=object)[codes]

    blocks = []
    ug = r_grade.random((len(pts), n))
    for i, pt in enumerate(pts):
        grade = np.zeros(n, dtype=np.int64)
        for label, sel in arm_sel.items():
            use = label if label in pt.counts else next(iter(pt.counts))
            probs = _rates(study_id, pt, use, arm_ids.get(label))
            grade[sel] = np.searchsorted(np.cumsum(probs)[:-1], ug[i, sel], side="right")
        # grade 5 only where the latent patient dies (else grade 3: the >= 3 rate is kept)
        g5 = grade == 5
        if fatal_spec is None:
            take = g5 & dying & pd.isna(fatal_pt)
            fatal_pt[take], fatal_soc[take] = pt.term, pt.soc
            grade = np.where(take, 0, np.where(g5, 3, grade))
        else:
            grade = np.where(g5, 3, grade)
        keep = np.flatnonzero((grade > 0) & treated)
        blocks.append(pd.DataFrame({"row": keep, "term": pt.term, "soc": pt.soc, "grade": grade[keep],
                                    "pt": i}))
    overall = STUDY_OVERALL.get(study_id)
    filler_i = len(pts)  # pt index of the filler rows (serious probability FILLER_PT[3])
    if overall is not None:  # patients with >= 1 grade >= 3 AE: top up with the filler PT
        counts, quote = overall["grade_3_plus"]
        uf = r_grade.random((2, n))
        g3_or_more = np.zeros(n, dtype=bool)
        for b in blocks:
            g3_or_more[b["row"].to_numpy()[b["grade"].to_numpy() >= 3]] = True
        g3_or_more |= pd.notna(fatal_pt)
        for label, sel in arm_sel.items():
            k, denom = counts.get(label, next(iter(counts.values())))
            target = published_rate(study_id, k, denom, quote, topic="safety", item="any_ae",
                                    arm=arm_ids.get(label), level="grade_3_plus").value
            have = g3_or_more[sel & treated].mean() if (sel & treated).any() else 1.0
            q = min(max((target - have) / (1.0 - have), 0.0), 1.0) if have < 1 else 0.0
            n3, n4 = FILLER_PT[2].get(label, next(iter(FILLER_PT[2].values())))
            add = np.flatnonzero(sel & treated & ~g3_or_more & (uf[0] < q))
            grade4 = uf[1][add] < n4 / (n3 + n4)
            blocks.append(pd.DataFrame({"row": add, "term": FILLER_PT[0], "soc": SOC[FILLER_PT[1]],
                                        "grade": np.where(grade4, 4, 3), "pt": filler_i}))
    ev = pd.concat(blocks, ignore_index=True)
    f = np.flatnonzero(pd.notna(fatal_pt))
    ev = pd.concat([ev, pd.DataFrame({"row": f, "term": fatal_pt[f], "soc": fatal_soc[f], "grade": 5, "pt": -1})],
                   ignore_index=True)
    p = ev["row"].to_numpy()
    g = ev["grade"].to_numpy()
    m = len(ev)
    u = r_detail.random((6, m))

    # onset (days from the index date; treatment from the first dose, day g0)
    is_ir = (ev["term"] == "Infusion related reaction").to_numpy()
    g0 = np.minimum(first_dose_day(latent), treat_end)[p]
    onset = g0 + np.floor((treat_end[p] - g0) * u[0] ** 2)
    onset = np.where(is_ir, g0 + np.where(u[1] < 0.9, 0.0, np.minimum(7.0, treat_end[p] - g0)), onset)
    onset = np.where(g == 5, np.floor(death[p]) if m else onset, onset)
    # serious, related, aesi
    pt_idx = ev["pt"].to_numpy()
    ser_pub = np.array([np.nan if x.serious is None else x.serious for x in pts] + [FILLER_PT[3], 1.0])[pt_idx]
    infection = ev["soc"].to_numpy() == SOC["infection"]
    ser_grade = np.where(infection & (g >= 3) & (g < 5), ASSUMED_SERIOUS_INFECTION_G3, ASSUMED_SERIOUS_BY_GRADE[g])
    ser_prob = np.where(np.isnan(ser_pub), ser_grade, ser_pub)
    scalable = np.isnan(ser_pub)  # assumed (not published) per-event probabilities
    scale = np.ones(n)
    if overall is not None:  # scale the assumed probabilities to the published share with a SAE
        counts, quote = overall["serious"]
        for label, sel in arm_sel.items():
            k, denom = counts.get(label, next(iter(counts.values())))
            target = published_rate(study_id, k, denom, quote, topic="safety", item="any_ae",
                                    arm=arm_ids.get(label), level="serious").value
            in_arm = sel[p]
            n_arm = max(int((sel & treated).sum()), 1)

            def share(c: float) -> float:
                ser = u[2][in_arm] < np.where(scalable[in_arm], np.minimum(c * ser_prob[in_arm], 1.0),
                                              ser_prob[in_arm])
                return float((np.bincount(p[in_arm][ser], minlength=n) > 0).sum()) / n_arm

            lo, hi = 0.0, 20.0
            if share(hi) >= target and share(lo) <= target:
                for _ in range(30):
                    mid = 0.5 * (lo + hi)
                    lo, hi = (mid, hi) if share(mid) < target else (lo, mid)
            scale[sel] = hi
    serious = u[2] < np.where(scalable, np.minimum(scale[p] * ser_prob, 1.0), ser_prob)
    rel_p = np.array([x.related[1] for x in pts] + [0.5, 0.0])[pt_idx]
    is_related = u[3] < rel_p
    rel_text = _related_text(pts, pt_idx, reg_code[p], reg_drugs, is_related)
    aesi = np.array([x.aesi for x in pts] + [False, False])[pt_idx]
    # outcome, end date, action
    outcome = np.where(g == 5, "fatal", _pick(OUTCOMES, u[4]))
    duration = np.ceil(-np.log1p(-u[5]) * 12.0) + 1.0
    end = np.where(np.isin(outcome, ["recovered", "recovered_with_sequelae"]), np.minimum(onset + duration, obs_end[p]),
                   np.nan)
    end = np.where(g == 5, onset, end)
    action = np.where(is_related & (g >= 3), _pick(ACTIONS_RELATED_SEVERE, u[1]), "dose_not_changed")
    action = np.where(g == 5, "not_applicable", action).astype(object)

    # discontinuation for an AE: the patient's worst AE moves to just before the end of treatment
    disc = treated & (latent["eot_reason"].astype(str).to_numpy() == "adverse_event")
    ev_order = np.lexsort((-g, p))
    ev_order = ev_order[g[ev_order] < 5]  # a fatal AE stays on the death date
    first_of = np.full(n, -1, dtype=np.int64)
    rows_sorted = p[ev_order]
    firsts = np.r_[True, rows_sorted[1:] != rows_sorted[:-1]] if len(rows_sorted) else np.zeros(0, dtype=bool)
    first_of[rows_sorted[firsts]] = ev_order[firsts]
    has = disc & (first_of >= 0)
    k = first_of[has]
    ud = r_disc.random(n)
    onset[k] = np.maximum(treat_end[has] - np.floor(14.0 * ud[has]), 0.0)
    action[k] = "drug_withdrawn"
    end[k] = np.where(np.isnan(end[k]), np.nan, np.minimum(onset[k] + duration[k], obs_end[has]))
    extra = np.flatnonzero(disc & (first_of < 0))
    term, soc = ev["term"].to_numpy(dtype=object), ev["soc"].to_numpy(dtype=object)
    if len(extra):
        x = len(extra)
        p = np.r_[p, extra]
        term = np.r_[term, np.full(x, _EXTRA_PT[0], dtype=object)]
        soc = np.r_[soc, np.full(x, _EXTRA_PT[1], dtype=object)]
        g = np.r_[g, np.full(x, 3)]
        onset = np.r_[onset, np.maximum(treat_end[extra] - np.floor(14.0 * ud[extra]), 0.0)]
        end = np.r_[end, np.full(x, np.nan)]
        serious = np.r_[serious, np.ones(x, dtype=bool)]
        rel_text = np.r_[rel_text, np.full(x, "", dtype=object)]
        aesi = np.r_[aesi, np.zeros(x, dtype=bool)]
        action = np.r_[action, np.full(x, "drug_withdrawn", dtype=object)]
        outcome = np.r_[outcome, np.full(x, "not_recovered", dtype=object)]

    pid = latent["patient_id"].to_numpy(dtype=object)
    onset_date = (index[p] + onset.astype("timedelta64[D]")).astype("datetime64[ns]")
    end_date = np.where(np.isnan(end), np.datetime64("NaT"), index[p] + np.nan_to_num(end).astype("timedelta64[D]"))
    out = pd.DataFrame({
        "patient_id": pid[p], "preferred_term": term, "system_organ_class": soc, "onset_date": onset_date,
        "end_date": end_date.astype("datetime64[ns]"), "grade": g.astype(np.int64), "serious": serious,
        "related_to": rel_text, "aesi": aesi, "action_taken": action, "outcome": outcome,
    })
    # the key (patient_id, preferred_term, onset_date) is unique: one row a patient and PT;
    # rows in latent patient order, then onset, then term (integer sort keys)
    order = np.lexsort((pd.factorize(term, sort=True)[0], onset, p))
    return out.take(order).reset_index(drop=True)


def _regimen_drugs(regimens: np.ndarray) -> tuple[np.ndarray, list[frozenset[str]]]:
    """Per patient a regimen code, and per code the regimen's drugs (``load_regimen``)."""
    from mmevidence.derive.regimens import load_regimen
    codes, names = pd.factorize(regimens)
    drugs = []
    for name in names:
        try:
            drugs.append(frozenset(load_regimen(name).drug_names))
        except Exception:
            drugs.append(frozenset((_I, _P, _D)))
    return codes, drugs


def _related_text(pts, pt_idx: np.ndarray, reg_code: np.ndarray, reg_drugs: list[frozenset[str]],
                  related: np.ndarray) -> np.ndarray:
    """';'-joined drugs the event is related to: the PT's drugs given in the patient's regimen
    (pomalidomide when none of them is, e.g. an isatuximab-related PT in the Pd arm)."""
    rel_drugs = [x.related[0] for x in pts] + [(_I, _P), ()]  # + filler, fatal
    table = np.empty((len(rel_drugs), max(len(reg_drugs), 1)), dtype=object)
    for i, want in enumerate(rel_drugs):
        for r, given in enumerate(reg_drugs):
            names = [x for x in want if x in given] or ([_P] if want and _P in given else [])
            table[i, r] = ";".join(names)
    pt_row = np.where(pt_idx < 0, len(rel_drugs) - 1, pt_idx)
    return np.where(related, table[pt_row, reg_code], "")
