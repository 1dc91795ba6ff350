"""One look for every figure: Okabe–Ito colours, fonts, sizes, and writing PNG (300 dpi) + SVG.

Colours are the Okabe & Ito (2008) colour-universal-design palette ("Color Universal
Design", jfly.uni-koeln.de/color), distinguishable with the common colour-vision
deficiencies; grey ``#999999`` is the neutral the same palette family uses (R
``palette.colors("Okabe-Ito")`` plus the cookbook-r grey). The font is DejaVu Sans,
which matplotlib ships, so output never depends on the machine's fonts and nothing
is fetched from the network. SVG text stays text (``svg.fonttype = "none"``: small,
selectable, searchable); SVG and PNG are written without dates or software stamps so
the same input gives byte-identical files.

Figures are built as :class:`matplotlib.figure.Figure` objects, not through pyplot:
no global figure registry (nothing to close, nothing leaks), no GUI. The Agg backend
is selected at import unless pyplot is already in use (a notebook keeps its backend).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

if "matplotlib.pyplot" not in sys.modules:
    matplotlib.use("Agg")

import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from mmevidence.report.model import ReportFigure  # noqa: E402

#: Okabe–Ito palette by name.
OKABE_ITO: dict[str, str] = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
GREY = "#999999"

#: Order in which groups (arms, subgroups) take colours: the two most distinct first.
GROUP_COLORS: tuple[str, ...] = tuple(OKABE_ITO[c] for c in (
    "blue", "vermillion", "bluish_green", "orange", "reddish_purple", "sky_blue", "black", "yellow"))

#: Fixed colour per IMWG response category (Kumar 2016), best to worst, so every figure
#: of every study paints CR the same colour.
RESPONSE_COLORS: dict[str, str] = {
    "sCR": OKABE_ITO["blue"], "CR": OKABE_ITO["sky_blue"], "VGPR": OKABE_ITO["bluish_green"],
    "PR": OKABE_ITO["yellow"], "MR": OKABE_ITO["orange"], "SD": GREY, "PD": OKABE_ITO["vermillion"],
    "NE": OKABE_ITO["reddish_purple"],
}

DPI = 300
FONT_SIZE = 8.0
#: rcParams every figure is drawn and saved under (see :func:`style_context`).
RC: dict[str, object] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": FONT_SIZE,
    "axes.titlesize": FONT_SIZE + 1,
    "axes.labelsize": FONT_SIZE + 0.5,
    "xtick.labelsize": FONT_SIZE,
    "ytick.labelsize": FONT_SIZE,
    "legend.fontsize": FONT_SIZE,
    "legend.frameon": False,
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.4,
    "xtick.major.width": 0.8,
    "ytick.major.width": 0.8,
    "svg.fonttype": "none",
    "svg.hashsalt": "mmevidence",
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
}


def style_context() -> matplotlib.rc_context:
    """``with style_context():`` draw and save under :data:`RC` without touching global rcParams."""
    return matplotlib.rc_context(RC)


def group_colors(levels: Sequence[object]) -> dict[object, str]:
    """Colour per group level in order (cycling through :data:`GROUP_COLORS`)."""
    return {level: GROUP_COLORS[i % len(GROUP_COLORS)] for i, level in enumerate(levels)}


def new_figure(width: float, height: float, constrained: bool = True) -> Figure:
    """A figure of ``width`` x ``height`` inches (constrained layout unless told otherwise).

    No tight bounding box is used when saving, so the PNG is exactly
    ``round(width * 300) x round(height * 300)`` pixels.
    """
    return Figure(figsize=(width, height), layout="constrained" if constrained else None)


@dataclass(frozen=True)
class FigureOutput:
    """What every figure function returns.

    ``report``: the :class:`ReportFigure` (paths of the PNG and SVG written);
    ``data``: the plotted numbers as named frames (what a test or a reader checks
    against the statistics); ``figure``: the matplotlib figure itself (its artists
    can be inspected; it is not registered with pyplot, so it needs no closing).
    """

    report: ReportFigure
    data: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    figure: Figure | None = None


def slug(text: str) -> str:
    """A file-name stem from an id: lower case, runs of other characters as ``_``."""
    stem = re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")
    return stem or "figure"


def save_figure(fig: Figure, out_dir: str | Path, figure_id: str, title: str, population: str,
                data: Mapping[str, pd.DataFrame], footnotes: Sequence[str] = (), alt: str = "") -> FigureOutput:
    """Write ``fig`` as ``<out_dir>/<slug(id)>.png`` (300 dpi) and ``.svg``; return the :class:`FigureOutput`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = slug(figure_id)
    png, svg = out / f"{stem}.png", out / f"{stem}.svg"
    with style_context():
        fig.savefig(png, dpi=DPI, format="png", metadata={"Software": None})
        fig.set_layout_engine("none")  # keep the positions just laid out: no second constrained-layout pass
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    report = ReportFigure(id=figure_id, title=title, population=population, png=png, svg=svg,
                          footnotes=tuple(footnotes), alt=alt)
    return FigureOutput(report=report, data=dict(data), figure=fig)
