"""Published targets for the clinical simulator: read from the study definition when it has
the figure, else from a named fallback constant that carries the quote it was read from.

The study YAML files (``mmevidence.studies``) are the single source of published numbers;
the fallbacks exist only while a figure is not yet transcribed there, and each one quotes
the seed text it was read from so that it can be checked by eye.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple


class Target(NamedTuple):
    """A published percentage (or other value) with where it came from."""

    value: float
    source: str  # "study:<figure id>" or "fallback:<quote>"


@lru_cache(maxsize=8)
def _study(study_id: str) -> Any:
    try:
        from mmevidence.studies import load_study
        return load_study(study_id)
    except Exception:  # the definition may not exist yet (being written in parallel)
        return None


def published(study_id: str, fallback: float, quote: str, **filters: Any) -> Target:
    """The value of the one study figure matching ``filters`` (Figure fields, e.g. ``topic``,
    ``item``, ``statistic``, ``arm``, ``level``), else ``fallback`` with its ``quote``."""
    study = _study(study_id)
    if study is not None:
        try:
            found = study.figures(**filters)
        except TypeError:
            found = []
        if len(found) == 1 and found[0].value is not None:
            return Target(float(found[0].value), f"study:{found[0].id}")
    return Target(float(fallback), f"fallback:{quote}")


def published_rate(study_id: str, count: int, denominator: int, quote: str, **filters: Any) -> Target:
    """A published proportion ``n / N`` from the study's ``statistic: n`` figure matching
    ``filters`` (its ``value`` over its ``n``; duplicates of one number, e.g. the abstract and
    the table, must agree), else ``count / denominator`` with ``quote``."""
    study = _study(study_id)
    if study is not None:
        try:
            found = study.figures(statistic="n", **filters)
        except TypeError:
            found = []
        pairs = {(float(f.value), f.n) for f in found if f.value is not None and f.n}
        if len(pairs) == 1:
            (value, n), = pairs
            return Target(value / n, f"study:{found[0].id}")
    return Target(count / denominator, f"fallback:{quote}")
