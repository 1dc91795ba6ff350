"""``mmevidence compare``: each subcommand on small inputs, and the exit codes for bad input.

Inputs: a study store holding the analysis datasets of a simulated IMAGE cohort (120 patients,
seed 1) and the real CheckMate 067 digitised curve and at-risk table of tests/compare/data
(kmdata). Reference figures: the ICARIA-MM Table 1 targets (Isa-Pd, n = 154) written out from the
published numbers; for the reconstruction, the R run of the Guyot appendix code recorded in
docs/compare.md (80 patients, 32 events, KM vs digitised points max |diff| 0.0063 with the default antitonic
preprocessing -- R: 0.00627564 -- RMS 0.0030).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from mmevidence.cli import main

DATA = Path(__file__).parent / "compare" / "data"
CURVE = DATA / "checkmate067_S3A_nivolumab_digitised_curve.csv"
AT_RISK = DATA / "checkmate067_S3A_nivolumab_at_risk.csv"
TARGETS = {"age": (60 + 68 + 74) / 3, "iss_at_entry=I": 64 / 151, "iss_at_entry=III": 34 / 151,
           "n_prior_lines": (2 + 3 + 4) / 3, "ref_len_pi": 111 / 154}


@pytest.fixture(scope="module")
def store(tmp_path_factory, derived_cohort) -> Path:
    from mmevidence.derive.pipeline import _write

    _, datasets = derived_cohort("image", n=120, seed=1)
    path = tmp_path_factory.mktemp("store") / "image.duckdb"
    con = duckdb.connect(str(path))
    for name in ("adsl", "adtte", "adrs"):
        _write(con, name, datasets[name])
    con.close()
    return path


@pytest.fixture(scope="module")
def trimmed_at_risk(tmp_path_factory) -> Path:
    """The published at-risk table without its row at 45 months (after the curve's last point, 44.4)."""
    risk = pd.read_csv(AT_RISK)
    path = tmp_path_factory.mktemp("risk") / "at_risk.csv"
    risk[risk["trisk"] <= 44.4].to_csv(path, index=False)
    return path


def run(*args: str):
    return CliRunner().invoke(main, ["compare", *map(str, args)], catch_exceptions=False)


def test_benchmark(store, tmp_path) -> None:
    out = tmp_path / "cmp"
    r = run("benchmark", store, "--study", "image", "--against", "icaria-mm", "--arm", "isa_pd", "--out", out,
            "--bootstrap", "20", "--seed", "3", "--format", "html", "--format", "xlsx")
    assert r.exit_code == 0, r.output
    assert not (out / "comparison.docx").exists()  # DOCX of these long tables takes seconds: test_maic writes one
    for name in ("comparison.html", "comparison.xlsx", "results.csv", "endpoints.csv",
                 "attrition.csv", "maic_balance.csv", "maic_weights.csv", "maic_estimates.csv", "figures/comparison_km.png"):
        assert (out / name).is_file(), name
    bal = pd.read_csv(out / "maic_balance.csv").set_index("covariate")
    for column, target in TARGETS.items():
        assert bal.loc[column, "target"] == pytest.approx(target, rel=1e-12)
        assert bal.loc[column, "after"] == pytest.approx(target, abs=1e-8)
    weights = pd.read_csv(out / "maic_weights.csv")
    ess = weights["weight"].sum() ** 2 / (weights["weight"] ** 2).sum()
    assert f"ESS {ess:.1f}" in r.output
    endpoints = pd.read_csv(out / "endpoints.csv").set_index("figure_id")
    assert endpoints.loc["pfs.median.isa_pd", ["published", "published_lower", "published_upper"]].tolist() == \
        [11.5, 8.9, 13.9]
    html = (out / "comparison.html").read_text(encoding="utf-8")
    assert "Eligibility for icaria-mm" in html and "effective sample size" in html


def test_eligibility(store, tmp_path) -> None:
    out = tmp_path / "el"
    r = run("eligibility", store, "--against", "icaria-mm", "--out", out)
    assert r.exit_code == 0, r.output
    attrition = pd.read_csv(out / "attrition.csv")
    status = pd.read_csv(out / "eligibility_status.csv")
    n_eligible = int((status["status"] == "eligible").sum())
    assert int(attrition["remaining"].iloc[-1]) == n_eligible and len(status) == 120
    assert f"eligible: {n_eligible}," in r.output
    pfs = pd.read_csv(out / "outcomes_pfs.csv").set_index("status")
    assert pfs.loc["eligible", "n"] == n_eligible


def test_reconstruct_checkmate067(trimmed_at_risk, tmp_path) -> None:
    out = tmp_path / "rec"
    r = run("reconstruct", "--curve", CURVE, "--at-risk", trimmed_at_risk, "--out", out)
    assert r.exit_code == 0, r.output
    ipd = pd.read_csv(out / "ipd.csv")
    assert len(ipd) == 80 and int(ipd["event"].sum()) == 32
    acc = pd.read_csv(out / "accuracy.csv").set_index("metric")["value"]
    assert round(acc["max_abs_diff"], 4) == 0.0063 and round(acc["rms_diff"], 4) == 0.0030
    risk = pd.read_csv(out / "accuracy_at_risk.csv")
    assert (risk["difference"] != 0).sum() == 1  # only 30 months: 52 reconstructed vs 53 published


def test_reconstruct_checkmate067_running_minimum(trimmed_at_risk, tmp_path) -> None:
    # the Guyot / IPDfromKM preprocessing: R's run of the appendix code gives max |diff| 0.0062 (docs/compare.md)
    out = tmp_path / "rec"
    r = run("reconstruct", "--curve", CURVE, "--at-risk", trimmed_at_risk, "--preprocess", "running_min", "--out", out)
    assert r.exit_code == 0, r.output
    acc = pd.read_csv(out / "accuracy.csv").set_index("metric")["value"]
    assert acc["patients"] == 80 and acc["events"] == 32
    assert round(acc["max_abs_diff"], 4) == 0.0062 and round(acc["rms_diff"], 4) == 0.0030


def test_reconstruct_events_steps(tmp_path) -> None:
    # the hand-worked curve of tests/compare/test_reconstruct_events.py: drops drawn at t = 1, 2, 3 read
    # 0.85, 0.81, 0.70 with 10 at risk; Guyot's rounding gives events at 1, 1, 3, "steps" one at each drop
    curve = tmp_path / "curve.csv"
    pd.DataFrame({"time": [0, 1, 1, 2, 2, 3, 3, 4],
                  "survival": [1, 1, 0.85, 0.85, 0.81, 0.81, 0.70, 0.70]}).to_csv(curve, index=False)
    risk = tmp_path / "risk.csv"
    pd.DataFrame({"time": [0], "n_risk": [10]}).to_csv(risk, index=False)
    for events, expected in (("guyot", [1.0, 1.0, 3.0]), ("steps", [1.0, 2.0, 3.0])):
        out = tmp_path / events
        r = run("reconstruct", "--curve", curve, "--at-risk", risk, "--events", events, "--out", out)
        assert r.exit_code == 0, r.output
        ipd = pd.read_csv(out / "ipd.csv")
        assert ipd.loc[ipd["event"] == 1, "time"].tolist() == expected


def test_reconstruct_refuses_at_risk_row_after_the_curve(tmp_path) -> None:
    r = run("reconstruct", "--curve", CURVE, "--at-risk", AT_RISK, "--out", tmp_path / "x")
    assert r.exit_code == 2
    assert "row 15 has time = 45.0 after the last digitised time 44.4" in r.output
    assert str(AT_RISK) in r.output


def test_maic(store, tmp_path) -> None:
    out = tmp_path / "maic"
    r = run("maic", store, "--against", "icaria-mm", "--arm", "isa_pd", "--covariates", "age,iss", "--out", out,
            "--bootstrap", "20")
    assert r.exit_code == 0, r.output
    bal = pd.read_csv(out / "maic_balance.csv").set_index("covariate")
    assert list(bal.index) == ["age", "iss_at_entry=I", "iss_at_entry=III"]
    for column in bal.index:
        assert bal.loc[column, "after"] == pytest.approx(TARGETS[column], abs=1e-8)
    assert all((out / f"comparison.{ext}").is_file() for ext in ("html", "docx", "xlsx"))


def test_bad_curve_value_names_file_line_column_value(tmp_path) -> None:
    bad = tmp_path / "curve.csv"
    bad.write_text("time,survival\n0,1\n1.5,abc\n", encoding="utf-8")
    r = run("reconstruct", "--curve", bad, "--at-risk", AT_RISK, "--out", tmp_path / "x")
    assert r.exit_code == 2
    assert f"{bad}: row 1 (line 3 of the file), column 'survival': value 'abc' is not a number" in r.output


def test_bad_curve_column(tmp_path) -> None:
    bad = tmp_path / "curve.csv"
    bad.write_text("time,surv_pct\n0,100\n", encoding="utf-8")
    r = run("reconstruct", "--curve", bad, "--at-risk", AT_RISK, "--out", tmp_path / "x")
    assert r.exit_code == 2 and "has no column 'survival'" in r.output and "found: time, surv_pct" in r.output


@pytest.mark.parametrize("args, message", [
    (("maic", "{store}", "--covariates", "nope", "--out", "{out}"), "adsl has no column 'nope'"),
    (("maic", "{store}", "--covariates", "exp_pi", "--out", "{out}"), "'exp_pi' target 1 is outside the cohort"),
    (("maic", "{store}", "--arm", "dara", "--out", "{out}"), "'dara' is not an arm of icaria-mm"),
    (("benchmark", "{missing}", "--study", "image", "--out", "{out}"), "no study store at"),
    (("eligibility", "{missing}", "--out", "{out}"), "no study store at"),
    (("benchmark", "{store}", "--study", "image", "--out", "{out}", "--curve", str(CURVE)),
     "--curve and --at-risk go together"),
])
def test_errors_exit_2(store, tmp_path, args, message) -> None:
    filled = [a.format(store=store, out=tmp_path / "o", missing=tmp_path / "none.duckdb") for a in args]
    r = run(*filled)
    assert r.exit_code == 2, r.output
    assert message in r.output


def test_benchmark_with_digitised_curve_adds_unanchored_hr(store, trimmed_at_risk, tmp_path) -> None:
    """With a digitised benchmark curve the arm is reconstructed and the weighted cohort vs reconstructed arm
    HR (unanchored) is added; recomputed here from the written weights and a fresh reconstruction."""
    from mmevidence.compare import reconstruct_ipd, unanchored_hazard_ratio

    out = tmp_path / "cmp"
    r = run("benchmark", store, "--study", "image", "--out", out, "--maic", "age", "--bootstrap", "5",
            "--curve", CURVE, "--at-risk", trimmed_at_risk, "--format", "xlsx")
    assert r.exit_code == 0, r.output
    est = pd.read_csv(out / "maic_estimates.csv").set_index("label")
    row = est.loc["PFS hazard ratio vs reconstructed benchmark arm (unanchored)"]
    w = pd.read_csv(out / "maic_weights.csv")
    curve = pd.read_csv(CURVE).rename(columns={"T": "time", "S": "survival"})
    risk = pd.read_csv(trimmed_at_risk).rename(columns={"trisk": "time", "nrisk": "n_risk"})
    ipd = reconstruct_ipd(curve[["time", "survival"]], risk[["time", "n_risk"]])
    hr = unanchored_hazard_ratio(w.rename(columns={"PFS_time": "time", "PFS_event": "event"}), w["weight"].to_numpy(),
                                 ipd)
    assert row["weighted"] == pytest.approx(hr.estimate, rel=1e-9)
