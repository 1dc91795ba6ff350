"""simulate_administrations: derive_adex reproduces ICARIA-MM Table 2 (median relative dose
intensity per drug, % of patients with a dose reduction) and the regimen's schedule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmevidence.data.schema import TABLES
from mmevidence.derive.adex import derive_adex
from mmevidence.derive.regimens import load_regimen
from mmevidence.simulate.dosing import simulate_administrations

from .conftest import make_latent

#: ICARIA-MM Table 2: median RDI (%) and patients with dose reductions (n/N), as printed.
RDI = {("Isa-Pd", "isatuximab"): 92.3, ("Isa-Pd", "pomalidomide"): 85.1, ("Isa-Pd", "dexamethasone"): 87.8,
       ("Pd", "pomalidomide"): 93.3, ("Pd", "dexamethasone"): 96.3}
REDUCTIONS = {("Isa-Pd", "pomalidomide"): 65 / 152, ("Isa-Pd", "dexamethasone"): 50 / 152,
              ("Pd", "pomalidomide"): 36 / 149, ("Pd", "dexamethasone"): 38 / 149, ("Isa-Pd", "isatuximab"): 0.0}


def _patients(latent: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"patient_id": latent["patient_id"], "weight_kg": latent["weight_kg"],
                         "age_at_index": latent["age"],
                         "end_of_treatment_date": latent["index_date"] + pd.to_timedelta(np.floor(latent["eot_day"]),
                                                                                          unit="D")})


@pytest.fixture(scope="module")
def sim():
    latent = make_latent(20000, seed=13)
    adm = simulate_administrations(latent, np.random.default_rng(2))
    out = {}
    for arm, reg in (("Isa-Pd", "isa_pd"), ("Pd", "pd")):
        ids = latent.loc[latent["arm"] == arm, "patient_id"]
        out[arm] = derive_adex(adm.loc[adm["patient_id"].isin(ids)], _patients(latent), load_regimen(reg))
    return latent, adm, out


def test_median_rdi_matches_table2(sim):
    _, adm, adex = sim
    cal = adm.attrs["calibration"].set_index(["arm", "drug"])
    for (arm, drug), target in RDI.items():
        by_drug = adex[arm][0]
        median = by_drug.loc[by_drug["drug"] == drug, "relative_dose_intensity"].median()
        row = cal.loc[(arm, drug)]
        # the calibration computes derive_adex's RDI: the reported median is the derived one
        assert median == pytest.approx(row["rdi_calibrated"], abs=1e-9)
        if row["theta"] > -1.0:  # reachable: calibrated to the published median
            assert abs(median - target) < 0.5, (arm, drug, median, target)
        else:  # Pd dexamethasone with this latent frame: the shortfall is reported, not hidden
            assert median < target


def test_dose_reduction_rates_match_table2(sim):
    _, _, adex = sim
    for (arm, drug), target in REDUCTIONS.items():
        by_drug = adex[arm][0]
        share = by_drug.loc[by_drug["drug"] == drug, "any_dose_reduction"].astype(bool).mean()
        assert abs(share - target) < 0.02, (arm, drug, share, target)


def test_schedule_follows_the_regimen(sim):
    latent, adm, _ = sim
    assert list(adm.columns) == list(TABLES["administrations"].column_names)
    isa = adm.loc[adm["drug"] == "isatuximab"]
    assert set(isa.loc[isa["cycle"] == 1, "cycle_day"]) <= {1, 8, 15, 22}
    assert set(isa.loc[isa["cycle"] > 1, "cycle_day"]) <= {1, 15}
    assert (isa["dose"] == 10).all() and (isa["unit"] == "mg/kg").all()  # no isatuximab reductions
    assert set(adm.loc[adm["drug"] == "dexamethasone", "cycle_day"]) <= {1, 8, 15, 22}
    pom = adm.loc[adm["drug"] == "pomalidomide"]
    assert not pom.duplicated(["patient_id", "cycle"]).any()  # one record a cycle (record: per_cycle)
    assert set(pom["dose"]) <= {4.0, 3.0, 2.0, 1.0}
    assert not adm.duplicated(["patient_id", "drug", "date"]).any()
    assert set(adm.loc[adm["patient_id"].isin(latent.loc[latent["arm"] == "Pd", "patient_id"]), "drug"]) == {
        "pomalidomide", "dexamethasone"}
    # no dose after the end of treatment; every treated patient starts on the index date
    lat = latent.set_index("patient_id")
    end = lat["eot_day"].fillna(lat["last_contact_day"])
    last_allowed = adm["patient_id"].map(lat["index_date"] + pd.to_timedelta(np.floor(end), unit="D"))
    assert (adm["date"] <= last_allowed).all()
    first = adm.groupby("patient_id")["date"].min()
    assert (first == lat.loc[first.index, "index_date"]).all()
    # cycles start every assessment interval (28 days) from the index date
    start = adm["date"] - pd.to_timedelta(adm["cycle_day"] - 1, unit="D")
    assert ((start - adm["patient_id"].map(lat["index_date"])).dt.days == (adm["cycle"] - 1) * 28).all()


def test_deterministic_for_a_seed():
    latent = make_latent(400, seed=2)
    a = simulate_administrations(latent, np.random.default_rng(4))
    b = simulate_administrations(latent, np.random.default_rng(4))
    pd.testing.assert_frame_equal(a, b)
