"""Hold a cohort against a published trial arm: the comparison behind ``mmevidence compare`` and a report section.

:func:`compare_cohort` runs the compare package on a cohort's analysis datasets and result
records: the published endpoints side by side (:func:`mmevidence.compare.compare_endpoints`),
baseline standardised differences (:func:`~mmevidence.compare.baseline_differences`), the
trial's eligibility cascade and the outcomes of eligible vs ineligible patients
(:func:`~mmevidence.compare.apply_eligibility`, :func:`~mmevidence.compare.outcomes_by_status`),
and a MAIC of the cohort to the trial arm's published baseline
(:func:`~mmevidence.compare.maic_weights`, :func:`~mmevidence.compare.bootstrap_maic`).
:func:`comparison_sections` lays the result out as report sections (tables and a KM figure);
it is the ``extra_sections`` callable of :func:`mmevidence.report.build.run_report` once its
study arguments are bound (``functools.partial``).

MAIC covariates (``maic_covariates``; default ``age, iss, prior_lines, refractory``). Each key
maps to adsl columns of the cohort and to figures of the benchmark's published baseline table
(``Study.published``, topic baseline, the benchmark arm). For ICARIA-MM's Isa-Pd arm (Attal
2019, Table 1; n = 154):

* ``age`` -> adsl ``age`` (years at index, continuous) vs the published median 68 (IQR 60-74):
  published mean approximated from median and IQR by Wan et al. 2014 scenario S3,
  ``(60 + 68 + 74) / 3 = 67.33`` (a published mean is used when printed; median and range
  by Wan S1 otherwise);
* ``iss`` -> adsl ``iss_at_entry`` (ISS at study entry, derived from beta2-microglobulin and
  albumin at baseline) as two 0/1 columns, stage I and stage III (stage II the reference), vs
  the published counts I 64, II 53, III 34: proportions among patients with a known stage,
  ``64 / 151`` and ``34 / 151`` (the published rows sum to 151 of 154: the study definition
  flags it as inconsistent; the three patients are treated as unknown stage, as cohort
  patients with a missing stage are left out of the MAIC, complete-case);
* ``prior_lines`` -> adsl ``n_prior_lines`` (number of previous lines, continuous) vs the
  published median 3 (IQR 2-4): mean by Wan S3, ``(2 + 3 + 4) / 3 = 3.0``;
* ``refractory`` -> adsl ``ref_len_pi`` (refractory to lenalidomide and a proteasome
  inhibitor, 0/1) vs the published 111 of 154 (``111 / 154 = 0.7208``).

Any other key is read generically: an adsl column with a published mean, median + IQR or
median + range (continuous, as ``age``), an adsl column with a published count and no level
(binary, ``n / N``), or ``column=level`` (indicator of a categorical level, its count over the
sum of the published counts of the known levels). Targets outside the cohort's observed range
are refused by :func:`~mmevidence.compare.maic_weights` with the covariate named.

MAIC population: by default the cohort patients who meet every checkable eligibility
criterion of the benchmark trial (NICE DSU TSD 18, section 2.4: patients who would not have
been eligible for the comparator trial are left out), ``maic_population="all"`` for all
patients; then complete cases on the covariates. The weighted estimates are the cohort's
Kaplan–Meier PFS and OS (median, 12-month rate) with case weights, unweighted beside them, and a
percentile bootstrap of each weighted estimate re-estimating the weights in each resample
(the same resamples for every statistic: one seed). It is an *unanchored* comparison (a
single-arm cohort of the same regimen: no common comparator, so no anchored/Bucher
comparison is possible); with a digitised benchmark curve (``digitised``) the benchmark arm is
reconstructed (Guyot 2012) and the weighted cohort vs reconstructed arm hazard ratio is added
(:func:`~mmevidence.compare.unanchored_hazard_ratio`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmevidence import compare
from mmevidence.stats import kaplan_meier
from mmevidence.stats.estimate import Estimate

from .model import ReportFigure, ReportTable, Section

__all__ = ["DEFAULT_MAIC_COVARIATES", "MAIC_ALIASES", "ComparisonResult", "Digitised", "MaicDesign",
           "compare_cohort", "comparison_figure", "comparison_sections", "comparison_tables", "maic_design",
           "maic_estimates", "run_maic", "sections_from", "anchor_arms"]

DEFAULT_MAIC_COVARIATES: tuple[str, ...] = ("age", "iss", "prior_lines", "refractory")
#: MAIC covariate keys -> the covariate specs they stand for (documented in the module docstring).
MAIC_ALIASES: dict[str, tuple[str, ...]] = {
    "age": ("age",), "iss": ("iss_at_entry=I", "iss_at_entry=III"), "prior_lines": ("n_prior_lines",),
    "refractory": ("ref_len_pi",),
}
_UNKNOWN_LEVELS = {"unknown", "missing", "not assessed", "none"}
MAIC_ENDPOINTS: tuple[str, ...] = ("PFS", "OS")
LANDMARK_MONTHS = 12.0


@dataclass(frozen=True)
class Digitised:
    """A benchmark arm's digitised KM curve (``time``, ``survival``), its at-risk table (``time``,
    ``n_risk``), the published total number of events (None if not published) and how the events
    are counted (``reconstruct_ipd(events=...)``: ``"steps"`` for a curve read at the top and foot of
    every step)."""

    curve: pd.DataFrame
    at_risk: pd.DataFrame
    total_events: int | None = None
    events: str = "guyot"


@dataclass(frozen=True)
class MaicDesign:
    """Covariate columns of the cohort (``data``: one column per spec, float, NaN = missing, index =
    adsl rows), ``targets`` per column, row ``labels``, the ``binary`` columns and ``sources`` (how each
    target was obtained from the published figures)."""

    data: pd.DataFrame
    targets: dict[str, float]
    labels: dict[str, str]
    binary: tuple[str, ...]
    sources: dict[str, str]


@dataclass(frozen=True)
class ComparisonResult:
    """Everything :func:`compare_cohort` computed (frames of the compare package, unformatted)."""

    cohort_label: str
    benchmark_label: str
    endpoints: pd.DataFrame
    baseline: pd.DataFrame
    eligibility: Any
    outcomes: dict[str, pd.DataFrame]
    n_cohort: int
    maic: Any | None = None
    maic_design: MaicDesign | None = None
    maic_data: pd.DataFrame | None = None
    maic_estimates: pd.DataFrame | None = None
    maic_note: str = ""
    n_boot: int = 0
    benchmark_ipd: pd.DataFrame | None = None
    published_median: Estimate | None = None


def _published(study, arm: str, item: str) -> dict:
    out: dict = {}
    for f in study.figures(topic="baseline", arm=arm, item=item):
        if f.value is None or getattr(f, "qualifier", None):
            continue
        out.setdefault(f.level, {})[f.statistic] = (float(f.value), f.n)
    return out


def _as_float(series: pd.Series) -> pd.Series:
    s = series.map(lambda v: float(v) if isinstance(v, (bool, np.bool_)) else v) if series.dtype == object else series
    return pd.to_numeric(s, errors="coerce").astype(float)


def _spec(adsl: pd.DataFrame, study, arm: str, spec: str) -> tuple[pd.Series, float, bool, str, str]:
    """(cohort column, target, binary, row label, source text) of one covariate spec."""
    labels = {b.variable: b.label for b in study.baseline if b.variable}
    column, _, level = spec.partition("=")
    if column not in adsl.columns:
        raise ValueError(f"maic_covariates: {spec!r}: adsl has no column {column!r}")
    pub = _published(study, arm, column)
    if not pub:
        raise ValueError(f"maic_covariates: {spec!r}: {study.id} publishes no baseline figure for {column!r} "
                         f"in arm {arm!r}")
    label = labels.get(column, column)
    if level:
        counts = {lv: s["n"][0] for lv, s in pub.items() if lv is not None and "n" in s}
        if level not in counts:
            raise ValueError(f"maic_covariates: {spec!r}: no published count for level {level!r} of {column!r} "
                             f"(published levels: {sorted(map(str, counts))})")
        known = {lv: n for lv, n in counts.items() if str(lv).lower() not in _UNKNOWN_LEVELS}
        denom = sum(known.values())
        col = adsl[column]
        x = pd.Series(np.where(col.isna(), np.nan, (col.astype(str) == level).astype(float)), index=adsl.index)
        return (x, counts[level] / denom, True, f"{label}: {level}",
                f"{int(counts[level])}/{int(denom)} (count over the published known levels "
                f"{', '.join(map(str, known))})")
    stats = pub.get(None, {})
    x = _as_float(adsl[column])
    n = next((v[1] for v in stats.values() if v[1]), 0) or 0
    if "mean" in stats:
        return x, stats["mean"][0], False, label, f"published mean {stats['mean'][0]:g}"
    if {"median", "q1", "q3"} <= set(stats):
        m = compare.mean_sd_from_quartiles(stats["q1"][0], stats["median"][0], stats["q3"][0], n)[0]
        return (x, m, False, label, f"mean {m:.4g} from the published median {stats['median'][0]:g} "
                f"(IQR {stats['q1'][0]:g}-{stats['q3'][0]:g}), Wan 2014 S3")
    if {"median", "min", "max"} <= set(stats):
        m = compare.mean_sd_from_range(stats["min"][0], stats["median"][0], stats["max"][0], n)[0]
        return (x, m, False, label, f"mean {m:.4g} from the published median {stats['median'][0]:g} "
                f"(range {stats['min'][0]:g}-{stats['max'][0]:g}), Wan 2014 S1")
    if "n" in stats and stats["n"][1]:
        k, total = stats["n"]
        return x, k / total, True, label, f"{int(k)}/{int(total)}"
    raise ValueError(f"maic_covariates: {spec!r}: the published figures of {column!r} ({sorted(stats)}) give "
                     "neither a mean, a median with IQR or range, nor a count; use column=level for a category")


def maic_design(adsl: pd.DataFrame, study, arm: str, covariates: Sequence[str] = DEFAULT_MAIC_COVARIATES
                ) -> MaicDesign:
    """Cohort covariate columns and published targets for ``covariates`` (keys of :data:`MAIC_ALIASES`,
    adsl columns or ``column=level``); see the module docstring for the mapping."""
    specs = [s for key in covariates for s in MAIC_ALIASES.get(key.strip(), (key.strip(),))]
    if not specs:
        raise ValueError("maic_covariates: no covariate given")
    cols, targets, labels, binary, sources = {}, {}, {}, [], {}
    for spec in dict.fromkeys(specs):
        x, target, is_bin, label, source = _spec(adsl, study, arm, spec)
        cols[spec], targets[spec], labels[spec], sources[spec] = x, float(target), label, source
        if is_bin:
            binary.append(spec)
    return MaicDesign(pd.DataFrame(cols, index=adsl.index), targets, labels, tuple(binary), sources)


def _endpoint_frame(adtte: pd.DataFrame, ids: pd.Series, endpoint: str) -> pd.DataFrame:
    rows = adtte.loc[adtte["endpoint"] == endpoint, ["patient_id", "time_months", "event"]]
    got = pd.DataFrame({"patient_id": ids.to_numpy()}).merge(rows, on="patient_id", how="left")
    return got[["time_months", "event"]].set_axis([f"{endpoint}_time", f"{endpoint}_event"], axis=1)


def _km_stats(time: np.ndarray, event: np.ndarray, weights: np.ndarray | None) -> dict[str, Estimate]:
    fit = kaplan_meier(time, event, weights=weights)
    rate = fit.survival_at([LANDMARK_MONTHS]).iloc[0]
    return {"median": fit.median(), "rate_12m": Estimate(float(rate["survival"]), float(rate["lower"]),
                                                         float(rate["upper"]), float(rate.get("se", math.nan)))}


def _published_estimate(study, arm: str, item: str, statistic: str, level: str | None = None) -> Estimate:
    figs = [f for f in study.figures(topic="efficacy", arm=arm, item=item, statistic=statistic)
            if f.level == level]
    if not figs:
        return Estimate(math.nan, math.nan, math.nan, math.nan, "not published")
    f = min(figs, key=lambda g: len(g.id.split(".")))  # the plainest id: the primary analysis
    nan = math.nan
    return Estimate(nan if f.value is None else float(f.value), nan if f.lower is None else float(f.lower),
                    nan if f.upper is None else float(f.upper), nan, f.id)


def _row(label: str, digits: int, unw: Estimate, wtd: Estimate, boot, pub: Estimate, note: str = "",
         scale: float = 1.0) -> dict:
    notes = [n for n in (note, f"{boot.failed} resamples without weights left out" if boot.failed else "",
                         f"{boot.undefined} resamples where the statistic was not defined left out"
                         if boot.undefined else "") if n]
    return {"label": label, "digits": digits, "unweighted": unw.estimate * scale,
            "unweighted_lower": unw.lower * scale, "unweighted_upper": unw.upper * scale,
            "weighted": wtd.estimate * scale, "weighted_lower": wtd.lower * scale, "weighted_upper": wtd.upper * scale,
            "boot_lower": boot.lower * scale, "boot_upper": boot.upper * scale, "boot_failed": boot.failed,
            "published": pub.estimate, "published_lower": pub.lower, "published_upper": pub.upper,
            "note": "; ".join(notes)}


def anchor_arms(cohort_study: Any, benchmark: Any) -> tuple[str, str] | None:
    """``(experimental, control)`` arm labels of a randomised cohort whose control arm has the regimen of the
    benchmark's control arm (an anchored comparison applies); None otherwise (e.g. a single-arm cohort)."""
    if cohort_study is None or getattr(cohort_study, "comparison", None) is None or benchmark.comparison is None:
        return None
    c_arms, b_arms = {a.id: a for a in cohort_study.arms}, {a.id: a for a in benchmark.arms}
    control, b_control = c_arms[cohort_study.comparison.control], b_arms[benchmark.comparison.control]
    if control.regimen is None or control.regimen != b_control.regimen:
        return None
    return c_arms[cohort_study.comparison.experimental].label, control.label


