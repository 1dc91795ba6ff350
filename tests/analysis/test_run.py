"""run_analysis end to end: the fixture cohort (numbers equal to the separately tested analyses), the
bundled example store with the ICARIA-MM study definition, CSV/JSON export, and -- when the simulator
exists -- a simulated ICARIA-MM cohort."""

from __future__ import annotations

import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmevidence.analysis.efficacy import analyse_efficacy
from mmevidence.analysis.results import COLUMNS
from mmevidence.analysis.run import export_results, read_store, run_analysis


@pytest.fixture(scope="module")
def derived_example(tmp_path_factory) -> Path:
    from mmevidence.data import ingest
    from mmevidence.derive.pipeline import run_derive
    store = tmp_path_factory.mktemp("run") / "study.duckdb"
    with resources.as_file(resources.files("mmevidence.data").joinpath("example")) as src:
        ingest(Path(src), store, data_cutoff="2021-03-31")
    run_derive(store)
    return store


def test_cohort_records_are_the_module_records(cohort, study, plan, reference, pick):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = run_analysis(cohort, study)
    assert tuple(results.columns) == COLUMNS
    eff = results.loc[results["analysis_id"].str.startswith("efficacy.")].reset_index(drop=True)
    pd.testing.assert_frame_equal(eff, analyse_efficacy(cohort["adsl"], cohort["adtte"], plan))
    # one number from each analysis against R
    np.testing.assert_allclose(pick(results, analysis_id="efficacy.pfs", group="", statistic="hr")["value"],
                               reference["efficacy"]["PFS"]["hr"], rtol=1e-6)
    np.testing.assert_allclose(pick(results, analysis_id="response.orr", group="", statistic="p_cmh")["value"],
                               reference["response"]["ORR"]["p_cmh"], rtol=1e-6)
    np.testing.assert_allclose(pick(results, analysis_id="subgroup.pfs.sex", statistic="p_interaction")["value"],
                               reference["subgroups"]["sex"]["p_wald"], rtol=1e-6)


def test_example_store_with_icaria_study(derived_example, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = run_analysis(derived_example, "icaria-mm")
    assert tuple(results.columns) == COLUMNS
    ids = set(results["analysis_id"])
    assert {"efficacy.pfs", "efficacy.os", "efficacy.followup", "response.orr", "response.bor",
            "subgroup.pfs.age_group"} <= ids
    # ICARIA-MM's censoring sensitivity analyses re-derived from the store's source tables
    assert {"efficacy.pfs.pfs_further_therapy_ignored", "efficacy.pfs.pfs_further_therapy_event"} <= ids
    # analyses that are not censoring rules are reported as not run, never run as a relabelled copy
    messages = " ".join(str(w.message) for w in caught)
    assert "os_ipcw" in messages and "pfs_investigator_symptomatic_deterioration" in messages
    assert not any(i.endswith(("os_ipcw", "symptomatic_deterioration")) for i in ids)
    # the example has 20 Isa-Pd patients: the ITT PFS n
    assert results.loc[(results["analysis_id"] == "efficacy.pfs") & (results["group"] == "arm=Isa-Pd")
                       & (results["statistic"] == "n"), "value"].item() == 20
    csv, js = export_results(results, tmp_path)
    back = pd.read_csv(csv, keep_default_na=False, na_values=[""], float_precision="round_trip")
    assert len(back) == len(results) and list(back.columns) == list(COLUMNS)
    np.testing.assert_array_equal(back["value"].to_numpy(), results["value"].to_numpy())
    assert len(pd.read_json(js, orient="records")) == len(results)


def test_read_store_gives_derivation_settings(derived_example):
    datasets, derivation = read_store(derived_example)
    assert {"adsl", "adtte", "adrs", "patients"} <= set(datasets)
    assert derivation["config"] is not None and str(derivation["cutoff"]) == "2021-03-31"


def test_sensitivity_needs_source_tables(cohort, study):
    from mmevidence.analysis.plan import SensitivityPlan, build_plan
    plan = build_plan(study)
    ep = plan.endpoints[0]
    plan = plan.with_options(endpoints=(ep.__class__(ep.id, ep.label, ep.population, True, {}, (
        SensitivityPlan("alt", "alt", "PFS", {"pfs_further_therapy": "ignore"}),)),) + plan.endpoints[1:])
    with pytest.warns(UserWarning, match="source tables"):
        results = run_analysis(cohort, study, plan)
    assert not results["analysis_id"].str.contains("alt").any()


@pytest.mark.slow
def test_simulated_icaria_tables_carry_table3(tmp_path):
    """A simulated ICARIA-MM cohort through the whole pipeline (write, ingest, derive, run_analysis): the
    response table has every row of ICARIA-MM Table 3 and the arms' published sizes."""
    simulate = pytest.importorskip("mmevidence.simulate")
    from mmevidence.data import ingest
    from mmevidence.derive.pipeline import run_derive
    from mmevidence.report.tables.response import response_table
    from mmevidence.studies import load_study
    try:
        tables = simulate.simulate_study("icaria-mm", seed=1)
    except NotImplementedError:  # reported responses not simulated yet: responses derived from the labs
        tables = simulate.simulate_study("icaria-mm", seed=1, require_clinical=False)
    tables.pop("_latent", None)
    simulate.write_tables(tables, tmp_path / "src")
    ingest(tmp_path / "src", tmp_path / "s.duckdb", data_cutoff="2018-10-11")
    run_derive(tmp_path / "s.duckdb")
    study = load_study("icaria-mm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = run_analysis(tmp_path / "s.duckdb", study)
    table = response_table(results, study)
    labels = [r.label for r in table.rows]
    table3 = ["Best overall response (n [%])", "Complete response", "Stringent complete response",
              "Very good partial response", "Partial response", "Minimal response", "Stable disease",
              "Non-progressive disease", "Progressive disease", "Unconfirmed progressive disease",
              "Not evaluable or not assessed", "Overall response", "Responders*", "Odds ratio",
              "Stratified Cochran-Mantel-Haenszel test p value\u2021 versus control",
              "Very good partial response or better", "Odds ratio",
              "Stratified Cochran-Mantel-Haenszel test p value\u2021 versus control"]
    assert labels[:len(table3)] == table3
    assert table.columns == ("Isa-Pd (n=154)", "Pd (n=153)")
    # every cell of the Table 3 rows is filled (NA only where the paper prints NA or the data model has no category)
    for r in table.rows[:len(table3)]:
        if r.kind == "data":
            assert all(c for c in r.cells), r


def test_datasets_with_derivation_equal_the_store_path(derived_example):
    """read_store + run_analysis(datasets, derivation=...) gives the records of run_analysis(store path);
    without the derivation settings the sensitivity re-derivation warns (no cut-off, default options)."""
    datasets, derivation = read_store(derived_example)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        by_path = run_analysis(derived_example, "icaria-mm")
        by_dict = run_analysis(datasets, "icaria-mm", derivation=derivation)
    pd.testing.assert_frame_equal(by_path, by_dict)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_analysis(datasets, "icaria-mm")
    assert any("no data cut-off" in str(w.message) for w in caught)
