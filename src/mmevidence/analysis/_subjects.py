"""Subject sets for descriptive analyses: population filter, arms, group keys, n (%) records.

Shared by the baseline, exposure and safety analyses so that every percentage uses the same
subject-level denominator: the number of patients of the arm (or of all arms) in the analysis
set, as rtables/tern do ("denominators from the subject set"), never the number of rows.

Group keys follow :mod:`mmevidence.analysis.results`: ``"arm=<arm label>"`` for an arm, ``""``
for all arms together, with further levels appended as ``"|<variable>=<level>"``. A level may
contain "=" (">=75": each part is split at its first "="), never "|"; variable names contain
neither (:func:`group_key` rejects them).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from .plan import population_mask as _plan_mask
from .results import record

#: level used for a missing categorical value (shown as its own row, never dropped)
MISSING_LEVEL = "Missing"


def population_mask(adsl: pd.DataFrame, study, population: str) -> pd.Series:
    """Boolean mask of ``adsl`` rows in analysis set ``population`` (``study.populations`` key).

    The set's ``filter`` is an adsl boolean column (``ittfl``, ``saffl``) or a rule over adsl
    columns (:func:`mmevidence.analysis.plan.population_mask`); missing counts as out of the set
    (a patient whose safety flag could not be derived is not in the safety set).
    """
    if population not in study.populations:
        raise ValueError(f"population {population!r} is not defined in study {study.id!r}; "
                         f"defined: {', '.join(study.populations)}")
    rule = study.populations[population].filter
    if rule is None:
        raise ValueError(f"population {population!r} has no filter: it cannot be selected from adsl")
    return _plan_mask(adsl, rule)


def population_label(study, population: str, n: int) -> str:
    """"<label> (N=<n>)", e.g. "Safety population (N=301)"."""
    return f"{study.populations[population].label} (N={n})"


def group_key(arm: str | None = None, **levels: str) -> str:
    """``"arm=<arm>|<variable>=<level>..."`` (arm None = all arms: the arm part is left out)."""
    parts = ([("arm", arm)] if arm is not None else []) + list(levels.items())
    for name, value in parts:
        if "|" in str(value) or "|" in name or "=" in name:
            raise ValueError(f"group level {name}={value!r}: '|' (and '=' in the variable name) is not allowed "
                             "in a group key")
    return "|".join(f"{name}={value}" for name, value in parts)


def parse_group(group: str) -> dict[str, str]:
    """Inverse of :func:`group_key`: ``"arm=Pd|sex=male"`` -> ``{"arm": "Pd", "sex": "male"}``."""
    if not group:
        return {}
    return dict(part.split("=", 1) for part in group.split("|"))


def arm_subsets(adsl: pd.DataFrame, study, total: bool = True) -> Iterator[tuple[str | None, pd.DataFrame]]:
    """``(arm label, adsl rows of the arm)`` in the study's arm order, then ``(None, all rows)``.

    Single-arm studies give the arm only (its column is the total). Patients whose arm is not
    one of the study's arms are left out of the arms but kept in the total.
    """
    for arm in study.arms:
        yield arm.label, adsl[adsl["arm"] == arm.label]
    if total and len(study.arms) > 1:
        yield None, adsl


def count_records(analysis_id: str, population: str, endpoint: str, arm: str | None, flags: pd.Series,
                  denominator: int, method: str, **levels: str) -> list[dict]:
    """Two records, ``n`` (patients with the flag True) and ``pct`` (100 n / denominator).

    ``flags`` holds one value per patient of the subject set; missing counts as False.
    ``pct`` is NaN when the denominator is 0.
    """
    n = int(pd.Series(flags).astype("boolean").fillna(False).astype(bool).sum())
    pct = 100.0 * n / denominator if denominator > 0 else np.nan
    group = group_key(arm, **levels)
    return [record(analysis_id, population, endpoint, group, "n", n, n=denominator, method=method),
            record(analysis_id, population, endpoint, group, "pct", pct, n=denominator, method=method)]


#: configured level names that stand for a missing value when no value is spelled so
MISSING_ALIASES: frozenset[str] = frozenset({"missing", "unknown", "not known", "not available"})


def categorical_levels(values: pd.Series, levels: tuple[str, ...] | None,
                       covered: frozenset[str] = frozenset()) -> tuple[list[str], str]:
    """``(levels to tabulate, the level that counts missing values)``.

    Levels: ``levels`` in the given order, then any other observed level (sorted), then the
    missing level when a value is missing. The missing level is a configured level named
    "missing"/"unknown" (any case) that no value is spelled as -- the paper's own word for it,
    e.g. ICARIA-MM "ISS stage at diagnosis: Unknown" -- else :data:`MISSING_LEVEL`. Values in
    ``covered`` (pooled into a configured level, see :func:`level_flags`) get no row of their own.
    """
    text = values.dropna().astype(str)
    observed = set(text)
    ordered = list(levels) if levels else []
    alias = next((lv for lv in ordered if lv.lower() in MISSING_ALIASES and lv not in observed), None)
    missing = alias or MISSING_LEVEL
    out = ordered + sorted(observed - set(ordered) - covered)
    if values.isna().any() and missing not in out:
        out.append(missing)
    return out, missing


def level_flags(values: pd.Series, level: str, missing_level: str = MISSING_LEVEL,
                members: tuple[str, ...] | None = None) -> pd.Series:
    """True where ``values`` equals ``level`` (as text), or any of ``members`` for a pooled level;
    for ``missing_level``, where missing."""
    if level == missing_level:
        return values.isna()
    return values.notna() & values.astype(str).isin(members if members is not None else (level,))
