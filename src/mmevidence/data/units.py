"""Lab tests, their canonical units and the known alternative units with conversion factors.

A conversion is ``canonical = value * multiply / divide``; factors are written as the
textbook number (``/ 88.42`` rather than ``* 0.01131``) so that a value equal to the
factor converts to exactly 1. Unit spellings that denote the same unit (``umol/L`` for
``µmol/L``, ``G/L`` for ``10^9/L``) are conversions with factor 1, so every row whose
unit differs from the canonical spelling is recorded.

Sources for the factors (molar masses from IUPAC standard atomic weights):

* mass concentration g/L -> g/dL, mg/L -> mg/dL: 1 dL = 0.1 L (SI definition).
* hemoglobin mmol/L -> g/dL: x 1.611 (Hb monomer 16 114 g/mol; Young DS, Ann Intern Med
  1987;106:114, SI unit conversion table; AMA Manual of Style SI conversion table).
* creatinine umol/L -> mg/dL: / 88.42 (creatinine 113.12 g/mol: 1 mg/dL = 10 mg/L / 113.12 g/mol
  = 88.40 umol/L, printed as 88.42 in the Young 1987 table and most laboratory handbooks;
  KDIGO 2012 rounds to 88.4).
* calcium mmol/L -> mg/dL: x 4.008 (Ca 40.08 g/mol).
* beta2-microglobulin nmol/L -> mg/L: / 84.75 (beta2m 11 800 g/mol: 1 mg/L = 84.75 nmol/L;
  Bethea & Forman, Ann Clin Lab Sci 1990;20:163 give 11.8 kDa); ug/mL = mg/L; mg/dL x 10.
* LDH ukat/L -> U/L: x 60 (1 U = 1 umol/min, 1 kat = 1 mol/s; IFCC 1979 recommendation).
* urine M-protein g/24h -> mg/24h: x 1000.
* cell counts 10^3/uL = 10^9/L = G/L = /nL (1 uL = 1e-6 L).
* plasmacytoma size (sum of products of perpendicular diameters) mm2 -> cm2: / 100.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

QUALITATIVE_VALUES: tuple[str, ...] = ("positive", "negative")


@dataclass(frozen=True)
class LabTest:
    """A lab test: canonical unit, kind, and the range outside which a value is suspicious."""

    name: str
    unit: str
    description: str
    kind: Literal["numeric", "qualitative"] = "numeric"
    warn_below: float | None = None
    warn_above: float | None = None
    maximum: float | None = None  # hard upper limit (errors), e.g. 100 for percentages


@dataclass(frozen=True)
class Conversion:
    """``canonical = value * multiply / divide`` from ``unit`` to the test's canonical unit."""

    test: str
    unit: str
    multiply: float = 1.0
    divide: float = 1.0
    source: str = "same unit, alternative spelling"


LAB_TESTS: dict[str, LabTest] = {
    t.name: t
    for t in (
        LabTest("serum_m_protein", "g/dL", "Serum M-protein (SPEP)", warn_above=15),
        LabTest("urine_m_protein", "mg/24h", "Urine M-protein (24-h UPEP)", warn_above=30000),
        LabTest("serum_kappa_flc", "mg/dL", "Serum free kappa light chain", warn_above=2000),
        LabTest("serum_lambda_flc", "mg/dL", "Serum free lambda light chain", warn_above=2000),
        LabTest("serum_ife", "", "Serum immunofixation", kind="qualitative"),
        LabTest("urine_ife", "", "Urine immunofixation", kind="qualitative"),
        LabTest("bm_plasma_cells_pct", "%", "Bone-marrow plasma cells", maximum=100),
        LabTest("plasmacytoma", "cm2", "Plasmacytoma size: sum of products of perpendicular diameters",
                warn_above=500),
        LabTest("hemoglobin", "g/dL", "Hemoglobin", warn_below=3, warn_above=20),
        LabTest("platelets", "10^9/L", "Platelet count", warn_below=1, warn_above=1500),
        LabTest("neutrophils", "10^9/L", "Absolute neutrophil count", warn_above=50),
        LabTest("creatinine", "mg/dL", "Serum creatinine", warn_below=0.1, warn_above=20),
        LabTest("calcium", "mg/dL", "Serum calcium (total)", warn_below=4, warn_above=20),
        LabTest("albumin", "g/dL", "Serum albumin", warn_below=1, warn_above=6),
        LabTest("beta2_microglobulin", "mg/L", "Serum beta2-microglobulin", warn_below=0.3, warn_above=100),
        LabTest("ldh", "U/L", "Lactate dehydrogenase", warn_below=30, warn_above=10000),
    )
}

