"""Gallery of hand-built patient trajectories for the IMWG response engine.

Each case is one patient: baseline values (day 0 = index date unless given), then
assessments as (day, {test: value}, expected per-visit category), the expected best
confirmed response and its day, the derived progression day, and the IMWG rule it
exercises. Every expectation is worked out by hand in the comment of the case.

References: Kumar SK et al., Lancet Oncol 2016;17:e328-46 (Table 3 and footnotes) =
"K2016"; Durie BGM et al., Leukemia 2006;20:1467-73 = "D2006"; Rajkumar SV et al.,
Blood 2011;117:4691-5 = "R2011".

Test keys: S serum M-protein g/dL, U urine M-protein mg/24h, K/L serum kappa/lambda FLC
mg/dL, SI/UI serum/urine immunofixation ("pos"/"neg"), BM marrow plasma cells %,
PL plasmacytoma SPD cm2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pytest

from mmevidence.derive.imwg import ImwgConfig, derive_responses

KEYS = {"S": "serum_m_protein", "U": "urine_m_protein", "K": "serum_kappa_flc", "L": "serum_lambda_flc",
        "SI": "serum_ife", "UI": "urine_ife", "BM": "bm_plasma_cells_pct", "PL": "plasmacytoma"}
IFE = {"pos": "positive", "neg": "negative"}
INDEX = pd.Timestamp("2020-01-01")
NEG = {"SI": "neg", "UI": "neg"}
UNSET = object()


@dataclass
class Case:
    name: str
    rule: str
    base: dict[str, Any] | list[tuple[int, dict[str, Any]]]
    visits: list[tuple[int, dict[str, Any], str]]
    best: str
    best_day: int | None
    prog_day: int | None = None
    first_resp_day: Any = UNSET
    config: ImwgConfig = field(default_factory=ImwgConfig)
    new_therapy_day: int | None = None
    index_day: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def day(d: int | None) -> pd.Timestamp | None:
    return None if d is None else INDEX + pd.Timedelta(days=d)


def run(case: Case):
    base = case.base if isinstance(case.base, list) else [(0, case.base)]
    rows = []
    for d, vals in [*base, *[(d, vals) for d, vals, _ in case.visits]]:
        for k, val in vals.items():
            rows.append({"patient_id": "P", "date": day(d), "test": KEYS[k], "value": IFE.get(val, val)})
    labs = pd.DataFrame(rows)
    idx = pd.DataFrame({"patient_id": ["P"], "index_date": [day(case.index_day)]})
    nt = None
    if case.new_therapy_day is not None:
        nt = pd.DataFrame({"patient_id": ["P"], "new_therapy_date": [day(case.new_therapy_day)]})
    return derive_responses(labs, idx, nt, case.config)


SERUM2 = {"S": 2.0}
FLC = {"S": 0.2, "U": 50, "K": 60, "L": 1.0}  # ratio 60: kappa involved, dFLC 59, FLC-only
NONMEAS = {"S": 0.3, "U": 50, "K": 2.0, "L": 1.0, "BM": 40}  # involved FLC 2 < 10: non-measurable
URINE = {"S": 0.3, "U": 800}
BOTH = {"S": 2.0, "U": 1000}

CASES = [
    # ------------------------------------------------------------ serum-measurable, graded
    Case("serum_pr_confirmed", "K2016 PR: >=50% serum reduction, confirmed by the next assessment",
         SERUM2, [(28, {"S": 0.9}, "PR"), (56, {"S": 0.8}, "PR")],  # 55%, 60%
         best="PR", best_day=28, first_resp_day=28),
    Case("serum_mr", "K2016 MR: 25-49% serum reduction",
         SERUM2, [(28, {"S": 1.4}, "MR"), (56, {"S": 1.3}, "MR")],  # 30%, 35%
         best="MR", best_day=28, first_resp_day=None),
    Case("serum_sd", "K2016 SD: not meeting CR/VGPR/PR/MR/PD",
         SERUM2, [(28, {"S": 1.6}, "SD"), (56, {"S": 1.7}, "SD")],  # 20%, 15%; +0.1 from nadir: no PD
         best="SD", best_day=28),
    Case("serum_vgpr_at_exactly_90pct", "K2016 VGPR: >=90% serum reduction (boundary inclusive)",
         SERUM2, [(28, {"S": 0.2}, "VGPR"), (56, {"S": 0.1}, "VGPR")],  # 90% exactly, 95%
         best="VGPR", best_day=28),
    Case("pr_boundary_then_mr", "K2016 PR >=50% inclusive; confirmed level is the lower of the pair",
         SERUM2, [(28, {"S": 1.0}, "PR"), (56, {"S": 1.02}, "MR")],  # 50%, 49%; pair -> MR; last alone -> SD
         best="MR", best_day=28, first_resp_day=None),
    Case("unconfirmed_pr_single_drop", "D2006/K2016: a response needs two consecutive assessments",
         SERUM2, [(28, {"S": 0.9}, "PR"), (56, {"S": 1.2}, "MR"), (84, {"S": 1.3}, "MR")],
         # 1.2 - nadir 0.9 = 0.3 < 0.5, 1.3 - 0.9 = 0.4 < 0.5: no PD; PR never confirmed
         best="MR", best_day=28, first_resp_day=None),
    Case("vgpr_pr_vgpr", "confirmation: VGPR needs two consecutive VGPR assessments",
         SERUM2, [(28, {"S": 0.15}, "VGPR"), (56, {"S": 0.5}, "PR"), (84, {"S": 0.1}, "VGPR")],
         # 0.5 - nadir 0.15 = 0.35 < 0.5: no PD. Pairs: (VGPR,PR)->PR, (PR,VGPR)->PR, last VGPR alone
         best="PR", best_day=28),
    # ------------------------------------------------------------ CR / sCR and the marrow
    Case("cr_with_marrow_abnormal_ratio", "K2016 CR: serum+urine IFE negative, <5% marrow PC; not sCR (ratio 6)",
         SERUM2, [(28, {"S": 0, **NEG, "BM": 3, "K": 3.0, "L": 0.5}, "CR"),
                  (56, {"S": 0, **NEG, "K": 3.0, "L": 0.5}, "CR")],  # marrow 3% carried forward
         best="CR", best_day=28),
    Case("scr_normal_ratio", "K2016 sCR: CR plus normal FLC ratio 0.26-1.65",
         SERUM2, [(28, {"S": 0, **NEG, "BM": 3, "K": 1.2, "L": 1.0}, "sCR"),
                  (56, {"S": 0, **NEG, "K": 1.2, "L": 1.0}, "sCR")],
         best="sCR", best_day=28),
    Case("scr_then_cr_confirms_cr", "confirmation at the lower level of the pair (sCR, CR) -> CR",
         SERUM2, [(28, {"S": 0, **NEG, "BM": 3, "K": 1.2, "L": 1.0}, "sCR"),
                  (56, {"S": 0, **NEG, "K": 3.0, "L": 0.5}, "CR")],
         best="CR", best_day=28),
    Case("ife_negative_no_marrow_is_vgpr", "K2016 CR needs <5% marrow PC; default cr_without_marrow='vgpr'",
         SERUM2, [(28, {"S": 0, **NEG, "K": 1.2, "L": 1.0}, "VGPR"), (56, {"S": 0, **NEG}, "VGPR")],
         best="VGPR", best_day=28, extra={"rule0": "serum"}),
    Case("ife_negative_no_marrow_cr_option", "documented option cr_without_marrow='cr': CR, never sCR",
         SERUM2, [(28, {"S": 0, **NEG, "K": 1.2, "L": 1.0}, "CR"), (56, {"S": 0, **NEG, "K": 1.2, "L": 1.0}, "CR")],
         best="CR", best_day=28, config=ImwgConfig(cr_without_marrow="cr"), extra={"rule0": "CR_without_marrow"}),
    Case("urine_ife_missing_not_cr", "K2016 CR needs negative IFE on serum AND urine",
         SERUM2, [(28, {"S": 0, "SI": "neg", "BM": 2}, "VGPR"), (56, {"S": 0, "SI": "neg"}, "VGPR")],
         best="VGPR", best_day=28),
    Case("marrow_5pct_not_cr", "K2016 CR needs <5% marrow plasma cells (5% is not <5%)",
         SERUM2, [(28, {"S": 0, **NEG, "BM": 5}, "VGPR"), (56, {"S": 0, **NEG}, "VGPR")],
         best="VGPR", best_day=28),
    Case("marrow_done_later", "marrow carried forward from its date, never back-dated",
         SERUM2, [(28, {"S": 0, **NEG}, "VGPR"), (56, {"S": 0, **NEG, "BM": 2}, "CR"), (84, {"S": 0, **NEG}, "CR")],
         # pairs: (VGPR,CR)->VGPR at 28, (CR,CR)->CR at 56
         best="CR", best_day=56, first_resp_day=28),
    # ------------------------------------------------------------ PD from the nadir (serum)
    Case("pd_serum_nadir_below_5", "K2016 PD: >=25% and >=0.5 g/dL above the nadir; confirmed",
         SERUM2, [(28, {"S": 1.0}, "PR"), (56, {"S": 1.0}, "PR"), (84, {"S": 1.5}, "PD"), (112, {"S": 1.6}, "PD")],
         # 1.5 - 1.0 = 0.5 and +50%; DoR = 84 - 28 = 56 days, event
         best="PR", best_day=28, prog_day=84, first_resp_day=28,
         extra={"dor": 56, "dor_event": 1.0, "prog_rule": "PD_serum", "ttr": 28}),
    Case("rise_below_absolute_05", "K2016 PD needs an absolute serum increase >=0.5 g/dL",
         {"S": 1.2}, [(28, {"S": 0.6}, "PR"), (56, {"S": 0.6}, "PR"), (84, {"S": 1.0}, "SD"), (112, {"S": 1.05}, "SD")],
         # +0.4 (67%) and +0.45: no PD; 1.0 is 17% below baseline -> SD. DoR censored at 112: 84 days
         best="PR", best_day=28, first_resp_day=28, extra={"dor": 84, "dor_event": 0.0}),
    Case("rise_absolute_but_below_25pct", "K2016 PD needs >=25% above the nadir as well",
         {"S": 4.0}, [(28, {"S": 3.0}, "MR"), (56, {"S": 3.0}, "MR"), (84, {"S": 3.6}, "SD"), (112, {"S": 3.7}, "SD")],
         # +0.6 = 20%, +0.7 = 23%: no PD
         best="MR", best_day=28),
    Case("nadir_5_increase_1", "R2011/K2016: nadir >=5 g/dL, an increase >=1 g/dL suffices",
         {"S": 8.0}, [(28, {"S": 6.0}, "MR"), (56, {"S": 6.0}, "MR"), (84, {"S": 7.0}, "PD"), (112, {"S": 7.1}, "PD")],
         # +1.0 is only 16.7% but nadir 6 >= 5
         best="MR", best_day=28, prog_day=84),
    Case("nadir_5_increase_below_1", "R2011: nadir >=5 g/dL and increase 0.9 g/dL is not PD",
         {"S": 8.0}, [(28, {"S": 6.0}, "MR"), (56, {"S": 6.0}, "MR"), (84, {"S": 6.9}, "SD"), (112, {"S": 6.95}, "SD")],
         best="MR", best_day=28),
    Case("nadir_4_8_needs_25pct", "nadir <5 g/dL: +1.0 g/dL (20.8%) is not PD; +25% exactly is PD",
         {"S": 6.4}, [(28, {"S": 4.8}, "MR"), (56, {"S": 4.8}, "MR"), (84, {"S": 5.8}, "SD"),
                      (112, {"S": 6.0}, "PD"), (140, {"S": 6.1}, "PD")],
         # 6.0 = 1.25 x 4.8 (boundary inclusive), +1.2 >= 0.5
         best="MR", best_day=28, prog_day=112),
    Case("unconfirmed_single_rise", "K2016: biochemical PD needs two consecutive assessments",
         SERUM2, [(28, {"S": 1.0}, "PR"), (56, {"S": 1.0}, "PR"), (84, {"S": 1.6}, "PD"), (112, {"S": 1.0}, "PR")],
         # (PR,PR)->PR at 28; 56 is followed by PD -> SD; PD at 84 never confirmed
         best="PR", best_day=28, extra={"unconfirmed_pd": True}),
    Case("pd_last_visit_unconfirmed", "a PD at the last assessment stays unconfirmed",
         SERUM2, [(28, {"S": 1.8}, "SD"), (84, {"S": 2.6}, "PD")],  # +0.8 from nadir 1.8 (44%)
         best="SD", best_day=28, extra={"unconfirmed_pd": True}),
    Case("pd_first_visit_confirmed", "best response PD when PD is confirmed and nothing better",
         SERUM2, [(28, {"S": 2.6}, "PD"), (56, {"S": 2.8}, "PD")],  # +0.6 (30%) from baseline
         best="PD", best_day=28, prog_day=28),
    Case("missing_visit_skipped", "NE visit (serum not measured) is not an assessment: pair 28/84",
         SERUM2, [(28, {"S": 0.9}, "PR"), (56, {"U": 100, "K": 1.0, "L": 1.0}, "NE"), (84, {"S": 0.8}, "PR")],
         best="PR", best_day=28, extra={"n_assessments": 2, "rule1": "missing_measurement"}),
    # ------------------------------------------------------------ urine-measurable
    Case("urine_pr_below_200", "K2016 PR: urine reduced >=90% or to <200 mg/24h",
         URINE, [(28, {"U": 150}, "PR"), (56, {"U": 180}, "PR")],  # 81%, 77.5% but <200
         best="PR", best_day=28, extra={"disease_type": "urine"}),
    Case("urine_vgpr_below_100", "K2016 VGPR: urine <100 mg/24h",
         URINE, [(28, {"U": 80}, "VGPR"), (56, {"U": 90}, "VGPR")], best="VGPR", best_day=28),
    Case("urine_mr_50_89", "K2016 MR: urine reduced 50-89%",
         URINE, [(28, {"U": 350}, "MR"), (56, {"U": 390}, "MR")], best="MR", best_day=28),  # 56%, 51%
    Case("urine_pd", "K2016 PD: urine >=25% and >=200 mg/24h above the nadir",
         URINE, [(28, {"U": 150}, "PR"), (56, {"U": 150}, "PR"), (84, {"U": 380}, "PD"), (112, {"U": 400}, "PD")],
         best="PR", best_day=28, prog_day=84, extra={"prog_rule": "PD_urine"}),
    Case("urine_rise_below_200", "K2016: urine increase of 180 mg/24h (180%) is not PD",
         URINE, [(28, {"U": 100}, "PR"), (56, {"U": 100}, "PR"), (84, {"U": 280}, "MR"), (112, {"U": 290}, "MR")],
         # 100 is not <100 -> PR (87.5%, <200); 280: 65% below baseline -> MR
         best="PR", best_day=28),
    # ------------------------------------------------------------ serum and urine measurable
    Case("both_worst_component", "K2016 PR needs serum AND urine criteria: worst component decides",
         BOTH, [(28, {"S": 0.8, "U": 400}, "MR"), (56, {"S": 0.8, "U": 400}, "MR")],  # serum PR, urine 60% MR
         best="MR", best_day=28, extra={"disease_type": "serum_and_urine", "rule0": "urine"}),
    Case("both_serum_vgpr_urine_150", "K2016 VGPR needs urine <100 mg/24h as well",
         BOTH, [(28, {"S": 0.1, "U": 150}, "PR"), (56, {"S": 0.1, "U": 150}, "PR")], best="PR", best_day=28),
    Case("both_urine_missing", "serum+urine disease: a visit without urine is NE",
         BOTH, [(28, {"S": 0.8}, "NE"), (56, {"S": 0.8, "U": 300}, "MR")],  # urine 70% -> MR, unconfirmed
         best="SD", best_day=56),
    # ------------------------------------------------------------ FLC-only
    Case("flc_pr", "K2016 PR (FLC-only): >=50% decrease in dFLC",
         FLC, [(28, {"K": 25, "L": 1.0}, "PR"), (56, {"K": 20, "L": 1.0}, "PR")],  # dFLC 24 (59%), 19 (68%)
         best="PR", best_day=28, extra={"disease_type": "flc", "involved": "kappa"}),
    Case("flc_vgpr", "R2011 VGPR (FLC-only): >=90% decrease in dFLC",
         FLC, [(28, {"K": 5, "L": 1.0}, "VGPR"), (56, {"K": 6.5, "L": 1.0}, "VGPR")],  # 93.2%, 90.7%
         best="VGPR", best_day=28),
    Case("flc_no_mr", "K2016: MR is defined on M-protein only; dFLC -34% is SD",
         FLC, [(28, {"K": 40, "L": 1.0}, "SD"), (56, {"K": 38, "L": 1.0}, "SD")], best="SD", best_day=28),
    Case("flc_pd", "K2016 PD (FLC-only): dFLC >=25% and >10 mg/dL above nadir",
         FLC, [(28, {"K": 25, "L": 1.0}, "PR"), (56, {"K": 25, "L": 1.0}, "PR"), (84, {"K": 36, "L": 1.0}, "PD"),
               (112, {"K": 37, "L": 1.0}, "PD")],  # dFLC 24 -> 35: +11 (46%)
         best="PR", best_day=28, prog_day=84, extra={"prog_rule": "PD_dflc"}),
    Case("flc_increase_exactly_10", "K2016: dFLC increase must be >10 mg/dL (10 exactly is not PD)",
         FLC, [(28, {"K": 25, "L": 1.0}, "PR"), (56, {"K": 25, "L": 1.0}, "PR"), (84, {"K": 35, "L": 1.0}, "SD"),
               (112, {"K": 35.5, "L": 1.0}, "PD")],  # dFLC 34 (+10, 42% below baseline), 34.5 (+10.5)
         best="PR", best_day=28, extra={"unconfirmed_pd": True}),
    Case("flc_cr_needs_normal_ratio", "K2016 CR for FLC-only needs a normal FLC ratio; then also sCR",
         FLC, [(28, {**NEG, "BM": 2, "K": 2.0, "L": 1.0}, "VGPR"), (56, {**NEG, "K": 1.2, "L": 1.0}, "sCR"),
               (84, {**NEG, "K": 1.3, "L": 1.1}, "sCR")],  # ratio 2.0 abnormal; dFLC 1 (98%) -> VGPR
         best="sCR", best_day=56, first_resp_day=28),
    Case("flc_lambda_involved", "involved chain lambda when the ratio is <0.26",
         {"K": 0.5, "L": 30}, [(28, {"K": 0.5, "L": 10}, "PR"), (56, {"K": 0.5, "L": 12}, "PR")],
         # dFLC 29.5 -> 9.5 (68%), 11.5 (61%)
         best="PR", best_day=28, extra={"disease_type": "flc", "involved": "lambda"}),
    Case("flc_patient_serum_pd", "K2016: serum M-protein PD applies to every disease type",
         FLC, [(28, {"S": 0.2, "K": 25, "L": 1.0}, "PR"), (56, {"S": 0.8, "K": 25, "L": 1.0}, "PD"),
               (84, {"S": 0.9, "K": 25, "L": 1.0}, "PD")],  # +0.6 from nadir 0.2
         best="SD", best_day=28, prog_day=56),
    # ------------------------------------------------------------ non-measurable disease
    Case("marrow_pr", "K2016 PR (no measurable M-protein/FLC): marrow PC -50% from baseline >=30%",
         NONMEAS, [(28, {"S": 0.3, "BM": 15}, "PR"), (56, {"S": 0.3}, "PR")],  # 62.5%; marrow carried
         best="PR", best_day=28, extra={"disease_type": "non_measurable"}),
    Case("marrow_pd", "K2016 PD (non-measurable): marrow PC +>=10 points and >=25%; no repeat biopsy",
         NONMEAS, [(28, {"S": 0.3, "BM": 55}, "PD")],  # +15 points (37.5%)
         best="PD", best_day=28, prog_day=28, extra={"prog_rule": "PD_marrow"}),
    Case("marrow_pd_needs_confirmation_option", "option marrow_pd_needs_confirmation=True",
         NONMEAS, [(28, {"S": 0.3, "BM": 55}, "PD"), (56, {"S": 0.3}, "SD")],
         best="SD", best_day=56, config=ImwgConfig(marrow_pd_needs_confirmation=True),
         extra={"unconfirmed_pd": True}),
    Case("non_measurable_sd", "non-measurable without marrow >=30%: SD unless CR or PD",
         {**NONMEAS, "BM": 20}, [(28, {"S": 0.3}, "SD"), (56, {"S": 0.25}, "SD")], best="SD", best_day=28),
    Case("non_measurable_scr", "K2016 CR/sCR criteria apply to non-measurable disease",
         {**NONMEAS, "BM": 20}, [(28, {**NEG, "BM": 2, "K": 1.0, "L": 1.0}, "sCR"),
                                 (56, {**NEG, "K": 1.0, "L": 1.0}, "sCR")],
         best="sCR", best_day=28),
    # ------------------------------------------------------------ baseline window
    Case("baseline_outside_window", "baseline = last value <=28 days before index (project default)",
         [(-40, {"S": 2.0})], [(28, {"S": 0.9}, "NE"), (56, {"S": 0.8}, "NE")],
         best="NE", best_day=None, extra={"disease_type": "no_baseline", "rule0": "no_baseline"}),
    Case("baseline_window_60", "baseline_window_days=60 admits day -40",
         [(-40, {"S": 2.0})], [(28, {"S": 0.9}, "PR"), (56, {"S": 0.8}, "PR")],
         best="PR", best_day=28, config=ImwgConfig(baseline_window_days=60)),
    Case("baseline_last_value", "baseline is the last value on or before the index date",
         [(-20, {"S": 3.0}), (0, {"S": 2.0})], [(28, {"S": 1.0}, "PR"), (56, {"S": 1.0}, "PR")],
         best="PR", best_day=28, extra={"base_s": 2.0}),
    # ------------------------------------------------------------ plasmacytoma
    Case("plasmacytoma_caps_pr", "K2016 PR needs >=50% SPD reduction of a baseline plasmacytoma",
         {"S": 2.0, "PL": 10}, [(28, {"S": 0.8}, "SD"), (56, {"S": 0.7, "PL": 4}, "PR"), (84, {"S": 0.7}, "PR")],
         # day 28: SPD 10 carried (0%) caps at SD; day 56 SPD -60%
         best="PR", best_day=56, extra={"rule0": "plasmacytoma"}),
    Case("new_plasmacytoma_pd", "K2016 PD: new soft-tissue plasmacytoma (imaging, no confirmation)",
         SERUM2, [(28, {"S": 0.9}, "PR"), (56, {"S": 0.9}, "PR"), (84, {"S": 0.8, "PL": 6}, "PD")],
         best="PR", best_day=28, prog_day=84, extra={"prog_rule": "PD_plasmacytoma"}),
    Case("plasmacytoma_growth_50pct", "K2016 PD: >=50% increase of SPD from its nadir",
         {"S": 2.0, "PL": 10}, [(28, {"S": 0.8, "PL": 4}, "PR"), (56, {"S": 0.8}, "PR"), (84, {"S": 0.8, "PL": 6}, "PD")],
         best="PR", best_day=28, prog_day=84),
    Case("plasmacytoma_must_vanish_for_cr", "K2016 CR needs disappearance of soft-tissue plasmacytomas",
         {"S": 2.0, "PL": 10}, [(28, {"S": 0, **NEG, "BM": 2, "PL": 3}, "VGPR"), (56, {"S": 0, **NEG, "PL": 0}, "CR"),
                                (84, {"S": 0, **NEG}, "CR")],
         best="CR", best_day=56),
    # ------------------------------------------------------------ relapse from CR
    Case("relapse_from_cr", "D2006/K2016 relapse from CR: reappearance of M-protein by IFE (confirmed)",
         SERUM2, [(28, {"S": 0, **NEG, "BM": 2}, "CR"), (56, {"S": 0, **NEG}, "CR"),
                  (84, {"S": 0, "SI": "pos", "UI": "neg"}, "VGPR"), (112, {"S": 0, "SI": "pos", "UI": "neg"}, "VGPR")],
         best="CR", best_day=28, extra={"relapse_day": 84}),
    # ------------------------------------------------------------ new therapy and re-baselining
    Case("after_new_therapy_excluded", "D2006: assessments after new therapy are excluded",
         SERUM2, [(28, {"S": 0.9}, "PR"), (56, {"S": 0.8}, "NE")], new_therapy_day=40,
         best="SD", best_day=28, extra={"rule1": "excluded_new_therapy"}),
    Case("same_day_as_new_therapy_kept", "an assessment on the day new therapy starts is pre-dose",
         SERUM2, [(28, {"S": 0.9}, "PR"), (56, {"S": 0.8}, "PR")], new_therapy_day=56, best="PR", best_day=28),
    Case("pd_pair_across_new_therapy", "PD confirmation must precede new therapy",
         SERUM2, [(28, {"S": 1.0}, "PR"), (56, {"S": 1.0}, "PR"), (84, {"S": 1.6}, "PD"), (112, {"S": 1.8}, "NE")],
         new_therapy_day=90, best="PR", best_day=28, extra={"unconfirmed_pd": True}),
    Case("rebaseline_second_line", "response to a later line: baseline and nadir restart at its start",
         [(-5, {"S": 2.0}), (28, {"S": 1.0}), (56, {"S": 3.0}), (98, {"S": 3.0})],
         [(128, {"S": 1.2}, "PR"), (156, {"S": 1.1}, "PR"), (184, {"S": 1.5}, "PR")],
         # index day 100, baseline 3.0 (day 98); 1.5 is +0.4 over the line-2 nadir 1.1 (no PD; it would
         # be PD against the line-1 nadir 1.0) and 50% below 3.0
         index_day=100, best="PR", best_day=128, extra={"base_s": 3.0, "n_visits": 3}),
    # ------------------------------------------------------------ measurable threshold
    Case("serum_0_7_not_measurable_by_default", "K2016 measurable serum M-protein >=1 g/dL",
         {"S": 0.7}, [(28, {"S": 0.3}, "SD"), (56, {"S": 0.3}, "SD")],
         best="SD", best_day=28, extra={"disease_type": "non_measurable"}),
    Case("serum_0_7_measurable_icaria", "ICARIA-MM eligibility: serum M-protein >=0.5 g/dL",
         {"S": 0.7}, [(28, {"S": 0.3}, "PR"), (56, {"S": 0.3}, "PR")],  # 57%
         best="PR", best_day=28, config=ImwgConfig(serum_measurable_g_dl=0.5), extra={"disease_type": "serum"}),
]


def test_gallery_covers_every_category_and_type():
    cats = {c for case in CASES for _, _, c in case.visits} | {case.best for case in CASES}
    assert cats == {"sCR", "CR", "VGPR", "PR", "MR", "SD", "PD", "NE"}
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_trajectory(case: Case):
    res = run(case)
    v, b = res.visits, res.best.iloc[0]
    assert list(v["date"]) == [day(d) for d, _, _ in case.visits]
    assert list(v["category"]) == [c for _, _, c in case.visits], v[["date", "category", "explanation"]]
    assert b["best_response"] == case.best
    assert (b["best_response_date"] if pd.notna(b["best_response_date"]) else None) == day(case.best_day)
    assert (b["progression_date"] if pd.notna(b["progression_date"]) else None) == day(case.prog_day)
    if case.first_resp_day is not UNSET:
        got = b["first_response_date"] if pd.notna(b["first_response_date"]) else None
        assert got == day(case.first_resp_day)
    assert v["explanation"].str.len().gt(0).all()
    x = case.extra
    if "dor" in x:
        assert b["duration_of_response_days"] == x["dor"] and b["dor_event"] == x["dor_event"]
    if "ttr" in x:
        assert b["time_to_response_days"] == x["ttr"]
    if "prog_rule" in x:
        assert b["progression_rule"] == x["prog_rule"]
    if "unconfirmed_pd" in x:
        assert bool(b["unconfirmed_pd"]) is x["unconfirmed_pd"]
    if "disease_type" in x:
        assert b["disease_type"] == x["disease_type"]
    if "involved" in x:
        assert b["involved_flc"] == x["involved"]
    if "n_assessments" in x:
        assert b["n_assessments"] == x["n_assessments"]
    if "n_visits" in x:
        assert len(v) == x["n_visits"]
    if "base_s" in x:
        assert b["base_serum_m_protein"] == x["base_s"]
    for i in (0, 1):
        if f"rule{i}" in x:
            assert v["rule"].iloc[i] == x[f"rule{i}"]
    if "relapse_day" in x:
        assert b["relapse_from_cr_date"] == day(x["relapse_day"])
    elif case.best in ("CR", "sCR"):
        assert pd.isna(b["relapse_from_cr_date"])
