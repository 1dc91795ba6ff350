"""Subgroup forest plot of hazard ratios (the look of ICARIA-MM Figure 3).

One row per subgroup level: events/patients per arm, the HR as a square (area by the
level's patients) with its CI as a line on a log axis, a vertical line at HR = 1,
"Favours ..." labels under the axis, the HR (95% CI) printed at the right and the
treatment-by-factor interaction p once per factor. Nothing is estimated here: the
numbers come from the subgroup analysis (Cox model per level and the interaction test,
as ICARIA-MM's "Cox proportional hazards model with terms for the factor, treatment,
and their interaction").
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, NullLocator
from matplotlib.transforms import blended_transform_factory

from mmevidence.analysis._subjects import parse_group
from mmevidence.report.figures.style import GREY, FigureOutput, new_figure, save_figure, style_context
from mmevidence.report.format import DASH, fmt_num, fmt_p

#: Columns of the forest-plot input frame (see :func:`forest_figure`).
FOREST_COLUMNS: tuple[str, ...] = ("subgroup", "level", "hr", "lower", "upper", "n_experimental", "n_control",
                                   "events_experimental", "events_control", "p_interaction")
_TICKS = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0)  # 0.2/0.25 and 4/5 overlapped on a log axis


def forest_frame_from_records(records: pd.DataFrame, experimental: str, control: str,
                              arm_key: str = "arm") -> pd.DataFrame:
    """Result records (:mod:`mmevidence.analysis.results`) -> the :data:`FOREST_COLUMNS` frame.

    Convention read: statistic ``"hr"`` with ``group = "<factor>=<level>"`` (value, lower,
    upper = HR and CI; ``group = ""`` is the overall row "All patients"); ``"n"`` and
    ``"events"`` with ``group = "<factor>=<level>|arm=<arm>"`` (``"arm=<arm>"`` overall);
    ``"p_interaction"`` with ``group = "<factor>"``. Rows keep the order of the ``"hr"``
    records.
    """
    hr = records.loc[records["statistic"] == "hr"]
    pint = records.loc[records["statistic"] == "p_interaction"].set_index("group")["value"]
    counts: dict[tuple[str, str, str, str], float] = {}
    for rec in records.loc[records["statistic"].isin(["n", "events"])].itertuples():
        parts = parse_group(str(rec.group))
        arm = parts.pop(arm_key, None)
        key = "|".join(f"{k}={v}" for k, v in parts.items())
        counts[(rec.statistic, key, str(arm), "")] = rec.value
    rows = []
    for rec in hr.itertuples():
        parts = parse_group(str(rec.group))
        factor, level = next(iter(parts.items())) if parts else ("All patients", "")
        key = "|".join(f"{k}={v}" for k, v in parts.items())
        rows.append({"subgroup": factor, "level": level, "hr": rec.value, "lower": rec.lower, "upper": rec.upper,
                     "n_experimental": counts.get(("n", key, experimental, ""), math.nan),
                     "n_control": counts.get(("n", key, control, ""), math.nan),
                     "events_experimental": counts.get(("events", key, experimental, ""), math.nan),
                     "events_control": counts.get(("events", key, control, ""), math.nan),
                     "p_interaction": pint.get(factor, math.nan)})
    return pd.DataFrame(rows, columns=list(FOREST_COLUMNS))


def _layout_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows as drawn, top to bottom: a heading per factor (with its interaction p), then its levels."""
    rows, seen = [], set()
    for rec in frame.itertuples(index=False):
        level = "" if pd.isna(rec.level) else str(rec.level)
        single = level == "" or level == rec.subgroup
        if not single and rec.subgroup not in seen:
            seen.add(rec.subgroup)
            p = frame.loc[frame["subgroup"] == rec.subgroup, "p_interaction"].dropna()
            rows.append({"kind": "heading", "label": str(rec.subgroup),
                         "p_interaction": p.iloc[0] if len(p) else math.nan})
        rows.append({"kind": "single" if single else "level", "label": str(rec.subgroup) if single else level,
                     **{c: getattr(rec, c) for c in FOREST_COLUMNS if c not in ("subgroup", "level")}})
    out = pd.DataFrame(rows)
    out["y"] = np.arange(len(out), dtype=float)
    return out


