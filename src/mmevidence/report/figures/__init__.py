"""Publication figures (matplotlib, PNG 300 dpi + SVG, Okabe–Ito colours) from analysis datasets and results.

Each function writes its figure to an output folder and returns a
:class:`~mmevidence.report.figures.style.FigureOutput`: the
:class:`~mmevidence.report.model.ReportFigure`, the plotted numbers as frames and the
matplotlib figure (built without pyplot; nothing to close).
"""

from mmevidence.report.figures.cif import cif_figure
from mmevidence.report.figures.flow import flow_counts, flow_figure
from mmevidence.report.figures.forest import FOREST_COLUMNS, forest_figure, forest_frame_from_records
from mmevidence.report.figures.km import km_figure
from mmevidence.report.figures.response import response_rate_figure
from mmevidence.report.figures.style import FigureOutput
from mmevidence.report.figures.swimmer import swimmer_figure, treatment_periods
from mmevidence.report.figures.waterfall import best_percent_change, waterfall_figure

__all__ = ["FOREST_COLUMNS", "FigureOutput", "best_percent_change", "cif_figure", "flow_counts", "flow_figure",
           "forest_figure", "forest_frame_from_records", "km_figure", "response_rate_figure", "swimmer_figure",
           "treatment_periods", "waterfall_figure"]
