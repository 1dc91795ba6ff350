"""The simulator core: determinism, arm split, the latent contract, the schema / ingest
contract, the in-memory store layout, and the event-time mathematics against hand
calculations written out below."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mmevidence.data import ingest
from mmevidence.derive.pipeline import derive_all, run_derive
from mmevidence.simulate import simulate_latent, simulate_study, write_tables
from mmevidence.simulate.engine import as_store_tables
from mmevidence.simulate.events import (Constraint, PiecewiseExponential, clayton_conditional, sample_ttp_os,
                                        solve_accrual_shape, solve_piecewise)
from mmevidence.simulate.latent import LATENT_COLUMNS, check_latent
from mmevidence.simulate.model import arm_sizes, load_model


@pytest.fixture(scope="module")
def icaria():
    return simulate_study("icaria-mm", seed=3)


def _core(tables):
    return {k: v for k, v in tables.items() if k in ("patients", "prior_therapies", "cytogenetics",
                                                      "subsequent_therapies", "_latent")}


def test_deterministic_for_a_seed_and_different_across_seeds(icaria):
    again = simulate_study("icaria-mm", seed=3)
    for name, df in icaria.items():
        pd.testing.assert_frame_equal(df, again[name], check_exact=True)
    other = simulate_study("icaria-mm", seed=4, require_clinical=False)
    assert not icaria["patients"]["index_date"].equals(other["patients"]["index_date"])


def test_clinical_components_do_not_change_the_core_draws(icaria):
    # spawned child generators: the core tables do not depend on whether the clinical ones run
    core = simulate_study("icaria-mm", seed=3, require_clinical=False)
    for name, df in _core(core).items():
        pd.testing.assert_frame_equal(df, icaria[name], check_exact=True)


def test_published_size_and_allocation(icaria):
    # ICARIA-MM: 154 Isa-Pd and 153 Pd randomised (seed 002); safety population 152 and 149
    counts = icaria["patients"]["arm"].value_counts()
    assert counts.to_dict() == {"Isa-Pd": 154, "Pd": 153}
    assert icaria["_latent"].groupby("arm")["treated"].sum().to_dict() == {"Isa-Pd": 152, "Pd": 149}
    m = load_model("icaria-mm")
    # 1000 split 154:153 -> 501.6 / 498.4 -> largest remainder 502 / 498
    assert arm_sizes(m, 1000) == {"isa_pd": 502, "pd": 498}
    assert arm_sizes(m, 1) == {"isa_pd": 1, "pd": 0}
    with pytest.raises(ValueError, match="n"):
        arm_sizes(m, 0)


def test_dates_inside_published_window(icaria):
    p = icaria["patients"]
    assert p["index_date"].min() >= pd.Timestamp("2017-01-10")
    assert p["index_date"].max() <= pd.Timestamp("2018-02-02")
    assert p["last_contact_date"].max() <= pd.Timestamp("2018-10-11")
    assert (p["last_contact_date"] >= p["index_date"]).all()
    dead = p["death_date"].notna()
    assert (p.loc[dead, "death_date"] == p.loc[dead, "last_contact_date"]).all()


def test_latent_contract(icaria):
    latent = icaria["_latent"]
    assert tuple(latent.columns) == LATENT_COLUMNS
    check_latent(latent)
    bad = latent.copy()
    bad.loc[0, "death_day"] = bad.loc[0, "last_contact_day"] + 5
    with pytest.raises(ValueError, match="death_day after last_contact_day"):
        check_latent(bad)
    # progression is documented on an assessment day (the day 1 of a cycle: first dose + k intervals)
    p = latent.dropna(subset=["progression_day"])
    assert (((p["progression_day"] - p["first_dose_day"]) % p["assessment_interval_days"]) == 0).all()
    # first_dose_delay_days_max {isa_pd: 4, pd: 0}: cycle 1 day 1 0-4 days after the index date with Isa-Pd
    g = latent.groupby("arm_id")["first_dose_day"]
    assert g.min().to_dict() == {"isa_pd": 0, "pd": 0} and g.max().to_dict() == {"isa_pd": 4, "pd": 0}
    # the best-response table is the published one (Table 3, exact counts per arm)
    isa = latent.loc[latent["arm"] == "Isa-Pd", "best_response"].value_counts()
    assert isa.get("VGPR") == 42 and isa.get("CR") == 7 and isa.get("PR") == 44 and isa.get("NE") == 7


def test_ingest_accepts_every_table_with_zero_errors(icaria, tmp_path):
    paths = write_tables(icaria, tmp_path / "csv", "csv")
    assert sorted(p.name for p in paths) == sorted(f"{k}.csv" for k in icaria if not k.startswith("_"))
    res = ingest(tmp_path / "csv", tmp_path / "study.duckdb", data_cutoff="2018-10-11")
    assert res.report.n_errors == 0
    warnings = res.report.warnings
    assert len(warnings) == 0, warnings.head(10).to_string()
    write_tables(icaria, tmp_path / "pq", "parquet")
    res = ingest(tmp_path / "pq", tmp_path / "study_pq.duckdb", data_cutoff="2018-10-11")
    assert res.report.n_errors == 0


def test_store_layout_derives_like_ingest(icaria, tmp_path):
    """``as_store_tables`` + ``derive_all`` (used for the 200-seed coverage test) gives the same
    adtte and adsl flags as ``write_tables`` -> ``ingest`` -> ``run_derive``."""
    write_tables(icaria, tmp_path / "src")
    ingest(tmp_path / "src", tmp_path / "s.duckdb", data_cutoff="2018-10-11")
    run_derive(tmp_path / "s.duckdb")
    import duckdb
    con = duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True)
    stored = con.sql("SELECT * FROM adtte ORDER BY endpoint, patient_id").df()
    stored_adsl = con.sql("SELECT * FROM adsl ORDER BY patient_id").df()
    con.close()
    mem, _ = derive_all(as_store_tables(icaria), cutoff=pd.Timestamp("2018-10-11").date())
    a = mem["adtte"].sort_values(["endpoint", "patient_id"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a[["patient_id", "endpoint", "time_days", "event", "reason"]],
                                  stored[["patient_id", "endpoint", "time_days", "event", "reason"]],
                                  check_dtype=False)
    m = mem["adsl"].sort_values("patient_id").reset_index(drop=True)
    for col in ("cyto_risk", "iss_at_entry", "n_prior_lines", "ref_lenalidomide", "egfr_mdrd", "eot_reason"):
        pd.testing.assert_series_equal(m[col].astype(object).where(m[col].notna(), None),
                                       stored_adsl[col].astype(object).where(stored_adsl[col].notna(), None),
                                       check_names=False, check_dtype=False)


def test_solve_piecewise_closed_form():
    # ICARIA-MM PFS: control median 6.47 months, experimental median 11.5 months under HR 0.596.
    # Piece 1: S0(6.47) = 0.5 -> rate ln 2 / 6.47 = 0.107132...
    # Piece 2: S0(11.5)^0.596 = 0.5 -> S0(11.5) = 0.5^(1/0.596) = exp(-1.162998) = 0.312548...;
    #          rate = ln(0.5 / 0.312548) / (11.5 - 6.47) = 0.469851 / 5.03 = 0.093410...
    pw = solve_piecewise([Constraint(6.47, 0.5), Constraint(11.5, 0.5, (1.0,), (0.596,))])
    assert pw.breaks.tolist() == [0.0, 6.47]
    assert pw.rates[0] == pytest.approx(math.log(2) / 6.47, rel=1e-12)
    assert pw.rates[1] == pytest.approx(math.log(0.5 / 0.5 ** (1 / 0.596)) / 5.03, rel=1e-10)
    assert pw.rates[1] == pytest.approx(0.093410, rel=1e-5)
    assert pw.survival(np.array([11.5]), 0.596)[0] == pytest.approx(0.5, rel=1e-10)
    # inverse of the cumulative hazard
    t = np.array([1.0, 6.47, 9.0, 30.0])
    assert pw.quantile_time(pw.survival(t)) == pytest.approx(t, rel=1e-12)
    with pytest.raises(ValueError, match="negative hazard"):
        solve_piecewise([Constraint(5.0, 0.4), Constraint(8.0, 0.6)])


def test_solve_piecewise_mixture():
    # two groups: 85 % with HR 3.5, 15 % baseline; mixture S(5) = 0.5 with one exponential piece:
    # 0.85 exp(-3.5 r 5) + 0.15 exp(-r 5) = 0.5 -- check the solved rate satisfies it
    c = Constraint(5.0, 0.5, (0.85, 0.15), (3.5, 1.0))
    r = solve_piecewise([c]).rates[0]
    assert 0.85 * math.exp(-3.5 * r * 5) + 0.15 * math.exp(-r * 5) == pytest.approx(0.5, abs=1e-12)


def test_accrual_shape_from_median_follow_up():
    # ICARIA-MM: window Jan 10 2017 - Feb 2 2018 = 388 days, cut-off Oct 11 2018 = 639 days after start.
    # median follow-up 11.6 months: 0.5^(1/a) = (639/30.4375 - 11.6) / (388/30.4375)
    w, c = 388 / 30.4375, 639 / 30.4375
    a = math.log(0.5) / math.log((c - 11.6) / w)
    assert solve_accrual_shape(w, c, 11.6) == pytest.approx(a, rel=1e-12)
    # 9.39384 / 12.74743 = 0.736920; ln 0.5 / ln 0.736920 = -0.693147 / -0.305275 = 2.27056
    assert a == pytest.approx(2.27056, abs=1e-5)


def test_clayton_copula_keeps_both_margins():
    # PFS = min(TTP, OS) must follow S0_pfs^m exactly and OS S0_os^m (4 binomial SEs at n = 200,000)
    pfs = PiecewiseExponential(np.array([0.0, 6.47]), np.array([0.107132, 0.092844]))
    os_ = PiecewiseExponential(np.array([0.0]), np.array([0.0384]))
    n = 200_000
    ttp, ost = sample_ttp_os(pfs, os_, np.full(n, 0.596), np.full(n, 0.687), 10.0, np.random.default_rng(5))
    for t in (3.0, 6.0, 11.5, 18.0):
        s_pfs = pfs.survival(np.array([t]), 0.596)[0]
        s_os = os_.survival(np.array([t]), 0.687)[0]
        assert np.mean(np.minimum(ttp, ost) > t) == pytest.approx(s_pfs, abs=4 * math.sqrt(s_pfs * (1 - s_pfs) / n))
        assert np.mean(ost > t) == pytest.approx(s_os, abs=4 * math.sqrt(s_os * (1 - s_os) / n))
    # theta = 0 is independence: U = W
    w = np.array([0.1, 0.5, 0.9])
    assert clayton_conditional(np.array([0.3, 0.3, 0.3]), w, 0.0).tolist() == w.tolist()


def test_unknown_study_and_bad_format(icaria, tmp_path):
    with pytest.raises(KeyError, match="no simulation model"):
        simulate_latent("nope")
    with pytest.raises(ValueError, match="format"):
        write_tables(icaria, tmp_path, "xlsx")


SEEDS = {"icaria-mm": ["002_9c2d9b244e1a8500.txt", "003_102aaaefc8c4e906.txt"], "image": ["000_598961f18d44bb6b.txt"],
         "italian-dara-refractory": ["004_d52c6ba6cd6185c2.txt"],
         "cup": ["001_fad7d298a32062f2.txt", "003_102aaaefc8c4e906.txt"]}


def _norm(text: str) -> str:
    import re
    return re.sub(r"\s+", " ", text).replace("·", ".")


@pytest.mark.parametrize("study", sorted(SEEDS))
def test_model_quotes_are_in_the_seed_papers(study):
    """Every quoted published figure in ``simulate/models/<study>.yaml`` (a "..." string in a
    comment that says "published") is printed in the study's seed text (pieces around " ... ")."""
    import re
    from pathlib import Path
    import mmevidence.simulate
    seeds_dir = Path(__file__).resolve().parents[1] / "studies" / "seeds"
    text = " ".join(_norm((seeds_dir / f).read_text(encoding="utf-8")) for f in SEEDS[study])
    model = (Path(mmevidence.simulate.__file__).parent / "models" / f"{study}.yaml").read_text(encoding="utf-8")
    quotes = []
    for line in model.splitlines():
        comment = line.split("#", 1)[1] if "#" in line else ""
        if "published" in comment:
            quotes += re.findall(r'"([^"]+)"', comment)
    assert quotes
    missing = [q for q in quotes for piece in _norm(q).split(" ... ") if piece.strip(" .") not in text]
    assert not missing, missing