def maic_estimates(data: pd.DataFrame, design: MaicDesign, fit, study, arm: str, n_boot: int, seed: int,
                   benchmark_ipd: pd.DataFrame | None = None, progress: bool = False,
                   anchor: tuple[str, str] | None = None) -> pd.DataFrame:
    """Unweighted and weighted KM median and 12-month rate of each endpoint in ``data`` (columns
    ``<EP>_time``, ``<EP>_event``), with percentile bootstrap CIs of the weighted ones; the unanchored
    HR vs ``benchmark_ipd`` when given; with ``anchor`` (experimental, control labels of ``data["arm"]``)
    the KM rows are the experimental arm's and the anchored PFS HR (Bucher, against the benchmark's
    published HR) is added, the bootstrap resampling within arms. Rows as :func:`maic_estimates_table`
    reads them."""
    rows = []
    targets = design.targets
    strata = "arm" if anchor else None
    in_arm = (data["arm"] == anchor[0]).to_numpy() if anchor else np.ones(len(data), dtype=bool)
    suffix = f" ({anchor[0]} arm)" if anchor else ""

    def boot(statistic) -> Any:
        return compare.bootstrap_maic(data, targets, statistic, n_boot=n_boot, seed=seed, strata=strata,
                                      progress=progress)

    for ep in MAIC_ENDPOINTS:
        tcol, ecol = f"{ep}_time", f"{ep}_event"
        if tcol not in data.columns:
            continue
        t, e = data.loc[in_arm, tcol].to_numpy(dtype=float), data.loc[in_arm, ecol].to_numpy(dtype=float)
        unw, wtd = _km_stats(t, e, None), _km_stats(t, e, fit.weights[in_arm])
        for stat, label, pub_stat, pub_level, scale in (
                ("median", f"{ep} median{suffix}, months", "median", None, 1.0),
                ("rate_12m", f"{ep} at 12 months{suffix}, %", "landmark_rate", "12 months", 100.0)):
            def statistic(d: pd.DataFrame, w: np.ndarray, _s=stat, _t=tcol, _e=ecol) -> float:
                keep = (d["arm"] == anchor[0]).to_numpy() if anchor else np.ones(len(d), dtype=bool)
                est = _km_stats(d.loc[keep, _t].to_numpy(dtype=float), d.loc[keep, _e].to_numpy(dtype=float),
                                w[keep])[_s]
                # a median not reached in a resample lies beyond its follow-up: +inf for the percentile interval
                return math.inf if est.reason in ("not reached", "no events") else est.estimate

            rows.append(_row(label, 1, unw[stat], wtd[stat], boot(statistic),
                             _published_estimate(study, arm, ep, pub_stat, pub_level), scale=scale))
    nan = Estimate(math.nan, math.nan, math.nan, math.nan)
    if anchor and "PFS_time" in data.columns:
        published_bc = _published_estimate(study, "diff", "PFS", "hr")

        def anchored(d: pd.DataFrame, w: np.ndarray | None) -> Estimate:
            ac = compare.weighted_hazard_ratio(d, "PFS_time", "PFS_event", "arm", anchor[0], w)
            return compare.bucher(ac, published_bc)

        boot_anchored = compare.hazard_ratio_statistic("PFS_time", "PFS_event", "arm", anchor[0],
                                                       reference_hr=published_bc.estimate)  # = anchored().estimate
        rows.append(_row(f"PFS hazard ratio, {anchor[0]} (cohort) vs {arm} (published), anchored on {anchor[1]}", 2,
                         anchored(data, None), anchored(data, fit.weights), boot(boot_anchored), nan,
                         note=f"Bucher: weighted Cox HR {anchor[0]} vs {anchor[1]} (robust SE) / published HR "
                              f"{published_bc.estimate:g} ({published_bc.lower:g}-{published_bc.upper:g})"))
    if benchmark_ipd is not None and "PFS_time" in data.columns:
        index = data.loc[in_arm].rename(columns={"PFS_time": "time", "PFS_event": "event"})
        hr_stat = compare.hazard_ratio_statistic(  # = unanchored_hazard_ratio(index rows, w, benchmark_ipd).estimate
            "PFS_time", "PFS_event", "arm" if anchor else None, anchor[0] if anchor else None,
            comparator=benchmark_ipd[["time", "event"]])
        rows.append(_row(f"PFS hazard ratio{suffix} vs reconstructed benchmark arm (unanchored)", 2,
                         compare.unanchored_hazard_ratio(index, np.ones(len(index)), benchmark_ipd),
                         compare.unanchored_hazard_ratio(index, fit.weights[in_arm], benchmark_ipd),
                         boot(hr_stat), nan, note="Cox (Efron), robust SE; HR < 1 favours the cohort"))
    return pd.DataFrame(rows)


