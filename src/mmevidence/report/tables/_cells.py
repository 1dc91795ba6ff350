"""Cell text for count tables: n (%) in the style of the journal, and record look-up.

Styles differ between the seed papers and a table must print like its paper: the Lancet
(ICARIA-MM) prints whole percentages with a % sign, "<1%" for a non-zero count under 1% and
"0" for none ("1 (<1%)", "0"); Frontiers (German CUP) prints one decimal without a sign and
"0 (0)". Every number goes through :func:`mmevidence.report.format.fmt_num` (round half away
from zero on the printed decimal).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ..format import fmt_num

#: marker a suppressed count carries in its record's ``method`` (see report/suppression.py)
SUPPRESSED = "suppressed below "


@dataclass(frozen=True)
class PctStyle:
    """How "n (%)" is printed: ``digits`` of the percentage, ``sign`` ("%"), ``zero`` (text for
    n = 0), ``below_one`` (text of a non-zero percentage under 1, None = print it rounded),
    ``denominator`` (print "n/N (%)")."""

    digits: int = 1
    sign: bool = True
    zero: str = "0"
    below_one: str | None = None
    denominator: bool = False


LANCET = PctStyle(digits=0, sign=True, zero="0", below_one="<1")
FRONTIERS = PctStyle(digits=1, sign=False, zero="0 (0)")
DEFAULT = PctStyle()


def fmt_count(n: float, denominator: float, style: PctStyle = DEFAULT, suppressed: str | None = None) -> str:
    """"n (pct%)" of ``n`` patients out of ``denominator`` in ``style``; ``suppressed`` (e.g.
    "<5") replaces the whole cell of a small count (report/suppression.py)."""
    if suppressed:
        return suppressed
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return ""
    count = f"{int(n)}/{int(denominator)}" if style.denominator else f"{int(n)}"
    if n == 0 and not style.denominator:
        return style.zero
    if n == 0:
        return "0" if denominator else "0/0"
    if not denominator or denominator <= 0:
        return count
    pct = 100.0 * n / denominator
    text = style.below_one if (style.below_one and pct < 1.0) else fmt_num(pct, style.digits)
    return f"{count} ({text}{'%' if style.sign else ''})"


class Records:
    """Look-up of result records by (analysis_id, endpoint, group, statistic)."""

    def __init__(self, records: pd.DataFrame):
        self.frame = records
        self._index = {(r.analysis_id, r.endpoint, r.group, r.statistic): r
                       for r in records.itertuples(index=False)}

    def get(self, analysis_id: str, endpoint: str, group: str, statistic: str):
        """The record (a namedtuple with the record columns) or None."""
        return self._index.get((analysis_id, endpoint, group, statistic))

    def value(self, analysis_id: str, endpoint: str, group: str, statistic: str) -> float:
        """The record's value, NaN when there is no such record."""
        r = self.get(analysis_id, endpoint, group, statistic)
        return math.nan if r is None else r.value

    def count(self, analysis_id: str, endpoint: str, group: str, style: PctStyle = DEFAULT) -> str:
        """"n (%)" cell from the ``n`` record (denominator = its ``n`` column); the style's zero
        when there is no record (a term nobody in the arm had); "<k" when suppressed."""
        r = self.get(analysis_id, endpoint, group, "n")
        if r is None:
            return style.zero
        suppressed = "<" + r.method[len(SUPPRESSED):].strip() if r.method.startswith(SUPPRESSED) else None
        return fmt_count(r.value, r.n, style, suppressed)
