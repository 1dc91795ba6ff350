"""Per patient: best overall confirmed response, time to response, duration of response,
derived progression date and relapse from CR (Kumar 2016; Durie 2006; Rajkumar 2011).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .criteria import CR, NE, ORDER, PD, PR, SD

_NAMES = np.array(ORDER + ("NE",), dtype=object)  # code -1 indexes the last element: NE


def summarise(v: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
    """One row per patient of ``patients`` (patient_id, index_date, ...).

    ``v`` holds per-visit ``patient_id, date, code, confirmed, pd_confirmed, rule,
    relapse_confirmed``. Definitions:

    * ``progression_date``: first visit of the first confirmed PD pair (or of an imaging PD);
    * ``best_response``: the highest confirmed level among assessments before the
      progression date (a response needs its confirming assessment, see ``confirmation``);
      PD if none and progression is confirmed; NE if neither. ``best_response_date`` is the
      first visit credited with that level.
    * ``first_response_date``: first visit credited with PR or better (time to response);
      ``time_to_response_days`` from the index date.
    * ``duration_of_response_days``: first response to progression (``dor_event`` = 1) or to
      the last evaluable assessment before it (``dor_event`` = 0, censored). Deaths are
      added by the endpoint derivation, not here.
    * ``unconfirmed_pd``: a PD visit that was never confirmed (ICARIA-MM reports these apart).
    * ``relapse_from_cr_date``: after the first confirmed CR, first confirmed sign of relapse
      from CR (for disease-free survival only; not a PFS event).
    """
    pid = v["patient_id"]
    date = v["date"]
    code = v["code"].to_numpy()
    evaluable = code != NE

    prog = date.where(v["pd_confirmed"]).groupby(pid).min()
    prog_rule = v.loc[v["pd_confirmed"].to_numpy()].groupby("patient_id")["rule"].first()
    prog_v = pid.map(prog)
    before = evaluable & ((date < prog_v) | prog_v.isna()).to_numpy() & (code >= SD)
    conf = pd.Series(np.where(before, v["confirmed"].to_numpy(), -9), index=v.index)
    best_code = conf.groupby(pid).max()
    at_best = before & (conf.to_numpy() == pid.map(best_code).to_numpy())
    best_date = date.where(at_best).groupby(pid).min()
    first_resp = date.where(before & (conf.to_numpy() >= PR)).groupby(pid).min()
    first_cr = date.where(before & (conf.to_numpy() >= CR)).groupby(pid).min()
    relapse = date.where(v["relapse_confirmed"].to_numpy() & (date > pid.map(first_cr)).to_numpy()).groupby(pid).min()
    last_eval = date.where(before).groupby(pid).max()
    unconf_pd = pd.Series((code == PD) & ~v["pd_confirmed"].to_numpy(), index=v.index).groupby(pid).any()
    n_eval = pd.Series(evaluable, index=v.index).groupby(pid).sum()

    out = patients[["patient_id", "index_date"]].copy()
    m = lambda s: out["patient_id"].map(s)  # noqa: E731
    bc = m(best_code).fillna(-9).to_numpy().astype(np.int64)
    progression_date = m(prog)
    bc = np.where(bc >= SD, bc, np.where(progression_date.notna(), PD, NE))
    out["best_response"] = _NAMES[bc]
    out["best_response_date"] = m(best_date).where(bc >= SD, progression_date.where(bc == PD))
    out["first_response_date"] = m(first_resp)
    out["time_to_response_days"] = (out["first_response_date"] - out["index_date"]).dt.days
    out["progression_date"] = progression_date
    out["progression_rule"] = m(prog_rule)
    end = progression_date.where(progression_date.notna(), m(last_eval))
    has_resp = out["first_response_date"].notna()
    out["duration_of_response_days"] = (end - out["first_response_date"]).dt.days.where(has_resp)
    out["dor_event"] = np.where(has_resp, progression_date.notna().astype(float), np.nan)
    out["unconfirmed_pd"] = m(unconf_pd).eq(True).to_numpy() & progression_date.isna().to_numpy()
    out["relapse_from_cr_date"] = m(relapse)
    out["last_assessment_date"] = m(last_eval)
    out["n_assessments"] = m(n_eval).fillna(0).astype(np.int64)
    return out