def _label(study) -> str:
    return study.id.upper() if len(study.id) <= 12 else study.id


def _endpoint_groups(records: pd.DataFrame, cohort_study: Any, benchmark: Any, benchmark_arm: str
                     ) -> tuple[dict[str, str], bool]:
    """Record group of each benchmark arm the cohort has (``{arm id: group}``) and whether the between-arm
    figures (HR, OR) are comparable. A single-arm cohort stands for ``benchmark_arm``; the arms of a
    randomised cohort are matched to the benchmark's by regimen, and the between-arm figures kept when
    both the experimental and the control arm match."""
    present = set(records["group"])

    def group(label: str) -> str:
        return f"arm={label}" if f"arm={label}" in present else ""

    if len(cohort_study.arms) == 1:
        return {benchmark_arm: group(cohort_study.arms[0].label)}, False
    by_regimen = {a.regimen: a for a in cohort_study.arms if a.regimen}
    groups = {b.id: group(by_regimen[b.regimen].label) for b in benchmark.arms if b.regimen in by_regimen}
    comparable = benchmark.comparison is not None and {benchmark.comparison.experimental,
                                                       benchmark.comparison.control} <= set(groups)
    return groups, comparable


def compare_cohort(datasets: Mapping[str, pd.DataFrame], records: pd.DataFrame, cohort_study: Any,
                   benchmark: Any = "icaria-mm", benchmark_arm: str = "isa_pd",
                   maic_covariates: Sequence[str] | None = None, bootstrap: int = 1000, seed: int = 1,
                   maic_population: str = "eligible", digitised: Digitised | None = None,
                   progress: bool = False) -> ComparisonResult:
    """Run every comparison of the cohort (``datasets``: adsl, adtte; ``records``: its result records)
    with ``benchmark``'s arm ``benchmark_arm``. See the module docstring.

    ``maic_covariates=()`` skips the MAIC. Raises ``ValueError`` for an unknown arm, a covariate
    without published figure, or a MAIC population where no weights exist (the message names the
    covariate, its target and the cohort's range).
    """
    from mmevidence.studies import load_study

    if isinstance(benchmark, (str, Path)):
        benchmark = load_study(benchmark)
    if isinstance(cohort_study, (str, Path)):
        cohort_study = load_study(cohort_study)
    arms = {a.id: a for a in benchmark.arms}
    if benchmark_arm not in arms:
        raise ValueError(f"benchmark_arm: {benchmark_arm!r} is not an arm of {benchmark.id} "
                         f"(arms: {', '.join(arms)})")
    if maic_population not in ("eligible", "all"):
        raise ValueError(f"maic_population: {maic_population!r} is not 'eligible' or 'all'")
    if bootstrap < 2:
        raise ValueError(f"bootstrap: {bootstrap!r} resamples; at least 2 are needed")
    if "adsl" not in datasets:
        raise ValueError("datasets: adsl is required")
    adsl, adtte = datasets["adsl"], datasets.get("adtte")
    cohort_label = _label(cohort_study)
    bench_label = f"{_label(benchmark)} {arms[benchmark_arm].label}"
    groups, comparable = _endpoint_groups(records, cohort_study, benchmark, benchmark_arm)
    # the main analyses only: subgroup records repeat the same endpoint / statistic / group
    main = records[records["analysis_id"].str.startswith(("efficacy.", "response."))]
    endpoints = compare.compare_endpoints(main, benchmark, arm_groups=groups, diff_group="" if comparable else None,
                                          assessment=cohort_study.design.response_assessment)
    if not comparable:  # e.g. a single-arm cohort: between-arm figures (HR, OR) have no counterpart
        endpoints = endpoints[endpoints["arm"] != "diff"].reset_index(drop=True)
    baseline = compare.baseline_differences(adsl, benchmark, benchmark_arm)
    elig = compare.apply_eligibility(adsl, benchmark)
    outcomes = {}
    if adtte is not None:
        for ep in MAIC_ENDPOINTS:
            if (adtte["endpoint"] == ep).any():
                outcomes[ep] = compare.outcomes_by_status(adtte, elig.status, adsl["patient_id"], ep)
    pub_median = _published_estimate(benchmark, benchmark_arm, "PFS", "median")
    ipd = None
    if digitised is not None:
        ipd = compare.reconstruct_ipd(digitised.curve, digitised.at_risk, digitised.total_events,
                                      events=digitised.events)
    result = dict(cohort_label=cohort_label, benchmark_label=bench_label, endpoints=endpoints, baseline=baseline,
                  eligibility=elig, outcomes=outcomes, n_cohort=len(adsl), benchmark_ipd=ipd,
                  published_median=pub_median, n_boot=bootstrap)
    covariates = DEFAULT_MAIC_COVARIATES if maic_covariates is None else tuple(maic_covariates)
    if not covariates:
        return ComparisonResult(**result, maic_note="MAIC not requested")
    if adtte is None:
        return ComparisonResult(**result, maic_note="MAIC not run: no adtte dataset")
    maic = run_maic(adsl, adtte, benchmark, benchmark_arm, covariates, maic_population, bootstrap, seed, ipd,
                    elig, progress, cohort_study)
    return ComparisonResult(**result, **maic)


