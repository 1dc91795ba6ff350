"""Subgroup response-rate dot plot: response rate with exact 95% CI per subgroup level and arm.

The response counterpart of the forest plot (ICARIA-MM appendix p 9: overall response
by subgroup): one row per subgroup level, one dot per arm at the rate in percent, its
Clopper–Pearson interval as a line (:func:`mmevidence.stats.clopper_pearson`, R
``binom.test``), the count "x/n" printed per arm.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from mmevidence.report.figures.style import FigureOutput, group_colors, new_figure, save_figure, style_context
from mmevidence.report.format import fmt_num
from mmevidence.stats import clopper_pearson

RATE_COLUMNS: tuple[str, ...] = ("subgroup", "level", "arm", "responders", "n")


def response_rate_figure(counts: pd.DataFrame, *, out_dir: str | Path, arms: Sequence[str] | None = None,
                         response_label: str = "Overall response (PR or better)", conf_level: float = 0.95,
                         population: str = "Intention-to-treat population", figure_id: str = "response_subgroups",
                         title: str | None = None) -> FigureOutput:
    """Dot plot of response rates by subgroup level and arm.

    ``counts``: one row per (subgroup, level, arm) with :data:`RATE_COLUMNS` — ``subgroup``
    (factor label; rows of a factor consecutive), ``level`` (level label; empty for a row
    such as "All patients"), ``arm``, ``responders`` and ``n`` (integers). Rates are
    ``100 * responders / n`` with the Clopper–Pearson interval at ``conf_level``; arms are
    drawn in ``arms`` order (default: order of appearance), dodged vertically within a row.
    ``data["points"]``: subgroup, level, arm, responders, n, rate, lower, upper, y.
    """
    missing = [c for c in RATE_COLUMNS if c not in counts.columns]
    if missing:
        raise ValueError(f"counts: missing column(s) {', '.join(missing)}")
    arms = list(arms) if arms is not None else list(dict.fromkeys(counts["arm"]))
    colors = group_colors(arms)
    keys = list(dict.fromkeys(zip(counts["subgroup"], counts["level"].fillna(""))))
    rows, y, seen = [], 0.0, set()
    positions = {}
    for subgroup, level in keys:
        if level and subgroup not in seen:
            seen.add(subgroup)
            rows.append((y, subgroup, True))
            y += 1
        rows.append((y, level or subgroup, not level))
        positions[(subgroup, level)] = y
        y += 1
    points = []
    for rec in counts.itertuples(index=False):
        est = clopper_pearson(int(rec.responders), int(rec.n), conf_level)
        level = "" if pd.isna(rec.level) else rec.level
        offset = (arms.index(rec.arm) - (len(arms) - 1) / 2) * 0.3
        points.append({"subgroup": rec.subgroup, "level": level, "arm": rec.arm, "responders": int(rec.responders),
                       "n": int(rec.n), "rate": 100 * est.estimate, "lower": 100 * est.lower,
                       "upper": 100 * est.upper, "y": positions[(rec.subgroup, level)] + offset})
    points = pd.DataFrame(points)

    with style_context():
        fig = new_figure(6.5, 0.9 + 0.24 * len(rows))
        grid = fig.add_gridspec(1, 2, width_ratios=[1.3, 2.7], wspace=0.0)
        left = fig.add_subplot(grid[0])
        ax = fig.add_subplot(grid[1], sharey=left)
        left.set_xlim(0, 1)
        left.axis("off")
        for yy, label, bold in rows:
            left.text(0.04 if not bold else 0.0, yy, label, va="center", fontweight="bold" if bold else "normal")
        for arm in arms:
            sel = points.loc[points["arm"] == arm]
            ax.hlines(sel["y"], sel["lower"], sel["upper"], color=colors[arm], linewidth=1.0)
            ax.plot(sel["rate"], sel["y"], linestyle="none", marker="o", markersize=4.5, color=colors[arm],
                    label=arm, gid=f"response-{arm}")
            for r in sel.itertuples():
                ax.text(102, r.y, f"{r.responders}/{r.n}", va="center", fontsize=6, color=colors[arm])
        ax.set_ylim(len(rows) - 0.5, -0.7)
        ax.set_xlim(0, 112)
        ax.set_xticks([0, 20, 40, 60, 80, 100])
        ax.set_xlabel(f"{response_label}, % ({fmt_num(100 * conf_level, 0)}% CI)")
        ax.tick_params(axis="y", left=False, labelleft=False)
        ax.spines["left"].set_visible(False)
        ax.legend(loc="lower right", ncol=len(arms), bbox_to_anchor=(1.0, 1.0))

    footnotes = [f"Rate = responders / patients; Clopper–Pearson exact {fmt_num(100 * conf_level, 0)}% CI."]
    ttl = title or f"{response_label} by subgroup"
    alt = f"{ttl}: " + "; ".join(f"{r.level or r.subgroup} {r.arm} {fmt_num(r.rate, 1)}%" for r in points.itertuples())
    return save_figure(fig, out_dir, figure_id, ttl, population, {"points": points}, footnotes, alt)
