"""IMWG response criteria: category order, the configurable thresholds, and the numeric
comparisons every rule uses.

Sources: Kumar SK et al., International Myeloma Working Group consensus criteria for
response and minimal residual disease assessment in multiple myeloma, Lancet Oncol
2016;17:e328-46 (Table 3 and its footnotes); Durie BGM et al., International uniform
response criteria for multiple myeloma, Leukemia 2006;20:1467-73; Rajkumar SV et al.,
Consensus recommendations for the uniform reporting of clinical trials, Blood
2011;117:4691-5. Every threshold below names its source (see also ``docs/imwg.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

#: Categories from worst to best; the integer code of a category is its index.
#: ``NE`` (not evaluable) is coded -1 and ranks below everything.
ORDER: tuple[str, ...] = ("PD", "SD", "MR", "PR", "VGPR", "CR", "sCR")
PD, SD, MR, PR, VGPR, CR, SCR = range(7)
NE = -1
CATEGORIES: tuple[str, ...] = ("sCR", "CR", "VGPR", "PR", "MR", "SD", "PD", "NE")  # reporting order
CODE: dict[str, int] = {**{c: i for i, c in enumerate(ORDER)}, "NE": NE}

#: Response tests read from the canonical ``labs`` table (canonical units, see data/units.py).
TESTS: tuple[str, ...] = ("serum_m_protein", "urine_m_protein", "serum_kappa_flc", "serum_lambda_flc",
                          "serum_ife", "urine_ife", "bm_plasma_cells_pct", "plasmacytoma")
QUALITATIVE: tuple[str, ...] = ("serum_ife", "urine_ife")

#: Relative tolerance of every threshold comparison: absorbs binary floating-point error
#: (1.4 - 0.9 = 0.4999999999999999) for values recorded to a few decimals.
TOL = 1e-9


@dataclass(frozen=True)
class ImwgConfig:
    """Choices of the IMWG derivation. Defaults follow Kumar 2016 unless stated.

    serum_measurable_g_dl: serum M-protein at baseline for measurable disease
        (Kumar 2016: >= 1 g/dL; ICARIA-MM eligibility used >= 0.5 g/dL).
    urine_measurable_mg_24h: urine M-protein >= 200 mg/24 h (Kumar 2016).
    flc_measurable_mg_dl: involved FLC >= 10 mg/dL with an abnormal ratio (Kumar 2016).
    flc_ratio_normal: kappa/lambda ratio reference interval 0.26-1.65 (Kumar 2016; Dispenzieri 2009).
    baseline_window_days: baseline = last value on or before the index date and no more
        than this many days before it (project default 28 days).
    cr_without_marrow: what a visit meeting every CR criterion except the bone-marrow one
        (no marrow result) is called. ``"vgpr"`` (default): not CR, the visit is graded by
        the M-protein rules (IMWG requires < 5 % marrow plasma cells for CR). ``"cr"``:
        reported as CR (the "unconfirmed CR" convention of some trials); never sCR.
    marrow_pd_needs_confirmation: bone-marrow progression (non-measurable disease only)
        needs a second assessment like the serum/urine/FLC criteria (default False:
        a marrow result is not repeated; Kumar 2016 needs no repeat biopsy).
    """

    serum_measurable_g_dl: float = 1.0
    urine_measurable_mg_24h: float = 200.0
    flc_measurable_mg_dl: float = 10.0
    flc_ratio_normal: tuple[float, float] = (0.26, 1.65)
    baseline_window_days: int = 28
    cr_without_marrow: Literal["vgpr", "cr"] = "vgpr"
    marrow_pd_needs_confirmation: bool = False

    def __post_init__(self) -> None:
        if self.cr_without_marrow not in ("vgpr", "cr"):
            raise ValueError(f"cr_without_marrow: expected 'vgpr' or 'cr', got {self.cr_without_marrow!r}")
        if self.baseline_window_days < 0:
            raise ValueError("baseline_window_days: must be >= 0")
        lo, hi = self.flc_ratio_normal
        if not 0 < lo < hi:
            raise ValueError("flc_ratio_normal: expected (lower, upper) with 0 < lower < upper")


def ge(a: np.ndarray, b: np.ndarray | float) -> np.ndarray:
    """``a >= b`` with relative tolerance :data:`TOL` (False where either is NaN)."""
    b = np.asarray(b, dtype=float)
    return a >= b - TOL * np.maximum(1.0, np.abs(b))


def gt(a: np.ndarray, b: np.ndarray | float) -> np.ndarray:
    """``a > b`` beyond the tolerance :data:`TOL` (False where either is NaN)."""
    b = np.asarray(b, dtype=float)
    return a > b + TOL * np.maximum(1.0, np.abs(b))


def lt(a: np.ndarray, b: np.ndarray | float) -> np.ndarray:
    """``a < b`` beyond the tolerance :data:`TOL` (False where either is NaN)."""
    b = np.asarray(b, dtype=float)
    return a < b - TOL * np.maximum(1.0, np.abs(b))


def reduction(value: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Fractional reduction from baseline ``1 - value/base`` (NaN where base <= 0 or missing)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(base > 0, 1.0 - value / base, np.nan)
