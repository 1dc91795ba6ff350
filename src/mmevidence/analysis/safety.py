"""Safety as tidy records: TEAE overview, TEAEs by SOC and preferred term, haematological
laboratory abnormalities by worst CTCAE grade (ICARIA-MM Table 4, German CUP Table 2).

``analyse_safety(adsl, adae, adex, study, population="safety", labs=None) -> DataFrame``.
Only treatment-emergent events count (``adae.treatment_emergent``, see
:mod:`mmevidence.derive.adae`). A patient counts once per term and category, at the worst
grade (CDISC ADaM OCCDS first/worst occurrence; seed 002 Table 4 "worst grade"). Every
percentage has the subject-level denominator: patients of the arm in the analysis set.

Categories (:data:`CATEGORIES`): ``all_grades`` (any TEAE), ``grade_3``, ``grade_4``,
``grade_5`` (worst grade exactly k), ``grade_3_or_more``, ``serious``,
``serious_grade_3_or_more``, ``related`` (related to any study drug),
``related_grade_3_or_more``, ``discontinued`` (leading to discontinuation of at least one
drug), ``fatal``. A flag category takes the worst grade among the flagged events only (the
CUP "related, grade >= 3" column: related events of grade >= 3).

Records
-------
``safety.overview``    endpoint = category; per arm: ``n``, ``pct`` (patients), ``events``
                       (TEAEs), ``rate_100py`` (events per 100 patient-years of exposure, exact
                       Poisson (Garwood) 95% CI in lower/upper); endpoint ``exposure``:
                       ``patient_years``.
``safety.ae_any.<category>``  endpoint "any": any TEAE of the category; ``n``, ``pct``, ``events``.
``safety.ae_soc.<category>``  endpoint = system organ class; ``n``, ``pct``, ``events``.
``safety.ae_pt.<category>``   endpoint = preferred term, group "arm=<label>|soc=<SOC>";
                       ``n``, ``pct``, ``events``.
``safety.ae_group.<category>`` endpoint = AE group id (``study.ae_groups``: grouped terms such as
                       ICARIA-MM "Infusion reaction"), group "arm=<label>"; ``n``, ``pct``,
                       ``events``: a patient counts once per group, at the worst grade over the
                       group's preferred terms (the same counting as a preferred term).
``safety.lab``         endpoint = lab test (neutrophils, platelets, hemoglobin); group
                       "arm=<label>|grade=<all_grades|grade_3|grade_4>"; ``n`` and ``pct`` of the
                       evaluable patients (``n`` column = evaluable patients: at least one
                       on-treatment value).

Records hold every term; the frequency threshold and the SOC/term order are layout choices
made by :func:`mmevidence.report.tables.safety.ae_table` so that the records stay complete.

Exposure (patient-years) = sum over patients of (last - first dose date + 1 day) / 365.25
(:func:`treatment_window`: from ``adex``, per patient and drug, the earliest first and the
latest last dose date of any drug -- ``adex.last_dose_date`` already extends per-cycle records
to the cycle's last planned day -- or adsl ``trt_start``/``trt_end`` when ``adex`` is None).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from scipy.stats import chi2

from ._subjects import arm_subsets, group_key, population_mask
from .results import as_frame, record

_ANY: Callable[[pd.Series], pd.Series] = lambda worst: pd.Series(True, index=worst.index)

#: category -> (adae flag column restricting the events or None, predicate on the worst grade)
CATEGORIES: dict[str, tuple[str | None, Callable[[pd.Series], pd.Series]]] = {
    "all_grades": (None, _ANY),
    "grade_3": (None, lambda w: w == 3),
    "grade_4": (None, lambda w: w == 4),
    "grade_5": (None, lambda w: w == 5),
    "grade_3_or_more": (None, lambda w: w >= 3),
    "serious": ("serious", _ANY),
    "serious_grade_3_or_more": ("serious", lambda w: w >= 3),
    "related": ("related", _ANY),
    "related_grade_3_or_more": ("related", lambda w: w >= 3),
    "discontinued": ("discontinued_any_drug", _ANY),
    "fatal": ("fatal", _ANY),
}

#: overview rows (ICARIA-MM appendix safety overview, CUP text)
OVERVIEW: tuple[str, ...] = ("all_grades", "grade_3_or_more", "serious", "related", "discontinued", "fatal")

#: haematological tests graded and their CTCAE v4.03 term
LAB_TERMS: dict[str, str] = {"neutrophils": "Neutropenia", "platelets": "Thrombocytopenia", "hemoglobin": "Anaemia"}

#: default lower limits of normal: neutrophils 1.8 x 10^9/L, platelets 150 x 10^9/L (common adult
#: reference intervals), haemoglobin 13.0 g/dL men / 12.0 g/dL women (WHO anaemia thresholds)
DEFAULT_LLN: dict[str, float | dict[str, float]] = {"neutrophils": 1.8, "platelets": 150.0,
                                                     "hemoglobin": {"male": 13.0, "female": 12.0}}

DAYS_PER_YEAR = 365.25


def ctcae_grade(test: str, value: np.ndarray, lln: np.ndarray) -> np.ndarray:
    """CTCAE v4.03 grade (0-4; NaN for a missing value) of a decreased blood count.

    Neutrophil count decreased (10^9/L): 1 <LLN-1.5, 2 <1.5-1.0, 3 <1.0-0.5, 4 <0.5.
    Platelet count decreased (10^9/L): 1 <LLN-75, 2 <75-50, 3 <50-25, 4 <25.
    Anemia (haemoglobin, g/dL): 1 <LLN-10.0, 2 <10.0-8.0, 3 <8.0 (grade 4, life-threatening
    consequences, is not defined by a value and is never assigned).
    Source: NCI Common Terminology Criteria for Adverse Events v4.03 (2010), the version
    ICARIA-MM used; units are the canonical store units (:mod:`mmevidence.data.units`).
    """
    cuts = {"neutrophils": (1.5, 1.0, 0.5), "platelets": (75.0, 50.0, 25.0), "hemoglobin": (10.0, 8.0, None)}
    if test not in cuts:
        raise ValueError(f"test must be one of {', '.join(cuts)}, got {test!r}")
    v = np.asarray(value, dtype=float)
    g2, g3, g4 = cuts[test]
    grade = np.where(v < np.asarray(lln, dtype=float), 1.0, 0.0)
    grade = np.where(v < g2, 2.0, grade)
    grade = np.where(v < g3, 3.0, grade)
    if g4 is not None:
        grade = np.where(v < g4, 4.0, grade)
    return np.where(np.isnan(v), np.nan, grade)


def treatment_window(adsl: pd.DataFrame, adex: pd.DataFrame | None) -> pd.DataFrame:
    """``first``/``last`` dose date per patient (index ``patient_id``): from ``adex`` (earliest
    first and latest last dose of any drug) when given, else ``adsl.trt_start``/``trt_end``."""
    if adex is not None and len(adex):
        g = adex.groupby("patient_id")
        return pd.DataFrame({"first": pd.to_datetime(g["first_dose_date"].min()),
                             "last": pd.to_datetime(g["last_dose_date"].max())})
    return pd.DataFrame({"first": pd.to_datetime(adsl["trt_start"]).to_numpy(),
                         "last": pd.to_datetime(adsl["trt_end"]).to_numpy()},
                        index=pd.Index(adsl["patient_id"], name="patient_id"))


def exposure_days(window: pd.DataFrame) -> pd.Series:
    """Days on treatment per patient: last - first dose date + 1 (ADaM TRTDURD)."""
    return (window["last"] - window["first"]).dt.days + 1


def poisson_rate(events: int, person_years: float, per: float = 100.0) -> tuple[float, float, float]:
    """``(rate, lower, upper)`` per ``per`` person-years with the exact (Garwood 1936) 95% CI:
    lower = chi2(0.025; 2k)/2, upper = chi2(0.975; 2k + 2)/2 events (R ``poisson.test``)."""
    if person_years <= 0:
        return np.nan, np.nan, np.nan
    lower = 0.0 if events == 0 else chi2.ppf(0.025, 2 * events) / 2.0
    upper = chi2.ppf(0.975, 2 * events + 2) / 2.0
    return per * events / person_years, per * lower / person_years, per * upper / person_years


_TOTAL = "\x00total"  # arm key of the all-arms rows inside the counting frame


def _counting_frame(adae: pd.DataFrame, subset: pd.DataFrame, study) -> pd.DataFrame:
    """Treatment-emergent events of the analysis set with the columns counting needs: ``arm_key``
    (arm label; the rows repeated with :data:`_TOTAL` when the study has several arms), ids,
    float ``grade`` and plain boolean flags (missing = False)."""
    te = adae["treatment_emergent"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    flags = sorted({f for f, _ in CATEGORIES.values() if f is not None})
    d = adae.loc[te & adae["patient_id"].isin(subset["patient_id"]).to_numpy(),
                 ["patient_id", "system_organ_class", "preferred_term", "grade", *flags]].copy()
    d["grade"] = pd.to_numeric(d["grade"], errors="coerce").astype(float)
    for f in flags:
        d[f] = d[f].astype("boolean").fillna(False).to_numpy(dtype=bool)
    labels = [a.label for a in study.arms]
    d["arm_key"] = d["patient_id"].map(subset.set_index("patient_id")["arm"])
    d = d[d["arm_key"].isin(labels)]
    if len(labels) > 1:
        d = pd.concat([d, d.assign(arm_key=_TOTAL)], ignore_index=True)
    # categorical keys: grouping on integer codes instead of hashing strings again for every count
    for col in ("arm_key", "patient_id", "system_organ_class", "preferred_term"):
        d[col] = d[col].astype("category")
    return d


class _Counter:
    """Patient and event counts per arm and ``keys`` for every category, grouping each event
    subset (all TEAEs, serious, related, ...) once per key level and reusing it for every grade
    predicate: ``n`` = patients whose worst grade among the category's events meets its
    predicate; ``events`` = the category's events whose own grade meets it (e.g. grade >= 3
    TEAEs). Only groups with n > 0 appear; events with a missing key value are left out."""

    def __init__(self, d: pd.DataFrame):
        self.d = d
        self._cache: dict[tuple, tuple[pd.Series, pd.Series]] = {}

    def _grouped(self, flag: str | None, keys: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
        if (flag, keys) not in self._cache:
            x = self.d if flag is None else self.d[self.d[flag].to_numpy()]
            k = ["arm_key", *keys]
            worst = x.groupby([*k, "patient_id"], sort=False, observed=True)["grade"].max()
            by_grade = x.groupby([*k, "grade"], sort=False, observed=True, dropna=False).size()
            self._cache[(flag, keys)] = (worst, by_grade)
        return self._cache[(flag, keys)]

    def counts(self, keys: tuple[str, ...], category: str) -> pd.DataFrame:
        flag, predicate = CATEGORIES[category]
        worst, by_grade = self._grouped(flag, keys)
        levels = list(range(1 + len(keys)))
        grades = pd.Series(by_grade.index.get_level_values("grade"), index=by_grade.index)
        events = by_grade[predicate(grades).to_numpy(dtype=bool)]
        events = events.groupby(level=levels, sort=False, observed=True).sum()
        n = worst[predicate(worst).to_numpy(dtype=bool)].groupby(level=levels, sort=False, observed=True).size()
        out = pd.DataFrame({"n": n, "events": events.reindex(n.index).fillna(0)})
        return out.reset_index()


def _group_frame(d: pd.DataFrame, groups: tuple) -> pd.DataFrame:
    """The events of ``d`` whose preferred term belongs to an AE group (``groups``: non-empty
    ``study.ae_groups``), with column ``ae_group`` (the group id; an event of a term in two groups
    appears once in each), for the same :class:`_Counter` as the preferred terms."""
    parts = [d[d["preferred_term"].isin(g.terms).to_numpy()].assign(ae_group=g.id) for g in groups]
    out = pd.concat(parts, ignore_index=True)
    out["ae_group"] = out["ae_group"].astype("category")
    return out


def _group(arm: str, soc: str | None = None) -> str:
    a = None if arm == _TOTAL else arm
    return group_key(a) if soc is None else group_key(a, soc=soc)


def analyse_safety(adsl: pd.DataFrame, adae: pd.DataFrame, adex: pd.DataFrame | None, study,
                   population: str = "safety",
                   labs: pd.DataFrame | None = None, categories: tuple[str, ...] = tuple(CATEGORIES),
                   lln: Mapping[str, float | Mapping[str, float]] | None = None,
                   lab_window_days: int = 30) -> pd.DataFrame:
    """Safety records (module docstring). ``labs``: the store's ``labs`` table (canonical
    units) for the haematological abnormalities, graded by :func:`ctcae_grade` on every
    on-treatment value (first dose date <= lab date <= last dose date + ``lab_window_days``);
    the worst grade per patient counts; evaluable = at least one on-treatment value.
    ``lln`` overrides :data:`DEFAULT_LLN` (haemoglobin may be a ``{"male": .., "female": ..}`` map).
    """
    unknown = sorted(set(categories) - set(CATEGORIES))
    if unknown:
        raise ValueError(f"unknown categories {unknown}; known: {', '.join(CATEGORIES)}")
    subset = adsl[population_mask(adsl, study, population)]
    d = _counting_frame(adae, subset, study)
    window = treatment_window(adsl, adex)
    days = exposure_days(window)
    arms = {(_TOTAL if arm is None else arm): part for arm, part in arm_subsets(subset, study)}
    size = {arm: len(part) for arm, part in arms.items()}
    records: list[dict] = []

    def add(analysis_id: str, endpoint: str, arm: str, group: str, n: int, events: int, category: str) -> None:
        d_n = size[arm]
        method = f"patients with >= 1 TEAE ({category}), worst grade per patient / patients in the arm"
        records.extend([record(analysis_id, population, endpoint, group, "n", n, n=d_n, method=method),
                        record(analysis_id, population, endpoint, group, "pct", 100.0 * n / d_n if d_n else np.nan,
                               n=d_n, method=method),
                        record(analysis_id, population, endpoint, group, "events", events, n=d_n,
                               method="number of TEAEs")])

    counter = _Counter(d)
    group_counter = _Counter(_group_frame(d, study.ae_groups)) if study.ae_groups else None

    def any_counts(category: str) -> pd.DataFrame:
        c = counter.counts((), category).set_index("arm_key")
        return c.reindex(list(arms)).fillna(0)

    overview = {c: any_counts(c) for c in dict.fromkeys((*OVERVIEW, *categories))}
    for arm, part in arms.items():
        person_years = float(part["patient_id"].map(days).fillna(0).sum()) / DAYS_PER_YEAR
        records.append(record("safety.overview", population, "exposure", _group(arm), "patient_years", person_years,
                              n=size[arm], method="sum of (last - first dose + 1 day) / 365.25"))
        for category in OVERVIEW:
            n, events = (int(v) for v in overview[category].loc[arm, ["n", "events"]])
            add("safety.overview", category, arm, _group(arm), n, events, category)
            rate, lo, hi = poisson_rate(events, person_years)
            records.append(record("safety.overview", population, category, _group(arm), "rate_100py", rate, lo, hi,
                                  n=size[arm], method="TEAEs per 100 patient-years, exact Poisson 95% CI"))
    for category in categories:
        for arm in arms:
            n, events = (int(v) for v in overview[category].loc[arm, ["n", "events"]])
            add(f"safety.ae_any.{category}", "any", arm, _group(arm), n, events, category)
        for r in counter.counts(("system_organ_class",), category).itertuples(index=False):
            add(f"safety.ae_soc.{category}", r.system_organ_class, r.arm_key, _group(r.arm_key), int(r.n),
                int(r.events), category)
        for r in counter.counts(("system_organ_class", "preferred_term"), category).itertuples(index=False):
            add(f"safety.ae_pt.{category}", r.preferred_term, r.arm_key, _group(r.arm_key, r.system_organ_class),
                int(r.n), int(r.events), category)
        if group_counter is not None:
            for r in group_counter.counts(("ae_group",), category).itertuples(index=False):
                add(f"safety.ae_group.{category}", r.ae_group, r.arm_key, _group(r.arm_key), int(r.n), int(r.events),
                    category)
    if labs is not None:
        records += _lab_records(subset, labs, window, study, population, {**DEFAULT_LLN, **(lln or {})},
                                lab_window_days)
    return as_frame(records)


def worst_lab_grades(subset: pd.DataFrame, labs: pd.DataFrame, window: pd.DataFrame,
                     lln: Mapping[str, float | Mapping[str, float]], window_days: int = 30) -> pd.DataFrame:
    """Worst on-treatment CTCAE grade per patient and test (``patient_id``, ``test``, ``worst_grade``).

    On treatment: first dose date <= lab date <= last dose date + ``window_days`` (the TEAE
    window; ``window`` from :func:`treatment_window`). Haemoglobin's LLN may depend on ``sex`` (adsl).
    """
    d = labs[labs["test"].isin(LAB_TERMS) & labs["patient_id"].isin(subset["patient_id"])]
    d = d.merge(window, left_on="patient_id", right_index=True, how="inner")
    date = pd.to_datetime(d["date"])
    d = d[(date >= d["first"]) & (date <= d["last"] + pd.Timedelta(days=window_days)) & d["value"].notna()]
    sex = d["patient_id"].map(subset.set_index("patient_id")["sex"])
    parts = []
    for test, rows in d.groupby("test"):
        limit = lln[test]
        if isinstance(limit, Mapping):
            limits = sex.loc[rows.index].map(limit).to_numpy(dtype=float)
        else:
            limits = np.full(len(rows), float(limit))
        grade = ctcae_grade(test, rows["value"].to_numpy(dtype=float), limits)
        parts.append(pd.DataFrame({"patient_id": rows["patient_id"].to_numpy(), "test": test, "grade": grade}))
    if not parts:
        return pd.DataFrame(columns=["patient_id", "test", "worst_grade"])
    allg = pd.concat(parts, ignore_index=True)
    return allg.groupby(["patient_id", "test"], as_index=False).agg(worst_grade=("grade", "max"))


def _lab_records(subset: pd.DataFrame, labs: pd.DataFrame, window: pd.DataFrame, study, population: str,
                 lln: Mapping, window_days: int) -> list[dict]:
    worst = worst_lab_grades(subset, labs, window, lln, window_days)
    records: list[dict] = []
    method = "worst on-treatment CTCAE v4.03 grade / evaluable patients (>= 1 on-treatment value)"
    for arm, part in arm_subsets(subset, study):
        for test in LAB_TERMS:
            w = worst[(worst["test"] == test) & worst["patient_id"].isin(part["patient_id"])]["worst_grade"]
            evaluable = len(w)
            for level, hit in (("all_grades", w >= 1), ("grade_3", w == 3), ("grade_4", w == 4)):
                n = int(hit.sum())
                group = group_key(arm, grade=level)
                records += [record("safety.lab", population, test, group, "n", n, n=evaluable, method=method),
                            record("safety.lab", population, test, group, "pct",
                                   100.0 * n / evaluable if evaluable else np.nan, n=evaluable, method=method)]
    return records
