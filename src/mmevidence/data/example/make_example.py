"""Write the bundled example cohort: 20 patients with relapsed/refractory myeloma treated
with isatuximab + pomalidomide + dexamethasone (Isa-Pd) in an early-access programme,
index dates July 2019 - September 2020, data cut-off 2021-03-31 (the shape of the IMAGE
cohort; the numbers are synthetic, not patients).

Deterministic (``random.Random(20190715)``): ``python make_example.py`` rewrites the
CSVs beside this file byte for byte. Dosing follows the ICARIA-MM schedule:
isatuximab 10 mg/kg IV days 1, 8, 15, 22 of cycle 1 then days 1, 15; pomalidomide 4 mg
days 1-21 (one row a cycle, the daily dose); dexamethasone 40 mg weekly (20 mg from age
75). Site S02 reports labs in SI units (g/L, umol/L, mg/L) and site S04 reports
calcium in mmol/L, LDH in ukat/L and beta2-microglobulin in nmol/L, so the ingest has
conversions to record.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HERE = Path(__file__).parent
CUTOFF = dt.date(2021, 3, 31)
R = random.Random(20190715)

REGIMENS = [
    ("bortezomib;thalidomide;dexamethasone", True), ("bortezomib;lenalidomide;dexamethasone", True),
    ("lenalidomide;dexamethasone", False), ("bortezomib;melphalan;prednisone", False),
    ("carfilzomib;lenalidomide;dexamethasone", False), ("daratumumab;lenalidomide;dexamethasone", False),
    ("daratumumab;bortezomib;dexamethasone", False), ("ixazomib;lenalidomide;dexamethasone", False),
    ("carfilzomib;dexamethasone", False), ("bortezomib;cyclophosphamide;dexamethasone", True),
]
NEXT_LINES = ["carfilzomib;dexamethasone", "daratumumab;bortezomib;dexamethasone",
              "selinexor;bortezomib;dexamethasone", "bendamustine;dexamethasone",
              "belantamab mafodotin", "cyclophosphamide;dexamethasone"]
AES = [("Neutropenia", "Blood and lymphatic system disorders", "isatuximab;pomalidomide"),
       ("Thrombocytopenia", "Blood and lymphatic system disorders", "pomalidomide"),
       ("Anaemia", "Blood and lymphatic system disorders", ""),
       ("Pneumonia", "Infections and infestations", "isatuximab;pomalidomide;dexamethasone"),
       ("Upper respiratory tract infection", "Infections and infestations", "isatuximab"),
       ("Infusion related reaction", "Injury, poisoning and procedural complications", "isatuximab"),
       ("Fatigue", "General disorders and administration site conditions", "pomalidomide"),
       ("Diarrhoea", "Gastrointestinal disorders", "pomalidomide"),
       ("Insomnia", "Psychiatric disorders", "dexamethasone")]
ORDER = ["sCR", "CR", "VGPR", "PR", "MR", "SD"]


def d(x: dt.date) -> str:
    return x.isoformat()


def write(name: str, header: list[str], rows: list[dict]) -> None:
    with open(HERE / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, header, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in header})


def response_for(ratio: float) -> str:
    """Crude IMWG-like response from the ratio of M-protein to baseline."""
    if ratio <= 0.0:
        return "CR"
    if ratio <= 0.1:
        return "VGPR"
    if ratio <= 0.5:
        return "PR"
    if ratio <= 0.75:
        return "MR"
    return "SD"


def main() -> None:
    patients, prior, admin, labs, cyto, resp, aes, subs = [], [], [], [], [], [], [], []
    for i in range(20):
        pid = f"P{i + 1:03d}"
        site = f"S0{i % 5 + 1}"
        index = dt.date(2019, 7, 15) + dt.timedelta(days=22 * i + R.randint(0, 10))
        birth = index - dt.timedelta(days=int(365.25 * R.uniform(52, 84)))
        age = (index - birth).days / 365.25
        diagnosis = index - dt.timedelta(days=R.randint(3 * 365, 9 * 365))
        mtype = R.choices(["IgG", "IgA", "light_chain"], [0.55, 0.25, 0.20])[0]
        light = R.choice(["kappa", "kappa", "lambda"])
        n_prior = R.choice([2, 2, 3, 3, 4, 5])
        # disease course on Isa-Pd: cycles of 28 days until progression, death or cut-off
        best = R.random()
        pfs_days = int(R.expovariate(1 / 330)) + 60
        progression = index + dt.timedelta(days=pfs_days)
        death = None
        if R.random() < 0.3:
            death = progression + dt.timedelta(days=R.randint(20, 200))
        eot = eot_reason = None
        if progression <= CUTOFF:
            eot, eot_reason = progression + dt.timedelta(days=R.randint(0, 6)), "progression"
        elif R.random() < 0.15:
            eot, eot_reason = index + dt.timedelta(days=R.randint(90, 200)), "adverse_event"
        if death is not None and death > CUTOFF:
            death = None
        if death is not None and eot is None:
            eot, eot_reason = death, "death"
        last_contact = death or CUTOFF - dt.timedelta(days=R.randint(0, 40))
        if eot is not None:
            eot = min(eot, last_contact)
        stop = min(x for x in (eot, death, last_contact, CUTOFF) if x is not None)
        height = R.randint(152, 186)
        patients.append({
            "patient_id": pid, "site_id": site, "arm": "Isa-Pd", "sex": R.choice(["male", "female"]),
            "birth_date": d(birth) if i % 7 != 3 else "", "age_at_index": f"{age:.1f}",
            "diagnosis_date": d(diagnosis), "index_date": d(index), "myeloma_type": mtype,
            "light_chain": light, "ecog": str(R.choice([0, 1, 1, 2])),
            "iss_stage_at_diagnosis": R.choice(["I", "II", "II", "III"]),
            "weight_kg": f"{R.uniform(50, 95):.1f}", "height_cm": str(height),
            "prior_asct": "", "end_of_treatment_date": d(eot) if eot else "",
            "end_of_treatment_reason": eot_reason or "", "death_date": d(death) if death else "",
            "death_cause": ("progressive disease" if death and R.random() < 0.7 else "infection") if death else "",
            "last_contact_date": d(last_contact)})
        # prior lines
        t = diagnosis + dt.timedelta(days=R.randint(15, 40))
        any_asct = False
        span = (index - t).days - 30
        for line in range(1, n_prior + 1):
            regimen, asct_ok = REGIMENS[(i + line * 3) % len(REGIMENS)] if line > 1 else REGIMENS[i % 3]
            length = max(60, int(span / n_prior * R.uniform(0.4, 0.6)))
            end = t + dt.timedelta(days=length)
            asct = line == 1 and asct_ok and age < 70
            any_asct |= asct
            refractory = line == n_prior or ("lenalidomide" in regimen and R.random() < 0.7)
            prior.append({"patient_id": pid, "line_number": str(line), "start_date": d(t), "end_date": d(end),
                          "drugs": regimen, "asct": "yes" if asct else "no",
                          "best_response": R.choice(["CR", "VGPR", "PR", "PR", "SD"]) if line < n_prior
                          else R.choice(["PR", "SD", "PD"]),
                          "refractory": "yes" if refractory else "no"})
            t = end + dt.timedelta(days=int(span / n_prior * 0.3))
        patients[-1]["prior_asct"] = "yes" if any_asct else "no"
        # baseline labs (site-specific units) and cytogenetics
        si = site == "S02"
        alt = site == "S04"
        base = index - dt.timedelta(days=R.randint(1, 7))
        hb = R.uniform(8.5, 12.5)
        crea = R.uniform(0.7, 2.1)
        baseline = [
            ("hemoglobin", f"{hb * 10:.0f}", "g/L", "") if si else ("hemoglobin", f"{hb:.1f}", "g/dL", ""),
            ("platelets", f"{R.randint(60, 260)}", "G/L" if si else "10^9/L", ""),
            ("neutrophils", f"{R.uniform(0.9, 4.5):.2f}", "10^3/µL" if alt else "10^9/L", ""),
            ("creatinine", f"{crea * 88.42:.0f}", "µmol/L", "") if si else ("creatinine", f"{crea:.2f}", "mg/dL", ""),
            ("calcium", f"{R.uniform(2.15, 2.65):.2f}", "mmol/L", "") if alt
            else ("calcium", f"{R.uniform(8.6, 10.6):.1f}", "mg/dL", ""),
            ("albumin", f"{R.uniform(30, 45):.0f}", "g/L", "") if si
            else ("albumin", f"{R.uniform(3.0, 4.5):.1f}", "g/dL", ""),
            ("beta2_microglobulin", f"{R.uniform(200, 650):.0f}", "nmol/L", "") if alt
            else ("beta2_microglobulin", f"{R.uniform(2.4, 7.5):.1f}", "mg/L", ""),
            ("ldh", f"{R.uniform(2.5, 6.0):.2f}", "µkat/L", "4.13") if alt
            else ("ldh", f"{R.randint(150, 420)}", "U/L", "248"),
            ("bm_plasma_cells_pct", f"{R.randint(10, 80)}", "%", ""),
        ]
        for test, value, unit, uln in baseline:
            labs.append({"patient_id": pid, "date": d(base), "test": test, "value": value, "unit": unit,
                         "uln": uln})
        for ab in ("del17p", "t_4_14", "t_14_16", "gain_1q"):
            pos = R.random() < {"del17p": 0.2, "t_4_14": 0.15, "t_14_16": 0.05, "gain_1q": 0.4}[ab]
            cyto.append({"patient_id": pid, "date": d(base), "abnormality": ab,
                         "percent_positive": str(R.randint(20, 90)) if pos else "",
                         "result": "positive" if pos else "negative"})
        # treatment, disease trajectory, responses
        old = age >= 75
        m0 = R.uniform(1.5, 4.5) if mtype != "light_chain" else 0.0
        flc0 = R.uniform(40, 300)  # involved FLC, mg/L
        depth = min(1.0, 0.4 + best)  # fraction of tumour removed at best response
        cycle = 1
        seen_aes = set()
        while True:
            c_start = index + dt.timedelta(days=28 * (cycle - 1))
            if c_start >= stop or c_start > progression:
                break
            days = (1, 8, 15, 22) if cycle == 1 else (1, 15)
            for day in days:
                x = c_start + dt.timedelta(days=day - 1)
                if x < stop:
                    admin.append({"patient_id": pid, "drug": "isatuximab", "date": d(x), "cycle": str(cycle),
                                  "cycle_day": str(day), "dose": "10", "unit": "mg/kg", "planned_dose": "10"})
            pom = "3" if cycle > 3 and i % 4 == 0 else "4"
            admin.append({"patient_id": pid, "drug": "pomalidomide", "date": d(c_start), "cycle": str(cycle),
                          "cycle_day": "1", "dose": pom, "unit": "mg", "planned_dose": "4"})
            for day in (1, 8, 15, 22):
                x = c_start + dt.timedelta(days=day - 1)
                if x < stop:
                    dex = "20" if old else "40"
                    admin.append({"patient_id": pid, "drug": "dexamethasone", "date": d(x), "cycle": str(cycle),
                                  "cycle_day": str(day), "dose": dex, "unit": "mg", "planned_dose": dex})
            # disease markers at day 1 of each cycle after the first, and response
            if cycle > 1:
                frac = min(1.0, (cycle - 1) / 4) * depth
                near_pd = (progression - c_start).days < 28
                ratio = max(0.0, 1 - frac) * (1.6 if near_pd else 1.0)
                if m0 > 0:
                    val = m0 * ratio
                    labs.append({"patient_id": pid, "date": d(c_start), "test": "serum_m_protein",
                                 "value": f"{val * 10:.1f}" if si else f"{val:.2f}", "unit": "g/L" if si else "g/dL"})
                    labs.append({"patient_id": pid, "date": d(c_start), "test": "serum_ife",
                                 "value": "negative" if ratio == 0 else "positive", "unit": ""})
                flc = max(1.0, flc0 * ratio)
                kappa, lam = (flc, R.uniform(5, 20)) if light == "kappa" else (R.uniform(3, 15), flc)
                for test, v in (("serum_kappa_flc", kappa), ("serum_lambda_flc", lam)):
                    labs.append({"patient_id": pid, "date": d(c_start), "test": test,
                                 "value": f"{v:.1f}" if si else f"{v / 10:.2f}", "unit": "mg/L" if si else "mg/dL"})
                if mtype == "light_chain" and cycle % 3 == 2:
                    labs.append({"patient_id": pid, "date": d(c_start), "test": "urine_m_protein",
                                 "value": f"{max(0.0, 0.9 * ratio):.2f}", "unit": "g/24h"})
                response = "PD" if near_pd else response_for(ratio)
                resp.append({"patient_id": pid, "date": d(c_start), "response": response,
                             "assessor": "investigator"})
            # adverse events: a few per patient, early cycles
            if cycle <= 4 and R.random() < 0.6:
                term, soc, rel = R.choice(AES)
                onset = c_start + dt.timedelta(days=R.randint(1, 20))
                if (term, onset) not in seen_aes and onset < stop:
                    seen_aes.add((term, onset))
                    grade = R.choice([1, 2, 2, 3, 3, 4]) if soc.startswith("Blood") else R.choice([1, 2, 2, 3])
                    end = onset + dt.timedelta(days=R.randint(3, 25))
                    ongoing = end > stop
                    aes.append({"patient_id": pid, "preferred_term": term, "system_organ_class": soc,
                                "onset_date": d(onset), "end_date": "" if ongoing else d(end), "grade": str(grade),
                                "serious": "yes" if term == "Pneumonia" and grade >= 3 else "no",
                                "related_to": rel, "aesi": "yes" if term == "Infusion related reaction" else "no",
                                "action_taken": "dose_delayed" if grade >= 3 else "dose_not_changed",
                                "outcome": "not_recovered" if ongoing else "recovered"})
            cycle += 1
        # subsequent therapy after progression
        if eot_reason == "progression":
            start = eot + dt.timedelta(days=R.randint(7, 30))
            if start <= last_contact:
                pd2 = start + dt.timedelta(days=R.randint(60, 200))
                subs.append({"patient_id": pid, "line_number": "1", "start_date": d(start),
                             "drugs": R.choice(NEXT_LINES),
                             "progression_date": d(pd2) if pd2 <= last_contact else ""})
    write("patients", ["patient_id", "site_id", "arm", "sex", "birth_date", "age_at_index", "diagnosis_date",
                       "index_date", "myeloma_type", "light_chain", "ecog", "iss_stage_at_diagnosis", "weight_kg",
                       "height_cm", "prior_asct", "end_of_treatment_date", "end_of_treatment_reason", "death_date",
                       "death_cause", "last_contact_date"], patients)
    write("prior_therapies", ["patient_id", "line_number", "start_date", "end_date", "drugs", "asct",
                              "best_response", "refractory"], prior)
    write("administrations", ["patient_id", "drug", "date", "cycle", "cycle_day", "dose", "unit", "planned_dose"],
          admin)
    write("labs", ["patient_id", "date", "test", "value", "unit", "uln"], labs)
    write("cytogenetics", ["patient_id", "date", "abnormality", "percent_positive", "result"], cyto)
    write("response_assessments", ["patient_id", "date", "response", "assessor"], resp)
    write("adverse_events", ["patient_id", "preferred_term", "system_organ_class", "onset_date", "end_date", "grade",
                             "serious", "related_to", "aesi", "action_taken", "outcome"], aes)
    write("subsequent_therapies", ["patient_id", "line_number", "start_date", "drugs", "progression_date"], subs)


if __name__ == "__main__":
    main()
