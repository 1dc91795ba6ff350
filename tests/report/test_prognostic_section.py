"""The "Prognostic factors" section on a simulated Italian daratumumab-refractory cohort (300 patients,
simulated -> ingested -> derived, as a user's data would be).

Every printed cell is checked against its record formatted by report/format.py, and the records
behind the cells against an independent computation written out here: the univariable Cox HR
against lifelines (Efron ties), the ROC AUC as the Mann-Whitney proportion of case-control pairs,
the group sizes and response counts by pandas counting, the Kaplan-Meier figure's HR (fitted by
the figure code on its own derived group column) against the cut-off record's HR.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from mmevidence.report.format import DASH, fmt_ci, fmt_num, fmt_p
from mmevidence.report.model import ReportFigure, ReportTable
from mmevidence.report.prognostic import (marker_km_figure, prognostic_records, prognostic_report,
                                          prognostic_sections)
from mmevidence.report.tables._cells import Records
from mmevidence.studies import load_study

N_BOOT = 25  # the bundled study asks for 200; fewer keep the test fast (same code path)


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    from mmevidence.analysis.run import read_store
    from mmevidence.data import ingest
    from mmevidence.derive.pipeline import run_derive
    from mmevidence.simulate import simulate_study, write_tables

    folder = tmp_path_factory.mktemp("italian_prognostic")
    try:
        tables = simulate_study("italian-dara-refractory", n=300, seed=1)
    except NotImplementedError:
        tables = simulate_study("italian-dara-refractory", n=300, seed=1, require_clinical=False)
    write_tables(tables, folder / "source")
    ingest(folder / "source", folder / "study.duckdb")
    run_derive(folder / "study.duckdb")
    return read_store(folder / "study.duckdb")[0]


@pytest.fixture(scope="module")
def study():
    s = load_study("italian-dara-refractory")
    markers = tuple(dataclasses.replace(m, bootstrap=N_BOOT) for m in s.prognostic.markers)
    return dataclasses.replace(s, prognostic=dataclasses.replace(s.prognostic, markers=markers))


@pytest.fixture(scope="module")
def built(datasets, study, tmp_path_factory):
    before = {k: datasets[k].copy(deep=True) for k in ("adsl", "adtte", "adrs")}
    fig_dir = tmp_path_factory.mktemp("prognostic_figures")
    sections, records = prognostic_sections(datasets, None, fig_dir, study)
    return sections, records, before


@pytest.fixture(scope="module")
def items(built):
    sections, _, _ = built
    return {item.id: item for item in sections[0].items}


@pytest.fixture(scope="module")
def recs(built):
    return Records(built[1])


def _row(table: ReportTable, label: str):
    matches = [r for r in table.rows if r.label == label]
    assert len(matches) == 1, (label, [r.label for r in table.rows])
    return matches[0]


def _cell(table: ReportTable, label: str, column: str) -> str:
    return _row(table, label).cells[table.columns.index(column)]


def test_section_carries_five_tables_and_two_figures_per_endpoint(built, items):
    sections, records, _ = built
    assert [(s.id, s.title) for s in sections] == [("prognostic", "Prognostic factors")]
    tables = [i for i in sections[0].items if isinstance(i, ReportTable)]
    figures = [i for i in sections[0].items if isinstance(i, ReportFigure)]
    assert [t.id for t in tables] == [
        "prognostic_cox_pfs", "prognostic_cutpoint_bl_hemoglobin_pfs", "prognostic_marker_bl_hemoglobin_pfs",
        "prognostic_cox_os", "prognostic_cutpoint_bl_hemoglobin_os", "prognostic_marker_bl_hemoglobin_os",
        "prognostic_response", "prognostic_landmark"]
    assert [f.id for f in figures] == ["prognostic_km_bl_hemoglobin_pfs", "prognostic_spline_bl_hemoglobin_pfs",
                                       "prognostic_km_bl_hemoglobin_os", "prognostic_spline_bl_hemoglobin_os"]
    for f in figures:
        assert f.png.exists() and f.svg.exists()
    assert all(t.population == "All treated patients (N=300)" for t in tables)
    assert records["analysis_id"].str.startswith("prognostic.").all()
    assert set(records["population"]) == {"all"}


def test_callers_frames_are_not_altered(datasets, built):
    for name, frame in built[2].items():
        pd.testing.assert_frame_equal(datasets[name], frame)


def test_cutpoint_table_names_the_method_and_both_p_values(items, recs, datasets):
    t = items["prognostic_cutpoint_bl_hemoglobin_pfs"]
    assert t.columns[-2:] == ("p unadjusted", "p adjusted")
    assert [r.label for r in t.rows] == ["Maximally selected log-rank statistic", "ROC, Youden index"]
    ms, yd = "prognostic.cutpoint.maxstat.bl_hemoglobin", "prognostic.cutpoint.youden.bl_hemoglobin"
    p_unadj = recs.get(ms, "PFS", "", "p_unadjusted").value
    stat = recs.get(ms, "PFS", "", "statistic").value
    assert p_unadj == pytest.approx(math.erfc(stat / math.sqrt(2)), rel=1e-12)  # 2 Phi(-M)
    row = "Maximally selected log-rank statistic"
    assert _cell(t, row, "p unadjusted") == fmt_p(p_unadj)
    assert _cell(t, row, "p adjusted") == fmt_p(recs.get(ms, "PFS", "", "p_adjusted").value)
    assert recs.get(ms, "PFS", "", "p_adjusted").value > p_unadj  # the search costs significance
    # Youden: the unadjusted p is the log-rank p of its groups; it has no adjusted p
    assert _cell(t, "ROC, Youden index", "p unadjusted") == \
        fmt_p(recs.get("prognostic.km.youden.bl_hemoglobin", "PFS", "", "p_logrank").value)
    assert _cell(t, "ROC, Youden index", "p adjusted") == DASH
    for method, cid, label in (("maxstat", ms, row), ("youden", yd, "ROC, Youden index")):
        cut = recs.get(cid, "PFS", "", "cutpoint")
        assert _cell(t, label, "Cut-off (95% bootstrap CI)") == \
            f"{fmt_num(cut.value, 1)} ({fmt_num(cut.lower, 1)}{DASH}{fmt_num(cut.upper, 1)})"
        hr = recs.get(f"prognostic.km.{method}.bl_hemoglobin", "PFS", "", "hr")
        assert _cell(t, label, "HR (95% CI)") == fmt_ci(hr.value, hr.lower, hr.upper, 2)
        corrected = recs.get(cid, "PFS", "", "log_hr_corrected").value
        assert _cell(t, label, "Optimism-corrected HR") == fmt_num(math.exp(corrected), 2)
        # group sizes: pandas count of the marker at or below the cut (risk "low")
        hb = datasets["adsl"]["bl_hemoglobin"]
        assert _cell(t, label, "n low / high") == f"{int((hb <= cut.value).sum())} / {int((hb > cut.value).sum())}"
    notes = " ".join(t.footnotes)
    assert "R maxstat" in notes and "Youden index on the ROC for event by 12 months" in notes
    assert "Lausen-Schumacher (1992)" in notes and f"{N_BOOT} resamples" in notes


def test_cox_table_cells_and_lifelines(items, recs, datasets):
    from lifelines import CoxPHFitter

    t = items["prognostic_cox_pfs"]
    uni, multi = "prognostic.cox.univariable", "prognostic.cox.multivariable"
    for label, term, factor in (("Hemoglobin, g/dL", "bl_hemoglobin", "bl_hemoglobin"), ("Age, years", "age", "age")):
        u = recs.get(uni, "PFS", f"factor={factor}|term={term}", "hr")
        m = recs.get(multi, "PFS", f"term={term}", "hr")
        assert _cell(t, label, "Univariable HR (95% CI)") == fmt_ci(u.value, u.lower, u.upper, 2)
        assert _cell(t, label, "Multivariable HR (95% CI)") == fmt_ci(m.value, m.lower, m.upper, 2)
        assert _cell(t, label, "PH test p") == (
            f"{fmt_p(recs.value(uni, 'PFS', f'factor={factor}|ph={factor}', 'ph_p'))} / "
            f"{fmt_p(recs.value(multi, 'PFS', f'ph={factor}', 'ph_p'))}")
    # independent fit: lifelines (Efron ties) of PFS on hemoglobin
    pfs = datasets["adtte"].query("endpoint == 'PFS'")[["patient_id", "time_months", "event"]]
    d = pfs.merge(datasets["adsl"][["patient_id", "bl_hemoglobin"]], on="patient_id")[
        ["time_months", "event", "bl_hemoglobin"]].astype(float)
    cph = CoxPHFitter().fit(d, "time_months", "event")
    hr = recs.get(uni, "PFS", "factor=bl_hemoglobin|term=bl_hemoglobin", "hr").value
    assert hr == pytest.approx(float(np.exp(cph.params_["bl_hemoglobin"])), rel=1e-6)


def test_marker_summary_auc_is_the_mann_whitney_proportion(items, recs, datasets):
    t = items["prognostic_marker_bl_hemoglobin_pfs"]
    auc = recs.get("prognostic.roc.bl_hemoglobin", "PFS", "horizon=12", "auc")
    assert _cell(t, "ROC AUC, event by 12 months (95% CI)", "Value") == fmt_ci(auc.value, auc.lower, auc.upper, 3)
    for h in (6, 12, 18):
        ta = recs.get("prognostic.time_auc.bl_hemoglobin", "PFS", f"horizon={h}", "auc")
        assert _cell(t, f"Time-dependent AUC at {h} months", "Value") == fmt_num(ta.value, 3)
    # "event by 12 months" among patients whose status at 12 months is known; low Hb = risk
    pfs = datasets["adtte"].query("endpoint == 'PFS'").merge(datasets["adsl"][["patient_id", "bl_hemoglobin"]])
    case = (pfs.time_months <= 12) & (pfs.event == 1)
    control = pfs.time_months > 12
    xc, xn = pfs.loc[case, "bl_hemoglobin"].to_numpy(), pfs.loc[control, "bl_hemoglobin"].to_numpy()
    pairs = (xc[:, None] < xn[None, :]).sum() + 0.5 * (xc[:, None] == xn[None, :]).sum()
    assert auc.value == pytest.approx(pairs / (len(xc) * len(xn)), rel=1e-12)
    assert recs.value("prognostic.roc.bl_hemoglobin", "PFS", "horizon=12", "n_excluded_censored") == \
        int((~case & ~control).sum())


def test_km_figure_groups_and_hr_match_the_records(built, recs, datasets):
    sections = built[0]
    fig = next(i for i in sections[0].items if i.id == "prognostic_km_bl_hemoglobin_os")
    cut = recs.get("prognostic.cutpoint.youden.bl_hemoglobin", "OS", "", "cutpoint").value
    assert f"{cut:g}" in fig.title and "Youden" in fig.title
    assert any("not adjusted for that choice" in n for n in fig.footnotes)
    # the figure fitted its own Cox model on the derived group column: same HR as the record
    marker = load_study("italian-dara-refractory").prognostic.markers[0]
    adsl = datasets["adsl"]
    out = marker_km_figure(adsl, datasets["adtte"], recs, "OS", marker, "All", fig.png.parent / "again")
    assert out.report.title == fig.title and out.report.footnotes == fig.footnotes
    captured = out.data
    hr = recs.get("prognostic.km.youden.bl_hemoglobin", "OS", "", "hr")
    row = captured["comparison"].set_index("statistic").loc["hr"]
    assert row["value"] == pytest.approx(hr.value, rel=1e-9)
    assert (row["lower"], row["upper"]) == pytest.approx((hr.lower, hr.upper), rel=1e-9)
    summary = captured["summary"].set_index("group")
    assert summary.loc[f"\u2264 {cut:g}", "n"] == int((adsl.bl_hemoglobin <= cut).sum()) == \
        recs.value("prognostic.km.youden.bl_hemoglobin", "OS", "group=low", "n")
    assert summary.loc[f"> {cut:g}", "n"] == int((adsl.bl_hemoglobin > cut).sum())


def test_spline_figure_draws_the_records(recs, datasets, tmp_path):
    from mmevidence.report.figures.spline import spline_figure

    f = recs.frame
    sel = f[(f.analysis_id == "prognostic.spline.bl_hemoglobin") & (f.endpoint == "PFS") & (f.statistic == "hr")]
    curve = pd.DataFrame({"x": sel.group.str[2:].astype(float), "hr": sel.value, "hr_lower": sel.lower,
                          "hr_upper": sel.upper})
    out = spline_figure(curve, 10.0, [7.5, 9.4, 10.8, 12.5], out_dir=tmp_path, marker_label="Hb",
                        endpoint_label="PFS", population="All", p_nonlinear=0.00049, p_overall=1e-7,
                        cutpoints={"Youden": 11.7}, values=[7.0, 10.0, 13.0])
    drawn = out.data["curve"]
    assert np.array_equal(drawn["hr"].to_numpy(), sel.value.to_numpy())  # x increasing, as recorded
    line = next(a for a in out.figure.axes[0].lines if a.get_gid() == "spline-hr")
    assert np.array_equal(line.get_ydata(), sel.value.to_numpy())
    title = out.figure.axes[0].get_title(loc="left")
    assert title == "p nonlinearity = 0.0005; p overall <0.0001"
    assert any("2 outside the range drawn" in n for n in out.report.footnotes)


def test_response_and_landmark_tables(items, recs, datasets):
    adsl, adrs, adtte = datasets["adsl"], datasets["adrs"], datasets["adtte"]
    t = items["prognostic_response"]
    assert [r.label for r in t.rows if r.kind == "data"][:3] == ["<65", "65-74", ">=75"]  # the YAML's levels
    bor = adrs.query("param == 'BOR'").set_index("patient_id")["response"]
    resp = adsl.patient_id.map(bor).isin(["sCR", "CR", "VGPR", "PR"])
    for level in ("<65", "65-74", ">=75"):
        n, k = int((adsl.age_group == level).sum()), int(resp[adsl.age_group == level].sum())
        rate = recs.get("prognostic.response", "ORR", f"age_group={level}", "rate")
        assert _row(t, level).cells[:2] == (str(n), f"{k} ({fmt_num(100 * k / n, 1)}%)")
        assert rate.value == pytest.approx(k / n, rel=1e-12)
    assert _row(t, "Number of prior lines").cells[-1] == \
        fmt_p(recs.value("prognostic.response", "ORR", "variable=prior_lines_group", "p_fisher"))
    lm = items["prognostic_landmark"]
    os_ = adtte.query("endpoint == 'OS'").set_index("patient_id")
    alive = os_.index[os_.time_months > 6]
    assert recs.value("prognostic.landmark", "OS", "landmark=6", "n_excluded") == len(os_) - len(alive)
    n_resp = int(recs.value("prognostic.landmark", "OS", "landmark=6|group=responder", "n"))
    n_non = int(recs.value("prognostic.landmark", "OS", "landmark=6|group=non-responder", "n"))
    assert n_resp + n_non == len(alive)
    assert _row(lm, "Responders").cells[0] == str(n_resp) and _row(lm, "Non-responders").cells[0] == str(n_non)
    med = recs.get("prognostic.landmark", "OS", "landmark=6|group=responder", "median")
    assert _row(lm, "Responders").cells[2] == fmt_ci(med.value, med.lower, med.upper, 1)


def test_study_without_prognostic_section_gets_nothing(datasets, tmp_path):
    study = load_study("icaria-mm")
    assert study.prognostic is None
    sections, records = prognostic_sections(datasets, None, tmp_path, study)
    assert sections == () and records.empty
    assert prognostic_report(records, datasets, tmp_path, study) == ()


def test_levels_not_covering_the_data_are_refused(datasets, study, tmp_path):
    sub = dataclasses.replace(study.prognostic.response_subgroups[0], levels=("<65", "65-74"))
    bad = dataclasses.replace(study, prognostic=dataclasses.replace(
        study.prognostic, markers=(), factors=(), response_subgroups=(sub,), landmark=None))
    with pytest.raises(ValueError, match=r"age_group.*>=75"):
        prognostic_records(datasets, bad)
