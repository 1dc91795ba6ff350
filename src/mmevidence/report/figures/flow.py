"""Patient-flow (CONSORT-like) diagram drawn with matplotlib boxes and arrows (ICARIA-MM Figure 1).

Boxes top to bottom: assessed for eligibility (with the excluded to the side), randomised
or enrolled, then one column per arm: allocated, treated (and not treated), treatment
status at the cut-off (ongoing; discontinued by reason) and analysed. Boxes whose count is
not given are skipped. Counts are printed as given; :func:`flow_counts` derives them from
``adsl``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.patches import FancyBboxPatch

from mmevidence.report.figures.style import FigureOutput, new_figure, save_figure, style_context

#: Canonical end-of-treatment reasons (``patients.end_of_treatment_reason``) as printed.
REASON_LABELS: dict[str, str] = {
    "progression": "Progressive disease", "adverse_event": "Adverse event", "death": "Death",
    "patient_decision": "Patient decision", "physician_decision": "Physician decision", "other": "Other",
}
_LINE = 0.155   # inches per text line at 7.5 pt
_PAD = 0.08     # inches above and below the text of a box
_GAP = 0.28     # inches between boxes (arrow length)
_COL = 2.7      # inches per arm column


def flow_counts(adsl: pd.DataFrame, group_by: str = "arm", assessed: int | None = None,
                excluded_reasons: Mapping[str, int] | None = None, randomised_label: str = "Randomised",
                analysed_label: str = "Included in the intention-to-treat analysis") -> dict[str, Any]:
    """The :func:`flow_figure` mapping from ``adsl`` (one row per patient in the study).

    Per arm: ``allocated`` = patients with ``ittfl`` (all rows if the column is absent);
    ``treated`` = ``saffl``; ``discontinued`` = treated with ``discontinued``, split by
    ``eot_reason`` (missing reason counted as "other"); ``ongoing`` = treated and not
    discontinued; ``analysed`` = ``allocated``. ``assessed``/``excluded_reasons`` come from
    the screening log, which ``adsl`` does not hold.
    """
    itt = adsl.loc[adsl["ittfl"].fillna(False).astype(bool)] if "ittfl" in adsl.columns else adsl
    arms = []
    for arm in sorted(itt[group_by].dropna().unique(), key=str):
        rows = itt.loc[itt[group_by] == arm]
        treated = rows.loc[rows["saffl"].fillna(False).astype(bool)]
        disc = treated.loc[treated["discontinued"].fillna(False).astype(bool)]
        reasons = disc["eot_reason"].fillna("other").value_counts()
        arms.append({"name": str(arm), "allocated": len(rows), "treated": len(treated),
                     "not_treated": len(rows) - len(treated), "discontinued": len(disc),
                     "discontinued_reasons": {REASON_LABELS.get(k, str(k)): int(v) for k, v in reasons.items()},
                     "ongoing": len(treated) - len(disc), "analysed": len(rows), "analysed_label": analysed_label})
    counts: dict[str, Any] = {"randomised": len(itt), "randomised_label": randomised_label, "arms": arms}
    if assessed is not None:
        counts["assessed"] = assessed
        counts["excluded"] = assessed - len(itt)
        counts["excluded_reasons"] = dict(excluded_reasons or {})
    return counts


def _lines_with_reasons(head: str, reasons: Mapping[str, int] | None) -> list[str]:
    return [head, *(f"{label}: {n}" for label, n in (reasons or {}).items())]


def _arm_boxes(arm: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    boxes = [("allocated", [f"{arm['allocated']} allocated to", str(arm["name"])])]
    if "treated" in arm:
        lines = [f"{arm['treated']} received treatment"]
        if arm.get("not_treated"):
            lines.append(f"{arm['not_treated']} did not receive treatment")
        boxes.append(("treated", lines))
    status = []
    if "ongoing" in arm:
        status.append(f"{arm['ongoing']} ongoing at cut-off")
    if "discontinued" in arm:
        status += _lines_with_reasons(f"{arm['discontinued']} discontinued treatment", arm.get("discontinued_reasons"))
    if status:
        boxes.append(("status", status))
    if "analysed" in arm:
        boxes.append(("analysed", [f"{arm['analysed']} {arm.get('analysed_label', 'analysed')}"]))
    return boxes


def flow_figure(counts: Mapping[str, Any], *, out_dir: str | Path, figure_id: str = "flow_patients",
                title: str = "Patient flow", population: str = "All enrolled patients") -> FigureOutput:
    """Draw the patient-flow diagram from ``counts``.

    ``counts`` mapping (all keys optional except ``arms``):

    ``assessed``           patients assessed for eligibility (top box)
    ``excluded``           patients excluded at screening (side box) and
    ``excluded_reasons``   {reason: n} listed in it
    ``randomised``         patients randomised / enrolled; ``randomised_label`` its wording
                           ("Randomised", "Enrolled")
    ``arms``               a sequence, one mapping per arm (one column each), with
        ``name``, ``allocated`` (required), ``treated``, ``not_treated``, ``ongoing``,
        ``discontinued``, ``discontinued_reasons`` ({reason: n}), ``analysed``,
        ``analysed_label`` (e.g. "included in the intention-to-treat analysis").

    Counts are printed as given (no arithmetic). ``data["boxes"]`` lists every box (key,
    arm, text, x, y, width, height in inches from the top left).
    """
    arms: Sequence[Mapping[str, Any]] = counts.get("arms", ())
    if not arms:
        raise ValueError("counts: 'arms' must list at least one arm")
    width = max(5.0, _COL * len(arms) + 0.4)
    boxes: list[dict[str, Any]] = []

    def add(key: str, arm: str, lines: list[str], x: float, y: float, w: float) -> float:
        h = 2 * _PAD + _LINE * len(lines)
        boxes.append({"key": key, "arm": arm, "text": "\n".join(lines), "x": x, "y": y, "width": w, "height": h})
        return y + h

    y = 0.15
    centre = width / 2
    trunk: list[dict[str, Any]] = []
    if "assessed" in counts:
        bottom = add("assessed", "", [f"{counts['assessed']} assessed for eligibility"], centre, y, 2.4)
        trunk.append(boxes[-1])
        if "excluded" in counts:
            ex_lines = _lines_with_reasons(f"{counts['excluded']} excluded", counts.get("excluded_reasons"))
            add("excluded", "", ex_lines, min(width - 1.2, centre + 2.2), bottom + _GAP / 2, 2.0)
            bottom = max(bottom, boxes[-1]["y"] + boxes[-1]["height"] - _GAP / 2)
        y = bottom + _GAP
    if "randomised" in counts:
        y = add("randomised", "", [f"{counts['randomised']} {counts.get('randomised_label', 'Randomised').lower()}"],
                centre, y, 2.4) + _GAP
        trunk.append(boxes[-1])
    arm_top = y
    columns = []
    for i, arm in enumerate(arms):
        x = width / 2 + (i - (len(arms) - 1) / 2) * _COL
        y = arm_top
        column = []
        for key, lines in _arm_boxes(arm):
            y = add(key, str(arm["name"]), lines, x, y, _COL - 0.3) + _GAP
            column.append(boxes[-1])
        columns.append(column)
    height = max(b["y"] + b["height"] for b in boxes) + 0.15

    with style_context():
        fig = new_figure(width, height, constrained=False)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)
        ax.axis("off")
        for b in boxes:
            ax.add_patch(FancyBboxPatch((b["x"] - b["width"] / 2, b["y"]), b["width"], b["height"],
                                        boxstyle="square,pad=0", facecolor="white", edgecolor="black", linewidth=0.8))
            ax.text(b["x"], b["y"] + b["height"] / 2, b["text"], ha="center", va="center", fontsize=7.5,
                    linespacing=1.25, gid=f"flow-{b['key']}")

        def arrow(x0: float, y0: float, x1: float, y1: float) -> None:
            ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops={
                "arrowstyle": "-|>", "linewidth": 0.8, "color": "black", "shrinkA": 0, "shrinkB": 0})

        for upper, lower in zip(trunk, trunk[1:]):
            arrow(upper["x"], upper["y"] + upper["height"], lower["x"], lower["y"])
        excluded = next((b for b in boxes if b["key"] == "excluded"), None)
        if excluded is not None and trunk:
            yy = excluded["y"] + excluded["height"] / 2
            ax.plot([trunk[0]["x"]] * 2, [trunk[0]["y"] + trunk[0]["height"], yy], color="black", linewidth=0.8)
            arrow(trunk[0]["x"], yy, excluded["x"] - excluded["width"] / 2, yy)
        if trunk:
            last = trunk[-1]
            for column in columns:
                top = column[0]
                arrow(last["x"], last["y"] + last["height"], top["x"], top["y"])
        for column in columns:
            for upper, lower in zip(column, column[1:]):
                arrow(upper["x"], upper["y"] + upper["height"], lower["x"], lower["y"])

    alt = f"{title}: " + "; ".join(b["text"].replace("\n", " ") for b in boxes)
    return save_figure(fig, out_dir, figure_id, title, population, {"boxes": pd.DataFrame(boxes)}, (), alt)
