"""simulate_labs: the project's IMWG engine must derive exactly the latent best response and
progression date; baseline labs follow the stated dependences; on-treatment hematology
reproduces ICARIA-MM Table 4 (haematological laboratory abnormalities, worst grade)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmevidence.derive.imwg import derive_responses
from mmevidence.derive.risk_scores import egfr_mdrd, iss_stage
from mmevidence.simulate.labs import simulate_labs

from .conftest import CATS, MEASURABLE, make_latent


@pytest.fixture(scope="module")
def sim():
    latent = make_latent(4000, seed=11)
    labs = simulate_labs(latent, np.random.default_rng(3))
    res = derive_responses(labs, latent[["patient_id", "index_date"]])
    best = res.best.set_index("patient_id").reindex(latent["patient_id"])
    return latent, labs, res, best


def _numeric(labs: pd.DataFrame, test: str) -> pd.DataFrame:
    x = labs.loc[labs["test"] == test].copy()
    x["value"] = x["value"].astype(float)
    return x


def test_best_response_agrees_with_imwg_engine(sim):
    latent, labs, _, best = sim
    assert labs.attrs["imwg_exception"].notna().sum() == 0  # the fixture is consistent
    derived = best["best_response"].to_numpy()
    assert (derived == latent["best_response"].to_numpy()).all()
    # every category with every measurable-disease type was exercised (FLC-only: no MR/CR, IMWG)
    combos = set(zip(latent["best_response"], latent["measurable"]))
    expected = {(c, m) for c in CATS for m in MEASURABLE} - {("MR", "flc"), ("CR", "flc")}
    assert expected <= combos


def test_disease_type_is_the_latent_measurable_type(sim):
    latent, _, _, best = sim
    assert (best["disease_type"].to_numpy() == latent["measurable"].to_numpy()).all()


def test_progression_date_is_first_assessment_on_or_after_progression_day(sim):
    latent, _, _, best = sim
    prog = latent["progression_day"].to_numpy()
    has = ~np.isnan(prog)
    # hand rule: first multiple of the 28-day interval on/after progression_day, unless that is
    # after the end of observation (then an unscheduled assessment on the progression day)
    end = np.floor(np.fmin(latent["last_contact_day"], latent["death_day"].fillna(np.inf)).to_numpy())
    sched = np.ceil(np.where(has, prog, 1) / 28.0) * 28.0
    day = np.where(sched > end, np.ceil(np.where(has, prog, 1)), sched)
    expected = latent["index_date"].to_numpy() + day.astype("timedelta64[D]")
    got = best["progression_date"].to_numpy()
    assert (got[has] == expected[has]).all()
    assert np.isnat(got[~has]).all()


def test_visit_categories_are_the_engine_categories(sim):
    _, labs, res, _ = sim
    planned = labs.attrs["visit_categories"]
    merged = planned.merge(res.visits[["patient_id", "date", "category"]], on=["patient_id", "date"], how="outer",
                           suffixes=("_planned", "_derived"), indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["category_planned"] == merged["category_derived"]).all()


def test_impossible_latent_combinations_are_flagged():
    latent = make_latent(3000, seed=5, allow_impossible=True)
    labs = simulate_labs(latent, np.random.default_rng(9))
    reason = labs.attrs["imwg_exception"].reindex(latent["patient_id"]).to_numpy()
    best = derive_responses(labs, latent[["patient_id", "index_date"]]).best.set_index("patient_id")
    derived = best["best_response"].reindex(latent["patient_id"]).to_numpy()
    target = latent["best_response"].to_numpy()
    flagged = pd.notna(reason)
    assert flagged.sum() > 0
    assert (derived[~flagged] == target[~flagged]).all()
    # IMWG: no MR for FLC-only disease (derived SD), FLC-only CR is sCR
    assert (derived[reason == "mr_flc_only"] == "SD").all()
    assert (derived[reason == "cr_flc_only"] == "sCR").all()
    assert sum(labs.attrs["imwg_exceptions"].values()) >= flagged.sum()  # a patient may have two reasons


def test_deterministic_for_a_seed():
    latent = make_latent(300, seed=2)
    a = simulate_labs(latent, np.random.default_rng(4))
    b = simulate_labs(latent, np.random.default_rng(4))
    pd.testing.assert_frame_equal(a, b)


def test_baseline_dependences(sim):
    latent, labs, _, _ = sim
    base = latent.set_index("patient_id")
    crea = _numeric(labs, "creatinine").set_index("patient_id")["value"].reindex(base.index)
    assert np.corrcoef(base["age"], crea)[0, 1] > 0.1
    egfr = egfr_mdrd(crea.to_numpy(), base["age"].to_numpy(), (base["sex"] == "female").to_numpy())
    # ICARIA-MM Results: "104 (36%) had renal function impairment (eGFR <60 mL/min per 1.73 m2)"
    assert abs((egfr < 60).mean() - 0.36) < 0.04
    b2m = _numeric(labs, "beta2_microglobulin").set_index("patient_id")["value"].reindex(base.index)
    alb = _numeric(labs, "albumin").set_index("patient_id")["value"].reindex(base.index)
    iss = iss_stage(b2m.to_numpy(), alb.to_numpy())
    hb = _numeric(labs, "hemoglobin")
    hb0 = hb.loc[hb["date"] <= hb["patient_id"].map(base["index_date"])].set_index("patient_id")["value"]
    hb0 = hb0.reindex(base.index).to_numpy()
    assert hb0[iss == "III"].mean() < hb0[iss == "I"].mean() - 0.4
    # ISS at study entry, ICARIA-MM Table 1 (both arms): I 115/301, II 109/301, III 77/301
    for stage, n in (("I", 115), ("II", 109), ("III", 77)):
        assert abs((iss == stage).mean() - n / 301) < 0.03


#: CTCAE v4.03 grade thresholds written out (lower bound of grades 1..4): neutrophils <2.0 (LLN),
#: <1.5, <1.0, <0.5; platelets <150 (LLN), <75, <50, <25; hemoglobin <LLN (12 women, 13 men), <10, <8.
def _grade(test: str, v: np.ndarray, lln: np.ndarray) -> np.ndarray:
    if test == "neutrophils":
        return np.select([v < 0.5, v < 1.0, v < 1.5, v < 2.0], [4, 3, 2, 1], 0)
    if test == "platelets":
        return np.select([v < 25, v < 50, v < 75, v < 150], [4, 3, 2, 1], 0)
    return np.select([v < 8, v < 10, v < lln], [3, 2, 1], 0)


# ICARIA-MM Table 4 (n/N): (all grades, grade 3, grade 4)
TABLE4 = {
    ("Isa-Pd", "neutrophils"): ((146, 37, 92), 152), ("Pd", "neutrophils"): ((137, 57, 46), 147),
    ("Isa-Pd", "platelets"): ((127, 22, 25), 152), ("Pd", "platelets"): ((118, 14, 22), 147),
    ("Isa-Pd", "hemoglobin"): ((151, 48, 0), 152), ("Pd", "hemoglobin"): ((145, 41, 0), 147),
}


def test_hematology_worst_grades_match_icaria_table4():
    latent = make_latent(20000, seed=21)
    labs = simulate_labs(latent, np.random.default_rng(8))
    base = latent.set_index("patient_id")
    for (arm, test), ((n_all, n3, n4), denom) in TABLE4.items():
        x = _numeric(labs, test)
        x = x.loc[x["date"] > x["patient_id"].map(base["index_date"])]  # on treatment
        x = x.loc[x["patient_id"].map(base["arm"]) == arm]
        lln = np.where(x["patient_id"].map(base["sex"]) == "female", 12.0, 13.0)
        worst = pd.Series(_grade(test, x["value"].to_numpy(), lln)).groupby(x["patient_id"].to_numpy()).max()
        for got, want in (((worst >= 1).mean(), n_all / denom), ((worst == 3).mean(), n3 / denom),
                          ((worst == 4).mean(), n4 / denom)):
            assert abs(got - want) < 0.02, (arm, test, got, want)


def test_reported_responses_agree_with_derived_except_documented_rate(sim):
    from mmevidence.derive.imwg import agreement
    from mmevidence.simulate.responses import INVESTIGATOR_DISAGREEMENT, simulate_reported_responses

    latent, labs, res, _ = sim
    latent = latent.copy()
    latent.attrs["study_id"] = "icaria-mm"  # IRC-assessed (design.response_assessment: irc)
    ra = simulate_reported_responses(latent, labs, np.random.default_rng(12))
    table, _ = agreement(res.visits, ra, level="visit", assessor="irc")
    assert np.trace(table.to_numpy()) == table.to_numpy().sum()  # IRC = derived, every visit
    table, kappa = agreement(res.visits, ra, level="visit", assessor="investigator")
    t = table.to_numpy()
    assert t.sum() == (res.visits["category"] != "NE").sum()
    eligible = t[:6, :].sum()  # derived sCR..SD visits can be reported one level off
    observed = 1.0 - np.trace(t) / t.sum()
    # binomial: expected INVESTIGATOR_DISAGREEMENT x eligible share (minus sCR up / SD down, which clip)
    assert observed == pytest.approx(ra.attrs["investigator_disagreement"])
    assert 0.5 * INVESTIGATOR_DISAGREEMENT * eligible / t.sum() < observed < INVESTIGATOR_DISAGREEMENT
    assert np.abs(np.subtract.outer(np.arange(8), np.arange(8)))[t > 0].max() == 1  # only adjacent categories
    assert (t[6, :6] == 0).all() and (t[:6, 6] == 0).all()  # PD reported as PD
    assert kappa.estimate > 0.9
