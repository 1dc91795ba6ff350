"""Response table in the layout of ICARIA-MM Table 3 (Attal et al., Lancet 2019) from the records of
:func:`mmevidence.analysis.response.analyse_response`.

Rows, as the paper: "Best overall response (n [%])" with complete response, stringent complete
response, very good partial response, partial response, minimal response, stable disease,
non-progressive disease, progressive disease, unconfirmed progressive disease, not evaluable or
not assessed; then "Overall response": responders "n (pct%; 95% CI lower–upper)" (Clopper–Pearson
limits as proportions, 3 decimals), odds ratio (95% CI) and the stratified CMH p-value versus
control, and the same three rows for very good partial response or better (and, beyond the paper,
complete response or better). Between-arm cells of the control column print "NA" as the paper.
Non-progressive disease and unconfirmed progressive disease are not categories of the IMWG 2016
response data (``adrs``): their cells print "NA" with a footnote saying so.
"""

from __future__ import annotations

import math
from typing import Any

from ...analysis.plan import build_plan, field_of
from ..format import DASH, fmt_num, fmt_p
from ..model import ReportTable, Row
from ._cells import LANCET, PctStyle, Records

#: Table 3 category rows: (adrs category or None when the data model has no such category, label)
CATEGORY_ROWS: tuple[tuple[str | None, str], ...] = (
    ("CR", "Complete response"), ("sCR", "Stringent complete response"), ("VGPR", "Very good partial response"),
    ("PR", "Partial response"), ("MR", "Minimal response"), ("SD", "Stable disease"),
    (None, "Non-progressive disease"), ("PD", "Progressive disease"), (None, "Unconfirmed progressive disease"),
    ("NE", "Not evaluable or not assessed"))

RATE_ROWS: tuple[tuple[str, str], ...] = (("ORR", "Responders*"), ("VGPR_or_better", "Very good partial response or better"),
                                          ("CR_or_better", "Complete response or better"))

NA = "NA"


def population_text(study: Any, population: str, n: int) -> str:
    """"<population label> (N=<n>)" from ``study.populations`` (the id when it has no label)."""
    pop = field_of(field_of(study, "populations") or {}, population)
    return f"{field_of(pop, 'label') or population} (N={n})"


def strata_text(study: Any) -> str:
    """The study's stratification factors by label, e.g. "Age (<75 vs >=75 years) and Number of previous lines"."""
    labels = [str(field_of(s, "label") or field_of(s, "variable")) for s in field_of(study, "stratification") or []]
    return " and ".join(labels)


def _rate_cell(recs: Records, rate: str, group: str, style: PctStyle, ci_digits: int) -> str:
    """"n (pct%; 95% CI lower–upper)" (the limits as proportions, as ICARIA-MM Table 3)."""
    aid = f"response.{rate.lower()}"
    if recs.get(aid, rate, group, "n") is None:
        return ""
    count = recs.count(aid, rate, group, style)
    r = recs.get(aid, rate, group, "rate")
    if r is None:
        return count
    ci = f"95% CI {fmt_num(r.lower, ci_digits)}{DASH}{fmt_num(r.upper, ci_digits)}"
    return f"{count[:-1]}; {ci})" if count.endswith(")") else f"{count} ({ci})"


def response_table(records, study, population: str | None = None, sides: str = "one-sided",
                   style: PctStyle = LANCET, ci_digits: int = 3, or_digits: int = 3, include_cr: bool = True,
                   table_id: str = "response", title: str = "Response to therapy") -> ReportTable:
    """ICARIA-MM Table 3 layout (module docstring) of the ``response.*`` records.

    ``sides``: which CMH p-value is printed ("one-sided", as ICARIA-MM: "One-sided significance level
    was 0.025", or "two-sided"); ``style``: n (%) printing (Lancet: whole percentages, "<1%");
    ``ci_digits``/``or_digits``: decimals of the proportion limits and of the odds ratios.
    """
    plan = build_plan(study)
    population = population or plan.efficacy_population
    recs = Records(records[(records["analysis_id"].str.startswith("response.")) & (records["population"] == population)])
    groups = [f"arm={a}" for a in plan.arm_labels]
    ns = [recs.get("response.orr", "ORR", g, "n") for g in groups]
    n_arm = [int(r.n) if r is not None and not math.isnan(r.n) else 0 for r in ns]
    columns = tuple(f"{a} (n={n})" for a, n in zip(plan.arm_labels, n_arm))
    rows = [Row("Best overall response (n [%])", kind="group")]
    for cat, label in CATEGORY_ROWS:
        cells = tuple(NA if cat is None else recs.count("response.bor", cat, g, style) for g in groups)
        rows.append(Row(label, cells, indent=1))
    p_stat = "p_cmh_one_sided" if sides == "one-sided" else "p_cmh"
    strat = "Stratified " if plan.stratification else ""
    rows.append(Row("Overall response", kind="group"))
    for rate, label in RATE_ROWS:
        if rate == "CR_or_better" and not include_cr:
            continue
        rows.append(Row(label, tuple(_rate_cell(recs, rate, g, style, ci_digits) for g in groups), indent=1))
        if not plan.randomised:
            continue
        aid = f"response.{rate.lower()}"
        odds = recs.get(aid, rate, "", "or")
        p = recs.get(aid, rate, "", p_stat)
        rest = (NA,) * (len(groups) - 1)
        or_text = "" if odds is None else (f"{fmt_num(odds.value, or_digits)} (95% CI {fmt_num(odds.lower, or_digits)}"
                                           f"{DASH}{fmt_num(odds.upper, or_digits)})")
        rows.append(Row("Odds ratio", (or_text,) + rest, indent=2))
        rows.append(Row(f"{strat}Cochran-Mantel-Haenszel test p value\u2021 versus control",
                        ("" if p is None else fmt_p(p.value),) + rest, indent=2))
    strata = strata_text(study)
    footnotes = (
        "NA=not applicable. *Stringent complete response, complete response, very good partial response, or "
        "partial response. 95% CIs of proportions by the Clopper-Pearson method; odds ratios with exact "
        "conditional 95% CIs.",
        f"\u2021{'Stratified by ' + strata + '. ' if strata else ''}"
        f"{'One-sided' if sides == 'one-sided' else 'Two-sided'} p value.",
        "Non-progressive disease and unconfirmed progressive disease are not categories of the IMWG 2016 "
        "response data used here (NA); such patients appear under the categories their assessments give.")
    return ReportTable(id=table_id, title=title, population=population_text(study, population, sum(n_arm)), stub="",
                       columns=columns, rows=tuple(rows), footnotes=footnotes)
