"""Waterfall plot: best percentage change of the M-protein from baseline per patient, coloured by best response.

The parameter followed per patient is the one the IMWG engine measures the response on
(:func:`mmevidence.derive.imwg.derive_responses`, Kumar et al. Lancet Oncol 2016): serum
M-protein when it is measurable at baseline (also when urine is measurable too), else
24-h urine M-protein, else the difference between involved and uninvolved free light
chains (dFLC). Patients without measurable disease or without a post-baseline value of
their parameter are left out and counted in a footnote.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.patches import Patch

from mmevidence.derive.imwg import CATEGORIES, ImwgConfig, derive_responses
from mmevidence.report.figures.style import GREY, RESPONSE_COLORS, FigureOutput, new_figure, save_figure, style_context

#: Disease type (IMWG engine) -> (visit column, baseline column, label).
PARAMETERS: dict[str, tuple[str, str, str]] = {
    "serum_and_urine": ("serum_m_protein", "base_serum_m_protein", "serum M-protein"),
    "serum": ("serum_m_protein", "base_serum_m_protein", "serum M-protein"),
    "urine": ("urine_m_protein", "base_urine_m_protein", "urine M-protein"),
    "flc": ("dflc", "base_dflc", "dFLC"),
}
CLIP = 100.0  # bars above +100% are drawn at +100% (value kept in the data)
MAX_BAR_PATCHES = 2_000  # more patients: bars drawn as one PolyCollection, without edges
MAX_BAR_LABELS = 200     # more patients: values of truncated bars are not printed


def best_percent_change(visits: pd.DataFrame, best: pd.DataFrame) -> pd.DataFrame:
    """Per patient: parameter, baseline, nadir and ``100 * (nadir - baseline) / baseline``.

    ``visits``/``best`` are :class:`mmevidence.derive.imwg.ImwgResult` frames. The nadir is
    the smallest post-baseline value of the patient's parameter (:data:`PARAMETERS`) over
    assessments not excluded by a new line of therapy. Patients whose disease type is not
    measurable, with a non-positive baseline, or without a post-baseline value are omitted.
    """
    columns = ["patient_id", "parameter", "baseline", "nadir", "pct_change"]
    kept = visits[~visits["excluded"].astype(bool)]
    order = best.reset_index(drop=True).assign(_order=lambda f: np.arange(len(f)))
    parts = []
    for disease_type, (col, base_col, label) in PARAMETERS.items():
        base = order.loc[order["disease_type"] == disease_type, ["patient_id", "_order", base_col]]
        base = base.assign(baseline=base[base_col].astype(float))
        base = base[base["baseline"] > 0]
        post = kept.loc[kept["patient_id"].isin(base["patient_id"]), ["patient_id", col]].dropna()
        nadir = post.groupby("patient_id")[col].min().astype(float).rename("nadir")
        parts.append(base.merge(nadir, left_on="patient_id", right_index=True).assign(parameter=label))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts).sort_values("_order")
    out["pct_change"] = 100.0 * (out["nadir"] - out["baseline"]) / out["baseline"]
    return out[columns].reset_index(drop=True)


def waterfall_figure(labs: pd.DataFrame, adsl: pd.DataFrame, adrs: pd.DataFrame, *, out_dir: str | Path,
                     config: ImwgConfig = ImwgConfig(), new_therapy_dates: pd.DataFrame | None = None,
                     population: str = "Response-evaluable patients with measurable disease",
                     figure_id: str = "waterfall_m_protein",
                     title: str = "Best percentage change from baseline in M-protein") -> FigureOutput:
    """Waterfall of the best M-protein change per patient, sorted from largest rise to deepest fall.

    Inputs: ``labs`` (canonical long table), ``adsl`` (patient_id, index_date: baseline is
    the last value on or before it, within ``config.baseline_window_days``) and ``adrs``
    (the ``param == "BOR"`` row's ``response`` colours the bar; "NE" if none). The change is
    :func:`best_percent_change` on :func:`mmevidence.derive.imwg.derive_responses` with
    ``config`` (pass the study's thresholds, e.g. serum measurable >= 0.5 g/dL in
    ICARIA-MM). Reference lines at -50% (PR threshold) and -90% (VGPR threshold, Kumar
    2016). Bars above +100% are cut at +100% and marked with their value.
    ``data["bars"]``: patient_id, parameter, baseline, nadir, pct_change, best_response, x.
    """
    res = derive_responses(labs, adsl[["patient_id", "index_date"]], new_therapy_dates, config=config)
    change = best_percent_change(res.visits, res.best)
    bor = adrs.loc[adrs["param"] == "BOR"].set_index("patient_id")["response"]
    change["best_response"] = change["patient_id"].map(bor).fillna("NE")
    bars = change.sort_values(["pct_change", "patient_id"], ascending=[False, True]).reset_index(drop=True)
    bars["x"] = np.arange(len(bars), dtype=float)
    n_left_out = int(adsl["patient_id"].nunique() - len(bars))
    if bars.empty:
        raise ValueError("no patient with measurable disease and a post-baseline M-protein value")

    with style_context():
        fig = new_figure(6.5, 3.6)
        ax = fig.add_subplot()
        heights = bars["pct_change"].clip(upper=CLIP)
        colors = [RESPONSE_COLORS.get(r, GREY) for r in bars["best_response"]]
        if len(bars) <= MAX_BAR_PATCHES:
            ax.bar(bars["x"], heights, width=0.8, color=colors, edgecolor="black", linewidth=0.3,
                   gid="waterfall-bars")
        else:  # one collection instead of a Rectangle per patient (100,000 patches take minutes to draw)
            x, h = bars["x"].to_numpy(), heights.to_numpy()
            verts = np.stack([np.column_stack([x - 0.5, np.zeros_like(h)]), np.column_stack([x - 0.5, h]),
                              np.column_stack([x + 0.5, h]), np.column_stack([x + 0.5, np.zeros_like(h)])], axis=1)
            ax.add_collection(PolyCollection(verts, facecolors=colors, edgecolors="none", gid="waterfall-bars"))
        if len(bars) <= MAX_BAR_LABELS:
            for r in bars.loc[bars["pct_change"] > CLIP].itertuples():
                ax.text(r.x, CLIP + 2, f"{r.pct_change:.0f}%", ha="center", va="bottom", fontsize=6, rotation=90)
        ax.axhline(0, color="black", linewidth=0.8)
        for level in (-50.0, -90.0):
            ax.axhline(level, color=GREY, linestyle="--", linewidth=0.8, gid=f"waterfall-ref{int(level)}")
        top = max(20.0, float(heights.max()) + 15.0)
        ax.set_ylim(-105, top)
        ax.set_xlim(-0.7, len(bars) - 0.3)
        ax.set_xticks([])
        ax.spines["bottom"].set_visible(False)
        ax.set_ylabel("Best change from baseline (%)")
        ax.set_xlabel("Patients")
        present = [c for c in CATEGORIES if c in set(bars["best_response"])]
        ax.legend(handles=[Patch(facecolor=RESPONSE_COLORS[c], edgecolor="black", linewidth=0.3, label=c)
                           for c in present], title="Best response", loc="upper right", ncol=min(4, len(present)))

    footnotes = ["Best change = lowest post-baseline value vs baseline of serum M-protein if measurable at "
                 "baseline, else urine M-protein, else dFLC (IMWG 2016); dashed lines at -50% and -90%.",
                 "Bar colour: best overall response (IMWG)."]
    if (bars["pct_change"] > CLIP).any():
        printed = "their value is printed" if len(bars) <= MAX_BAR_LABELS else "values in the figure data"
        footnotes.append(f"Bars above +{CLIP:.0f}% are truncated; {printed}.")
    if n_left_out:
        footnotes.append(f"{n_left_out} patient(s) without measurable disease or post-baseline value not shown.")
    below = bars["pct_change"] <= -50
    alt = (f"{title}: {len(bars)} patients; {int(below.sum())} with a reduction of 50% or more; "
           f"median change {float(np.median(bars['pct_change'])) if len(bars) else math.nan:.1f}%.")
    return save_figure(fig, out_dir, figure_id, title, population, {"bars": bars}, footnotes, alt)