def run_maic(adsl: pd.DataFrame, adtte: pd.DataFrame, benchmark: Any, benchmark_arm: str,
             covariates: Sequence[str] = DEFAULT_MAIC_COVARIATES, maic_population: str = "eligible",
             bootstrap: int = 1000, seed: int = 1, benchmark_ipd: pd.DataFrame | None = None,
             eligibility: Any = None, progress: bool = False, cohort_study: Any = None) -> dict[str, Any]:
    """MAIC of the cohort to ``benchmark``'s arm: ``maic`` (the :class:`~mmevidence.compare.MaicFit`),
    ``maic_design``, ``maic_data`` (the patients weighted: patient_id, covariates, PFS/OS time and
    event, weight), ``maic_estimates`` (:func:`maic_estimates`) and ``maic_note`` (who was weighted).
    ``eligibility``: an :func:`~mmevidence.compare.apply_eligibility` result (computed when None).
    ``cohort_study``: the cohort's study definition; a randomised cohort whose control arm has the
    benchmark control's regimen gets the anchored comparison (:func:`anchor_arms`)."""
    if maic_population not in ("eligible", "all"):
        raise ValueError(f"maic_population: {maic_population!r} is not 'eligible' or 'all'")
    if eligibility is None and maic_population == "eligible":
        eligibility = compare.apply_eligibility(adsl, benchmark)
    design = maic_design(adsl, benchmark, benchmark_arm, covariates)
    keep = eligibility.status == "eligible" if maic_population == "eligible" else pd.Series(True, index=adsl.index)
    complete = design.data.notna().all(axis=1)
    use = keep & complete
    anchor = anchor_arms(cohort_study, benchmark)
    ids = ["patient_id", "arm"] if anchor else ["patient_id"]
    data = pd.concat([adsl.loc[use, ids], design.data.loc[use]], axis=1).reset_index(drop=True)
    for ep in MAIC_ENDPOINTS:
        if (adtte["endpoint"] == ep).any():
            data = pd.concat([data, _endpoint_frame(adtte, data["patient_id"], ep)], axis=1)
    times = [c for c in data.columns if c.endswith("_time") or c.endswith("_event")]
    data = data.dropna(subset=times).reset_index(drop=True)
    parts = [f"{int(keep.sum())} of {len(adsl)} patients "
             + ("eligible for the trial (every checkable criterion met)" if maic_population == "eligible"
                else "(all patients)")]
    if int((keep & ~complete).sum()):
        parts.append(f"{int((keep & ~complete).sum())} left out for a missing covariate")
    if len(data) < int(use.sum()):
        parts.append(f"{int(use.sum()) - len(data)} left out for a missing PFS/OS time")
    note = "; ".join(parts) + f"; MAIC on {len(data)} patients."
    if len(data) < 2:
        return {"maic_design": design, "maic_note": f"MAIC not run: {note}"}
    fit = compare.maic_weights(data, design.targets)
    estimates = maic_estimates(data, design, fit, benchmark, benchmark_arm, bootstrap, seed, benchmark_ipd, progress,
                               anchor)
    return {"maic": fit, "maic_design": design, "maic_data": data.assign(weight=fit.weights),
            "maic_estimates": estimates, "maic_note": note}


