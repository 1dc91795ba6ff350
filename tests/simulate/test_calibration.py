"""Calibration acceptance: simulated studies, run through the real pipeline, reproduce the
published figures.

Large-sample part (20,000 patients an arm): ``simulate_study`` -> ``write_tables`` (CSV) ->
``mmevidence.data.ingest`` (DuckDB store) -> ``mmevidence.derive.run_derive`` ->
``mmevidence.stats`` (Kaplan-Meier, Cox) on the stored analysis datasets, then each figure
is compared with the published value (the study model's targets, each quoted from the seed
papers in ``simulate/models/<study>.yaml``): medians within 5 %, hazard ratios within 0.03,
proportions within 2 percentage points, relative dose intensity within 2 points.

Published-size part (600 seeds of ICARIA-MM, 307 patients): the published PFS median and ORR
must lie in the simulated estimate's 95 % CI (Brookmeyer-Crowley with the log-log transform
of SAS PROC LIFETEST -- ICARIA-MM used SAS 9.4 -- and Clopper-Pearson) in at least 95 % of
the seeds; a published value is compared at its printed precision (6.47 = [6.465, 6.475]).
Derived in memory (``as_store_tables`` + ``derive_all`` in tests/simulate/_coverage.py; test_engine checks it equals
ingest + run_derive).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmevidence.data import ingest
from mmevidence.derive.pipeline import run_derive
from mmevidence.simulate import simulate_study, write_tables
from mmevidence.stats import clopper_pearson, cox_ph, kaplan_meier

pytestmark = pytest.mark.slow

PER_ARM = 20_000
RESPONDERS = ("sCR", "CR", "VGPR", "PR")


def _pipeline(study: str, n: int, tmp_path_factory) -> dict[str, pd.DataFrame]:
    tables = simulate_study(study, n=n, seed=11)
    cutoff = str(tables["_latent"]["data_cutoff"].iloc[0].date())
    folder = tmp_path_factory.mktemp(study)
    write_tables(tables, folder / "source", "csv")
    ingest(folder / "source", folder / "study.duckdb", data_cutoff=cutoff)
    run_derive(folder / "study.duckdb")
    import duckdb
    con = duckdb.connect(str(folder / "study.duckdb"), read_only=True)
    out = {t: con.sql(f"SELECT * FROM {t}").df() for t in ("adsl", "adtte", "adrs", "adex")}
    con.close()
    return out


def _endpoint(ds, endpoint: str) -> pd.DataFrame:
    a = ds["adtte"]
    return a.loc[a["endpoint"] == endpoint].merge(ds["adsl"][["patient_id", "arm", "bl_hemoglobin"]], on="patient_id")


def _median(d: pd.DataFrame) -> float:
    return kaplan_meier(d["time_months"], d["event"]).median().estimate


def _surv(d: pd.DataFrame, months: float) -> float:
    return float(kaplan_meier(d["time_months"], d["event"]).survival_at([months])["survival"].iloc[0])


def _hr(d: pd.DataFrame, flag: np.ndarray) -> float:
    x = d.assign(x=np.asarray(flag, dtype=float))
    return float(cox_ph(x, "time_months", "event", ["x"]).summary["hr"].iloc[0])


def _bor(ds, arm: str | None = None) -> pd.Series:
    r = ds["adrs"]
    r = r.loc[r["param"] == "BOR"].merge(ds["adsl"][["patient_id", "arm"]], on="patient_id")
    return r.loc[r["arm"] == arm, "response"] if arm else r["response"]


def _pct(x) -> float:
    return 100.0 * float(np.mean(x))


def _close_median(got: float, published: float) -> None:
    assert abs(got / published - 1) <= 0.05, f"median {got:.3f} vs published {published}"


def _close_pct(got: float, published: float, tol: float = 2.0) -> None:
    assert abs(got - published) <= tol, f"{got:.2f} % vs published {published} %"


# --------------------------------------------------------------------------------------------
# ICARIA-MM (Attal 2019, seed 002)
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def icaria(tmp_path_factory):
    return _pipeline("icaria-mm", 2 * PER_ARM, tmp_path_factory)


def test_icaria_pfs(icaria):
    d = _endpoint(icaria, "PFS")
    _close_median(_median(d[d.arm == "Isa-Pd"]), 11.5)    # "11·5 months (95% CI 8·9–13·9)"
    _close_median(_median(d[d.arm == "Pd"]), 6.47)        # "(6.47 months)"
    assert abs(_hr(d, d.arm == "Isa-Pd") - 0.596) <= 0.03  # "hazard ratio 0·596"


def test_icaria_os_and_ttnt(icaria):
    d = _endpoint(icaria, "OS")
    assert abs(_hr(d, d.arm == "Isa-Pd") - 0.687) <= 0.03  # "HR 0.687, 95% CI 0.461–1.023"
    _close_pct(_pct(d.loc[d.arm == "Pd", "event"]), 100 * 56 / 153)      # 56 deaths in the Pd group
    _close_pct(_pct(d.loc[d.arm == "Isa-Pd", "event"]), 100 * 43 / 154)  # 43 deaths in the Isa-Pd group
    t = _endpoint(icaria, "TTNT")
    _close_median(_median(t[t.arm == "Pd"]), 9.1)          # "(9.1 months; HR 0.538 ..."


def test_icaria_response(icaria):
    # Table 3 (IRC): responders 93/154 (60%) vs 54/153 (35%); VGPR or better 49 (32%) vs 13 (9%)
    for arm, orr, vgpr in (("Isa-Pd", 100 * 93 / 154, 100 * 49 / 154), ("Pd", 100 * 54 / 153, 100 * 13 / 153)):
        b = _bor(icaria, arm)
        _close_pct(_pct(b.isin(RESPONDERS)), orr)
        _close_pct(_pct(b.isin(("sCR", "CR", "VGPR"))), vgpr)


def test_icaria_treatment_end(icaria):
    # "65 (42%) ... versus 35 (23%) ... were continuing"; "progressive disease in 66 patients (43%) ... and 88 (58%)";
    # adverse events 7.2 % (Isa-Pd; quoted by the CUP paper) -- crude fractions at the cut-off
    s = icaria["adsl"]
    for arm, n, ongoing, prog, ae in (("Isa-Pd", 154, 65, 66, 11), ("Pd", 153, 35, 88, 19)):
        a = s.loc[s.arm == arm]
        _close_pct(_pct(a["eot_date"].isna()), 100 * ongoing / n)
        _close_pct(_pct(a["eot_reason"] == "progression"), 100 * prog / n)
        _close_pct(_pct(a["eot_reason"] == "adverse_event"), 100 * ae / n)


def test_icaria_baseline(icaria):
    s = icaria["adsl"]
    _close_pct(_pct(s["ref_lenalidomide"] == True), 100 * 284 / 307)   # noqa: E712  "284 (93%) were refractory to lenalidomide"
    _close_pct(_pct(s["ref_len_last_line"] == True), 100 * 181 / 307)  # noqa: E712  "181 (59%) ... at the last line"
    _close_pct(_pct(s["ref_pi"] == True), 100 * 233 / 307)             # noqa: E712  "233 (76%) to at least one proteasome inhibitor"
    _close_pct(_pct(s["egfr_mdrd"] < 60), 36.0)                        # "104 (36%) had renal function impairment"
    for arm, high, iss1 in (("Isa-Pd", 16.0, 100 * 64 / 154), ("Pd", 24.0, 100 * 51 / 153)):
        a = s.loc[s.arm == arm]
        _close_pct(_pct(a["cyto_risk"] == "high"), high)              # "High 24 (16%) 36 (24%)" (n=154/153)
        _close_pct(_pct(a["iss_at_entry"] == "I"), iss1)               # "ISS stage at study entry I 64 (42%) 51 (33%)"
    assert s["n_prior_lines"].median() == 3                           # "median number of previous lines ... was 3 (IQR 2–4)"


# Table 2 medians: isatuximab 92.3 %; pomalidomide 85.1 % vs 93.3 %; dexamethasone 87.8 % vs 96.3 %
RDI = {("Isa-Pd", "isatuximab"): 92.3, ("Isa-Pd", "pomalidomide"): 85.1, ("Pd", "pomalidomide"): 93.3,
       ("Isa-Pd", "dexamethasone"): 87.8, ("Pd", "dexamethasone"): 96.3}


def test_icaria_relative_dose_intensity(icaria):
    x = icaria["adex"].groupby(["arm", "drug"])["relative_dose_intensity"].median()
    for (arm, drug), pub in RDI.items():
        assert abs(x[(arm, drug)] - pub) <= 2.0, f"{arm} {drug}: {x[(arm, drug)]:.1f} vs {pub}"


# --------------------------------------------------------------------------------------------
# IMAGE (seed 000)
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def image(tmp_path_factory):
    return _pipeline("image", PER_ARM, tmp_path_factory)


def test_image(image):
    _close_median(_median(_endpoint(image, "PFS")), 12.4)   # "the median PFS was 12.4 months"
    _close_median(_median(_endpoint(image, "TTNT")), 15.2)  # "TTNT was 15.2 months in the IMAGE study"
    b = _bor(image)
    _close_pct(_pct(b.isin(RESPONDERS)), 46.3)               # "ORR (46.3%)"
    _close_pct(_pct(b.isin(("sCR", "CR", "VGPR"))), 27.9)    # "VGPR was 27.9%" (read as VGPR or better)
    s = image["adsl"]
    disc = s.loc[s["eot_date"].notna(), "eot_reason"]
    _close_pct(_pct(disc == "progression"), 63.0)            # "disease progression (63.0%)"
    _close_pct(_pct(disc == "adverse_event"), 6.8)           # "toxicity (6.8%)"
    os_ = _endpoint(image, "OS")                             # "Median OS was not reached (95% CI, 18.9-NR)"
    assert np.isnan(_median(os_)) or _median(os_) > 18.9


# --------------------------------------------------------------------------------------------
# Italian daratumumab-refractory cohort (seed 004)
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def italian(tmp_path_factory):
    return _pipeline("italian-dara-refractory", PER_ARM, tmp_path_factory)


def test_italian_pfs_and_hemoglobin(italian):
    d = _endpoint(italian, "PFS")
    _close_median(_median(d), 5.8)                                     # "Median progression-free survival (PFS) was 5.8 months"
    _close_pct(100 * _surv(d, 12.0), 30.6)                             # "a 12-month PFS probability of 30.6%"
    low = d["bl_hemoglobin"] < 11.8
    _close_median(_median(d[low]), 4.6)                                # "a median PFS of 4.6 months"
    _close_median(_median(d[~low]), 22.0)                              # "compared to 22 months in those with higher Hb"
    # "a 3.5-fold increased risk": 0.1 on the log scale at this size (SE of log HR about 0.035)
    assert abs(np.log(_hr(d, low)) - np.log(3.5)) <= 0.1


def test_italian_os_and_response(italian):
    d = _endpoint(italian, "OS")
    _close_median(_median(d), 21.0)                                    # "Median overall survival (OS) was 21.0 months"
    _close_pct(100 * _surv(d, 12.0), 63.4)                             # "a 12-month OS probability of 63.4%"
    assert abs(np.log(_hr(d, d["bl_hemoglobin"] < 11.0)) - np.log(10.0)) <= 0.15   # "tenfold increased risk of mortality"
    _close_pct(_pct(_bor(italian).isin(RESPONDERS)), 56.9)            # "The overall response rate (ORR) was 56.9%"
    s = italian["adsl"]
    _close_pct(_pct(s["ref_daratumumab"] == True), 100.0)              # noqa: E712  all daratumumab-refractory
    _close_pct(_pct(s["triple_class_refractory"] == True), 74.5)       # noqa: E712  "74.5% being triple-class refractory"
    _close_pct(_pct(s["sex"] == "female"), 56.9)                       # "predominantly female (56.9%)"
    _close_pct(_pct(s["age"] < 70), 60.8)                              # "under 70 years old (60.8%)"
    tested = s["cyto_risk"].notna()
    _close_pct(_pct(s.loc[tested, "cyto_risk"] == "high"), 32.1)       # "32.1% of the 28 patients with cytogenetic data"


# --------------------------------------------------------------------------------------------
# German CUP (seeds 001/003)
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cup(tmp_path_factory):
    return _pipeline("cup", PER_ARM, tmp_path_factory)


def test_cup(cup):
    s = cup["adsl"]
    # Table 3: "Premature discontinuation ... Yes 6 (33.3) No 12 (66.7) ... Disease progression 3 (16.7)"
    _close_pct(_pct(s["eot_date"].isna()), 66.7)
    _close_pct(_pct(s["eot_reason"] == "progression"), 16.7)
    _close_pct(_pct(s["sex"] == "female"), 55.6)                       # "Ten patients (55.6%) were women"
    _close_pct(_pct(s["ecog"] == 1), 55.6)                             # "10 patients; 55.6%) had an ECOG performance status of 1"
    _close_pct(_pct(s["exp_anti_cd38"] == True), 44.4)                 # noqa: E712  "eight patients (44.4%) were pretreated with anti-CD38"
    _close_pct(_pct(s["exp_pomalidomide"] == True), 50.0)              # noqa: E712  "nine patients; 50.0%) were pretreated with pomalidomide"
    assert s["age"].median() == pytest.approx(67, abs=0.5)           # "The median age was 67 years"


# --------------------------------------------------------------------------------------------
# Coverage at the published size
# --------------------------------------------------------------------------------------------

def _covers(lower: float, upper: float, published: float, decimals: int) -> bool:
    """The published value as printed -- ``published`` to ``decimals`` places, i.e. the interval
    ``published +- half a unit in the last place`` -- meets the CI ``[lower, upper]`` (an upper
    limit not reached is +inf). A median printed as 6.47 months is any value in [6.465, 6.475]:
    the 28-day-grid KM median of 197 days, 6.4723 months, must count as 6.47."""
    half = 0.5 * 10.0 ** -decimals
    upper = np.inf if np.isnan(upper) else upper
    return lower <= published + half and upper >= published - half


def test_covers_uses_the_printed_precision():
    assert _covers(6.4723, 9.0, 6.47, 2)          # 6.4723 prints as 6.47
    assert not _covers(6.4763, 9.0, 6.47, 2)      # 6.4763 prints as 6.48
    assert _covers(8.0, 11.46, 11.5, 1)           # 11.46 prints as 11.5
    assert not _covers(8.0, 11.44, 11.5, 1)
    assert _covers(8.0, np.nan, 11.5, 1)          # upper limit not reached


def test_icaria_coverage_600_seeds():
    """Published PFS median (Pd 6.47, Isa-Pd 11.5) and ORR (54/153, 93/154) inside the simulated
    95 % CI in >= 95 % of 600 simulated ICARIA-MM trials of 307 patients (seeds 1000-1599, three
    blocks of the issue's 200; two worker processes). A calibrated model covers in 95 % of the
    seeds on average, so a single block of 200 (SE 1.5 points) meets 95 % only about half the
    time; 600 seeds measure the coverage with SE 0.9 points. Measured:
    PFS median 95.7 % (Isa-Pd; blocks 94.5 / 96.5 / 96.0) and 97.0 % (Pd; 98.0 / 97.0 / 96.0);
    ORR 100 % (the best-response table is simulated with the published counts, so only the
    IMWG derivation moves it)."""
    import multiprocessing as mp
    import os
    import sys
    from concurrent.futures import ProcessPoolExecutor
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from _coverage import trial_estimates

    pub_med = {"Isa-Pd": (11.5, 1), "Pd": (6.47, 2)}   # "11·5 months (95% CI 8·9–13·9)"; "(6.47 months)"
    pub_orr = {"Isa-Pd": 93 / 154, "Pd": 54 / 153}     # Table 3 (IRC)
    seeds = range(1000, 1600)
    workers = max(1, min(2, os.cpu_count() or 1))
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        trials = list(pool.map(trial_estimates, seeds, chunksize=25))
    cover = {}
    for a in ("Isa-Pd", "Pd"):
        cover[f"median {a}"] = np.mean([_covers(t[a][1], t[a][2], *pub_med[a]) for t in trials])
        cis = [clopper_pearson(t[a][3], t[a][4]) for t in trials]
        cover[f"ORR {a}"] = np.mean([ci.lower <= pub_orr[a] <= ci.upper for ci in cis])
    assert all(v >= 0.95 for v in cover.values()), cover
