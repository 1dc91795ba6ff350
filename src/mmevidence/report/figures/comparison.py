"""A cohort's Kaplan–Meier curve beside a published trial arm.

Two forms, depending on what is known of the trial arm:

* digitised points of its published curve (and its number-at-risk table): the arm's patient
  data are reconstructed with :func:`mmevidence.compare.reconstruct_ipd` (Guyot et al. 2012)
  and its Kaplan–Meier curve is drawn beside the cohort's;
* otherwise the cohort's curve is drawn with the published median marked at S = 0.5 and its
  published 95% CI as a horizontal bar (nothing is invented between published numbers).

The MAIC-weighted cohort curve (case-weighted Kaplan–Meier, R ``survfit(weights=)``) is drawn
dashed when weights are given. Every curve comes from :func:`mmevidence.stats.kaplan_meier`.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from mmevidence.report.figures.km import ENDPOINT_LABELS, tick_step
from mmevidence.report.figures.style import FigureOutput, GREY, group_colors, new_figure, save_figure, style_context
from mmevidence.report.format import DASH, fmt_num
from mmevidence.stats import kaplan_meier
from mmevidence.stats.estimate import Estimate

__all__ = ["comparison_km_figure"]


def _steps(fit) -> tuple[np.ndarray, np.ndarray]:
    table = fit.table
    return (np.concatenate(([0.0], table["time"].to_numpy())), np.concatenate(([1.0], table["survival"].to_numpy())))


def comparison_km_figure(time: np.ndarray, event: np.ndarray, *, out_dir: str | Path, cohort_label: str,
                         benchmark_label: str, endpoint: str = "PFS", published_median: Estimate | None = None,
                         benchmark_ipd: pd.DataFrame | None = None,
                         weighted: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                         weighted_label: str | None = None,
                         population: str = "", figure_id: str = "comparison_km",
                         size: tuple[float, float] = (6.5, 4.2)) -> FigureOutput:
    """KM curve of the cohort (``time`` in months, ``event`` 0/1) beside the benchmark arm.

    ``benchmark_ipd``: reconstructed patient data of the benchmark arm (``time``, ``event``,
    from :func:`mmevidence.compare.reconstruct_ipd`), drawn as a second KM curve;
    otherwise ``published_median`` (estimate, lower, upper; NaN limits allowed) is marked on
    the cohort's axes. ``weighted``: ``(time, event, weights)`` of the MAIC population (the MAIC
    weights), drawn as a dashed case-weighted curve labelled ``weighted_label``.
    Returns the :class:`FigureOutput` with ``data["curves"]`` (curve, time, survival) and
    ``data["summary"]`` (curve, median, lower, upper; cohort medians Brookmeyer–Crowley
    log-log, as SAS LIFETEST).
    """
    colors = group_colors(["cohort", "benchmark", "weighted"])
    label = ENDPOINT_LABELS.get(endpoint, endpoint)
    fits = {f"{cohort_label} (n={len(time)})": (kaplan_meier(time, event), colors["cohort"], "-")}
    if weighted is not None:
        wt, we, ww = weighted
        name = weighted_label or f"{cohort_label}, MAIC-weighted (n={len(wt)})"
        fits[name] = (kaplan_meier(wt, we, weights=ww), colors["weighted"], "--")
    if benchmark_ipd is not None:
        fits[f"{benchmark_label} (reconstructed)"] = (
            kaplan_meier(benchmark_ipd["time"].to_numpy(), benchmark_ipd["event"].to_numpy()), colors["benchmark"], "-")
    curves, summary = [], []
    x_last = float(np.max(time))
    if benchmark_ipd is not None:
        x_last = max(x_last, float(benchmark_ipd["time"].max()))
    with style_context():
        fig = new_figure(*size)
        ax = fig.add_subplot()
        for name, (fit, color, ls) in fits.items():
            x, y = _steps(fit)
            ax.step(x, y, where="post", color=color, linestyle=ls, label=name, gid=f"curve-{name}")
            med = fit.median()
            curves.append(pd.DataFrame({"curve": name, "time": x, "survival": y}))
            summary.append({"curve": name, "median": med.estimate, "lower": med.lower, "upper": med.upper})
        lines = [f"{s['curve']}: median {fmt_num(s['median'], 1)} ({fmt_num(s['lower'], 1)}{DASH}"
                 f"{fmt_num(s['upper'], 1)}) months" for s in summary]
        if benchmark_ipd is None and published_median is not None and not math.isnan(published_median.estimate):
            m, lo, hi = published_median.estimate, published_median.lower, published_median.upper
            c = colors["benchmark"]
            if not (math.isnan(lo) or math.isnan(hi)):
                ax.errorbar([m], [0.5], xerr=[[m - lo], [hi - m]], fmt="o", color=c, capsize=3, markersize=4,
                            label=f"{benchmark_label}: published median (95% CI)", gid="published-median")
            else:
                ax.plot([m], [0.5], "o", color=c, markersize=4, label=f"{benchmark_label}: published median",
                        gid="published-median")
            x_last = max(x_last, m if math.isnan(hi) else hi)
            summary.append({"curve": f"{benchmark_label} (published)", "median": m, "lower": lo, "upper": hi})
            lines.append(f"{benchmark_label} (published): median {fmt_num(m, decimals_of(m))} "
                         f"({fmt_num(lo, decimals_of(lo))}{DASH}{fmt_num(hi, decimals_of(hi))}) months")
        ax.axhline(0.5, color=GREY, linewidth=0.6, linestyle=":")
        step = tick_step(x_last)
        ticks = np.arange(0.0, math.ceil(x_last / step) * step + step / 2, step)
        ax.set_xticks(ticks)
        ax.set_xlim(0, ticks[-1] * 1.01)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("Time (months)")
        ax.set_ylabel(f"{label} probability")
        ax.legend(loc="upper right", handlelength=2.2)
        ax.text(0.02, 0.03, "\n".join(lines), transform=ax.transAxes, ha="left", va="bottom", fontsize=7.5,
                gid="comparison-annotation")
    footnotes = ["Kaplan–Meier estimates; cohort medians with Brookmeyer–Crowley 95% CIs (log-log)."]
    if weighted is not None:
        footnotes.append("Dashed: the cohort weighted by MAIC weights (case-weighted Kaplan–Meier).")
    if benchmark_ipd is not None:
        footnotes.append(f"{benchmark_label}: patient data reconstructed from the digitised published curve "
                         "(Guyot et al. 2012).")
    else:
        footnotes.append(f"{benchmark_label}: no digitised curve available; the published median and its 95% CI are "
                         "marked at S = 0.5.")
    title = f"{label}: {cohort_label} vs {benchmark_label}"
    data = {"curves": pd.concat(curves, ignore_index=True), "summary": pd.DataFrame(summary)}
    return save_figure(fig, out_dir, figure_id, title, population, data, footnotes, alt=f"{title}. " + "; ".join(lines))


def decimals_of(value: float) -> int:
    """Decimals of a published number as printed (11.53 -> 2); 1 for NaN."""
    from mmevidence.report.tables.comparison import decimals

    return decimals(value) if not math.isnan(value) else 1