_SI = "1 dL = 0.1 L (SI)"
_MICRO = ("umol/L", "\u03bcmol/L")  # ASCII u and Greek mu for the micro sign U+00B5
_CELLS = "1 uL = 1e-6 L, so 10^3/uL = 10^9/L"

CONVERSIONS: tuple[Conversion, ...] = (
    Conversion("serum_m_protein", "g/L", divide=10, source=_SI),
    Conversion("urine_m_protein", "g/24h", multiply=1000, source="1 g = 1000 mg"),
    Conversion("serum_kappa_flc", "mg/L", divide=10, source=_SI),
    Conversion("serum_lambda_flc", "mg/L", divide=10, source=_SI),
    Conversion("plasmacytoma", "cm\u00b2"),
    Conversion("plasmacytoma", "mm2", divide=100, source="1 cm2 = 100 mm2"),
    Conversion("plasmacytoma", "mm\u00b2", divide=100, source="1 cm2 = 100 mm2"),
    Conversion("hemoglobin", "g/L", divide=10, source=_SI),
    Conversion("hemoglobin", "mmol/L", multiply=1.611, source="Hb monomer 16 114 g/mol (Young 1987)"),
    *(Conversion(t, u, source=_CELLS) for t in ("platelets", "neutrophils")
      for u in ("10^3/\u00b5L", "10^3/uL", "G/L", "x10^9/L", "/nL")),
    Conversion("creatinine", "\u00b5mol/L", divide=88.42, source="creatinine 113.12 g/mol (Young 1987)"),
    *(Conversion("creatinine", u, divide=88.42, source="creatinine 113.12 g/mol (Young 1987)") for u in _MICRO),
    Conversion("calcium", "mmol/L", multiply=4.008, source="Ca 40.08 g/mol"),
    Conversion("albumin", "g/L", divide=10, source=_SI),
    Conversion("beta2_microglobulin", "nmol/L", divide=84.75, source="beta2m 11 800 g/mol (Bethea 1990)"),
    Conversion("beta2_microglobulin", "\u00b5g/mL", source="1 ug/mL = 1 mg/L"),
    Conversion("beta2_microglobulin", "ug/mL", source="1 ug/mL = 1 mg/L"),
    Conversion("beta2_microglobulin", "mg/dL", multiply=10, source=_SI),
    Conversion("ldh", "\u00b5kat/L", multiply=60, source="1 ukat = 60 U (IFCC)"),
    Conversion("ldh", "ukat/L", multiply=60, source="1 ukat = 60 U (IFCC)"),
    Conversion("ldh", "IU/L", source="IU = U"),
)


def conversion_id(test: str, unit: str) -> str:
    """Identifier recorded for a conversion, e.g. ``creatinine: µmol/L -> mg/dL``."""
    return f"{test}: {unit} -> {LAB_TESTS[test].unit}"


def unit_table() -> pd.DataFrame:
    """Every accepted (test, unit) with canonical unit, factors and conversion id.

    Canonical units appear with factor 1 and ``conversion`` = None. Used as a join
    table by the validation (``canonical = value * multiply / divide``).
    """
    rows = [(t.name, t.unit, t.unit, 1.0, 1.0, None, t.kind, "canonical") for t in LAB_TESTS.values()]
    for c in CONVERSIONS:
        rows.append((c.test, c.unit, LAB_TESTS[c.test].unit, float(c.multiply), float(c.divide),
                     conversion_id(c.test, c.unit), LAB_TESTS[c.test].kind, c.source))
    return pd.DataFrame(rows, columns=["test", "unit", "canonical_unit", "multiply", "divide", "conversion",
                                       "kind", "source"])


def convert(test: str, value: float, unit: str) -> tuple[float, str, str | None]:
    """Convert one numeric ``value`` in ``unit`` to the canonical unit of ``test``.

    Returns ``(canonical value, canonical unit, conversion id or None)``; raises
    ``ValueError`` for an unknown test or unit. Same arithmetic as the vectorised ingest.
    """
    if test not in LAB_TESTS:
        raise ValueError(f"test: unknown lab test {test!r}")
    lab = LAB_TESTS[test]
    if unit == lab.unit:
        return float(value), lab.unit, None
    for c in CONVERSIONS:
        if c.test == test and c.unit == unit:
            return float(value) * c.multiply / c.divide, lab.unit, conversion_id(test, unit)
    raise ValueError(f"unit: unknown unit {unit!r} for {test} (known: {', '.join(known_units(test))})")


def known_units(test: str) -> list[str]:
    """Accepted units of ``test``: canonical first, then alternatives."""
    return [LAB_TESTS[test].unit] + [c.unit for c in CONVERSIONS if c.test == test]
