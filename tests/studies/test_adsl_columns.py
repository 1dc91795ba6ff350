"""Every variable a study definition names (eligibility rules, population filters, subgroups,
stratification factors, baseline rows, prognostic factors, markers and response subgroups) is a
column of ``adsl`` as derived from the bundled example cohort, and every eligibility rule
evaluates on that adsl (three-valued, one value a patient)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import duckdb
import pytest

from mmevidence.data import ingest
from mmevidence.studies import evaluate_rule, list_studies, load_study, rule_columns


@pytest.fixture(scope="module")
def adsl(tmp_path_factory):
    from mmevidence.derive.pipeline import run_derive

    store = tmp_path_factory.mktemp("studies_adsl") / "study.duckdb"
    with resources.as_file(resources.files("mmevidence.data").joinpath("example")) as src:
        ingest(Path(src), store, data_cutoff="2021-03-31")
    run_derive(store)
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute("select * from adsl").df()
    finally:
        con.close()


def _named(study) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for c in study.eligibility:
        if c.rule:
            out.setdefault(f"eligibility {c.id}", set()).update(rule_columns(c.rule))
    for key, p in study.populations.items():
        if p.filter:
            out.setdefault(f"population {key}", set()).update(rule_columns(p.filter))
    for s in study.subgroups:
        if s.variable:
            out.setdefault(f"subgroup {s.label}", set()).add(s.variable)
    for s in study.stratification:
        out.setdefault(f"stratification {s.label}", set()).add(s.variable)
    for b in study.baseline:
        if b.variable:
            out.setdefault(f"baseline {b.label}", set()).add(b.variable)
    if study.prognostic is not None:
        for kind, items in (("factor", study.prognostic.factors), ("marker", study.prognostic.markers),
                            ("response subgroup", study.prognostic.response_subgroups)):
            for v in items:
                out.setdefault(f"prognostic {kind} {v.label}", set()).add(v.variable)
    return out


@pytest.mark.parametrize("study_id", list_studies())
def test_variables_are_adsl_columns(adsl, study_id):
    study = load_study(study_id)
    missing = {where: cols - set(adsl.columns) for where, cols in _named(study).items() if cols - set(adsl.columns)}
    assert not missing


@pytest.mark.parametrize("study_id", [s for s in list_studies() if load_study(s).prognostic is not None])
def test_prognostic_levels_cover_adsl_values(adsl, study_id):
    """A prognostic variable's ``levels`` list every value adsl can hold (the report refuses others)."""
    prog = load_study(study_id).prognostic
    for v in (*prog.factors, *prog.response_subgroups):
        if v.levels:
            assert set(adsl[v.variable].dropna().map(str)) <= {str(x) for x in v.levels}, v.variable


@pytest.mark.parametrize("study_id", list_studies())
def test_rules_evaluate_on_adsl(adsl, study_id):
    study = load_study(study_id)
    rules = [c.rule for c in study.eligibility if c.rule] + [p.filter for p in study.populations.values() if p.filter]
    for rule in rules:
        out = evaluate_rule(rule, adsl)
        assert len(out) == len(adsl) and str(out.dtype) == "boolean"


def test_icaria_checkable_criteria(adsl):
    """The ICARIA-MM list: 13 criteria, 8 with a rule, 5 not checkable (each with a reason)."""
    crit = load_study("icaria-mm").eligibility
    assert [c.id for c in crit] == [
        "adult", "prior_lines", "len_pi_non_response", "measurable_disease", "refractory_last_line",
        "adequate_haem_hepatic_function", "egfr", "informed_consent", "anti_cd38_refractory", "prior_pomalidomide",
        "ongoing_toxicity", "al_amyloidosis", "plasma_cell_leukaemia"]
    assert [c.id for c in crit if c.rule is None] == [
        "adequate_haem_hepatic_function", "informed_consent", "ongoing_toxicity", "al_amyloidosis",
        "plasma_cell_leukaemia"]
    assert all(c.not_checkable for c in crit if c.rule is None)
