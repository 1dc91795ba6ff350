"""Derived versus reported response: cross-table and Cohen's kappa (as ICARIA-MM compared
the independent response committee with the investigators; Attal et al., Lancet 2019)."""

from __future__ import annotations

from typing import Literal

import pandas as pd

from ...stats.agreement import cohen_kappa
from ...stats.estimate import Estimate
from .criteria import CATEGORIES, CODE


def _reported_best(reported: pd.DataFrame) -> pd.Series:
    """Best reported response per patient: the highest category in the IMWG order
    sCR > CR > VGPR > PR > MR > SD > PD > NE (reported responses are taken as given,
    already confirmed by whoever reported them)."""
    code = reported["response"].map(CODE)
    if code.isna().any():
        bad = reported.loc[code.isna(), "response"].iloc[0]
        raise ValueError(f"reported: unknown response {bad!r} (expected one of {', '.join(CATEGORIES)})")
    best = code.groupby(reported["patient_id"]).max()
    names = {c: n for n, c in CODE.items()}
    return best.map(names)


def agreement(derived: pd.DataFrame, reported: pd.DataFrame, level: Literal["best", "visit"] = "best",
              assessor: str | None = None, weights: str = "none",
              conf_level: float = 0.95) -> tuple[pd.DataFrame, Estimate]:
    """Cross-table (rows: derived, columns: reported, all eight IMWG categories in order)
    and Cohen's kappa (:func:`mmevidence.stats.agreement.cohen_kappa`, ASE of Fleiss,
    Cohen & Everitt 1969; R ``vcd::Kappa``).

    ``derived``: ``ImwgResult.best`` (level ``"best"``, column ``best_response``) or
    ``ImwgResult.visits`` (level ``"visit"``, column ``category``, matched on patient and
    date). ``reported``: the ``response_assessments`` table (patient_id, date, response,
    assessor); ``assessor`` keeps one assessor (``"investigator"`` or ``"irc"``). Only
    patients (or visits) present in both are compared.
    """
    rep = reported if assessor is None else reported.loc[reported["assessor"] == assessor]
    if level == "best":
        left = derived[["patient_id", "best_response"]].rename(columns={"best_response": "derived"})
        right = _reported_best(rep).rename("reported").reset_index()
        pairs = left.merge(right, on="patient_id")
    elif level == "visit":
        left = derived[["patient_id", "date", "category"]].rename(columns={"category": "derived"})
        right = rep[["patient_id", "date", "response"]].rename(columns={"response": "reported"})
        right = right.assign(date=pd.to_datetime(right["date"]))
        if right.duplicated(["patient_id", "date"]).any():
            raise ValueError("reported: more than one response per patient and date; choose an assessor")
        pairs = left.merge(right, on=["patient_id", "date"])
    else:
        raise ValueError(f"level: expected 'best' or 'visit', got {level!r}")
    cats = pd.CategoricalDtype(list(CATEGORIES), ordered=True)
    table = pd.crosstab(pairs["derived"].astype(cats), pairs["reported"].astype(cats), dropna=False)
    table = table.reindex(index=list(CATEGORIES), columns=list(CATEGORIES), fill_value=0)
    table.index.name, table.columns.name = "derived", "reported"
    return table, cohen_kappa(table.to_numpy(dtype=float), weights=weights, conf_level=conf_level)  # type: ignore[arg-type]
