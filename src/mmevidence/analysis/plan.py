"""The analysis plan: what :func:`mmevidence.analysis.run.run_analysis` computes, read from a study.

A :class:`AnalysisPlan` is plain data built by :func:`build_plan` from a study definition
(``mmevidence.studies.load_study``): the arms and their comparison, the analysis
populations, the time-to-event endpoints with their censoring-rule sensitivity analyses,
the stratification factors, the subgroups, and the options that select each statistical
convention (documented on the fields). The options default to the ICARIA-MM statistical
analysis (Attal et al., Lancet 2019, seed 002 "Statistical analysis"): Kaplan–Meier with
log-log CIs (SAS PROC LIFETEST default; the paper used SAS 9.4), Cox model with Efron ties
stratified by the randomisation factors, one-sided stratified log-rank test.

Group labels of the result records are written ``"<variable>=<value>"`` and joined with
``"|"`` (:func:`group_label`), arm first, e.g. ``"arm=Isa-Pd"``, ``"arm=Pd|age_group=<65"`` (as
:mod:`mmevidence.analysis._subjects`); whole
population and between-arm statistics have the group ``""``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

#: Study censoring keys that are spelled differently in :class:`mmevidence.derive.config.DeriveConfig`.
CENSORING_TO_CONFIG: dict[str, str] = {"further_therapy": "pfs_further_therapy"}

#: Endpoints analysed when a study lists none (adtte endpoint ids, ICARIA-MM order).
DEFAULT_ENDPOINTS: tuple[str, ...] = ("PFS", "OS", "TTP", "TTNT", "PFS2", "DOR", "TTR")

SIDES = ("one-sided", "two-sided")


def field_of(obj: Any, name: str, default: Any = None) -> Any:
    """``obj.name`` or ``obj[name]`` (study sections may be dataclasses or mappings); ``default`` if absent."""
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def group_label(**pairs: Any) -> str:
    """``"k1=v1|k2=v2"`` in the order given (the records' ``group`` convention); ``""`` for none.

    A value may contain "=" (">=75": split a part at its first "=") but not "|" (ValueError)."""
    for k, v in pairs.items():
        if "|" in str(v):
            raise ValueError(f"group level {k}={v!r} contains '|': not allowed in a group label")
    return "|".join(f"{k}={v}" for k, v in pairs.items())


@dataclass(frozen=True)
class SensitivityPlan:
    """A censoring-rule sensitivity analysis: re-derive ``endpoint`` with ``config`` overrides.

    ``config`` maps :class:`~mmevidence.derive.config.DeriveConfig` field names to values
    (study keys translated by :data:`CENSORING_TO_CONFIG`) on top of the endpoint's own censoring;
    ``unmapped`` says why the analysis cannot be run (study keys with no DeriveConfig field, no change
    of the censoring rule -- e.g. IPCW --, or the same derive options as an earlier sensitivity
    analysis -- e.g. symptomatic deterioration); such analyses are skipped with a warning, never run
    as a relabelled copy of another analysis.
    """

    id: str
    label: str
    endpoint: str
    config: dict[str, Any]
    unmapped: tuple[str, ...] = ()


@dataclass(frozen=True)
class EndpointPlan:
    """One time-to-event endpoint (an ``adtte.endpoint`` id) analysed in ``population``."""

    id: str
    label: str
    population: str = "itt"
    primary: bool = False
    config: dict[str, Any] = field(default_factory=dict)
    sensitivity: tuple[SensitivityPlan, ...] = ()


@dataclass(frozen=True)
class SubgroupPlan:
    """A subgroup factor: adsl ``variable`` with its ``levels`` in display order."""

    variable: str
    label: str
    levels: tuple[Any, ...]


@dataclass(frozen=True)
class AnalysisPlan:
    """Everything the analyses need to know about the study, and the convention options.

    Arms are the values of ``adsl[arm_variable]`` (``arm_labels``, experimental first,
    then control, then any other arm); ``experimental``/``control`` are None for a
    single-arm study (no between-arm statistics then). ``populations`` maps a population
    id to its filter (an adsl boolean column or a boolean expression over adsl columns).

    Options:

    * ``conf_type``: Kaplan–Meier CI transform, "log-log" (default; SAS LIFETEST), "log"
      (R ``survfit``), "plain", "logit", "arcsine".
    * ``conf_level``: level of every interval (0.95).
    * ``landmarks_months``: landmark survival times (6, 12, 18, 24 months).
    * ``sides``: which log-rank / CMH p-value the tables print, "one-sided" (ICARIA-MM: "a
      one-sided log-rank test stratified by previous lines of treatment and age") or
      "two-sided"; the records always carry both.
    * ``ties``: Cox ties, "efron" (R ``coxph``; default) or "breslow" (SAS PHREG default).
    * ``rmst_tau_months``: restricted mean survival time horizon (None: not computed).
    * ``interaction_test``: subgroup treatment-by-factor test, "wald" (default: SAS PHREG's
      Type 3 test of the interaction effect is a Wald test, and ICARIA-MM was analysed in
      SAS 9.4) or "lr" (likelihood ratio, R ``anova(coxph)``; better in small samples).
    * ``subgroup_endpoint``: the endpoint of the subgroup analyses (the primary endpoint).
    """

    study_id: str
    arm_labels: tuple[str, ...]
    experimental: str | None
    control: str | None
    populations: dict[str, str]
    efficacy_population: str
    safety_population: str | None
    endpoints: tuple[EndpointPlan, ...]
    stratification: tuple[str, ...]
    subgroups: tuple[SubgroupPlan, ...]
    subgroup_endpoint: str
    arm_variable: str = "arm"
    conf_type: str = "log-log"
    conf_level: float = 0.95
    landmarks_months: tuple[float, ...] = (6.0, 12.0, 18.0, 24.0)
    sides: str = "one-sided"
    ties: str = "efron"
    rmst_tau_months: float | None = None
    interaction_test: str = "wald"
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.sides not in SIDES:
            raise ValueError(f"sides: {self.sides!r} is not one of {', '.join(SIDES)}")
        if self.interaction_test not in ("wald", "lr"):
            raise ValueError(f"interaction_test: {self.interaction_test!r} is not 'wald' or 'lr'")
        if self.ties not in ("efron", "breslow"):
            raise ValueError(f"ties: {self.ties!r} is not 'efron' or 'breslow'")
        if not 0 < self.conf_level < 1:
            raise ValueError(f"conf_level: {self.conf_level!r} must lie in (0, 1)")
        if self.efficacy_population not in self.populations:
            raise ValueError(f"efficacy_population: {self.efficacy_population!r} is not one of "
                             f"{', '.join(self.populations)}")

    @property
    def randomised(self) -> bool:
        """True when there is an experimental and a control arm to compare."""
        return self.experimental is not None and self.control is not None

    def with_options(self, **options: Any) -> AnalysisPlan:
        """A copy with some fields changed (e.g. ``plan.with_options(conf_type="log")``)."""
        return replace(self, **options)


def derive_overrides(censoring: Mapping[str, Any] | None) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Study ``censoring`` keys -> (:class:`DeriveConfig` overrides, keys with no DeriveConfig field)."""
    from mmevidence.derive.config import DeriveConfig

    known = set(DeriveConfig.__dataclass_fields__)
    config, unmapped = {}, []
    for key, value in (censoring or {}).items():
        name = CENSORING_TO_CONFIG.get(key, key)
        if name in known:
            config[name] = value
        else:
            unmapped.append(key)
    return config, tuple(unmapped)


def _endpoint_plans(study: Any, population: str) -> tuple[EndpointPlan, ...]:
    endpoints = field_of(study, "endpoints") or []
    if not endpoints:
        from mmevidence.derive.adtte import ENDPOINT_LABELS
        return tuple(EndpointPlan(e, ENDPOINT_LABELS[e], population, e == "PFS") for e in DEFAULT_ENDPOINTS)
    out = []
    for ep in endpoints:
        eid = str(field_of(ep, "id"))
        config, _ = derive_overrides(field_of(ep, "censoring"))
        sens: list[SensitivityPlan] = []
        for s in field_of(ep, "sensitivity") or []:
            sid = str(field_of(s, "id"))
            s_config, unmapped = derive_overrides(field_of(s, "censoring"))
            merged = {**config, **s_config}
            if not unmapped and merged == config:
                # e.g. an IPCW analysis: not a change of the censoring rule, nothing to re-derive
                unmapped = ("(no change of the censoring rule)",)
            twin = next((t.id for t in sens if t.config == merged and not t.unmapped), None)
            if not unmapped and twin is not None:
                # e.g. investigator PFS with symptomatic deterioration: the difference is not a derive option
                unmapped = (f"(same derive options as {twin})",)
            sens.append(SensitivityPlan(sid, str(field_of(s, "label") or sid), eid, merged, unmapped))
        out.append(EndpointPlan(eid, str(field_of(ep, "label") or eid), str(field_of(ep, "population") or population),
                                bool(field_of(ep, "primary", False)), config, tuple(sens)))
    return tuple(out)


def build_plan(study: Any, **options: Any) -> AnalysisPlan:
    """The :class:`AnalysisPlan` of a study definition (``Study`` or a path/id for ``load_study``).

    Arms: ``study.arms`` labels (the ``adsl.arm`` values), experimental then control as
    ``study.comparison`` says. Populations: ``study.populations`` (efficacy in "itt" when
    present, else the first; safety in "safety" when present). Endpoints: ``study.endpoints``
    with their censoring and sensitivity entries (all of :data:`DEFAULT_ENDPOINTS` if the study
    lists none). Stratification and subgroups: the study's adsl variables. ``options`` set the
    convention fields of :class:`AnalysisPlan`.
    """
    if isinstance(study, str) or hasattr(study, "__fspath__"):
        from mmevidence.studies import load_study
        study = load_study(study)
    arms = field_of(study, "arms") or []
    by_id = {str(field_of(a, "id")): str(field_of(a, "label")) for a in arms}
    comparison = field_of(study, "comparison")
    exp_id, ctl_id = field_of(comparison, "experimental"), field_of(comparison, "control")
    experimental = by_id.get(str(exp_id)) if exp_id is not None else None
    control = by_id.get(str(ctl_id)) if ctl_id is not None else None
    ordered = [x for x in (experimental, control) if x is not None]
    labels = tuple(ordered + [lab for lab in by_id.values() if lab not in ordered])

    pops_raw = field_of(study, "populations") or {"itt": {"filter": "ittfl"}}
    # populations without a filter (e.g. "responders", defined in prose) cannot select adsl rows: left out
    populations = {str(k): str(field_of(v, "filter")) for k, v in dict(pops_raw).items()
                   if field_of(v, "filter") is not None}
    efficacy = "itt" if "itt" in populations else next(iter(populations))
    safety = "safety" if "safety" in populations else None
    endpoints = _endpoint_plans(study, efficacy)
    primary = next((e.id for e in endpoints if e.primary), endpoints[0].id if endpoints else "PFS")
    strat = tuple(str(field_of(s, "variable")) for s in field_of(study, "stratification") or [])
    subgroups = tuple(SubgroupPlan(str(field_of(s, "variable")), str(field_of(s, "label") or field_of(s, "variable")),
                                   tuple(field_of(s, "levels") or ())) for s in field_of(study, "subgroups") or []
                      if field_of(s, "variable") is not None)
    notes = tuple(f"sensitivity analysis {s.id} of {s.endpoint} not run: {', '.join(s.unmapped)} "
                  "(not a censoring rule mmevidence.derive can apply)" for e in endpoints for s in e.sensitivity
                  if s.unmapped)
    return AnalysisPlan(study_id=str(field_of(study, "id", "study")), arm_labels=labels, experimental=experimental,
                        control=control, populations=populations, efficacy_population=efficacy,
                        safety_population=safety, endpoints=endpoints, stratification=strat, subgroups=subgroups,
                        subgroup_endpoint=primary, notes=notes, **options)


def population_mask(adsl: pd.DataFrame, filter_: str) -> pd.Series:
    """Boolean mask of adsl rows in a population: a boolean column name, or a rule over adsl columns
    (:func:`mmevidence.studies.rules.evaluate_rule` grammar). Missing (NA) counts as out of the set."""
    if filter_ in adsl.columns:
        return adsl[filter_].astype("boolean").fillna(False).astype(bool)
    from mmevidence.studies.rules import evaluate_rule
    return evaluate_rule(filter_, adsl).fillna(False).astype(bool)


def level_mask(column: pd.Series, level: Any) -> pd.Series:
    """Rows of ``column`` equal to ``level``; a text level "yes"/"no"/"true"/"false" matches a boolean column."""
    if pd.api.types.is_bool_dtype(column) or (column.dropna().map(type).eq(bool).all() and column.notna().any()):
        if isinstance(level, str):
            level = level.strip().lower() in ("yes", "true", "y", "1")
        return column.map(lambda v: v is not None and not pd.isna(v) and bool(v) == bool(level)).astype(bool)
    return (column.astype(object) == level) | (column.astype(str) == str(level)) & column.notna()


def study_derive_config(study: Any, base: Any = None) -> Any:
    """The :class:`~mmevidence.derive.config.DeriveConfig` that derives the study's endpoints as it defines
    them: ``base`` (default settings if None) with every endpoint's ``censoring`` options applied.

    Endpoints must agree where they set the same option (ICARIA-MM: PFS and TTP both IRC-assessed and
    censored at further therapy); a conflict raises ValueError naming both endpoints, since one store
    holds one derivation (the sensitivity analyses re-derive on their own).
    """
    from dataclasses import replace as dc_replace

    from mmevidence.derive.config import DeriveConfig

    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for ep in field_of(study, "endpoints") or []:
        eid = str(field_of(ep, "id"))
        config, _ = derive_overrides(field_of(ep, "censoring"))
        for key, value in config.items():
            if key in merged and merged[key] != value:
                raise ValueError(f"study {field_of(study, 'id')!r}: endpoints {origin[key]} and {eid} set {key} to "
                                 f"{merged[key]!r} and {value!r}; one store holds one derivation")
            merged[key], origin[key] = value, eid
    return dc_replace(base if base is not None else DeriveConfig(), **merged)
