"""Figures: files written (PNG at 300 dpi with the expected pixel size, well-formed SVG) and the plotted
numbers checked against hand calculations on tiny examples and against mmevidence.stats."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from mmevidence.analysis.results import as_frame, record
from mmevidence.report.figures import (flow_counts, flow_figure, forest_figure, forest_frame_from_records,
                                       km_figure, swimmer_figure, waterfall_figure)
from mmevidence.report.figures import waterfall as waterfall_module
from mmevidence.report.figures.style import RESPONSE_COLORS
from mmevidence.report.format import fmt_num
from mmevidence.stats import cox_ph, kaplan_meier, logrank_test


def assert_files(out) -> None:
    """PNG readable with round(inches * 300) pixels each way; SVG parses as XML with an <svg> root."""
    fig = out.figure
    width, height = fig.get_size_inches()
    img = mpimg.imread(out.report.png)
    assert img.shape[:2] == (round(height * 300), round(width * 300))
    assert out.report.svg.stat().st_size > 0
    root = ET.parse(out.report.svg).getroot()
    assert root.tag.endswith("svg")


def texts(fig, gid_prefix: str) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts if (t.get_gid() or "").startswith(gid_prefix)]


# ----------------------------------------------------------------------------- Kaplan-Meier

# Arm A: times 1, 2, 2+, 3, 5+, 6 ; arm B: 1.5, 2.5+, 4, 4, 7+  (months; + = censored)
A_T, A_E = [1, 2, 2, 3, 5, 6], [1, 1, 0, 1, 0, 1]
B_T, B_E = [1.5, 2.5, 4, 4, 7], [1, 0, 1, 1, 0]


@pytest.fixture()
def tiny_tte():
    ids = [f"A{i}" for i in range(6)] + [f"B{i}" for i in range(5)]
    adtte = pd.DataFrame({"patient_id": ids, "endpoint": "PFS", "time_months": A_T + B_T, "event": A_E + B_E})
    adsl = pd.DataFrame({"patient_id": ids, "arm": ["A"] * 6 + ["B"] * 5, "ittfl": True,
                         "sex": ["f", "f", "m", "m", "f", "m", "f", "m", "m", "m", "f"]})
    return adtte, adsl


def test_km_at_risk_equals_hand_count_and_stats_risk_sets(tiny_tte, tmp_path):
    adtte, adsl = tiny_tte
    out = km_figure(adtte, adsl, "PFS", out_dir=tmp_path, at_risk_times=[0, 2, 4, 6])
    assert_files(out)
    risk = out.data["at_risk"]
    # hand count: patients with time >= t
    assert risk.loc[risk["group"] == "A", "n_risk"].tolist() == [6, 5, 2, 1]
    assert risk.loc[risk["group"] == "B", "n_risk"].tolist() == [5, 4, 3, 1]
    # the same numbers from the KM risk sets: n_risk at the first distinct time >= t
    for arm, t, e in (("A", A_T, A_E), ("B", B_T, B_E)):
        table = kaplan_meier(t, e).table
        expected = [table.loc[table["time"] >= x, "n_risk"].iloc[0] if (table["time"] >= x).any() else 0
                    for x in (0, 2, 4, 6)]
        assert risk.loc[risk["group"] == arm, "n_risk"].tolist() == expected
        # and what is printed under the axis
        assert texts(out.figure, f"km-risk-{arm}") == [str(int(n)) for n in expected]


def test_km_curve_censor_marks_and_axes_hand_values(tiny_tte, tmp_path):
    adtte, adsl = tiny_tte
    out = km_figure(adtte, adsl, "PFS", out_dir=tmp_path)
    ax = out.figure.axes[0]
    curve = next(line for line in ax.lines if line.get_gid() == "km-curve-A")
    # S(t) for arm A by hand: 5/6 at 1; x 4/5 at 2 (5 at risk, 1 event); x 2/3 at 3; flat at 5 (censored); 0 at 6
    np.testing.assert_allclose(curve.get_xdata(), [0, 1, 2, 3, 5, 6])
    np.testing.assert_allclose(curve.get_ydata(), [1, 5 / 6, 2 / 3, 4 / 9, 4 / 9, 0], rtol=1e-12)
    assert curve.get_drawstyle() == "steps-post"
    marks = next(line for line in ax.lines if line.get_gid() == "km-censor-A")
    assert marks.get_marker() == "+"
    np.testing.assert_allclose(marks.get_xdata(), [2, 5])
    np.testing.assert_allclose(marks.get_ydata(), [2 / 3, 4 / 9], rtol=1e-12)
    assert ax.get_ylim()[0] == 0 and ax.get_xlabel() == "Time (months)"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["A (n=6)", "B (n=5)"]


def test_km_median_and_comparison_annotation_equal_stats(tiny_tte, tmp_path):
    adtte, adsl = tiny_tte
    out = km_figure(adtte, adsl, "PFS", out_dir=tmp_path, strata=["sex"])
    summary = out.data["summary"].set_index("group")
    # arm A median by hand: S drops from 2/3 to 4/9 at t = 3, the first time S <= 0.5
    assert summary.loc["A", "median"] == 3.0
    annotation = texts(out.figure, "km-annotation")[0]
    for arm, t, e in (("A", A_T, A_E), ("B", B_T, B_E)):
        med = kaplan_meier(t, e, conf_type="log-log").median()
        assert summary.loc[arm, "median"] == med.estimate
        line = (f"{arm}: median {fmt_num(med.estimate, 1)} months "
                f"(95% CI {fmt_num(med.lower, 1)}\u2013{fmt_num(med.upper, 1)})")
        assert line in annotation
    data = pd.DataFrame({"time": A_T + B_T, "event": A_E + B_E, "trt": [1.0] * 6 + [0.0] * 5,
                         "sex": adsl["sex"]})
    cox = cox_ph(data, "time", "event", ["trt"], strata="sex").summary.iloc[0]
    comp = out.data["comparison"].set_index("statistic")
    np.testing.assert_allclose(comp.loc["hr", ["value", "lower", "upper"]].to_numpy(dtype=float),
                               [cox["hr"], cox["hr_lower"], cox["hr_upper"]], rtol=1e-12)
    p = logrank_test(data["time"], data["event"], 1 - data["trt"], strata=data["sex"]).p_value
    assert comp.loc["p_logrank", "value"] == pytest.approx(p, rel=1e-12)
    assert f"HR {fmt_num(cox['hr'], 2)} (95% CI {fmt_num(cox['hr_lower'], 2)}" in annotation
    assert "stratified log-rank p=" in annotation


def test_km_single_group_and_population_flag(tiny_tte, tmp_path):
    adtte, adsl = tiny_tte
    adsl = adsl.assign(ittfl=[True] * 6 + [False] * 5)  # only arm A in the population
    out = km_figure(adtte, adsl, "PFS", None, out_dir=tmp_path, percent=True)
    assert_files(out)
    assert out.data["summary"]["n"].tolist() == [6]
    assert out.data["comparison"].empty
    curve = next(line for line in out.figure.axes[0].lines if line.get_gid() == "km-curve-All patients")
    np.testing.assert_allclose(curve.get_ydata()[:2], [100, 500 / 6])


def test_km_rejects_unknown_endpoint(tiny_tte, tmp_path):
    adtte, adsl = tiny_tte
    with pytest.raises(ValueError, match="endpoint"):
        km_figure(adtte, adsl, "OS", out_dir=tmp_path)


# ----------------------------------------------------------------------------- forest

FOREST = pd.DataFrame({
    "subgroup": ["All patients", "Age", "Age", "Risk", "Risk"],
    "level": ["", "<65", ">=65", "High", "Standard"],
    "hr": [0.596, 0.479, 0.70, 0.655, 0.62], "lower": [0.436, 0.29, 0.45, 0.31, 0.42],
    "upper": [0.814, 0.79, 1.1, 1.39, 0.92], "n_experimental": [154, 54, 100, 24, 82],
    "n_control": [153, 70, 83, 36, 92], "events_experimental": [73, 27, 46, 15, 44],
    "events_control": [89, 43, 46, 22, 53], "p_interaction": [np.nan, 0.31, 0.31, 0.9, np.nan]})


def test_forest_log_axis_and_hr_positions(tmp_path):
    out = forest_figure(FOREST, out_dir=tmp_path, experimental="Isa-Pd", control="Pd")
    assert_files(out)
    ax = out.figure.axes[1]
    assert ax.get_xscale() == "log"
    points = next(c for c in ax.collections if c.get_gid() == "forest-hr").get_offsets()
    np.testing.assert_allclose(points[:, 0], FOREST["hr"].to_numpy())
    rows = out.data["rows"]
    # drawn order: All patients, Age heading, <65, >=65, Risk heading, High, Standard
    assert rows["label"].tolist() == ["All patients", "Age", "<65", ">=65", "Risk", "High", "Standard"]
    np.testing.assert_allclose(points[:, 1], [0, 2, 3, 5, 6])
    assert 1.0 in [line.get_xdata()[0] for line in ax.lines]  # the reference line at HR = 1
    drawn = [t.get_text() for t in out.figure.axes[0].texts + out.figure.axes[2].texts]
    assert "27/54" in drawn and "43/70" in drawn and "0.48 (0.29\u20130.79)" in drawn
    assert drawn.count("0.3100") == 1 and drawn.count("0.9000") == 1  # interaction p once per factor
    favours = [t.get_text() for t in ax.texts]
    assert "\u2190 Favours Isa-Pd" in favours and "Favours Pd \u2192" in favours


def test_forest_from_result_records(tmp_path):
    recs = [record("efficacy.pfs.subgroup", "itt", "PFS", "", "hr", 0.6, 0.44, 0.81),
            record("efficacy.pfs.subgroup", "itt", "PFS", "arm=Isa-Pd", "n", 154),
            record("efficacy.pfs.subgroup", "itt", "PFS", "arm=Pd", "n", 153),
            record("efficacy.pfs.subgroup", "itt", "PFS", "age_group=<65", "hr", 0.48, 0.29, 0.79),
            record("efficacy.pfs.subgroup", "itt", "PFS", "arm=Isa-Pd|age_group=<65", "n", 54),
            record("efficacy.pfs.subgroup", "itt", "PFS", "arm=Pd|age_group=<65", "n", 70),
            record("efficacy.pfs.subgroup", "itt", "PFS", "arm=Isa-Pd|age_group=<65", "events", 27),
            record("efficacy.pfs.subgroup", "itt", "PFS", "age_group", "p_interaction", 0.31)]
    frame = forest_frame_from_records(as_frame(recs), "Isa-Pd", "Pd")
    assert frame["level"].tolist() == ["", "<65"]
    assert frame["n_experimental"].tolist() == [154, 54] and frame["n_control"].tolist() == [153, 70]
    assert frame.loc[1, "events_experimental"] == 27 and math.isnan(frame.loc[1, "events_control"])
    assert frame.loc[1, "p_interaction"] == 0.31
    out = forest_figure(as_frame(recs), out_dir=tmp_path, experimental="Isa-Pd", control="Pd")
    points = next(c for c in out.figure.axes[1].collections if c.get_gid() == "forest-hr").get_offsets()
    np.testing.assert_allclose(points[:, 0], [0.6, 0.48])


# ----------------------------------------------------------------------------- swimmer

def tiny_adsl() -> pd.DataFrame:
    return pd.DataFrame({
        "patient_id": ["P1", "P2", "P3", "P4"], "arm": ["X", "X", "Y", "Y"],
        "trt_start": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-02-01", "2020-03-01"]),
        "trt_end": pd.to_datetime(["2020-01-31", "2020-06-29", "2020-02-01", "2020-12-31"]),
        "discontinued": [True, True, True, False], "eot_reason": ["progression", "death", "adverse_event", None],
        "ittfl": True, "saffl": [True, True, True, True]})


def test_swimmer_durations_order_and_markers(tmp_path):
    out = swimmer_figure(tiny_adsl(), out_dir=tmp_path)
    assert_files(out)
    bars = out.data["bars"]
    # durations by hand: end - start + 1 day, in months of 30.4375 days
    # P4 306 days (2020-03-01..12-31), P2 181 (01-01..06-29, leap year), P1 31, P3 1
    assert bars["patient_id"].tolist() == ["P4", "P2", "P1", "P3"]
    np.testing.assert_allclose(bars["duration_months"], np.array([306, 181, 31, 1]) / 30.4375)
    ax = out.figure.axes[0]
    widths = sorted(p.get_width() for p in ax.patches)
    np.testing.assert_allclose(widths, np.sort(np.array([306, 181, 31, 1]) / 30.4375))
    gids = {line.get_gid(): line for line in ax.lines}
    assert gids["swimmer-eot-progression"].get_ydata().tolist() == [2.0]  # P1, third from the top
    assert gids["swimmer-eot-death"].get_ydata().tolist() == [1.0]
    assert gids["swimmer-eot-adverse_event"].get_ydata().tolist() == [3.0]
    assert gids["swimmer-ongoing"].get_ydata().tolist() == [0.0]


def test_swimmer_cap_keeps_extremes_and_notes(tmp_path):
    out = swimmer_figure(tiny_adsl(), out_dir=tmp_path, max_patients=3)
    # duration ranks P4 0, P2 1, P1 2, P3 3; kept ranks round(linspace(0, 3, 3)) = 0, 2 (1.5 to even), 3
    assert out.data["bars"]["patient_id"].tolist() == ["P4", "P1", "P3"]
    assert any("3 of 4 patients shown" in f for f in out.report.footnotes)


# ----------------------------------------------------------------------------- waterfall

def test_waterfall_best_change_by_hand(tmp_path, monkeypatch):
    d = pd.Timestamp
    labs = pd.DataFrame([
        # S: serum-measurable (2.0 g/dL), nadir 0.8 -> (0.8 - 2) / 2 = -60%
        ("S", d("2020-01-01"), "serum_m_protein", 2.0, "g/dL"), ("S", d("2020-02-01"), "serum_m_protein", 1.5, "g/dL"),
        ("S", d("2020-03-01"), "serum_m_protein", 0.8, "g/dL"), ("S", d("2020-04-01"), "serum_m_protein", 1.0, "g/dL"),
        # U: urine only (500 mg/24h), nadir 550 -> +10%
        ("U", d("2020-01-01"), "urine_m_protein", 500.0, "mg/24h"),
        ("U", d("2020-02-01"), "urine_m_protein", 600.0, "mg/24h"),
        ("U", d("2020-03-01"), "urine_m_protein", 550.0, "mg/24h"),
        # F: kappa FLC 50, lambda 1 mg/dL (ratio 50, involved kappa) -> dFLC 49; later 5 - 1 = 4 -> -91.8367%
        ("F", d("2020-01-01"), "serum_kappa_flc", 50.0, "mg/dL"), ("F", d("2020-01-01"), "serum_lambda_flc", 1.0, "mg/dL"),
        ("F", d("2020-02-01"), "serum_kappa_flc", 5.0, "mg/dL"), ("F", d("2020-02-01"), "serum_lambda_flc", 1.0, "mg/dL"),
        # N: serum 0.2 g/dL, not measurable -> not shown
        ("N", d("2020-01-01"), "serum_m_protein", 0.2, "g/dL"), ("N", d("2020-02-01"), "serum_m_protein", 0.1, "g/dL"),
    ], columns=["patient_id", "date", "test", "value", "unit"])
    adsl = pd.DataFrame({"patient_id": ["S", "U", "F", "N"], "index_date": d("2020-01-02")})
    adrs = pd.DataFrame({"patient_id": ["S", "U", "F"], "param": "BOR", "response": ["PR", "SD", "VGPR"]})
    out = waterfall_figure(labs, adsl, adrs, out_dir=tmp_path)
    assert_files(out)
    bars = out.data["bars"]
    assert bars["patient_id"].tolist() == ["U", "S", "F"]
    np.testing.assert_allclose(bars["pct_change"], [10.0, -60.0, 100 * (4 - 49) / 49], rtol=1e-12)
    assert bars["parameter"].tolist() == ["urine M-protein", "serum M-protein", "dFLC"]
    ax = out.figure.axes[0]
    rects = ax.patches[:3]
    np.testing.assert_allclose([r.get_height() for r in rects], [10.0, -60.0, 100 * (4 - 49) / 49], rtol=1e-12)
    assert [to_hex(r.get_facecolor()) for r in rects] == [RESPONSE_COLORS[c].lower() for c in ("SD", "PR", "VGPR")]
    refs = sorted(line.get_ydata()[0] for line in ax.lines if (line.get_gid() or "").startswith("waterfall-ref"))
    assert refs == [-90.0, -50.0]
    assert any("1 patient(s) without measurable disease" in f for f in out.report.footnotes)
    # a large cohort draws the same bars as one PolyCollection (one artist instead of a patch per patient)
    monkeypatch.setattr(waterfall_module, "MAX_BAR_PATCHES", 2)
    big = waterfall_figure(labs, adsl, adrs, out_dir=tmp_path / "big").figure.axes[0]
    assert not big.patches
    (coll,) = [c for c in big.collections if c.get_gid() == "waterfall-bars"]
    tops = [p.vertices[1, 1] for p in coll.get_paths()]
    np.testing.assert_allclose(tops, [10.0, -60.0, 100 * (4 - 49) / 49], rtol=1e-12)
    assert [to_hex(c) for c in coll.get_facecolors()] == [RESPONSE_COLORS[c].lower() for c in ("SD", "PR", "VGPR")]


# ----------------------------------------------------------------------------- flow

def test_flow_counts_by_hand_and_drawn_text(tmp_path):
    adsl = tiny_adsl().assign(saffl=[True, True, False, True],
                              discontinued=[True, True, False, False], eot_reason=["progression", None, None, None])
    counts = flow_counts(adsl, assessed=6, excluded_reasons={"Not eligible": 2})
    x, y = counts["arms"]
    # arm X: P1 (progression), P2 (discontinued, no reason -> Other); arm Y: P3 untreated, P4 ongoing
    assert (x["allocated"], x["treated"], x["discontinued"], x["ongoing"]) == (2, 2, 2, 0)
    assert x["discontinued_reasons"] == {"Progressive disease": 1, "Other": 1}
    assert (y["allocated"], y["treated"], y["not_treated"], y["discontinued"], y["ongoing"]) == (2, 1, 1, 0, 1)
    assert counts["randomised"] == 4 and counts["excluded"] == 2
    out = flow_figure(counts, out_dir=tmp_path)
    assert_files(out)
    drawn = texts(out.figure, "flow-")
    assert "6 assessed for eligibility" in drawn
    assert "2 excluded\nNot eligible: 2" in drawn
    assert "2 allocated to\nY" in drawn
    assert "1 received treatment\n1 did not receive treatment" in drawn
    assert "0 ongoing at cut-off\n2 discontinued treatment\nProgressive disease: 1\nOther: 1" in drawn
    assert len(out.data["boxes"]) == 3 + 2 * 4


def test_outputs_are_reproducible(tiny_tte, tmp_path):
    adtte, adsl = tiny_tte
    a = km_figure(adtte, adsl, "PFS", out_dir=tmp_path / "a")
    b = km_figure(adtte, adsl, "PFS", out_dir=tmp_path / "b")
    assert a.report.svg.read_bytes() == b.report.svg.read_bytes()
    assert a.report.png.read_bytes() == b.report.png.read_bytes()


# ----------------------------------------------------------------------------- cumulative incidence

def test_cif_hand_values_and_gray_test(tmp_path):
    from mmevidence.report.figures import cif_figure
    from mmevidence.stats import cumulative_incidence

    # group G: 1 progression, 2 death, 3 progression, 4 censored, 5 progression (n = 5)
    # by hand: F_prog = 1/5 at 1; + (3/5)(1/3) at 3 -> 0.4; + (2/5)(1/1) at 5 -> 0.8; F_death = (4/5)(1/4) = 0.2 at 2
    # group H: 2 progression, 3 censored, 6 death
    reasons = ["progression", "death", "progression", "censored", "progression", "progression", "censored", "death"]
    events = [1, 1, 1, 0, 1, 1, 0, 1]
    times = [1, 2, 3, 4, 5, 2, 3, 6]
    ids = [f"P{i}" for i in range(8)]
    adtte = pd.DataFrame({"patient_id": ids, "endpoint": "PFS", "time_months": times, "event": events,
                          "reason": reasons})
    adsl = pd.DataFrame({"patient_id": ids, "arm": ["G"] * 5 + ["H"] * 3, "ittfl": True})
    out = cif_figure(adtte, adsl, out_dir=tmp_path, at_risk_times=[0, 2, 4, 6])
    assert_files(out)
    ax = out.figure.axes[0]
    prog = next(line for line in ax.lines if line.get_gid() == "cif-G-1")
    np.testing.assert_allclose(prog.get_xdata(), [0, 1, 3, 5, 5])  # flat on to G's last time, 5
    np.testing.assert_allclose(prog.get_ydata(), [0, 0.2, 0.4, 0.8, 0.8], rtol=1e-12)
    death = next(line for line in ax.lines if line.get_gid() == "cif-G-2")
    np.testing.assert_allclose(death.get_ydata()[-1], 0.2, rtol=1e-12)
    risk = out.data["at_risk"]
    assert risk.loc[risk["group"] == "G", "n_risk"].tolist() == [5, 4, 2, 0]
    assert risk.loc[risk["group"] == "H", "n_risk"].tolist() == [3, 3, 1, 1]  # times 2, 3, 6
    cause = [0 if e == 0 else (1 if r == "progression" else 2) for r, e in zip(reasons, events)]
    gray = cumulative_incidence(times, cause, adsl["arm"]).gray_test
    np.testing.assert_allclose(out.data["gray"]["p_value"], gray["p_value"], rtol=1e-12)
    assert f"p={fmt_num(gray['p_value'].iloc[0], 4)}" in texts(out.figure, "cif-gray")[0]
    with pytest.raises(ValueError, match="causes"):
        cif_figure(adtte, adsl, out_dir=tmp_path, causes={"progression": "Progression"})


# ----------------------------------------------------------------------------- response rates

def test_response_rate_dots_equal_clopper_pearson(tmp_path):
    from mmevidence.report.figures import response_rate_figure
    from mmevidence.stats import clopper_pearson

    counts = pd.DataFrame([["All", "", "X", 3, 4], ["All", "", "Y", 0, 5],
                           ["Age", "<65", "X", 2, 2], ["Age", "<65", "Y", 1, 4]],
                          columns=["subgroup", "level", "arm", "responders", "n"])
    out = response_rate_figure(counts, out_dir=tmp_path)
    assert_files(out)
    ax = out.figure.axes[1]
    dots = next(line for line in ax.lines if line.get_gid() == "response-X")
    np.testing.assert_allclose(dots.get_xdata(), [75.0, 100.0])  # 3/4 and 2/2 by hand
    dots_y = next(line for line in ax.lines if line.get_gid() == "response-Y")
    np.testing.assert_allclose(dots_y.get_xdata(), [0.0, 25.0])
    # 0/5: exact upper limit 1 - 0.025^(1/5) by hand
    points = out.data["points"].set_index(["level", "arm"])
    assert points.loc[("", "Y"), "upper"] == pytest.approx(100 * (1 - 0.025 ** (1 / 5)), rel=1e-9)
    est = clopper_pearson(1, 4)
    assert points.loc[("<65", "Y"), "lower"] == pytest.approx(100 * est.lower, rel=1e-12)
    # rows: All (single), Age heading, <65; arms dodged around their row
    np.testing.assert_allclose(dots.get_ydata(), [-0.15, 1.85])


# ----------------------------------------------------------------------------- the bundled example, end to end

@pytest.fixture(scope="module")
def example_datasets(tmp_path_factory):
    """The bundled example cohort ingested and derived (as ``mmevidence demo``), its datasets as frames."""
    from importlib import resources
    from pathlib import Path

    from mmevidence.data import ingest
    from mmevidence.data.store import open_store
    from mmevidence.derive.pipeline import run_derive

    store = tmp_path_factory.mktemp("example") / "study.duckdb"
    with resources.as_file(resources.files("mmevidence.data").joinpath("example")) as src:
        ingest(Path(src), store, data_cutoff="2021-03-31")
    run_derive(store)
    con = open_store(store)
    try:
        return {name: con.sql(f"SELECT * FROM {name}").df() for name in ("adsl", "adtte", "adrs", "labs")}
    finally:
        con.close()


@pytest.mark.filterwarnings("ignore:Loglik converged before variable")  # a subgroup without deaths
def test_every_figure_renders_on_the_derived_example(example_datasets, tmp_path):
    """Column names of the derived datasets are the ones the figures read (no hand-made frames)."""
    d = example_datasets
    adsl, adtte = d["adsl"], d["adtte"]
    km = km_figure(adtte, adsl, "PFS", None, out_dir=tmp_path)
    assert_files(km)
    pfs = adtte.loc[adtte["endpoint"] == "PFS"]
    assert km.data["summary"]["n"].tolist() == [len(pfs)]
    assert km.data["summary"]["median"].iloc[0] == kaplan_meier(pfs["time_months"], pfs["event"]).median().estimate
    adsl_hb = adsl.assign(hb=np.where(adsl["bl_hemoglobin"] >= 10, "Hb >=10", "Hb <10"))
    assert_files(km_figure(adtte, adsl_hb, "OS", "hb", out_dir=tmp_path, strata=["age_group_75"]))
    swim = swimmer_figure(adsl, out_dir=tmp_path)
    assert_files(swim)
    assert len(swim.data["bars"]) == adsl["trt_start"].notna().sum()
    flow = flow_figure(flow_counts(adsl), out_dir=tmp_path)
    assert_files(flow)
    assert f"{len(adsl)} randomised" in texts(flow.figure, "flow-randomised")
    from mmevidence.report.figures import cif_figure
    assert_files(cif_figure(adtte, adsl, out_dir=tmp_path))
    # the example's labs hold no M-protein value before the index date (no measurable baseline): nothing to draw
    with pytest.raises(ValueError, match="measurable"):
        waterfall_figure(d["labs"], adsl, d["adrs"], out_dir=tmp_path)
