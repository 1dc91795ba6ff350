"""The choices of the analysis-dataset derivation (``mmevidence derive --config study.yaml``).

Every rule that differs between studies is a field of :class:`DeriveConfig` with a
documented default; a YAML file overrides any subset of them, either at the top level or
under a ``derive:`` key. Unknown keys and values outside the allowed choices are errors
(a typo must never fall back silently to a default).

Defaults and their sources:

* ``baseline_window_days`` = 28: baseline lab = last value on or before the index date and
  at most 28 days before it (same window as the IMWG engine's baseline; ICARIA-MM
  screening labs were taken within the 21 days before randomisation, Attal 2019).
* cytogenetic high-risk thresholds del(17p) >= 50 %, t(4;14) >= 30 %, t(14;16) >= 30 % of
  plasma cells (ICARIA-MM central laboratory cut-offs, seed 002 "Methods").
* ``pfs_further_therapy`` = "censor": PFS/TTP censored at the last adequate assessment
  before the start of further anti-myeloma therapy (ICARIA-MM primary analysis); "ignore"
  and "event" are the ICARIA-MM sensitivity analyses (seed 002 "Statistical analysis").
* ``missed_assessments`` = 2 with ``assessment_interval_days`` = 28: a death more than
  2 x 28 days after the last adequate assessment is censored at that assessment (FDA
  guidance "Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics", 2018,
  PFS censoring table; ICARIA-MM assessed response every 28-day cycle).
* ``progression_source`` = "auto": progression derived by the IMWG engine from the labs when
  the store has response labs, otherwise the first PD reported in ``response_assessments``;
  the summary of ``derive`` states which one was used.
* ``add_one_day`` = True: time in days = end date - start date + 1 (CDISC ADaM / admiral
  ``derive_vars_duration(add_one = TRUE)``: the start day is day 1); False gives the plain
  difference.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

import yaml

ProgressionSource = Literal["auto", "derived", "reported"]
FurtherTherapyRule = Literal["censor", "ignore", "event"]
PercentMissingRule = Literal["use_result", "missing"]

_CHOICES: dict[str, tuple[str, ...]] = {
    "progression_source": ("auto", "derived", "reported"),
    "pfs_further_therapy": ("censor", "ignore", "event"),
    "cyto_result_without_percent": ("use_result", "missing"),
    "response_assessor": ("investigator", "irc"),
}


@dataclass(frozen=True)
class DeriveConfig:
    """Options of :func:`mmevidence.derive.pipeline.run_derive` (see the module docstring for sources).

    Attributes
    ----------
    baseline_window_days:
        Baseline lab = last value in ``[index - window, index]`` (days, inclusive).
    del17p_pct, t_4_14_pct, t_14_16_pct:
        High-risk cytogenetics when ``percent_positive`` >= the threshold.
    cyto_result_without_percent:
        A row with ``result`` but no ``percent_positive``: "use_result" takes the laboratory's
        positive/negative call; "missing" treats the abnormality as not evaluable.
    ldh_uln_u_l:
        LDH upper limit of normal (U/L) used only for lab rows without their own ``uln``;
        None (default) leaves such LDH values unclassified (R-ISS missing), never guessed.
    progression_source:
        "derived" (IMWG engine), "reported" (first PD in ``response_assessments``) or "auto".
    response_assessor:
        Restrict reported responses to one assessor ("investigator" or "irc"); None uses all rows.
    pfs_further_therapy:
        "censor" (primary), "ignore" or "event" (ICARIA-MM sensitivity analyses).
    missed_assessments, assessment_interval_days:
        Death more than ``missed_assessments * assessment_interval_days`` days after the last
        adequate assessment is censored at that assessment (PFS, DoR).
    te_window_days:
        Treatment-emergent window after the last dose (days), passed to ``adae``.
    data_cutoff:
        Clinical cut-off: later events are ignored and follow-up is cut there. None: the store's
        ingest cut-off (``_provenance.data_cutoff``) if recorded, else no cut-off.
    add_one_day:
        Days = end - start + 1 (True, ADaM convention) or end - start (False).
    regimens:
        Planned regimen of each arm for ``adex``: ``{arm label: bundled regimen name or YAML
        path}``. None (default): an arm whose label equals a bundled regimen's ``name``
        (case, spaces and hyphens ignored: "Isa-Pd" -> ``isa_pd.yaml``) gets that regimen;
        other arms get no ``adex`` rows (stated in the derive summary).
    """

    baseline_window_days: int = 28
    del17p_pct: float = 50.0
    t_4_14_pct: float = 30.0
    t_14_16_pct: float = 30.0
    cyto_result_without_percent: PercentMissingRule = "use_result"
    ldh_uln_u_l: float | None = None
    progression_source: ProgressionSource = "auto"
    response_assessor: str | None = None
    pfs_further_therapy: FurtherTherapyRule = "censor"
    missed_assessments: int = 2
    assessment_interval_days: int = 28
    te_window_days: int = 30
    data_cutoff: dt.date | None = None
    add_one_day: bool = True
    regimens: dict[str, str] | None = None

    def __post_init__(self) -> None:
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            if value is None and name == "response_assessor":
                continue
            if value not in allowed:
                raise ValueError(f"{name}: {value!r} is not one of {', '.join(allowed)}")
        for name in ("baseline_window_days", "missed_assessments", "assessment_interval_days", "te_window_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name}: must be a non-negative integer, got {value!r}")
        for name in ("del17p_pct", "t_4_14_pct", "t_14_16_pct"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 <= value <= 100:
                raise ValueError(f"{name}: must be a percentage in [0, 100], got {value!r}")
        if self.ldh_uln_u_l is not None and not self.ldh_uln_u_l > 0:
            raise ValueError(f"ldh_uln_u_l: must be > 0, got {self.ldh_uln_u_l!r}")
        if not isinstance(self.add_one_day, bool):
            raise ValueError(f"add_one_day: must be true or false, got {self.add_one_day!r}")
        if self.regimens is not None and not (isinstance(self.regimens, dict) and all(
                isinstance(k, str) and isinstance(v, str) for k, v in self.regimens.items())):
            raise ValueError(f"regimens: must map arm labels to regimen names, got {self.regimens!r}")
        if isinstance(self.data_cutoff, str):
            object.__setattr__(self, "data_cutoff", dt.date.fromisoformat(self.data_cutoff))

    def as_dict(self) -> dict[str, Any]:
        """Field values as plain Python (dates as ISO text), e.g. for the derive provenance table."""
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in dataclasses.asdict(self).items()}


def load_config(path: str | Path | None = None) -> DeriveConfig:
    """Read a :class:`DeriveConfig` from YAML (``None`` gives the defaults).

    The YAML is a mapping of field names to values, at the top level or under ``derive:``
    (so one study file can hold other sections). Unknown keys raise ``ValueError``.
    """
    if path is None:
        return DeriveConfig()
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of options")
    if "derive" in data:
        data = data["derive"] or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: 'derive' must be a mapping of options")
    known = {f.name for f in fields(DeriveConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{path}: unknown derive option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return DeriveConfig(**data)
