"""Swimmer plot: one bar per patient of time on treatment (the look of the CUP paper's Figure 1).

Bars are sorted by duration (longest at the top), coloured by arm, and end in a marker
for the end-of-treatment reason (progression, death, adverse event, other) or an arrow
when treatment is ongoing at the data cut-off.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mmevidence.derive.adtte import DAYS_PER_MONTH
from mmevidence.report.figures.style import (OKABE_ITO, FigureOutput, group_colors, new_figure, save_figure,
                                             style_context)

#: Marker and colour per end-of-treatment reason (canonical ``end_of_treatment_reason`` values);
#: any other reason is drawn as "other".
REASON_MARKERS: dict[str, tuple[str, str, str]] = {
    "progression": ("v", OKABE_ITO["vermillion"], "Progression"),
    "death": ("X", OKABE_ITO["black"], "Death"),
    "adverse_event": ("D", OKABE_ITO["orange"], "Adverse event"),
    "other": ("o", OKABE_ITO["reddish_purple"], "Other reason"),
}
PERIOD_COLUMNS = ("patient_id", "group", "start", "end", "ongoing", "reason")


def treatment_periods(adsl: pd.DataFrame, group_by: str | None = "arm",
                      ongoing_until: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Treatment periods from ``adsl``: patient_id, group, start, end, ongoing, reason, duration_months.

    ``start``/``end`` are ``trt_start``/``trt_end`` (first and last administration);
    ``ongoing`` is ``not discontinued``; ``reason`` is ``eot_reason`` of discontinued
    patients. With ``ongoing_until`` (e.g. the cut-off, as the CUP set 1 March 2021) ongoing
    bars end there instead of at the last dose. Duration counts both end days:
    ``(end - start + 1 day) / 30.4375`` months, as ``adsl.trt_duration_weeks`` counts
    ``(end - start + 1) / 7``.
    """
    need = ["patient_id", "trt_start", "trt_end", "discontinued", "eot_reason", *([group_by] if group_by else [])]
    missing = [c for c in need if c not in adsl.columns]
    if missing:
        raise ValueError(f"adsl: missing column(s) {', '.join(missing)}")
    out = pd.DataFrame({
        "patient_id": adsl["patient_id"], "group": adsl[group_by] if group_by else "All patients",
        "start": pd.to_datetime(adsl["trt_start"]), "end": pd.to_datetime(adsl["trt_end"]),
        "ongoing": ~adsl["discontinued"].fillna(False).astype(bool),
        "reason": adsl["eot_reason"].where(adsl["discontinued"].fillna(False).astype(bool)),
    }).dropna(subset=["start", "end"])
    if ongoing_until is not None:
        out.loc[out["ongoing"], "end"] = pd.Timestamp(ongoing_until)
    return _with_duration(out)


def _with_duration(periods: pd.DataFrame) -> pd.DataFrame:
    days = (pd.to_datetime(periods["end"]) - pd.to_datetime(periods["start"])).dt.days + 1
    return periods.assign(duration_months=days.astype(float) / DAYS_PER_MONTH)


def _cap(periods: pd.DataFrame, max_patients: int) -> tuple[pd.DataFrame, str]:
    """Keep ``max_patients`` bars evenly spaced over the duration ranks (keeps the shape of the distribution)."""
    if len(periods) <= max_patients:
        return periods, ""
    keep = np.unique(np.round(np.linspace(0, len(periods) - 1, max_patients)).astype(int))
    note = (f"{len(keep)} of {len(periods)} patients shown, evenly spaced over the ranks of treatment duration "
            "(longest and shortest included).")
    return periods.iloc[keep], note


