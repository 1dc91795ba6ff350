"""The study definition as frozen dataclasses (one class a YAML section; see ``docs/studies.md``).

A :class:`Study` is the published design of a study -- arms, analysis sets, eligibility,
endpoints with their censoring rules, subgroups, baseline-table rows -- and every number
the paper prints (:class:`Figure`), each with the exact quote it was read from. Instances
are built and validated by :func:`mmevidence.studies.loader.load_study`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Mapping


@dataclass(frozen=True)
class Source:
    """A document the figures cite: ``id`` (referenced by ``Figure.source.doc``), citation, seed text file."""

    id: str
    citation: str
    seed: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Design:
    """Study design as published (``type``: randomised | single-arm | ...)."""

    type: str
    phase: int | None = None
    allocation: str | None = None
    blinding: str | None = None
    response_assessment: str | None = None
    setting: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Dates:
    """Enrolment window and data cut-off as published; None where the paper gives none (see ``note``)."""

    enrolment_start: dt.date | None = None
    enrolment_end: dt.date | None = None
    data_cutoff: dt.date | None = None
    note: str | None = None


@dataclass(frozen=True)
class Arm:
    """A treatment arm; ``label`` = the value of ``patients.arm``; ``regimen`` = bundled regimen file name."""

    id: str
    label: str
    regimen: str | None = None
    n: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class Comparison:
    """Experimental and control arm ids (randomised studies)."""

    experimental: str
    control: str


@dataclass(frozen=True)
class Population:
    """An analysis set: ``filter`` = adsl boolean column or rule expression (None: not derivable, see note)."""

    id: str
    label: str
    filter: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Stratum:
    """A randomisation stratification factor (adsl column)."""

    variable: str
    label: str
    levels: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class Criterion:
    """One eligibility criterion: verbatim ``text``, machine-checkable ``rule`` (exclusion: TRUE = excluded)."""

    id: str
    kind: str
    text: str
    rule: str | None = None
    not_checkable: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Sensitivity:
    """A published sensitivity analysis of an endpoint: changed censoring and/or assessment."""

    id: str
    label: str
    censoring: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    assessment: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Endpoint:
    """A time-to-event endpoint (``id`` as in ``adtte.endpoint``) with its censoring rules."""

    id: str
    label: str
    primary: bool = False
    assessment: str | None = None
    definition: str | None = None
    censoring: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    sensitivity: tuple[Sensitivity, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Subgroup:
    """A subgroup variable (adsl column) and the levels the paper shows, in the paper's order."""

    variable: str | None
    label: str
    levels: tuple[Any, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class LevelGroup:
    """A table level that pools adsl values, written ``{label: "<60", values: ["<30", "30-<60"]}``
    (ICARIA-MM Table 1: "<60 mL/min" over the eGFR groups; "Other" myeloma types). Groups may
    overlap, as the paper's rows do; each is counted on its own."""

    label: str
    values: tuple[str, ...]

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class BaselineRow:
    """A row of the paper's baseline table (``variable`` None when the data model has no column)."""

    variable: str | None
    label: str
    kind: str
    summary: str | None = None
    levels: tuple[Any, ...] | None = None
    note: str | None = None


@dataclass(frozen=True)
class SourceRef:
    """Where a figure is printed: document id, table/figure/section, page."""

    doc: str
    where: str
    page: int | str | None = None


@dataclass(frozen=True)
class Figure:
    """One published number. ``value`` is the number as printed in ``quote`` (percent in percent).

    ``qualifier`` ("<", ">", "<=", ">=") marks a printed bound such as ``p<0·0001`` or
    ``(<1%)``: the true value lies on that side of ``value``. ``value`` None = printed as not
    reached / not calculable (say so in ``note``).
    """

    id: str
    topic: str
    item: str
    statistic: str
    arm: str
    value: float | int | None
    quote: str
    source: SourceRef
    level: str | None = None
    lower: float | int | None = None
    upper: float | int | None = None
    n: int | None = None
    unit: str | None = None
    population: str | None = None
    qualifier: str | None = None
    note: str | None = None


FIGURE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Figure))


@dataclass(frozen=True)
class PrognosticVariable:
    """An adsl column used by the prognostic analyses (Cox factor or response subgroup) and its label.

    ``levels`` (text columns): the order of the levels, the first the reference of the hazard /
    odds ratios (default: sorted, as R's factor levels); every value of the column must be listed.
    """

    variable: str
    label: str
    levels: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Marker:
    """A continuous prognostic marker (adsl column) analysed by :func:`mmevidence.analysis.prognostic.marker_analysis`.

    ``risk``: which values carry the risk ("low" for hemoglobin, "high" for LDH), stated, not
    guessed. ``outcome_horizon_months``: the ROC / Youden outcome "event by H months" (None: no
    ROC, maxstat only). ``time_auc_horizons``: months of the time-dependent AUC. ``bootstrap``:
    resamples of the optimism correction. ``spline_knots``: knots of the restricted cubic spline
    (0 = no spline). ``figure_cutpoint``: the cut-off whose groups the Kaplan–Meier figure shows
    ("youden" needs ``outcome_horizon_months``; default youden when there is a horizon, else maxstat).
    """

    variable: str
    label: str
    risk: str
    outcome_horizon_months: float | None = None
    time_auc_horizons: tuple[float, ...] = ()
    bootstrap: int = 200
    spline_knots: int = 4
    figure_cutpoint: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Landmark:
    """Landmark analysis of ``endpoint`` by response status at ``months`` (Anderson, Cain & Gelber 1983)."""

    endpoint: str
    months: float