def comparison_tables(result: ComparisonResult, benchmark: Any) -> dict[str, ReportTable]:
    """The comparison tables of ``result`` by id (the MAIC tables only when a MAIC was run)."""
    from .tables.comparison import (attrition_table, baseline_smd_table, eligibility_outcomes_table,
                                    maic_balance_table, maic_estimates_table, side_by_side_table)

    if isinstance(benchmark, (str, Path)):
        from mmevidence.studies import load_study
        benchmark = load_study(benchmark)
    cohort = f"{result.cohort_label} (N={result.n_cohort})"
    tables = {
        "comparison_endpoints": side_by_side_table(
            result.endpoints, benchmark, result.cohort_label, cohort,
            title=f"{result.cohort_label} beside the published results of {result.benchmark_label}"),
        "comparison_baseline": baseline_smd_table(result.baseline, benchmark, result.cohort_label,
                                                  result.benchmark_label, cohort),
        "comparison_attrition": attrition_table(result.eligibility.attrition, benchmark, cohort),
    }
    if result.outcomes:
        tables["comparison_eligibility_outcomes"] = eligibility_outcomes_table(result.outcomes, cohort)
    if result.maic is not None:
        d = result.maic_design
        population = f"{result.cohort_label}: {result.maic_note}"
        balance = maic_balance_table(result.maic.balance, d.labels, d.binary, result.maic.ess,
                                     len(result.maic_data), result.benchmark_label, population)
        balance = _with_footnotes(balance, tuple(f"{d.labels[c]}: target {s}." for c, s in d.sources.items()))
        tables["comparison_maic_balance"] = balance
        tables["comparison_maic_estimates"] = maic_estimates_table(result.maic_estimates, result.benchmark_label,
                                                                   population, result.n_boot)
    return tables


