"""The optional ``prognostic:`` section of a study definition: parsed values and defaults, and a
gallery of bad sections, each rejected with a message naming the file, the place and the field."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from mmevidence.studies import StudyError, load_study, parse_study
from mmevidence.studies.model import Landmark, Marker, PrognosticVariable

BASE = textwrap.dedent("""\
    id: toy
    title: Toy cohort
    sources:
      - {id: paper, citation: "Doe J. Toy. 2020", seed: null}
    design: {type: single-arm}
    arms:
      - {id: a, label: A, n: 10}
    populations:
      all: {label: All treated, filter: ittfl}
    endpoints:
      - {id: PFS, label: PFS}
      - {id: OS, label: OS}
    published: []
    """)

SECTION = {
    "endpoints": ["PFS", "OS"],
    "factors": ["age", {"variable": "cyto_risk", "label": "Cytogenetic risk", "levels": ["standard", "high"]}],
    "markers": [{"variable": "bl_hemoglobin", "label": "Hb, g/dL", "risk": "low", "outcome_horizon_months": 12,
                 "time_auc_horizons": [6, 12]}],
    "response_subgroups": [{"variable": "age_group", "label": "Age"}],
    "landmark": {"endpoint": "OS", "months": 6},
}


def _study(section=None, **changes):
    data = yaml.safe_load(BASE)
    if section is not None:
        data["prognostic"] = section
    data.update(changes)
    return parse_study(data, "toy.yaml")


def _with(path: str, value):
    """SECTION with one entry replaced; ``path`` like "markers.0.risk"."""
    sec = yaml.safe_load(yaml.safe_dump(SECTION))
    *head, last = path.split(".")
    node = sec
    for key in head:
        node = node[int(key)] if key.isdigit() else node[key]
    node[int(last) if last.isdigit() else last] = value
    return sec


def test_parsed_values_and_defaults():
    p = _study(SECTION).prognostic
    assert p.endpoints == ("PFS", "OS")
    assert p.factors == (PrognosticVariable("age", "age"),
                         PrognosticVariable("cyto_risk", "Cytogenetic risk", ("standard", "high")))
    assert p.markers == (Marker("bl_hemoglobin", "Hb, g/dL", "low", 12, (6, 12), bootstrap=200, spline_knots=4,
                                figure_cutpoint="youden"),)
    assert p.landmark == Landmark("OS", 6)
    assert p.population is None
    assert p.variables() == {"age", "cyto_risk", "bl_hemoglobin", "age_group"}


def test_marker_without_horizon_defaults_to_maxstat_figure():
    sec = _with("markers.0", {"variable": "bl_ldh", "label": "LDH", "risk": "high"})
    m = _study(sec).prognostic.markers[0]
    assert (m.outcome_horizon_months, m.figure_cutpoint, m.time_auc_horizons) == (None, "maxstat", ())


def test_section_is_optional():
    assert _study().prognostic is None


def test_bundled_italian_cohort():
    p = load_study("italian-dara-refractory").prognostic
    assert p.endpoints == ("PFS", "OS") and p.population == "all"
    m = p.markers[0]
    assert (m.variable, m.risk, m.outcome_horizon_months, m.time_auc_horizons, m.figure_cutpoint) == \
        ("bl_hemoglobin", "low", 12, (6, 12, 18), "youden")
    assert p.landmark == Landmark("OS", 6)


@pytest.mark.parametrize("section, message", [
    ({**SECTION, "cutoffs": [1]}, r"toy.yaml prognostic: unknown key\(s\) cutoffs"),
    (_with("markers.0.horizon", 12), r"prognostic markers\[0\]: unknown key\(s\) horizon"),
    (_with("landmark.day", 180), r"prognostic landmark: unknown key\(s\) day"),
    (_with("factors.1.name", "x"), r"prognostic factors\[1\]: unknown key\(s\) name"),
    (_with("endpoints", ["PFS", "TTP"]), r"prognostic: field 'endpoints': 'TTP' is not a declared endpoint"),
    (_with("endpoints", []), r"field 'endpoints': at least one endpoint"),
    (_with("landmark.endpoint", "DOR"), r"prognostic landmark: field 'endpoint': 'DOR' is not a declared endpoint"),
    ({**SECTION, "population": "itt"}, r"field 'population': 'itt' is not a populations key"),
    (_with("markers.0.risk", "medium"), r"variable='bl_hemoglobin'\): field 'risk': 'medium' is not one of low, high"),
    (_with("markers.0.outcome_horizon_months", 0), r"field 'outcome_horizon_months': expected a positive number"),
    (_with("markers.0.time_auc_horizons", [6, -1]), r"field 'time_auc_horizons': expected a positive number"),
    (_with("markers.0.bootstrap", 0), r"field 'bootstrap': expected a positive number"),
    (_with("markers.0.bootstrap", 2.5), r"field 'bootstrap': expected an integer"),
    (_with("markers.0.spline_knots", 2), r"field 'spline_knots': 0 \(no spline\) or at least 3"),
    (_with("markers.0", {"variable": "bl_hemoglobin", "label": "Hb", "risk": "low", "figure_cutpoint": "youden"}),
     r"field 'figure_cutpoint': youden needs 'outcome_horizon_months'"),
    (_with("markers.0", {"variable": "bl_hemoglobin", "label": "Hb"}), r"missing required key\(s\) risk"),
    (_with("factors", ["age", "age"]), r"prognostic factors: duplicate variable id 'age'"),
    (_with("response_subgroups.0.levels", "young"), r"field 'levels': expected a list of levels"),
])
def test_bad_sections_are_rejected(section, message):
    with pytest.raises(StudyError, match=message):
        _study(section)


def test_undeclared_endpoints_fall_back_to_adtte_ids():
    """A study declaring no endpoints may name any adtte endpoint id, and nothing else."""
    assert _study(_with("endpoints", ["TTNT"]), endpoints=None).prognostic.endpoints == ("TTNT",)
    with pytest.raises(StudyError, match="'EFS' is not a declared endpoint"):
        _study(_with("endpoints", ["EFS"]), endpoints=None)
