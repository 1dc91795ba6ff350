"""Cumulative incidence (competing risks) figure: Aalen–Johansen curves per cause and group, Gray's test.

Typical myeloma use: progression and death without progression as competing first
events of PFS. Curves and Gray's p come from :func:`mmevidence.stats.cumulative_incidence`
(R ``cmprsk::cuminc``); the number-at-risk table is that of the Kaplan–Meier figure
(patients with time >= t).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from mmevidence.report.figures.km import analysis_frame, draw_risk_table, risk_times, set_time_axis
from mmevidence.report.figures.style import FigureOutput, group_colors, new_figure, save_figure, style_context
from mmevidence.report.format import fmt_num, fmt_p
from mmevidence.stats import cumulative_incidence, kaplan_meier

#: PFS event reasons (``adtte.reason``) -> competing causes, in cause order 1, 2.
PFS_CAUSES: dict[str, str] = {"progression": "Progression", "death": "Death without progression"}
_STYLES = ("-", "--", ":", "-.")


def cif_figure(adtte: pd.DataFrame, adsl: pd.DataFrame, endpoint: str = "PFS", group_by: str | None = "arm", *,
               out_dir: str | Path, causes: Mapping[str, str] = PFS_CAUSES, population_flag: str | None = "ittfl",
               population: str = "Intention-to-treat population", at_risk_times: Sequence[float] | None = None,
               figure_id: str | None = None, title: str | None = None,
               size: tuple[float, float] = (6.5, 4.8)) -> FigureOutput:
    """Cumulative incidence of each cause of the ``endpoint``'s events, by ``group_by``.

    Cause coding: an event row (``event == 1``) whose ``adtte.reason`` is the k-th key of
    ``causes`` is cause k; censored rows are 0. An event with a reason not in ``causes``
    raises ``ValueError`` (every event must belong to a cause for the estimator to be
    right). Estimator: Aalen–Johansen ``F_k(t) = sum_{t_j <= t} S(t_j-) d_kj / n_j``
    (cmprsk ``cuminc``), drawn as right-continuous steps from 0; line style by cause,
    colour by group. With more than one group, Gray's test p per cause (cmprsk ``Tests``).
    A cause without any event is not drawn. ``data``: ``curves`` (group, cause, label, time,
    estimate, lower, upper: the jumps; each drawn curve runs on flat to the group's last
    follow-up time), ``at_risk``,
    ``gray`` (cause, label, statistic, df, p_value).
    """
    data, notes = analysis_frame(adtte, adsl, endpoint, group_by, (), population_flag, extra=("reason",))
    codes = {reason: k for k, reason in enumerate(causes, start=1)}
    cause = data["reason"].map(codes).where(data["event"] == 1, 0)
    if cause.isna().any():
        bad = sorted(data.loc[cause.isna(), "reason"].astype(str).unique())
        raise ValueError(f"causes: event reason(s) {', '.join(bad)} not assigned to a cause")
    data["cause"] = cause.astype(int)
    levels = sorted(data["group"].unique(), key=str)
    colors = group_colors(levels)
    labels = {k: causes[r] for r, k in codes.items()}
    fit = cumulative_incidence(data["time_months"], data["cause"], data["group"])
    curves = fit.table.loc[fit.table["cause"].isin(labels)].assign(label=lambda d: d["cause"].map(labels))
    ticks = risk_times(float(data["time_months"].max()), at_risk_times)
    at_risk = []
    for lv in levels:
        sel = data["group"] == lv
        n_risk = kaplan_meier(data.loc[sel, "time_months"], data.loc[sel, "event"]).survival_at(ticks)["n_risk"]
        at_risk.append(pd.DataFrame({"group": lv, "time": ticks, "n_risk": n_risk.to_numpy()}))
    gray = pd.DataFrame(columns=["cause", "label", "statistic", "df", "p_value"])
    if fit.gray_test is not None:
        gray = fit.gray_test.assign(label=lambda d: d["cause"].map(labels))

    with style_context():
        fig = new_figure(*size)
        grid = fig.add_gridspec(2, 1, height_ratios=[4.0, 0.35 + 0.22 * len(levels)])
        ax = fig.add_subplot(grid[0])
        tab = fig.add_subplot(grid[1], sharex=ax)
        for lv in levels:
            for k, label in labels.items():
                c = curves.loc[(curves["group"] == lv) & (curves["cause"] == k)].sort_values("time")
                if c.empty:
                    continue  # no event of this cause anywhere: nothing to draw
                # the table starts at (0, 0) and has every jump; run flat to the group's last time (cmprsk plot)
                x = np.append(c["time"].to_numpy(), fit.last_time[lv])
                y = np.append(c["estimate"].to_numpy(), c["estimate"].iloc[-1])
                name = f"{lv}: {label}" if group_by else label
                ax.step(x, y, where="post", color=colors[lv], linestyle=_STYLES[(k - 1) % len(_STYLES)],
                        label=name, gid=f"cif-{lv}-{k}")
        ax.set_ylim(0, 1.0)
        set_time_axis(ax, ticks, max(float(ticks[-1]), float(data["time_months"].max())))
        ax.set_ylabel("Cumulative incidence")
        ax.legend(loc="upper left")
        if len(gray):
            text = "\n".join(f"Gray's test, {r.label.lower()}: p{'' if fmt_p(r.p_value).startswith('<') else '='}"
                             f"{fmt_p(r.p_value)}" for r in gray.itertuples())
            ax.text(0.98, 0.03, text, transform=ax.transAxes, ha="right", va="bottom", fontsize=7.5, gid="cif-gray")
        draw_risk_table(tab, levels, at_risk, colors)

    footnotes = ["Aalen–Johansen cumulative incidence with competing causes "
                 + ", ".join(f"{labels[k].lower()}" for k in labels) + "; Gray's test (rho = 0).", *notes]
    fid = figure_id or f"cif_{endpoint}{'_' + group_by if group_by else ''}"
    ttl = title or f"Cumulative incidence of {', '.join(v.lower() for v in causes.values())}"
    last = curves.sort_values("time").groupby(["group", "label"])["estimate"].last()
    alt = f"{ttl}: " + "; ".join(f"{g} {lab} {fmt_num(100 * v, 1)}% at last event" for (g, lab), v in last.items())
    out = {"curves": curves.reset_index(drop=True), "at_risk": pd.concat(at_risk, ignore_index=True), "gray": gray}
    return save_figure(fig, out_dir, fid, ttl, population, out, footnotes, alt)
