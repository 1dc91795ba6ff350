"""Hazard ratio of a continuous marker as a restricted cubic spline, with its pointwise CI.

The figure a reader needs next to a data-driven cut-off (Harrell 2015, *Regression Modeling
Strategies*, 2.4.5; as ``plot(rms::Predict(fit, marker, ref.zero = TRUE), fun = exp)``): the
Cox hazard ratio at each marker value against the reference value (the marker's median, the
rms ``datadist`` adjust-to value), its pointwise Wald CI as a band, HR = 1 as a line, the knots
marked on the axis, the chosen cut-offs as dashed lines, and the observed marker values as a
rug (where the data are, and are not). The y axis is logarithmic, so that HR 2 and HR 0.5 lie
equally far from 1. Every number drawn comes from the curve handed in (the result records of
:func:`mmevidence.analysis.prognostic.marker_analysis`); nothing is re-estimated here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from mmevidence.report.figures.style import GREY, GROUP_COLORS, FigureOutput, new_figure, save_figure, style_context
from mmevidence.report.format import fmt_num, fmt_p

CURVE_COLUMNS: tuple[str, ...] = ("x", "hr", "hr_lower", "hr_upper")


def _p_text(label: str, p: float | None) -> str | None:
    if p is None:
        return None
    text = fmt_p(p)
    return f"{label} {'' if text.startswith('<') else '= '}{text}"


def spline_figure(curve: pd.DataFrame, reference: float, knots: Sequence[float], *, out_dir: str | Path,
                  marker_label: str, endpoint_label: str, population: str, p_nonlinear: float | None = None,
                  p_overall: float | None = None, cutpoints: Mapping[str, float] | None = None,
                  values: Sequence[float] | None = None, conf_level: float = 0.95, figure_id: str = "spline",
                  title: str | None = None, size: tuple[float, float] = (5.5, 4.0)) -> FigureOutput:
    """HR (log scale) against the marker: ``curve`` (columns ``x, hr, hr_lower, hr_upper``, e.g.
    :attr:`mmevidence.stats.splines.SplineCox.curve`) relative to ``reference``, with the
    ``knots`` as triangles on the x axis, ``cutpoints`` (label -> value) as dashed vertical
    lines, ``values`` (the observed marker values) as a rug and ``p_nonlinear``/``p_overall``
    (Wald tests of ``anova.rms``) printed in the corner.

    Returns a :class:`FigureOutput` whose ``data`` has ``curve`` (the curve as drawn, sorted by
    x), ``knots`` and ``cutpoints``.
    """
    missing = [c for c in CURVE_COLUMNS if c not in curve.columns]
    if missing:
        raise ValueError(f"curve: missing column(s) {', '.join(missing)}")
    data = curve.loc[:, list(CURVE_COLUMNS)].sort_values("x").reset_index(drop=True)
    if data.empty:
        raise ValueError("curve: no rows")
    cuts = dict(cutpoints or {})
    knots_df = pd.DataFrame({"knot": np.arange(1, len(knots) + 1), "x": np.asarray(knots, dtype=float)})
    cuts_df = pd.DataFrame({"label": list(cuts), "x": [float(v) for v in cuts.values()]})
    line = band = GROUP_COLORS[0]
    lo, hi = float(data["x"].min()), float(data["x"].max())
    shown = None if values is None else np.asarray(values, dtype=float)
    n_outside = 0
    if shown is not None:
        inside = (shown >= lo) & (shown <= hi)
        n_outside = int((~inside).sum())
        shown = shown[inside]
    with style_context():
        fig = new_figure(*size)
        ax = fig.add_subplot()
        ax.fill_between(data["x"], data["hr_lower"], data["hr_upper"], color=band, alpha=0.18, linewidth=0,
                        gid="spline-ci", label=f"{fmt_num(100 * conf_level, 0)}% CI")
        ax.plot(data["x"], data["hr"], color=line, gid="spline-hr", label="Hazard ratio")
        ax.axhline(1.0, color=GREY, linewidth=0.8, linestyle="-")
        ax.axvline(reference, color=GREY, linewidth=0.8, linestyle=":", gid="spline-reference",
                   label=f"Reference {reference:g}")
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        for i, (label, x) in enumerate(cuts.items()):
            ax.axvline(x, color=GROUP_COLORS[(i + 1) % len(GROUP_COLORS)], linewidth=1.0, linestyle="--",
                       gid=f"spline-cut-{label}", label=f"{label} cut-off {x:g}")
        on_axis = ax.get_xaxis_transform()  # x in data units, y in axes fraction
        if shown is not None and len(shown):
            ax.plot(shown, np.full(len(shown), 0.015), linestyle="none", marker="|", markersize=6,
                    color="#000000", alpha=0.35, transform=on_axis, gid="spline-rug")
        ax.plot(knots_df["x"], np.full(len(knots_df), 0.06), linestyle="none", marker="^", markersize=5,
                color=GREY, transform=on_axis, gid="spline-knots", label="Knots")
        ax.set_xlim(lo, hi)
        ax.set_xlabel(marker_label)
        ax.set_ylabel(f"Hazard ratio for {endpoint_label.lower()} (log scale)")
        ax.legend(loc="best", fontsize=7)
        lines = [t for t in (_p_text("p nonlinearity", p_nonlinear), _p_text("p overall", p_overall)) if t]
        if lines:
            ax.set_title("; ".join(lines), loc="left", fontsize=7.5, gid="spline-annotation")
    level = fmt_num(100 * conf_level, 0)
    footnotes = [f"Cox proportional-hazards model with a restricted cubic spline of the marker ({len(knots_df)} knots "
                 f"at {', '.join(f'{k:g}' for k in knots_df['x'])}: triangles; rms::rcs, Harrell's default "
                 "quantiles); hazard ratio against the reference value with pointwise Wald "
                 f"{level}% CI (band).",
                 "p nonlinearity: Wald test of the nonlinear spline terms; p overall: of all spline terms "
                 "(anova.rms)."]
    if cuts:
        footnotes.append("Dashed lines: data-driven cut-offs (" + "; ".join(f"{k} {v:g}" for k, v in cuts.items())
                         + ").")
    if values is not None and len(values):
        footnotes.append("Rug: observed marker values"
                         + (f" ({n_outside} outside the range drawn, the outer knots)." if n_outside else "."))
    ttl = title or f"Hazard ratio for {endpoint_label.lower()} by {marker_label}"
    alt = f"{ttl}, against {marker_label} = {reference:g}. " + "; ".join(lines)
    return save_figure(fig, out_dir, figure_id, ttl, population,
                       {"curve": data, "knots": knots_df, "cutpoints": cuts_df}, footnotes, alt)
