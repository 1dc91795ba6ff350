"""Number formatting shared by every table (one place decides how a figure is printed).

Rounding is round-half-away-from-zero on the decimal value as printed (SAS ``PUTN`` /
``round()`` behaviour), not Python's round-half-to-even: 0.125 -> "0.13". Values are rounded
from their decimal representation (``Decimal(repr(x))``) so 2.675 prints "2.68" as SAS does.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

DASH = "\u2013"  # en dash for ranges and CIs, as the seed papers print them
MISSING = "NE"   # not estimable (e.g. a median the curve never reaches)


def fmt_num(value: float | None, digits: int = 1) -> str:
    """``value`` rounded half away from zero to ``digits`` decimals; "NE" for NaN, ±inf (e.g. the upper
    limit of a hazard ratio whose coefficient may be infinite) and None."""
    if value is None or not math.isfinite(value):
        return MISSING
    quantum = Decimal(1).scaleb(-digits)
    return str(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def fmt_n_pct(n: int, denominator: int, digits: int = 1) -> str:
    """"n (pct%)" with the percentage of the subject-level denominator, e.g. "54 (35.3%)"; "0" when n is 0."""
    if n == 0:
        return "0"
    if denominator <= 0:
        return f"{n}"
    return f"{n} ({fmt_num(100.0 * n / denominator, digits)}%)"


def fmt_ci(value: float, lower: float, upper: float, digits: int = 2) -> str:
    """"value (lower–upper)", e.g. "0.596 (0.436–0.814)"; limits "NE" where not estimable."""
    return f"{fmt_num(value, digits)} ({fmt_num(lower, digits)}{DASH}{fmt_num(upper, digits)})"


def fmt_median_range(median: float, low: float, high: float, digits: int = 1) -> str:
    """"median (low–high)" for a range or an IQR."""
    return f"{fmt_num(median, digits)} ({fmt_num(low, digits)}{DASH}{fmt_num(high, digits)})"


def fmt_mean_sd(mean: float, sd: float, digits: int = 1) -> str:
    """"mean (SD)"."""
    return f"{fmt_num(mean, digits)} ({fmt_num(sd, digits)})"


def fmt_p(p: float, digits: int = 4) -> str:
    """p-value with ``digits`` decimals; below the smallest printable value "<0.0001"."""
    if p is None or math.isnan(p):
        return MISSING
    floor = 10.0 ** -digits
    if p < floor:
        return f"<{fmt_num(floor, digits)}"
    return fmt_num(p, digits)