def _with_footnotes(table: ReportTable, extra: tuple[str, ...]) -> ReportTable:
    from dataclasses import replace

    return replace(table, footnotes=table.footnotes + extra)


def comparison_figure(result: ComparisonResult, datasets: Mapping[str, pd.DataFrame], fig_dir: Path
                      ) -> ReportFigure | None:
    """The cohort's PFS KM curve beside the benchmark arm (reconstructed curve or published median)."""
    from .figures.comparison import comparison_km_figure

    adtte = datasets.get("adtte")
    if adtte is None or not (adtte["endpoint"] == "PFS").any():
        return None
    pfs = adtte.loc[adtte["endpoint"] == "PFS"].dropna(subset=["time_months", "event"])
    weighted, weighted_label = None, None
    if result.maic is not None:
        d = result.maic_data
        weighted = (d["PFS_time"].to_numpy(dtype=float), d["PFS_event"].to_numpy(dtype=float),
                    d["weight"].to_numpy(dtype=float))
        weighted_label = f"{result.cohort_label} MAIC population, weighted (n={len(d)})"
    out = comparison_km_figure(pfs["time_months"].to_numpy(dtype=float), pfs["event"].to_numpy(dtype=float),
                               out_dir=fig_dir, cohort_label=result.cohort_label,
                               benchmark_label=result.benchmark_label, endpoint="PFS",
                               published_median=result.published_median, benchmark_ipd=result.benchmark_ipd,
                               weighted=weighted, weighted_label=weighted_label,
                               population=f"{result.cohort_label} (N={result.n_cohort})")
    return out.report