def swimmer_figure(adsl_or_periods: pd.DataFrame, *, out_dir: str | Path, group_by: str | None = "arm",
                   ongoing_until: str | pd.Timestamp | None = None, max_patients: int = 60,
                   population: str = "Safety population", figure_id: str = "swimmer_treatment",
                   title: str = "Individual treatment duration", show_ids: bool | None = None) -> FigureOutput:
    """Swimmer plot of time on treatment per patient.

    Input: ``adsl`` (read by :func:`treatment_periods`) or a periods frame with
    :data:`PERIOD_COLUMNS` (``reason`` one of :data:`REASON_MARKERS` keys, NaN when ongoing).
    Bars are sorted by duration, longest on top (ties by patient_id). Cohorts above
    ``max_patients`` are thinned to ``max_patients`` bars evenly spaced over the duration
    ranks, with a footnote. ``data["bars"]`` holds the drawn bars in order from the top
    (patient_id, group, duration_months, ongoing, reason, y).
    """
    if "trt_start" in adsl_or_periods.columns:
        periods = treatment_periods(adsl_or_periods, group_by, ongoing_until)
    else:
        missing = [c for c in PERIOD_COLUMNS if c not in adsl_or_periods.columns]
        if missing:
            raise ValueError(f"adsl_or_periods: missing column(s) {', '.join(missing)}")
        periods = _with_duration(adsl_or_periods)
    if periods.empty:
        raise ValueError("adsl_or_periods: no patient with a treatment start and end")
    total = len(periods)
    periods = periods.sort_values(["duration_months", "patient_id"], ascending=[False, True]).reset_index(drop=True)
    periods, note = _cap(periods, max_patients)
    bars = periods.reset_index(drop=True).assign(y=lambda d: np.arange(len(d), dtype=float))
    reason_key = bars["reason"].where(bars["reason"].isin(list(REASON_MARKERS)), "other").where(~bars["ongoing"])
    bars["marker_reason"] = reason_key
    levels = sorted(bars["group"].unique(), key=str)
    colors = group_colors(levels)
    show_ids = len(bars) <= 40 if show_ids is None else show_ids

    with style_context():
        fig = new_figure(6.5, min(9.0, 1.3 + 0.16 * len(bars)))
        ax = fig.add_subplot()
        for lv in levels:
            sel = bars.loc[bars["group"] == lv]
            ax.barh(sel["y"], sel["duration_months"], height=0.7, color=colors[lv], alpha=0.85,
                    label=f"{lv} (n={int((periods['group'] == lv).sum())})" if len(levels) > 1 else None,
                    gid=f"swimmer-bars-{lv}")
        x_max = float(bars["duration_months"].max())
        for key, (marker, color, label) in REASON_MARKERS.items():
            sel = bars.loc[bars["marker_reason"] == key]
            if len(sel):
                ax.plot(sel["duration_months"] + 0.012 * x_max, sel["y"], linestyle="none", marker=marker,
                        color=color, markersize=5, label=f"Ended: {label.lower()}", gid=f"swimmer-eot-{key}")
        ongoing = bars.loc[bars["ongoing"]]
        if len(ongoing):
            ax.plot(ongoing["duration_months"] + 0.015 * x_max, ongoing["y"], linestyle="none", marker=">",
                    color=OKABE_ITO["bluish_green"], markersize=5, label="Ongoing", gid="swimmer-ongoing")
        ax.set_ylim(len(bars) - 0.5, -0.5)
        ax.set_xlim(0, x_max * 1.06)
        if show_ids:
            ax.set_yticks(bars["y"])
            ax.set_yticklabels(bars["patient_id"], fontsize=6.5)
        else:
            ax.set_yticks([])
        ax.tick_params(axis="y", length=0)
        ax.set_ylabel("Patients")
        ax.set_xlabel("Time on treatment (months)")
        ax.legend(loc="lower right")

    footnotes = ["Bar: first to last administration (both days counted), months = days / 30.4375; "
                 "marker: reason for end of treatment; arrow: treatment ongoing"
                 + (f" (drawn to {pd.Timestamp(ongoing_until).date()})." if ongoing_until is not None else
                    " at the last administration before the cut-off.")]
    if note:
        footnotes.append(note)
    alt = (f"{title}: {total} patients, longest {x_max:.1f} months, {int(bars['ongoing'].sum())} shown ongoing.")
    return save_figure(fig, out_dir, figure_id, title, population, {"bars": bars}, footnotes, alt)
