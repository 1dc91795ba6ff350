"""A hand-built latent frame (columns and meaning as the simulator contract / simulate/latent.py
define them) for the tests of the clinical simulator (labs, responses, dosing, adverse events).

It is deliberately simple and independent of the engine that builds the real latent frame:
every best-response category with every measurable-disease type, progression later for
responders, progression at the first assessment for best response PD, death before the
first assessment for NE.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

CATS = ("sCR", "CR", "VGPR", "PR", "MR", "SD", "PD", "NE")
MEASURABLE = ("serum", "urine", "serum_and_urine", "flc")


def make_latent(n: int, seed: int = 7, allow_impossible: bool = False) -> pd.DataFrame:
    """``n`` patients, half Isa-Pd, half Pd (ICARIA-MM-like dates)."""
    rng = np.random.default_rng(seed)
    idx = np.arange(n)
    isa = idx % 2 == 0
    index = np.datetime64("2017-01-10") + rng.integers(0, 390, n).astype("timedelta64[D]")
    cutoff = np.datetime64("2018-10-11")
    max_fu = (cutoff - index).astype(int).astype(float)
    meas = np.array(MEASURABLE)[rng.choice(4, n, p=[0.6, 0.12, 0.13, 0.15])]
    best = np.array(CATS)[rng.choice(8, n, p=[0.04, 0.07, 0.18, 0.24, 0.1, 0.2, 0.1, 0.07])]
    if not allow_impossible:  # MR and CR do not exist for FLC-only disease (IMWG)
        best = np.where((meas == "flc") & (best == "MR"), "PR", best)
        best = np.where((meas == "flc") & (best == "CR"), "sCR", best)
    responder = np.isin(best, ["sCR", "CR", "VGPR", "PR", "MR"])
    rank = {c: i for i, c in enumerate(CATS[::-1])}
    depth = np.array([rank.get(b, 0) for b in best])
    death = rng.exponential(700.0, n)
    prog = 60.0 + rng.exponential(120.0 + 60.0 * depth, n)
    response = np.where(responder, 28.0 + rng.exponential(40.0, n), np.nan)
    prog = np.where(responder, np.maximum(prog, response + 60.0), prog)
    prog = np.where(best == "PD", rng.uniform(5.0, 27.0, n), prog)
    death = np.where(best == "NE", rng.uniform(3.0, 26.0, n), death)
    if not allow_impossible:  # a response needs two assessments before progression / last contact
        death = np.where(responder | (best == "SD"), np.maximum(death, np.nan_to_num(response, nan=28.0) + 70.0), death)
    lost = max_fu - rng.uniform(0.0, 30.0, n)
    last = np.minimum(death, lost)
    prog = np.where((prog < last - 35.0) & (best != "NE"), prog, np.nan)
    prog = np.where(best == "PD", rng.uniform(5.0, 27.0, n), prog)
    last = np.where(best == "PD", np.maximum(last, 90.0), last)
    last = np.minimum(last, max_fu)
    dead = death <= last
    eot = np.where(~np.isnan(prog), prog + rng.uniform(0, 14, n), np.nan)
    stop = rng.random(n) < 0.25
    early = rng.uniform(10.0, 400.0, n)
    eot = np.where(stop & (early < np.fmin(eot, last)), early, eot)
    eot = np.where(dead & np.isnan(eot), death, eot)
    eot = np.where(eot > last, np.nan, eot)
    reason = np.where(np.isnan(eot), None, np.where(eot == death, "death", np.where(
        stop & (eot == early), np.where(rng.random(n) < 0.5, "adverse_event", "patient_decision"), "progression")))
    age = np.clip(rng.normal(67, 9, n), 40, 88)
    return pd.DataFrame({
        "patient_id": [f"P{i + 1:07d}" for i in idx],
        "site_id": [f"S{(i % 50) + 1:03d}" for i in idx],
        "arm": np.where(isa, "Isa-Pd", "Pd"),
        "regimen": np.where(isa, "isa_pd", "pd"),
        "index_date": index.astype("datetime64[ns]"),
        "data_cutoff": np.full(n, cutoff).astype("datetime64[ns]"),
        "age": age,
        "sex": np.where(rng.random(n) < 0.5, "female", "male"),
        "weight_kg": np.clip(rng.normal(75, 14, n), 40, 140),
        "ecog": rng.choice(3, n, p=[0.35, 0.55, 0.10]),
        "myeloma_type": np.where(np.isin(meas, ["urine", "flc"]), "light_chain", "IgG"),
        "light_chain": np.where(rng.random(n) < 0.65, "kappa", "lambda"),
        "measurable": meas,
        "best_response": best,
        "response_day": response,
        "progression_day": prog,
        "death_day": np.where(dead, death, np.nan),
        "last_contact_day": last,
        "eot_day": eot,
        "eot_reason": reason,
        "assessment_interval_days": np.full(n, 28),
    })


@pytest.fixture(scope="module")
def latent_small() -> pd.DataFrame:
    return make_latent(3000)
