"""IMWG 2016 uniform response criteria for multiple myeloma (Kumar et al., Lancet Oncol
2016;17:e328-46): per-visit response with its explanation, confirmation, best overall
response, time to response, duration of response, derived progression date, and
agreement with reported responses. Rules and conventions: ``docs/imwg.md``."""

from .agreement import agreement
from .criteria import CATEGORIES, ImwgConfig
from .engine import ImwgResult, derive_responses

__all__ = ["CATEGORIES", "ImwgConfig", "ImwgResult", "agreement", "derive_responses"]
