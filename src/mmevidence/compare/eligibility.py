"""Apply a study's eligibility criteria to a cohort: attrition table and per-patient status.

The criteria are those of a study definition (``mmevidence.studies.load_study(id).eligibility``:
ordered inclusion and exclusion criteria, each with a boolean ``rule`` over adsl columns or a
``not_checkable`` reason). Rules are evaluated by :func:`mmevidence.studies.rules.evaluate_rule`
in three-valued logic: a rule whose inputs are missing is NA, and a patient with an NA
criterion is never counted as eligible.

Attrition (CONSORT flow; as the "trial emulation" eligibility cascades of real-world
comparisons, e.g. the IMAGE / CUP cohorts held against ICARIA-MM): criteria are applied in
their order to the patients still in the flow; at each step the patients who fail
(inclusion rule False, exclusion rule True) are *excluded*, those whose rule is NA are set
aside as *missing* (not evaluable) and leave the flow too, the rest *remain*. Criteria that
cannot be checked on the data model are listed with their reason and change nothing.

Per-patient status over all checkable criteria, whatever the order: ``ineligible`` if some
criterion is failed, else ``unknown`` if some criterion is NA, else ``eligible``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from mmevidence.stats import kaplan_meier
from mmevidence.studies.rules import evaluate_rule

__all__ = ["EligibilityResult", "apply_eligibility", "outcomes_by_status"]

STATUSES = ("eligible", "ineligible", "unknown")


@dataclass(frozen=True)
class EligibilityResult:
    """Outcome of :func:`apply_eligibility`.

    ``attrition``: one row per criterion in order, columns ``step`` (1, 2, ...),
    ``criterion`` (id), ``kind`` (inclusion/exclusion), ``text``, ``rule``,
    ``checkable`` (bool), ``entering``, ``excluded``, ``missing``, ``remaining``
    (patients in the flow before, failing, NA, after the step; ``<NA>`` for a
    not-checkable criterion except ``entering``/``remaining``), ``failing_any``
    and ``missing_any`` (failing / NA among all patients, whatever the order),
    ``reason`` (why not checkable). Row 0 (``step`` 0, ``criterion``
    ``"all patients"``) holds the starting number.
    ``passes``: patients x checkable criteria, nullable boolean (True = meets the
    criterion, i.e. inclusion rule True / exclusion rule False; NA = missing data).
    ``status``: per patient ``eligible`` / ``ineligible`` / ``unknown`` (frame index).
    """

    attrition: pd.DataFrame
    passes: pd.DataFrame
    status: pd.Series


def _criteria(criteria: object) -> list:
    if hasattr(criteria, "eligibility"):
        criteria = criteria.eligibility  # a Study
    items = list(criteria)  # type: ignore[arg-type]
    for c in items:
        if c.kind not in ("inclusion", "exclusion"):
            raise ValueError(f"criterion {c.id!r}: kind {c.kind!r} is not 'inclusion' or 'exclusion'")
    return items


def apply_eligibility(adsl: pd.DataFrame, criteria: object) -> EligibilityResult:
    """Apply eligibility criteria (a :class:`mmevidence.studies.Study` or its ``eligibility`` list) to ``adsl``.

    Each criterion needs ``id``, ``kind`` (``inclusion``: rule TRUE = meets it;
    ``exclusion``: rule TRUE = excluded), ``text``, ``rule`` (None when not
    checkable) and ``not_checkable``. A rule naming a column absent from
    ``adsl`` raises ``ValueError`` naming the criterion and the column.
    See the module docstring for the counting rules.
    """
    if not isinstance(adsl, pd.DataFrame):
        raise ValueError("adsl: expected a pandas DataFrame")
    items = _criteria(criteria)
    n = len(adsl)
    passes = {}
    rows = [{"step": 0, "criterion": "all patients", "kind": "", "text": "", "rule": None, "checkable": True,
             "entering": n, "excluded": pd.NA, "missing": pd.NA, "remaining": n, "failing_any": pd.NA,
             "missing_any": pd.NA, "reason": None}]
    in_flow = np.ones(n, dtype=bool)
    for step, c in enumerate(items, start=1):
        row = {"step": step, "criterion": c.id, "kind": c.kind, "text": c.text, "rule": c.rule,
               "entering": int(in_flow.sum())}
        if not c.rule:
            row.update(checkable=False, excluded=pd.NA, missing=pd.NA, remaining=int(in_flow.sum()),
                       failing_any=pd.NA, missing_any=pd.NA,
                       reason=c.not_checkable or "no rule given")
            rows.append(row)
            continue
        try:
            value = evaluate_rule(c.rule, adsl)
        except ValueError as exc:
            raise ValueError(f"criterion {c.id!r}: {exc}") from None
        meets = ~value if c.kind == "exclusion" else value
        passes[c.id] = meets
        na = meets.isna().to_numpy()
        ok = meets.fillna(False).to_numpy(dtype=bool)
        fail = ~ok & ~na
        row.update(checkable=True, excluded=int((in_flow & fail).sum()), missing=int((in_flow & na).sum()),
                   failing_any=int(fail.sum()), missing_any=int(na.sum()), reason=None)
        in_flow &= ok
        row["remaining"] = int(in_flow.sum())
        rows.append(row)
    attrition = pd.DataFrame(rows, columns=["step", "criterion", "kind", "text", "rule", "checkable", "entering",
                                            "excluded", "missing", "remaining", "failing_any", "missing_any",
                                            "reason"])
    for col in ("excluded", "missing", "failing_any", "missing_any"):
        attrition[col] = attrition[col].astype("Int64")
    table = pd.DataFrame(passes, index=adsl.index).astype("boolean")
    if table.shape[1]:
        any_fail = (table == False).fillna(False).any(axis=1)  # noqa: E712 (nullable comparison)
        any_na = table.isna().any(axis=1)
    else:
        any_fail = pd.Series(False, index=adsl.index)
        any_na = pd.Series(False, index=adsl.index)
    status = pd.Series(np.where(any_fail, "ineligible", np.where(any_na, "unknown", "eligible")),
                       index=adsl.index, name="eligibility")
    return EligibilityResult(attrition, table, status)


def outcomes_by_status(adtte: pd.DataFrame, status: pd.Series, ids: Sequence | pd.Series, endpoint: str,
                       time: str = "time_months", statuses: Iterable[str] = STATUSES) -> pd.DataFrame:
    """Kaplan–Meier summary of ``endpoint`` for eligible, ineligible and unknown-status patients.

    ``status`` from :func:`apply_eligibility` with ``ids`` the patient ids of its
    rows (e.g. ``adsl["patient_id"]``); ``adtte`` one row per patient and endpoint
    (``patient_id``, ``endpoint``, ``time`` column, ``event``). Returns one row
    per status: ``status, n, events, median, lower, upper`` (KM median with the
    log-log Brookmeyer–Crowley CI of :func:`mmevidence.stats.kaplan_meier`, as
    SAS LIFETEST; NaN when not reached or no patients).
    """
    by_id = pd.Series(np.asarray(status), index=pd.Index(np.asarray(ids), name="patient_id"), name="status")
    sub = adtte[adtte["endpoint"] == endpoint]
    if sub.empty:
        raise ValueError(f"endpoint: no adtte rows for {endpoint!r}")
    sub = sub.join(by_id, on="patient_id")
    rows = []
    for s in statuses:
        part = sub[sub["status"] == s]
        if part.empty:
            rows.append({"status": s, "n": 0, "events": 0, "median": np.nan, "lower": np.nan, "upper": np.nan})
            continue
        med = kaplan_meier(part[time].to_numpy(), part["event"].to_numpy()).quantile(0.5)
        rows.append({"status": s, "n": len(part), "events": int(part["event"].sum()), "median": med.estimate,
                     "lower": med.lower, "upper": med.upper})
    return pd.DataFrame(rows)