def test_model_targets_match_study_definitions():
    """The published numbers the models calibrate to equal H1's study definitions."""
    from mmevidence.studies import load_study
    icaria = load_study("icaria-mm")
    fig = lambda st, fid: st.figure(fid).value  # noqa: E731
    m = load_model("icaria-mm")
    cons = {c.get("arm"): c["months"] for c in m["events"]["pfs"]["constraints"]}
    assert cons["pd"] == fig(icaria, "pfs.median.pd.discussion") == 6.47
    assert cons["isa_pd"] == fig(icaria, "pfs.median.isa_pd") == 11.5
    assert m["events"]["pfs"]["hr"]["isa_pd"] == fig(icaria, "pfs.hr.diff")
    assert m["events"]["os"]["hr"]["isa_pd"] == fig(icaria, "os.hr.diff")
    assert m["events"]["os"]["deaths"]["events"] == fig(icaria, "os.events.pd")
    assert m["next_therapy"]["ttnt_median_months"]["pd"] == fig(icaria, "ttnt.median.pd")
    assert {a["id"]: a["n"] for a in m["arms"]} == {a.id: a.n for a in icaria.arms}
    image, im = load_study("image"), load_model("image")
    assert im["events"]["pfs"]["constraints"][0]["months"] == fig(image, "pfs.median.isa_pd")
    assert im["next_therapy"]["ttnt_median_months"]["isa_pd"] == fig(image, "ttnt.median.isa_pd")
    ita, it = load_study("italian-dara-refractory"), load_model("italian-dara-refractory")
    pts = {(c["months"], c.get("group")): c["survival"] for c in it["events"]["pfs"]["constraints"]}
    assert pts[(fig(ita, "pfs.median.isa_pd"), None)] == 0.5
    assert 100 * pts[(12.0, None)] == pytest.approx(fig(ita, "pfs.landmark_rate.isa_pd.12_months"))
    ops = {c["months"]: c["survival"] for c in it["events"]["os"]["constraints"]}
    assert ops[fig(ita, "os.median.isa_pd")] == 0.5
    assert 100 * ops[12.0] == pytest.approx(fig(ita, "os.landmark_rate.isa_pd.12_months"))
