"""CDISC ADaM export of the analysis datasets: variable mappings (:mod:`.mapping`) and the
SAS XPT v5 / CSV writer (:mod:`.writer`, :func:`run_export`)."""

from .mapping import SPECS, to_adam
from .writer import run_export

__all__ = ["SPECS", "run_export", "to_adam"]
