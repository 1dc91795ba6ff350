"""Prognostic-factor tables from the records of :mod:`mmevidence.analysis.prognostic`.

* :func:`cox_factor_table` -- univariable and multivariable HR (95% CI) and p per term, with the
  proportional-hazards test p (``cox.zph``) of each model.
* :func:`cutpoint_table` -- one row per cut-point method (maximally selected log-rank; Youden on
  the ROC): the cut-off with its bootstrap CI, HR of the risk group, the optimism-corrected HR,
  the unadjusted p (as if the cut-off had been fixed in advance: 2 Phi(-M) of the maximally
  selected standardised statistic M; the log-rank p of the Youden groups) and, side by side,
  the p adjusted for the search over cut-offs (Lausen–Schumacher; only the maximally selected
  statistic has one).
* :func:`marker_summary_table` -- ROC AUC, time-dependent AUCs, HR per unit, spline nonlinearity.
* :func:`response_subgroup_table` -- response rate, OR and p by subgroup level.
* :func:`landmark_table` -- endpoint by response status at a landmark.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from ..format import DASH, fmt_ci, fmt_num, fmt_p
from ..model import ReportTable, Row
from ._cells import Records

NOT_AVAILABLE = DASH


def _recs(records) -> Records:
    return records if isinstance(records, Records) else Records(records)


def _hr(recs: Records, aid: str, endpoint: str, group: str, statistic: str = "hr", digits: int = 2) -> str:
    r = recs.get(aid, endpoint, group, statistic)
    return "" if r is None else fmt_ci(r.value, r.lower, r.upper, digits)


def _p(recs: Records, aid: str, endpoint: str, group: str, statistic: str) -> str:
    r = recs.get(aid, endpoint, group, statistic)
    return NOT_AVAILABLE if r is None else fmt_p(r.value)


def _terms(frame: pd.DataFrame, aid: str, endpoint: str, prefix: str) -> list[str]:
    f = frame[(frame.analysis_id == aid) & (frame.endpoint == endpoint) & (frame.statistic == "hr")]
    return [g[len(prefix):] for g in f.group if g.startswith(prefix)]


def cox_factor_table(records, endpoint: str, factors: Sequence[str], population: str,
                     labels: Mapping[str, str] | None = None, table_id: str = "prognostic_cox",
                     title: str | None = None) -> ReportTable:
    """Rows: one per model term (factor order; a categorical factor's terms indented under it);
    columns: univariable HR (95% CI), p, multivariable HR (95% CI), p. The PH test p of each
    model (per factor, and GLOBAL for the multivariable model) is printed in a last column."""
    recs = _recs(records)
    labels = dict(labels or {})
    uni, multi = "prognostic.cox.univariable", "prognostic.cox.multivariable"
    multi_terms = set(_terms(recs.frame, multi, endpoint, "term="))
    rows: list[Row] = []
    for f in factors:
        terms = _terms(recs.frame, uni, endpoint, f"factor={f}|term=")
        label = labels.get(f, f)
        ph = f"{_p(recs, uni, endpoint, f'factor={f}|ph={f}', 'ph_p')} / {_p(recs, multi, endpoint, f'ph={f}', 'ph_p')}"
        single = len(terms) == 1 and terms[0] == f
        if not single:
            rows.append(Row(label, ("", "", "", "", ph), kind="group"))
        for term in terms:
            ug = f"factor={f}|term={term}"
            cells = (_hr(recs, uni, endpoint, ug), _p(recs, uni, endpoint, ug, "p_value"),
                     _hr(recs, multi, endpoint, f"term={term}") if term in multi_terms else NOT_AVAILABLE,
                     _p(recs, multi, endpoint, f"term={term}", "p_value") if term in multi_terms else NOT_AVAILABLE)
            tlabel = label if single else labels.get(term, term[len(f):] or term)
            rows.append(Row(tlabel, cells + ((ph,) if single else ("",)), indent=0 if single else 1))
    n_multi = recs.value(multi, endpoint, "", "n")
    ev_multi = recs.value(multi, endpoint, "", "events")
    notes = ["Cox proportional-hazards models, Efron ties; Wald 95% CI and p.",
             "PH test: Grambsch-Therneau score test (R cox.zph, KM time scale), univariable / multivariable; "
             f"multivariable GLOBAL p = {_p(recs, multi, endpoint, 'ph=GLOBAL', 'ph_p')}."]
    if not math.isnan(n_multi):
        notes.append(f"Multivariable model: complete cases, n = {int(n_multi)} ({int(ev_multi)} events); "
                     f"{int(recs.value(multi, endpoint, '', 'n_excluded_missing'))} patients with a missing value "
                     "excluded.")
    return ReportTable(table_id, title or f"Prognostic factors for {endpoint}: Cox regression", population,
                       "Factor", ("Univariable HR (95% CI)", "p", "Multivariable HR (95% CI)", "p", "PH test p"),
                       tuple(rows), footnotes=tuple(notes))


METHOD_LABELS = {"maxstat": "Maximally selected log-rank statistic", "youden": "ROC, Youden index"}


def cutpoint_table(records, endpoint: str, marker: str, population: str, marker_label: str | None = None,
                   digits: int = 1, table_id: str = "prognostic_cutpoint", title: str | None = None) -> ReportTable:
    """One row per cut-point method present in the records (module docstring)."""
    recs = _recs(records)
    name = marker_label or marker
    rows: list[Row] = []
    notes: list[str] = []
    for method, label in METHOD_LABELS.items():
        cid, kid = f"prognostic.cutpoint.{method}.{marker}", f"prognostic.km.{method}.{marker}"
        cut = recs.get(cid, endpoint, "", "cutpoint")
        if cut is None:
            continue
        low = recs.get(kid, endpoint, "group=low", "n")
        high = recs.get(kid, endpoint, "group=high", "n")
        cells = (f"{fmt_num(cut.value, digits)} ({fmt_num(cut.lower, digits)}{DASH}{fmt_num(cut.upper, digits)})",
                 f"{int(low.value) if low else ''} / {int(high.value) if high else ''}",
                 _hr(recs, kid, endpoint, ""),
                 fmt_num(recs.value(cid, endpoint, "", "hr_corrected"), 2),
                 _p(recs, cid, endpoint, "", "p_unadjusted") if method == "maxstat"
                 else _p(recs, kid, endpoint, "", "p_logrank"),
                 _p(recs, cid, endpoint, "", "p_adjusted"))
        rows.append(Row(label, cells))
        hr = recs.get(kid, endpoint, "", "hr")
        notes.append(f"{label}: {cut.method}" + (f"; HR {hr.method.split(', ')[-1]} ({name})." if hr else "."))
    notes += ["HR: Cox model, Efron ties; groups low = at or below the cut-off, high = above "
              "(Youden with a high-risk marker: at or above).",
              "Unadjusted p: as if the cut-off had been chosen in advance (it was not: this p is too small) -- "
              "for the maximally selected statistic M, 2 Phi(-M) of the standardised log-rank statistic at the "
              "chosen cut; for Youden, the log-rank test of the derived groups. Adjusted p: Lausen-Schumacher "
              "(1992) correction of M for the search over cut-offs, available for the maximally selected "
              "log-rank statistic only.",
              "Corrected HR: Harrell's bootstrap optimism correction, the whole cut-off search repeated in each "
              "resample."]
    return ReportTable(table_id, title or f"Data-driven cut-off of {name} for {endpoint}", population,
                       "Method", ("Cut-off (95% bootstrap CI)", "n low / high", "HR (95% CI)",
                                  "Optimism-corrected HR", "p unadjusted", "p adjusted"),
                       tuple(rows), footnotes=tuple(notes))


def marker_summary_table(records, endpoint: str, marker: str, population: str, marker_label: str | None = None,
                         table_id: str = "prognostic_marker", title: str | None = None) -> ReportTable:
    """Discrimination and shape of a continuous marker: ROC AUC (DeLong CI) at the ROC horizon,
    time-dependent AUC(t), HR per unit, spline test of nonlinearity."""
    recs = _recs(records)
    f = recs.frame
    name = marker_label or marker
    rows: list[Row] = []
    notes: list[str] = []
    for r in f[(f.analysis_id == f"prognostic.roc.{marker}") & (f.statistic == "auc") & (f.endpoint == endpoint)
               ].itertuples(index=False):
        h = r.group.split("=", 1)[1]
        rows.append(Row(f"ROC AUC, event by {h} months (95% CI)", (fmt_ci(r.value, r.lower, r.upper, 3),)))
        notes.append(f"ROC: {r.method}.")
    for r in f[(f.analysis_id == f"prognostic.time_auc.{marker}") & (f.statistic == "auc") & (f.endpoint == endpoint)
               ].itertuples(index=False):
        rows.append(Row(f"Time-dependent AUC at {r.group.split('=', 1)[1]} months", (fmt_num(r.value, 3),)))
    aid = f"prognostic.marker.{marker}"
    if recs.get(aid, endpoint, "", "hr_per_unit"):
        rows.append(Row(f"HR per 1 unit of {name} (95% CI)", (_hr(recs, aid, endpoint, "", "hr_per_unit", 3),)))
        rows.append(Row("p (Wald, linear term)", (_p(recs, aid, endpoint, "", "p_value"),)))
    sid = f"prognostic.spline.{marker}"
    if recs.get(sid, endpoint, "", "p_nonlinear"):
        rows.append(Row("p nonlinearity (restricted cubic spline)", (_p(recs, sid, endpoint, "", "p_nonlinear"),)))
        notes.append(recs.get(sid, endpoint, "", "p_nonlinear").method + "; "
                     + recs.get(sid, endpoint, "", "reference").method + ".")
    if any(r.label.startswith("Time-dependent") for r in rows):
        notes.append("Time-dependent AUC: cumulative cases by t vs event-free beyond t, inverse-probability-of-"
                     "censoring weights (Uno 2007; Blanche 2013 timeROC).")
    return ReportTable(table_id, title or f"{name} as a prognostic marker for {endpoint}", population, "Statistic",
                       ("Value",), tuple(rows), footnotes=tuple(notes))


def response_subgroup_table(records, subgroups: Sequence[str], population: str,
                            labels: Mapping[str, str] | None = None, digits: int = 1,
                            table_id: str = "prognostic_response", title: str | None = None) -> ReportTable:
    """Rows: one group row per subgroup variable (Fisher p) and one row per level with n,
    responders n (%), rate 95% CI (Clopper–Pearson) and OR (95% CI) vs the first level."""
    recs = _recs(records)
    f = recs.frame[recs.frame.analysis_id == "prognostic.response"]
    aid, ep = "prognostic.response", "ORR"
    labels = dict(labels or {})
    rows: list[Row] = []
    for var in subgroups:
        gv = f"variable={var}"
        rows.append(Row(labels.get(var, var), ("", "", "", "", _p(recs, aid, ep, gv, "p_fisher")), kind="group"))
        levels = [g.split("=", 1)[1] for g in f[(f.statistic == "n")].group if g.split("=", 1)[0] == var]
        for i, lev in enumerate(levels):
            g = f"{var}={lev}"
            n, k = recs.value(aid, ep, g, "n"), recs.value(aid, ep, g, "responders")
            rate = recs.get(aid, ep, g, "rate")
            cells = (str(int(n)), f"{int(k)} ({fmt_num(100 * rate.value, digits)}%)",
                     f"{fmt_num(100 * rate.lower, digits)}{DASH}{fmt_num(100 * rate.upper, digits)}",
                     "1 (reference)" if i == 0 else _hr(recs, aid, ep, g, "odds_ratio"), "")
            rows.append(Row(labels.get(g, lev), cells, indent=1))
    return ReportTable(table_id, title or "Response rate by subgroup", population, "Subgroup",
                       ("n", "Responders, n (%)", "95% CI, %", "OR (95% CI)", "p (Fisher)"), tuple(rows),
                       footnotes=("Rate 95% CI: Clopper-Pearson. OR: logistic regression, Wald 95% CI, vs the first "
                                  "level. p: Fisher exact test, two-sided (two-level subgroups only; "
                                  f"{NOT_AVAILABLE} otherwise).",))


def landmark_table(records, endpoint: str, landmark: float, population: str, digits: int = 1,
                   table_id: str = "prognostic_landmark", title: str | None = None) -> ReportTable:
    """Responders vs non-responders at the landmark: n, events, median from the landmark (95% CI),
    HR (95% CI) and log-rank p; footnote on the exclusions (immortal-time bias)."""
    recs = _recs(records)
    aid, lg = "prognostic.landmark", f"landmark={landmark:g}"
    rows = []
    for status, label in (("responder", "Responders"), ("non-responder", "Non-responders")):
        g = f"{lg}|group={status}"
        med = recs.get(aid, endpoint, g, "median")
        rows.append(Row(label, (str(int(recs.value(aid, endpoint, g, "n"))),
                                str(int(recs.value(aid, endpoint, g, "events"))),
                                fmt_ci(med.value, med.lower, med.upper, digits) if med else "")))
    n_ex = recs.value(aid, endpoint, lg, "n_excluded")
    notes = (f"Landmark analysis at {landmark:g} months: response status fixed at the landmark; "
             f"{int(n_ex)} patients with an event or censored at or before the landmark excluded; time measured "
             "from the landmark (avoids the immortal-time bias of classifying by later response).",
             f"HR responders vs non-responders {_hr(recs, aid, endpoint, lg)}; log-rank p = "
             f"{_p(recs, aid, endpoint, lg, 'p_logrank')}.")
    return ReportTable(table_id, title or f"{endpoint} by response at {landmark:g} months (landmark)", population,
                       "Status at landmark", ("n", "Events", "Median, months (95% CI)"), tuple(rows),
                       footnotes=notes)