def sections_from(result: ComparisonResult, tables: Mapping[str, ReportTable], figure: ReportFigure | None
                  ) -> tuple[Section, ...]:
    """Sections in reading order: endpoints (table + figure), baseline, eligibility, MAIC."""
    def items(*keys: str) -> tuple:
        return tuple(tables[k] for k in keys if k in tables)

    first = items("comparison_endpoints") + ((figure,) if figure is not None else ())
    out = [Section("comparison_endpoints", f"{result.cohort_label} beside {result.benchmark_label}", first),
           Section("comparison_baseline", "Baseline characteristics against the published table",
                   items("comparison_baseline")),
           Section("comparison_eligibility", "Eligibility for the trial",
                   items("comparison_attrition", "comparison_eligibility_outcomes"))]
    maic = items("comparison_maic_balance", "comparison_maic_estimates")
    if not maic:
        text = result.maic_note
    elif result.maic_estimates["label"].str.contains("anchored on").any():
        text = (f"{result.maic_note} Anchored comparison: the cohort's hazard ratio against its control arm, "
                f"weighted, combined with the published hazard ratio of {result.benchmark_label} against the same "
                "control regimen (Bucher 1997; NICE DSU TSD 18).")
    else:
        text = (f"{result.maic_note} Unanchored comparison: the cohort has no arm with the control regimen of "
                f"{result.benchmark_label}'s trial, so no anchored (Bucher) comparison can be made; the weighted "
                "estimates adjust for the matched covariates only (TSD 18: unanchored comparisons assume every "
                "prognostic factor and effect modifier is matched).")
    out.append(Section("comparison_maic", "Matching-adjusted indirect comparison (MAIC)", maic, text=text))
    return tuple(out)


def comparison_sections(datasets: Mapping[str, pd.DataFrame], records: pd.DataFrame, fig_dir: str | Path,
                        cohort_study: Any, benchmark: Any = "icaria-mm", benchmark_arm: str = "isa_pd",
                        maic_covariates: Sequence[str] | None = None, bootstrap: int = 1000, seed: int = 1,
                        maic_population: str = "eligible", digitised: Digitised | None = None
                        ) -> tuple[Section, ...]:
    """Report sections holding the cohort against ``benchmark``'s arm (see :func:`compare_cohort`).

    For :func:`mmevidence.report.build.run_report`: ``extra_sections=functools.partial(
    comparison_sections, cohort_study="image")``.
    """
    result = compare_cohort(datasets, records, cohort_study, benchmark, benchmark_arm, maic_covariates, bootstrap,
                            seed, maic_population, digitised)
    tables = comparison_tables(result, benchmark)
    figure = comparison_figure(result, datasets, Path(fig_dir))
    return sections_from(result, tables, figure)
