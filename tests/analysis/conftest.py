"""The 60-patient R fixture cohort (tests/analysis/fixtures/cohort60) and its analysis plan."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from mmevidence.analysis.plan import build_plan

COHORT = Path(__file__).parent / "fixtures" / "cohort60"

#: the study definition of the fixture cohort, as the study YAML would give it (ICARIA-MM shape)
COHORT_STUDY = {
    "id": "cohort60", "title": "60-patient R fixture cohort", "design": {"type": "randomised"}, "sources": [],
    "published": [],
    "arms": [{"id": "isa_pd", "label": "Isa-Pd"}, {"id": "pd", "label": "Pd"}],
    "comparison": {"experimental": "isa_pd", "control": "pd"},
    "populations": {"itt": {"label": "Intention-to-treat population", "filter": "ittfl"},
                    "safety": {"label": "Safety population", "filter": "saffl"}},
    "stratification": [{"variable": "age_group_75", "label": "Age (<75 vs >=75 years)"},
                       {"variable": "prior_lines_group", "label": "Number of previous lines (2-3 vs >3)"}],
    "endpoints": [{"id": "PFS", "label": "Progression-free survival", "primary": True},
                  {"id": "OS", "label": "Overall survival"}],
    "subgroups": [{"variable": "age_group", "label": "Age", "levels": ["<65", "65-74", ">=75"]},
                  {"variable": "sex", "label": "Sex", "levels": ["male", "female"]}],
}


@pytest.fixture(scope="session")
def cohort() -> dict[str, pd.DataFrame]:
    """adsl, adtte (time_months recomputed from whole days as R holds it), adrs of the fixture cohort."""
    adsl = pd.read_csv(COHORT / "adsl.csv", keep_default_na=False)
    adtte = pd.read_csv(COHORT / "adtte.csv")
    adtte["time_months"] = adtte["time_days"] / 30.4375
    adrs = pd.read_csv(COHORT / "adrs.csv", keep_default_na=False)
    return {"adsl": adsl, "adtte": adtte, "adrs": adrs}


@pytest.fixture(scope="session")
def reference() -> dict:
    """R results (cohort60.R); "NA" marks a limit R does not reach."""
    return json.loads((COHORT / "cohort60.json").read_text())


@pytest.fixture(scope="session")
def study():
    """The fixture cohort's study definition as a ``Study`` (mmevidence.studies.parse_study)."""
    from mmevidence.studies import parse_study
    return parse_study(COHORT_STUDY)


@pytest.fixture(scope="session")
def plan(study):
    return build_plan(study)


def _pick(records: pd.DataFrame, **match) -> pd.Series:
    """The one record matching every ``column=value`` (AssertionError if not exactly one)."""
    mask = pd.Series(True, index=records.index)
    for k, v in match.items():
        mask &= records[k] == v
    hit = records.loc[mask]
    assert len(hit) == 1, f"{len(hit)} records match {match}"
    return hit.iloc[0]


def _r_value(x) -> float:
    """R fixture number ("NA" -> NaN)."""
    return float("nan") if x == "NA" else float(x)


@pytest.fixture(scope="session")
def pick():
    """:func:`_pick` (helpers are fixtures: tests run in pytest's importlib mode)."""
    return _pick


@pytest.fixture(scope="session")
def r_value():
    """:func:`_r_value`."""
    return _r_value
