"""A study's simulation model: ``simulate/models/<study_id>.yaml`` read and turned into the
calibrated parameters the engine uses (enrolment shape, endpoint hazards).

Every number in the YAML is either a published figure (with its quote in the comment) or an
ASSUMPTION (commented with why it is plausible). Calibration (:func:`calibrated`) is
deterministic and independent of the simulation seed: it uses quantile grids, never the
simulated sample, so the published value is a parameter of the generating model and the
simulated estimates scatter around it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from scipy.stats import norm

from ..derive.adtte import DAYS_PER_MONTH
from .events import EndpointModel, Prognostic, endpoint_model, enrolment_fraction, solve_accrual_shape

MODELS = Path(__file__).parent / "models"


def available_models() -> list[str]:
    """Study ids with a bundled simulation model."""
    return sorted(p.stem for p in MODELS.glob("*.yaml"))


@lru_cache(maxsize=None)
def load_model(study_id: str) -> dict:
    """The raw model mapping of a bundled study (``KeyError`` naming the id if absent)."""
    path = MODELS / f"{study_id}.yaml"
    if not path.is_file():
        raise KeyError(f"no simulation model for study {study_id!r}; available: {', '.join(available_models())}")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Calibrated:
    """Derived parameters of a study model."""

    model: dict
    arm_ids: list[str]
    start: np.datetime64
    end: np.datetime64
    cutoff: np.datetime64
    accrual_shape: float
    loss_rate: float           # per month
    pfs: EndpointModel
    os: EndpointModel

    @property
    def window_days(self) -> int:
        return int((self.end - self.start).astype(int))

    def arm(self, arm_id: str) -> dict:
        return next(a for a in self.model["arms"] if a["id"] == arm_id)


def _date(value: object) -> np.datetime64:
    return np.datetime64(value if isinstance(value, dt.date) else str(value), "D")


def prognostic_factor(model: dict, endpoint: str) -> Prognostic | None:
    """The endpoint's dichotomised prognostic factor with P(below) from the baseline normal."""
    spec = (model["events"][endpoint.lower()] or {}).get("prognostic")
    if not spec:
        return None
    dist = model["baseline"][spec["distribution"]]
    p = float(norm.cdf((spec["below"] - dist["mean"]) / dist["sd"]))
    return Prognostic(spec["variable"], float(spec["below"]), float(spec["hr"]), p)


def potential_follow_up(start: np.datetime64, window_days: int, cutoff: np.datetime64, shape: float,
                        k: int = 4001) -> np.ndarray:
    """Potential follow-up (months) at ``k`` accrual quantiles (the reference sample of calibration)."""
    u = (np.arange(k) + 0.5) / k
    index = start.astype(int) + np.floor(enrolment_fraction(u, shape) * window_days)
    return (cutoff.astype(int) - index) / DAYS_PER_MONTH


@lru_cache(maxsize=None)
def calibrated(study_id: str) -> Calibrated:
    """Solve the enrolment shape and the PFS/OS hazards of ``study_id`` (cached)."""
    m = load_model(study_id)
    d = m["dates"]
    start, end, cutoff = _date(d["enrolment_start"]), _date(d["enrolment_end"]), _date(d["data_cutoff"])
    window = int((end - start).astype(int))
    if m.get("median_follow_up_months"):
        shape = solve_accrual_shape(window / DAYS_PER_MONTH, int((cutoff - start).astype(int)) / DAYS_PER_MONTH,
                                    float(m["median_follow_up_months"]))
    else:
        shape = float(m.get("accrual_shape", 1.0))
    loss = -np.log1p(-float(m.get("loss_to_follow_up_per_year", 0.0))) / 12.0
    arm_ids = [a["id"] for a in m["arms"]]
    fu = potential_follow_up(start, window, cutoff, shape)
    pfs = endpoint_model(m["events"]["pfs"], arm_ids, prognostic_factor(m, "pfs"), fu, loss)
    os_ = endpoint_model(m["events"]["os"], arm_ids, prognostic_factor(m, "os"), fu, loss)
    return Calibrated(m, arm_ids, start, end, cutoff, shape, loss, pfs, os_)


def arm_sizes(model: dict, n: int | None) -> dict[str, int]:
    """Patients per arm: the published sizes (``n`` None) or ``n`` split by the published
    allocation (largest-remainder rounding, so the sizes add up to ``n``)."""
    pub = {a["id"]: int(a["n"]) for a in model["arms"]}
    if n is None:
        return pub
    if n < 1:
        raise ValueError(f"n: must be a positive number of patients, got {n}")
    tot = sum(pub.values())
    raw = {k: n * v / tot for k, v in pub.items()}
    out = {k: int(np.floor(v)) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - out[k], reverse=True)[: n - sum(out.values())]:
        out[k] += 1
    return out