def _events_n(events: float, n: float) -> str:
    if pd.isna(n):
        return ""
    return f"{int(n)}" if pd.isna(events) else f"{int(events)}/{int(n)}"


def forest_figure(records_or_frame: pd.DataFrame, *, out_dir: str | Path, experimental: str = "Experimental",
                  control: str = "Control", endpoint: str = "PFS", population: str = "Intention-to-treat population",
                  figure_id: str = "forest_subgroups", title: str | None = None, hr_digits: int = 2,
                  x_limits: tuple[float, float] | None = None) -> FigureOutput:
    """Forest plot of treatment HRs by subgroup.

    Input frame (one row per subgroup level, drawn in input order), columns
    :data:`FOREST_COLUMNS`:

    ``subgroup``  factor label, e.g. "Age (years)"; rows of one factor are consecutive
    ``level``     level label, e.g. "<65"; empty/NaN (or equal to ``subgroup``) for a row
                  drawn on its own without a heading, e.g. the overall "All patients" row
    ``hr``, ``lower``, ``upper``  HR (experimental vs control) and its CI (e.g. 95%)
    ``n_experimental``, ``n_control``  patients per arm in the level
    ``events_experimental``, ``events_control``  events per arm (NaN: print n only)
    ``p_interaction``  treatment-by-factor interaction p (same value on every row of the
                  factor, or on one of them; NaN if not tested); printed on the heading row.

    Result records (the :mod:`mmevidence.analysis.results` columns) are converted by
    :func:`forest_frame_from_records` with ``experimental``/``control`` as the arm names.

    The HR axis is logarithmic (ratios symmetric about 1); square area is proportional to
    the level's patients (n_experimental + n_control); CI lines beyond the axis limits are
    clipped and end in an arrow head. ``data["rows"]`` holds the drawn rows (kind, label,
    y, hr, lower, upper, counts, text columns).
    """
    frame = records_or_frame
    if "statistic" in frame.columns and "subgroup" not in frame.columns:
        frame = forest_frame_from_records(frame, experimental, control)
    missing = [c for c in ("subgroup", "level", "hr", "lower", "upper") if c not in frame.columns]
    if missing:
        raise ValueError(f"records_or_frame: missing column(s) {', '.join(missing)}")
    frame = frame.reindex(columns=list(FOREST_COLUMNS))
    rows = _layout_rows(frame)
    data_rows = rows.loc[rows["kind"] != "heading"]
    finite = data_rows[["hr", "lower", "upper"]].to_numpy(dtype=float)
    finite = finite[np.isfinite(finite) & (finite > 0)]
    if x_limits is None:
        lo = min(0.5, float(finite.min()) if finite.size else 0.5) / 1.1
        hi = max(2.0, float(finite.max()) if finite.size else 2.0) * 1.1
        x_limits = (max(lo, 0.05), min(hi, 20.0))
    x_lo, x_hi = x_limits
    rows["hr_text"] = [
        "" if r.kind == "heading" else
        f"{fmt_num(r.hr, hr_digits)} ({fmt_num(r.lower, hr_digits)}{DASH}{fmt_num(r.upper, hr_digits)})"
        for r in rows.itertuples()]
    rows["p_text"] = ["" if k != "heading" or pd.isna(p) else fmt_p(p)
                      for k, p in zip(rows["kind"], rows["p_interaction"])]
    rows["exp_text"] = [_events_n(e, n) for e, n in zip(rows.get("events_experimental"), rows.get("n_experimental"))]
    rows["ctl_text"] = [_events_n(e, n) for e, n in zip(rows.get("events_control"), rows.get("n_control"))]

    n_rows = len(rows)
    with style_context():
        fig = new_figure(7.5, 0.9 + 0.2 * n_rows)
        grid = fig.add_gridspec(1, 3, width_ratios=[3.2, 2.4, 1.9], wspace=0.0)
        left = fig.add_subplot(grid[0])
        ax = fig.add_subplot(grid[1], sharey=left)
        right = fig.add_subplot(grid[2], sharey=left)
        for text_ax in (left, right):
            text_ax.set_xlim(0, 1)
            text_ax.axis("off")
        ax.set_ylim(n_rows - 0.5, -1.5)
        head = -1.0
        left.text(0.0, head, "Subgroup", fontweight="bold", va="center")
        left.text(0.66, head, f"{experimental}\nevents/n", fontweight="bold", ha="center", va="center", fontsize=7)
        left.text(0.9, head, f"{control}\nevents/n", fontweight="bold", ha="center", va="center", fontsize=7)
        right.text(0.05, head, "HR (95% CI)", fontweight="bold", va="center")
        right.text(0.98, head, "p for\ninteraction", fontweight="bold", ha="right", va="center", fontsize=7)
        for r in rows.itertuples():
            indent = 0.04 if r.kind == "level" else 0.0
            left.text(indent, r.y, r.label, va="center", fontweight="bold" if r.kind != "level" else "normal")
            left.text(0.66, r.y, r.exp_text, ha="center", va="center")
            left.text(0.9, r.y, r.ctl_text, ha="center", va="center")
            right.text(0.05, r.y, r.hr_text, va="center")
            right.text(0.98, r.y, r.p_text, ha="right", va="center")
        n_total = (data_rows["n_experimental"].fillna(0) + data_rows["n_control"].fillna(0)).to_numpy(dtype=float)
        size = 3.0 + 6.0 * np.sqrt(n_total / n_total.max()) if n_total.max() > 0 else np.full(len(data_rows), 5.0)
        for (_, r), ms in zip(data_rows.iterrows(), size):
            if not (np.isfinite(r["lower"]) and np.isfinite(r["upper"])):
                continue
            lo_c, hi_c = max(r["lower"], x_lo), min(r["upper"], x_hi)
            ax.plot([lo_c, hi_c], [r["y"], r["y"]], color="black", linewidth=1.0, solid_capstyle="butt")
            if r["lower"] < x_lo:
                ax.plot([x_lo], [r["y"]], marker="<", color="black", markersize=4)
            if r["upper"] > x_hi:
                ax.plot([x_hi], [r["y"]], marker=">", color="black", markersize=4)
        has_hr = np.isfinite(data_rows["hr"].to_numpy(dtype=float))
        shown = data_rows.loc[has_hr]
        ax.scatter(shown["hr"], shown["y"], marker="s", s=np.asarray(size)[has_hr] ** 2, color="black", zorder=3,
                   gid="forest-hr")
        ax.axvline(1.0, color=GREY, linewidth=0.8, linestyle="--", zorder=0)
        ax.set_xscale("log")
        ax.set_xlim(x_lo, x_hi)
        ticks = [t for t in _TICKS if x_lo <= t <= x_hi]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticklabels([fmt_num(t, 2).rstrip("0").rstrip(".") for t in ticks])
        ax.set_xlabel("Hazard ratio (95% CI)")
        ax.tick_params(axis="y", left=False, labelleft=False)
        ax.spines["left"].set_visible(False)
        below = blended_transform_factory(ax.transData, ax.transAxes)
        ax.text(0.95, -0.1 - 1.2 / n_rows, f"\u2190 Favours {experimental}", transform=below, ha="right", va="top",
                fontsize=7)
        ax.text(1.05, -0.1 - 1.2 / n_rows, f"Favours {control} \u2192", transform=below, ha="left", va="top",
                fontsize=7)

    footnotes = [f"HR of {experimental} vs {control} for {endpoint} with 95% CI per subgroup level, log scale; "
                 "p for the treatment-by-factor interaction.", "Square area proportional to patients in the level."]
    ttl = title or f"Subgroup analyses of {endpoint}"
    alt = f"{ttl}: " + "; ".join(f"{r.label} HR {r.hr_text}" for r in rows.itertuples() if r.kind != "heading")
    return save_figure(fig, out_dir, figure_id, ttl, population, {"rows": rows}, footnotes, alt)
