"""Unit conversions, each factor checked by a hand calculation written out here."""

from __future__ import annotations

import pytest

from mmevidence.data.units import CONVERSIONS, LAB_TESTS, convert, unit_table


@pytest.mark.parametrize(
    ("test", "value", "unit", "expected", "canonical"),
    [
        # creatinine: 1 mg/dL = 88.42 umol/L (113.12 g/mol), so 88.42 umol/L = 1.0 mg/dL
        ("creatinine", 88.42, "µmol/L", 1.0, "mg/dL"),
        ("creatinine", 176.84, "umol/L", 2.0, "mg/dL"),
        ("creatinine", 88.42, "μmol/L", 1.0, "mg/dL"),  # Greek mu spelling
        # hemoglobin: 1 dL = 0.1 L, 120 g/L = 12 g/dL; 1 mmol/L (monomer) = 1.611 g/dL
        ("hemoglobin", 120.0, "g/L", 12.0, "g/dL"),
        ("hemoglobin", 7.45, "mmol/L", 7.45 * 1.611, "g/dL"),  # = 12.00195
        # calcium: 40.08 g/mol, 2.5 mmol/L = 2.5 * 4.008 = 10.02 mg/dL
        ("calcium", 2.5, "mmol/L", 10.02, "mg/dL"),
        # albumin 35 g/L = 3.5 g/dL; serum M-protein 25 g/L = 2.5 g/dL
        ("albumin", 35.0, "g/L", 3.5, "g/dL"),
        ("serum_m_protein", 25.0, "g/L", 2.5, "g/dL"),
        # FLC: 150 mg/L = 15 mg/dL
        ("serum_kappa_flc", 150.0, "mg/L", 15.0, "mg/dL"),
        ("serum_lambda_flc", 9.5, "mg/L", 0.95, "mg/dL"),
        # urine M-protein: 1.2 g/24h = 1200 mg/24h
        ("urine_m_protein", 1.2, "g/24h", 1200.0, "mg/24h"),
        # beta2-microglobulin 11 800 g/mol: 1 mg/L = 84.75 nmol/L; 339 nmol/L = 4 mg/L
        ("beta2_microglobulin", 84.75, "nmol/L", 1.0, "mg/L"),
        ("beta2_microglobulin", 339.0, "nmol/L", 4.0, "mg/L"),
        ("beta2_microglobulin", 3.5, "µg/mL", 3.5, "mg/L"),
        # LDH: 1 ukat/L = 60 U/L, 5 ukat/L = 300 U/L
        ("ldh", 5.0, "µkat/L", 300.0, "U/L"),
        # cell counts: 10^3/uL = 10^9/L
        ("platelets", 150.0, "10^3/µL", 150.0, "10^9/L"),
        ("neutrophils", 1.8, "G/L", 1.8, "10^9/L"),
        # plasmacytoma SPD: 400 mm2 = 4 cm2
        ("plasmacytoma", 400.0, "mm2", 4.0, "cm2"),
    ],
)
def test_conversion_by_hand(test, value, unit, expected, canonical):
    got, unit_out, conv = convert(test, value, unit)
    assert got == pytest.approx(expected, rel=1e-12)
    assert unit_out == canonical
    assert conv == f"{test}: {unit} -> {canonical}"


def test_canonical_unit_is_not_a_conversion():
    assert convert("hemoglobin", 11.2, "g/dL") == (11.2, "g/dL", None)
    assert convert("bm_plasma_cells_pct", 40.0, "%") == (40.0, "%", None)


def test_unknown_units_and_tests_are_rejected():
    with pytest.raises(ValueError, match="unit: unknown unit 'mg/ml' for creatinine"):
        convert("creatinine", 1.0, "mg/ml")
    with pytest.raises(ValueError, match="test: unknown lab test 'crp'"):
        convert("crp", 1.0, "mg/L")


def test_unit_table_is_consistent():
    ut = unit_table()
    assert not ut.duplicated(["test", "unit"]).any()
    assert set(ut["test"]) == set(LAB_TESTS)
    for c in CONVERSIONS:
        assert c.unit != LAB_TESTS[c.test].unit
        assert c.multiply > 0 and c.divide > 0
    assert LAB_TESTS["serum_ife"].kind == "qualitative" and LAB_TESTS["serum_ife"].unit == ""
