"""Document renderers: one :class:`mmevidence.report.model.Report` -> HTML, DOCX or XLSX.

Renderers print the layout objects as they are (every cell is already a formatted string);
they compute nothing. Tables and figures are numbered in report order ("Table 1",
"Figure 1") by :func:`mmevidence.report.render._common.numbered`, the same in every format.
"""

from .docx import render_docx
from .html import render_html
from .xlsx import render_xlsx

__all__ = ["render_docx", "render_html", "render_xlsx"]
