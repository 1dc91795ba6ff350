"""Kaplan–Meier figure with censor marks, a number-at-risk table, medians, HR and log-rank p.

The look of ICARIA-MM Figure 2 (Attal et al., Lancet 2019): step curves per arm, ``+``
at censored times, the number at risk under the time axis at each tick, the median
with its 95% CI per arm and, for two arms, the Cox HR with its CI and the log-rank p.
Every number drawn comes from :mod:`mmevidence.stats` (nothing is re-estimated here).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from mmevidence.report.figures.style import (FigureOutput, group_colors, new_figure, save_figure,
                                             style_context)
from mmevidence.report.format import DASH, fmt_num, fmt_p
from mmevidence.stats import cox_ph, kaplan_meier, logrank_test

#: Axis and title wording of the endpoints ``adtte`` derives.
ENDPOINT_LABELS: dict[str, str] = {
    "OS": "Overall survival", "PFS": "Progression-free survival", "TTP": "Time to progression",
    "TTNT": "Time to next treatment", "PFS2": "Progression-free survival 2", "DOR": "Duration of response",
    "TTR": "Time to response", "TOT": "Time on treatment", "FU": "Follow-up",
}
_STEPS = (1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 36.0, 60.0)
_ALL = "All patients"
FONT_TABLE = 7.5


def tick_step(x_max: float, max_ticks: int = 10) -> float:
    """The smallest of 1, 2, 3, 6, 12, 24, 36, 60 months giving at most ``max_ticks`` intervals up to ``x_max``."""
    for step in _STEPS:
        if math.ceil(x_max / step) <= max_ticks:
            return step
    return _STEPS[-1] * math.ceil(x_max / (_STEPS[-1] * max_ticks))


def analysis_frame(adtte: pd.DataFrame, adsl: pd.DataFrame, endpoint: str, group_by: str | None,
                   strata: Sequence[str] = (), population_flag: str | None = "ittfl",
                   extra: Sequence[str] = ()) -> tuple[pd.DataFrame, list[str]]:
    """One row per patient of ``endpoint``: time_months, event, group (and strata, ``extra`` adtte columns).

    Patients are those of ``adsl`` with ``population_flag`` true (all when None) that have an
    ``adtte`` row; rows with a missing time, event, group or stratum are dropped and
    counted in the returned notes.
    """
    rows = adtte.loc[adtte["endpoint"] == endpoint, ["patient_id", "time_months", "event", *extra]]
    if rows.empty:
        raise ValueError(f"endpoint: no adtte rows for {endpoint!r}")
    subj = adsl
    if population_flag is not None:
        if population_flag not in adsl.columns:
            raise ValueError(f"population_flag: {population_flag!r} is not an adsl column")
        subj = adsl.loc[adsl[population_flag].fillna(False).astype(bool)]
    cols = ["patient_id", *([group_by] if group_by else []), *strata]
    missing = [c for c in cols if c not in subj.columns]
    if missing:
        raise ValueError(f"group_by/strata: {', '.join(missing)} not in adsl")
    data = rows.merge(subj[list(dict.fromkeys(cols))], on="patient_id", how="inner")
    data["group"] = data[group_by] if group_by else _ALL
    notes = []
    need = data[["time_months", "event", "group", *strata]].isna().any(axis=1)
    if need.any():
        notes.append(f"{int(need.sum())} patient(s) without {endpoint} time or {group_by or 'strata'} value excluded.")
        data = data.loc[~need]
    if data.empty:
        raise ValueError(f"endpoint: no analysable {endpoint!r} rows in the population")
    return data.reset_index(drop=True), notes


def risk_times(x_max: float, at_risk_times: Sequence[float] | None = None) -> np.ndarray:
    """Times of the x ticks and the number-at-risk columns: given, or 0 to past ``x_max`` by :func:`tick_step`."""
    if at_risk_times is None:
        step = tick_step(x_max)
        return np.arange(0.0, math.ceil(x_max / step) * step + step / 2, step)
    return np.asarray(at_risk_times, dtype=float)


def set_time_axis(ax, ticks: np.ndarray, x_right: float) -> None:
    """x axis in months from 0, ticks at the number-at-risk times, labelled without trailing zeros."""
    ax.set_xlim(0, x_right * 1.01)
    ax.set_xticks(ticks)
    ax.set_xticklabels([fmt_num(t, 0) if float(t).is_integer() else fmt_num(t, 1) for t in ticks])
    ax.set_xlabel("Time (months)")


def draw_risk_table(tab, levels: Sequence[object], at_risk: Sequence[pd.DataFrame], colors: dict) -> None:
    """Number-at-risk table on axes ``tab`` (sharing x with the plot): one row per group, one number per tick."""
    n_rows = len(levels)
    for i, (lv, risk) in enumerate(zip(levels, at_risk)):
        for t, n in zip(risk["time"], risk["n_risk"]):
            tab.text(t, i, f"{int(round(n))}", ha="center", va="center", color=colors[lv],
                     fontsize=FONT_TABLE, gid=f"km-risk-{lv}")
    tab.set_ylim(n_rows - 0.5, -0.5)
    tab.set_yticks(range(n_rows))
    tab.set_yticklabels([str(lv) for lv in levels])
    for tick, lv in zip(tab.get_yticklabels(), levels):
        tick.set_color(colors[lv])
    tab.tick_params(axis="both", length=0, labelbottom=False)
    tab.tick_params(axis="y", pad=14)  # clear of the centred number under x = 0
    for side in ("left", "bottom", "top", "right"):
        tab.spines[side].set_visible(False)
    tab.set_title("Number at risk", loc="left", fontsize=FONT_TABLE, pad=2)


def _median_text(label: str, median) -> str:
    return (f"{label}: median {fmt_num(median.estimate, 1)} months "
            f"(95% CI {fmt_num(median.lower, 1)}{DASH}{fmt_num(median.upper, 1)})")


def _comparison(data: pd.DataFrame, levels: list, reference: object, strata: Sequence[str],
                alternative: str, hr_digits: int) -> tuple[pd.DataFrame, list[str]]:
    """HR (experimental vs ``reference``) and log-rank p for two groups; the k-sample p for more."""
    if data["event"].sum() == 0:  # nothing to compare: Cox and log-rank are undefined
        return pd.DataFrame(columns=["statistic", "value", "lower", "upper", "comparison", "text"]), []
    strat_key = data[list(strata)].astype(str).agg("|".join, axis=1) if strata else None
    kind = "stratified log-rank" if strata else "log-rank"
    if len(levels) == 2:
        experimental = next(lv for lv in levels if lv != reference)
        treat = (data["group"] == experimental).astype(float)
        cox = cox_ph(data.assign(_treat=treat), "time_months", "event", ["_treat"],
                     strata=list(strata) or None)
        row = cox.summary.iloc[0]
        # code 0 = experimental sorts first, so "less" means a lower hazard on the experimental arm
        lr = logrank_test(data["time_months"], data["event"], np.where(treat > 0, 0, 1),
                          strata=strat_key, alternative=alternative)
        sided = "" if alternative == "two-sided" else "one-sided "
        hr_text = (f"HR {fmt_num(row['hr'], hr_digits)} (95% CI {fmt_num(row['hr_lower'], hr_digits)}"
                   f"{DASH}{fmt_num(row['hr_upper'], hr_digits)})")
        if cox.possibly_infinite:
            hr_text += " (not estimable: coefficient may be infinite)"
        p_text = fmt_p(lr.p_value)
        p_text = f"{sided}{kind} p{'' if p_text.startswith('<') else '='}{p_text}"
        frame = pd.DataFrame([
            {"statistic": "hr", "value": row["hr"], "lower": row["hr_lower"], "upper": row["hr_upper"],
             "comparison": f"{experimental} vs {reference}", "text": hr_text},
            {"statistic": "p_logrank", "value": lr.p_value, "lower": math.nan, "upper": math.nan,
             "comparison": f"{experimental} vs {reference}", "text": p_text}])
        return frame, [f"{hr_text}; {p_text}"]
    if len(levels) > 2:
        lr = logrank_test(data["time_months"], data["event"], data["group"], strata=strat_key)
        p_text = fmt_p(lr.p_value)
        p_text = f"{kind} p{'' if p_text.startswith('<') else '='}{p_text} ({len(levels) - 1} df)"
        frame = pd.DataFrame([{"statistic": "p_logrank", "value": lr.p_value, "lower": math.nan,
                               "upper": math.nan, "comparison": "all groups", "text": p_text}])
        return frame, [p_text]
    return pd.DataFrame(columns=["statistic", "value", "lower", "upper", "comparison", "text"]), []


def km_figure(adtte: pd.DataFrame, adsl: pd.DataFrame, endpoint: str, group_by: str | None = "arm", *,
              out_dir: str | Path, order: Sequence[object] | None = None, reference: object | None = None,
              strata: Sequence[str] = (), alternative: str = "two-sided", conf_type: str = "log-log",
              population_flag: str | None = "ittfl", population: str = "Intention-to-treat population",
              at_risk_times: Sequence[float] | None = None, x_max: float | None = None, percent: bool = False,
              show_ci: bool = False, median_lines: bool = False, hr_digits: int = 2,
              figure_id: str | None = None, title: str | None = None,
              size: tuple[float, float] = (6.5, 4.8)) -> FigureOutput:
    """Kaplan–Meier curves of ``endpoint`` by ``group_by`` with a number-at-risk table.

    Inputs: ``adtte`` (patient_id, endpoint, time_months, event) and ``adsl`` (patient_id,
    the ``group_by`` and ``strata`` columns, ``population_flag``). ``group_by=None`` draws one
    curve (all patients, as the Italian cohort's Figure 1). Groups are drawn and listed in
    ``order`` (default: sorted levels).

    What is drawn, and where each number comes from:

    * curves: :func:`mmevidence.stats.kaplan_meier` (``S(t) = prod (1 - d_j/n_j)``, R
      ``survfit``), right-continuous steps starting at S(0) = 1; ``+`` at each censored time at
      the curve's value there (R ``plot.survfit(mark.time=TRUE)``); optional pointwise CI band
      (``conf_type``, default log-log as SAS LIFETEST);
    * number at risk at each x tick: patients with time >= t, i.e. ``n_risk`` of
      :meth:`KaplanMeier.survival_at` (R ``summary(fit, times=)$n.risk``, as survminer's
      risk table);
    * medians with Brookmeyer–Crowley 95% CIs on the same ``conf_type``
      (:meth:`KaplanMeier.median`; R ``print.survfit``), "NE" where not reached;
    * two groups: HR of the non-reference arm vs ``reference`` (default: the last level of
      ``order``) from :func:`mmevidence.stats.cox_ph` (Efron ties; stratified by ``strata``
      as R ``coxph(... + strata(...))``/SAS PHREG STRATA) and the log-rank p from
      :func:`mmevidence.stats.logrank_test` stratified by the same factors (R
      ``survdiff``); ``alternative="less"`` gives the one-sided p for a lower hazard on the
      experimental arm (ICARIA-MM's one-sided test). More than two groups: the k-sample
      log-rank p only.

    Returns a :class:`FigureOutput` whose ``data`` has ``curves`` (group, time, survival,
    lower, upper, n_risk, n_event, n_censor — the KM table), ``censored`` (group, time,
    survival of each ``+``), ``at_risk`` (group, time, n_risk as printed), ``summary``
    (group, n, events, median, median_lower, median_upper, text) and ``comparison``
    (statistic, value, lower, upper, comparison, text).
    """
    strata = list(strata)
    data, notes = analysis_frame(adtte, adsl, endpoint, group_by, strata, population_flag)
    levels = list(order) if order is not None else sorted(data["group"].unique(), key=str)
    unknown = set(data["group"]) - set(levels)
    if unknown:
        notes.append(f"Groups not in order and not drawn: {', '.join(map(str, sorted(unknown, key=str)))}.")
        data = data.loc[data["group"].isin(levels)].reset_index(drop=True)
    if reference is None:
        reference = levels[-1]
    elif reference not in levels:
        raise ValueError(f"reference: {reference!r} is not one of the groups {levels}")
    label = ENDPOINT_LABELS.get(endpoint, endpoint)
    colors = group_colors(levels)
    fits = {lv: kaplan_meier(data.loc[data["group"] == lv, "time_months"],
                             data.loc[data["group"] == lv, "event"], conf_type=conf_type) for lv in levels}
    last = float(data["time_months"].max()) if x_max is None else float(x_max)
    ticks = risk_times(last, at_risk_times)
    x_right = max(float(ticks[-1]), last)
    scale = 100.0 if percent else 1.0

    curves, censored, at_risk, summary = [], [], [], []
    for lv in levels:
        fit = fits[lv]
        table = fit.table.assign(group=lv)
        curves.append(table)
        cens = table.loc[table["n_censor"] > 0, ["group", "time", "survival"]]
        censored.append(cens)
        risk = fit.survival_at(ticks)
        at_risk.append(pd.DataFrame({"group": lv, "time": ticks, "n_risk": risk["n_risk"].to_numpy()}))
        med = fit.median()
        n = int((data["group"] == lv).sum())
        summary.append({"group": lv, "n": n, "events": int(data.loc[data["group"] == lv, "event"].sum()),
                        "median": med.estimate, "median_lower": med.lower, "median_upper": med.upper,
                        "text": _median_text(str(lv), med)})
    summary_df = pd.DataFrame(summary)
    comparison, comparison_text = _comparison(data, levels, reference, strata, alternative, hr_digits)

    with style_context():
        fig = new_figure(*size)
        n_rows = len(levels)
        grid = fig.add_gridspec(2, 1, height_ratios=[4.0, 0.35 + 0.22 * n_rows])
        ax = fig.add_subplot(grid[0])
        tab = fig.add_subplot(grid[1], sharex=ax)
        for lv, table, cens in zip(levels, curves, censored):
            c = colors[lv]
            row = summary_df.loc[summary_df["group"] == lv].iloc[0]
            x = np.concatenate(([0.0], table["time"].to_numpy()))
            y = np.concatenate(([1.0], table["survival"].to_numpy())) * scale
            ax.step(x, y, where="post", color=c, label=f"{lv} (n={row['n']})", gid=f"km-curve-{lv}")
            if show_ci:
                lo = np.concatenate(([1.0], table["lower"].to_numpy())) * scale
                hi = np.concatenate(([1.0], table["upper"].to_numpy())) * scale
                ax.fill_between(x, lo, hi, step="post", color=c, alpha=0.15, linewidth=0)
            ax.plot(cens["time"], cens["survival"] * scale, linestyle="none", marker="+", markersize=6,
                    markeredgewidth=1.0, color=c, gid=f"km-censor-{lv}")
            if median_lines and not math.isnan(row["median"]):
                ax.plot([0, row["median"], row["median"]], [0.5 * scale, 0.5 * scale, 0], color=c,
                        linestyle=":", linewidth=0.8)
        ax.set_ylim(0, 1.02 * scale)
        set_time_axis(ax, ticks, x_right)
        ax.set_ylabel(f"{label} (%)" if percent else f"{label} probability")
        ax.legend(loc="upper right", handlelength=1.8)
        lines = [*summary_df["text"], *comparison_text]
        if group_by is None:
            lines = [summary_df["text"].iloc[0].replace(f"{_ALL}: m", "M")]
        ax.text(0.02, 0.03, "\n".join(lines), transform=ax.transAxes, ha="left", va="bottom",
                fontsize=7.5, gid="km-annotation")
        draw_risk_table(tab, levels, at_risk, colors)

    footnotes = [f"Kaplan–Meier estimates; medians with Brookmeyer–Crowley 95% CIs ({conf_type} transform)."]
    if len(levels) == 2:
        footnotes.append("HR from a Cox proportional-hazards model (Efron ties)"
                         f"{' stratified by ' + ', '.join(strata) if strata else ''}; "
                         f"{'one-sided' if alternative != 'two-sided' else 'two-sided'} log-rank p.")
    footnotes.append("+ = censored. Time in months (days / 30.4375).")
    footnotes.extend(notes)
    fid = figure_id or f"km_{endpoint}{'_' + group_by if group_by else ''}"
    ttl = title or f"Kaplan–Meier estimates of {label.lower()}{' by ' + group_by if group_by else ''}"
    alt = f"{ttl}. " + "; ".join(lines)
    data_out = {"curves": pd.concat(curves, ignore_index=True), "censored": pd.concat(censored, ignore_index=True),
                "at_risk": pd.concat(at_risk, ignore_index=True), "summary": summary_df, "comparison": comparison}
    return save_figure(fig, out_dir, fid, ttl, population, data_out, footnotes, alt)