@dataclass(frozen=True)
class Prognostic:
    """The prognostic-factor analyses of a study (YAML ``prognostic:``; see ``docs/prognostic.md``).

    ``endpoints``: endpoint ids (declared in ``endpoints``) of the Cox tables and marker
    analyses; ``factors``: the univariable / multivariable Cox model terms; ``markers``;
    ``response_subgroups``: response rate by these variables; ``landmark``; ``population``: a
    populations key (None: the analysis plan's efficacy population).
    """

    endpoints: tuple[str, ...]
    factors: tuple[PrognosticVariable, ...] = ()
    markers: tuple[Marker, ...] = ()
    response_subgroups: tuple[PrognosticVariable, ...] = ()
    landmark: Landmark | None = None
    population: str | None = None
    note: str | None = None

    def variables(self) -> set[str]:
        """Every adsl column the section names."""
        return ({f.variable for f in self.factors} | {m.variable for m in self.markers}
                | {s.variable for s in self.response_subgroups})


#: where an AE group is shown in the AE table: among the most common terms (in place of its member
#: preferred terms) or under "Other adverse events of interest"
AE_GROUP_SECTIONS: tuple[str, ...] = ("most_common", "of_interest")


@dataclass(frozen=True)
class AeGroup:
    """A grouped adverse-event term (a custom MedDRA query): the preferred terms ``terms`` counted
    as one term ``label`` (ICARIA-MM Table 4 "Infusion reaction", "Second primary malignancy");
    ``section`` one of :data:`AE_GROUP_SECTIONS`; ``note`` the paper's footnote defining it."""

    id: str
    label: str
    terms: tuple[str, ...]
    section: str = "most_common"
    note: str | None = None


#: How the report prints n (%) cells, by journal (``report/tables/_cells.py``): package default,
#: The Lancet (whole percentages, "<1"), Frontiers (one decimal, no "%").
REPORT_STYLES = ("default", "lancet", "frontiers")


@dataclass(frozen=True)
class ReportLayout:
    """How the report prints this study's tables, the way its paper did: ``style`` the n (%) cells
    (one of :data:`REPORT_STYLES`); ``adverse_events`` the adverse-event table's layout, the fields
    of ``mmevidence.report.tables.safety.AeLayout`` other than ``style`` (categories, by_soc,
    soc_order, pt_order, threshold_pct, threshold_arm, include_total, labs, any_row_events,
    pt_heading, groups), checked when the report is built."""

    style: str = "default"
    adverse_events: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Study:
    """A study definition (see ``docs/studies.md``); build with :func:`mmevidence.studies.load_study`."""

    id: str
    title: str
    sources: tuple[Source, ...]
    design: Design
    dates: Dates
    arms: tuple[Arm, ...]
    comparison: Comparison | None
    populations: Mapping[str, Population]
    stratification: tuple[Stratum, ...]
    eligibility: tuple[Criterion, ...]
    endpoints: tuple[Endpoint, ...]
    subgroups: tuple[Subgroup, ...]
    baseline: tuple[BaselineRow, ...]
    published: tuple[Figure, ...]
    path: str | None = None
    notes: tuple[str, ...] = ()
    prognostic: Prognostic | None = None
    ae_groups: tuple[AeGroup, ...] = ()
    report: ReportLayout = ReportLayout()

    def figure(self, figure_id: str) -> Figure:
        """The published figure with this id (KeyError naming the id and the study if absent)."""
        for f in self.published:
            if f.id == figure_id:
                return f
        raise KeyError(f"study {self.id!r}: no published figure with id {figure_id!r}")

    def figures(self, **filters: Any) -> list[Figure]:
        """Published figures whose fields equal every filter (``doc=`` filters on ``source.doc``).

        Example: ``study.figures(topic="safety", arm="isa_pd")``. An unknown field name raises
        ``TypeError`` naming it (a typo must not silently return nothing).
        """
        allowed = set(FIGURE_FIELDS) | {"doc"}
        unknown = sorted(set(filters) - allowed)
        if unknown:
            raise TypeError(f"figures(): unknown field(s) {', '.join(unknown)}; fields: {', '.join(sorted(allowed))}")

        def keep(f: Figure) -> bool:
            for k, v in filters.items():
                got = f.source.doc if k == "doc" else getattr(f, k)
                if got != v:
                    return False
            return True

        return [f for f in self.published if keep(f)]

    def arm(self, arm_id: str) -> Arm:
        """The arm with this id (KeyError naming it)."""
        for a in self.arms:
            if a.id == arm_id:
                return a
        raise KeyError(f"study {self.id!r}: no arm with id {arm_id!r}")

    def endpoint(self, endpoint_id: str) -> Endpoint:
        """The endpoint with this id (KeyError naming it)."""
        for e in self.endpoints:
            if e.id == endpoint_id:
                return e
        raise KeyError(f"study {self.id!r}: no endpoint with id {endpoint_id!r}")
