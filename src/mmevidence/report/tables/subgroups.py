"""Subgroup analyses (ICARIA-MM Figure 3) from the records of
:func:`mmevidence.analysis.subgroups.analyse_subgroups`: the frame the forest plot draws
(:func:`subgroup_forest_frame`, the contract with ``report/figures/forest.py``) and the same
numbers as a table (:func:`subgroup_table`).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ...analysis._subjects import parse_group
from ...analysis.plan import build_plan, field_of
from ..format import fmt_ci, fmt_p
from ..model import ReportTable, Row
from .response import population_text

#: Columns of :func:`subgroup_forest_frame` (agreed with the forest plot).
FOREST_COLUMNS: tuple[str, ...] = ("subgroup", "level", "hr", "lower", "upper", "n_experimental", "n_control",
                                   "events_experimental", "events_control", "p_interaction")

ALL_PATIENTS = "All patients"


def subgroup_forest_frame(records: pd.DataFrame, labels: dict[str, str] | None = None,
                          endpoint: str | None = None) -> pd.DataFrame:
    """One row a subgroup level (after an "All patients" row), in the order of the records.

    Columns :data:`FOREST_COLUMNS`: ``subgroup`` (the factor's label from ``labels`` {variable: label},
    else the variable; "All patients" for the overall row), ``level`` ("" for the overall row),
    ``hr``/``lower``/``upper`` (NaN when not estimable), patients and events per arm (experimental =
    the first arm in the records), ``p_interaction`` (the factor's treatment-by-factor p, repeated
    on each of its levels; NaN on the overall row). ``endpoint``: which endpoint's subgroup records
    (default: the only one present).
    """
    labels = labels or {}
    sub = records.loc[records["analysis_id"].str.startswith("subgroup.")]
    if endpoint is not None:
        sub = sub.loc[sub["endpoint"] == endpoint]
    if sub["endpoint"].nunique() > 1:
        raise ValueError(f"records hold subgroup analyses of {sorted(sub['endpoint'].unique())}: pass endpoint=")
    arms: list[str] = []
    for g in sub["group"]:
        arm = parse_group(g).get("arm")
        if arm is not None and arm not in arms:
            arms.append(arm)
    exp, ctl = (arms + [None, None])[:2]
    rows = []
    for aid, block in sub.groupby("analysis_id", sort=False):
        variable = aid.split(".", 2)[2]
        overall = variable == "all"
        p = block.loc[(block["group"] == "") & (block["statistic"] == "p_interaction"), "value"]
        p_int = math.nan if overall or p.empty else float(p.iloc[0])
        hr_rows = block.loc[block["statistic"] == "hr"]
        for r in hr_rows.itertuples(index=False):
            level = "" if overall else parse_group(r.group)[variable]

            def count(arm: str | None, stat: str, level: str = level) -> float:
                key = "|".join(x for x in (f"arm={arm}", "" if overall else f"{variable}={level}") if x)
                v = block.loc[(block["group"] == key) & (block["statistic"] == stat), "value"]
                return float(v.iloc[0]) if len(v) else math.nan

            rows.append({"subgroup": ALL_PATIENTS if overall else labels.get(variable, variable), "level": level,
                         "hr": r.value, "lower": r.lower, "upper": r.upper,
                         "n_experimental": count(exp, "n"), "n_control": count(ctl, "n"),
                         "events_experimental": count(exp, "events"), "events_control": count(ctl, "events"),
                         "p_interaction": p_int})
    frame = pd.DataFrame(rows, columns=list(FOREST_COLUMNS))
    if len(frame):
        frame = pd.concat([frame.loc[frame["subgroup"] == ALL_PATIENTS], frame.loc[frame["subgroup"] != ALL_PATIENTS]],
                          ignore_index=True)
    return frame


def subgroup_labels(study: Any) -> dict[str, str]:
    """{adsl variable: label} of the study's subgroups."""
    return {str(field_of(s, "variable")): str(field_of(s, "label") or field_of(s, "variable"))
            for s in field_of(study, "subgroups") or [] if field_of(s, "variable") is not None}


def _level_text(level: Any) -> str:
    """Printed level: a boolean factor's True/False as "Yes"/"No", else the baseline table's level label."""
    from .baseline import level_label
    text = str(level)
    return {"True": "Yes", "False": "No"}.get(text, level_label(text))


def subgroup_table(records: pd.DataFrame, study: Any, endpoint: str | None = None, hr_digits: int = 2,
                   table_id: str = "subgroups", title: str | None = None) -> ReportTable:
    """Table of :func:`subgroup_forest_frame`: per factor a heading row with its interaction p, per level
    events/patients per arm and the HR (95% CI); "NE" where the HR is not estimable."""
    plan = build_plan(study)
    endpoint = endpoint or plan.subgroup_endpoint
    frame = subgroup_forest_frame(records, subgroup_labels(study), endpoint)
    columns = (f"{plan.experimental}, events/patients", f"{plan.control}, events/patients", "HR (95% CI)",
               "p for interaction")

    def ev(e: float, n: float) -> str:
        return "" if math.isnan(n) else f"{int(e)}/{int(n)}"

    rows, current = [], None
    for r in frame.itertuples(index=False):
        cells = (ev(r.events_experimental, r.n_experimental), ev(r.events_control, r.n_control),
                 fmt_ci(r.hr, r.lower, r.upper, hr_digits))
        if r.subgroup == ALL_PATIENTS:
            rows.append(Row(ALL_PATIENTS, cells + ("",)))
            continue
        if r.subgroup != current:
            current = r.subgroup
            rows.append(Row(r.subgroup, ("", "", "", fmt_p(r.p_interaction, 3)), kind="group"))
        rows.append(Row(_level_text(r.level), cells + ("",), indent=1))
    pop = plan.efficacy_population
    n = int(frame[["n_experimental", "n_control"]].iloc[0].sum()) if len(frame) else 0
    methods = records.loc[records["statistic"] == "p_interaction", "method"]
    test = "likelihood-ratio" if methods.str.contains("likelihood ratio").any() else "Wald"
    notes = (f"Hazard ratios {plan.experimental} vs {plan.control} from unstratified Cox models within each subgroup "
             "(Efron ties); NE = not estimable.",
             f"p for interaction: {test} test of the treatment-by-factor interaction in a Cox model with terms for "
             "the factor, treatment and their interaction.")
    return ReportTable(id=table_id, title=title or f"Subgroup analyses of {endpoint}",
                       population=population_text(study, pop, n), stub="Subgroup", columns=columns,
                       rows=tuple(rows), footnotes=notes)
