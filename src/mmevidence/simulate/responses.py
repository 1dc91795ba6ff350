"""Simulated ``response_assessments`` table: the response reported at every disease
assessment by the independent review committee (IRC, when the study's design says responses
were IRC-assessed) and by the investigator.

* IRC: the IMWG category of the visit as derived from the (central) laboratory values of
  ``labs`` -- the IRC assessed response "using central laboratory data for M-protein"
  (ICARIA-MM Methods), i.e. the same data the project's engine reads.
* Investigator: the same category, except that at each response visit (MR..sCR or SD) with
  probability :data:`INVESTIGATOR_DISAGREEMENT` the investigator reports the adjacent
  category above or below (local laboratory values, rounding, bone-marrow interpretation;
  ICARIA-MM reported consistent but not identical investigator and IRC responses: ORR 63 %
  vs 60 % with Isa-Pd, 32 % vs 35 % with Pd). PD and NE visits are reported as derived, so
  progression dates agree between assessors. The rate is an assumption (not published).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Per-visit probability that the investigator reports an adjacent category (assumption).
INVESTIGATOR_DISAGREEMENT = 0.06

_ORDER = np.array(["PD", "SD", "MR", "PR", "VGPR", "CR", "sCR"], dtype=object)
_RANK = {c: i for i, c in enumerate(_ORDER)}


def _irc_assessed(study_id: str) -> bool:
    from ._published import _study
    study = _study(study_id)
    design = getattr(study, "design", None)
    return bool(design is not None and str(getattr(design, "response_assessment", "")).lower() == "irc")


def _visit_categories(latent: pd.DataFrame, labs: pd.DataFrame) -> pd.DataFrame:
    """patient_id, date, category of every assessment: the categories the labs were built for
    (``labs.attrs["visit_categories"]``), else the IMWG engine's per-visit categories."""
    planned = labs.attrs.get("visit_categories")
    if planned is not None:
        return planned
    from mmevidence.derive.imwg import derive_responses
    visits = derive_responses(labs, latent[["patient_id", "index_date"]]).visits
    return visits.loc[visits["category"] != "NE", ["patient_id", "date", "category"]].reset_index(drop=True)


def simulate_reported_responses(latent: pd.DataFrame, labs: pd.DataFrame, rng: np.random.Generator,
                                study_id: str | None = None) -> pd.DataFrame:
    """The ``response_assessments`` source table (patient_id, date, response, assessor).

    ``attrs["investigator_disagreement"]``: the share of investigator visits whose category
    differs from the derived one (expected :data:`INVESTIGATOR_DISAGREEMENT` x the share of
    SD..sCR visits)."""
    study_id = study_id or latent.attrs.get("study_id", "icaria-mm")
    v = _visit_categories(latent, labs)
    cat = v["category"].to_numpy(dtype=object)
    rank = pd.Series(cat).map(_RANK).fillna(-1).to_numpy(dtype=np.int64)
    u = rng.random((2, len(v)))
    shift = np.where(u[1] < 0.5, -1, 1)
    eligible = rank >= 1  # SD..sCR; PD and NE as derived
    new = np.clip(rank + shift, 1, len(_ORDER) - 1)
    change = eligible & (u[0] < INVESTIGATOR_DISAGREEMENT) & (new != rank)
    inv = np.where(change, _ORDER[np.maximum(new, 0)], cat)
    pid, date = v["patient_id"].to_numpy(), v["date"].to_numpy()
    if _irc_assessed(study_id):  # two rows a visit, investigator then irc (already in patient, date order)
        out = pd.DataFrame({"patient_id": np.repeat(pid, 2), "date": np.repeat(date, 2),
                            "response": np.column_stack([inv, cat]).ravel(),
                            "assessor": np.tile(np.array(["investigator", "irc"], dtype=object), len(v))})
    else:
        out = pd.DataFrame({"patient_id": pid, "date": date, "response": inv,
                            "assessor": np.full(len(v), "investigator", dtype=object)})
    out.attrs["investigator_disagreement"] = float(change.mean()) if len(change) else 0.0
    return out
