"""Arm columns shared by the descriptive tables: one column an arm, then "Total" (randomised)."""

from __future__ import annotations

from dataclasses import dataclass

from ...analysis._subjects import parse_group
from ._cells import Records


@dataclass(frozen=True)
class ArmColumn:
    """A data column: ``arm`` label (None = all arms), the records' group key and its header."""

    arm: str | None
    group: str
    header: str
    n: int


def arm_columns(records: Records, study, analysis_id: str, endpoint: str | None = None) -> list[ArmColumn]:
    """Columns of the study's arms (and "Total" when there are several), "<label> (n=<N>)" with
    N taken from the ``n`` (denominator) column of the records of ``analysis_id``."""
    frame = records.frame[records.frame["analysis_id"] == analysis_id]
    if endpoint is not None:
        frame = frame[frame["endpoint"] == endpoint]
    arms = [(a.label, f"arm={a.label}") for a in study.arms]
    if len(study.arms) > 1:
        arms.append((None, ""))
    out = []
    for arm, group in arms:
        rows = frame[(frame["group"] == group) | frame["group"].str.startswith(group + "|")] if group else \
            frame[~frame["group"].str.startswith("arm=")]
        n = int(rows["n"].max()) if len(rows) and rows["n"].notna().any() else 0
        out.append(ArmColumn(arm, group, f"{arm if arm is not None else 'Total'} (n={n})", n))
    return out


def sub(group: str, **levels: str) -> str:
    """``group`` (an arm key or "") with further ``variable=level`` parts appended."""
    parts = ([group] if group else []) + [f"{k}={v}" for k, v in levels.items()]
    return "|".join(parts)


def levels_of(records: Records, analysis_id: str, variable: str) -> list[str]:
    """Levels of ``variable`` in the group keys of ``analysis_id``'s records, in record order."""
    frame = records.frame
    groups = frame.loc[frame["analysis_id"] == analysis_id, "group"]
    out = (parse_group(g).get(variable) for g in groups)
    return list(dict.fromkeys(v for v in out if v is not None))
