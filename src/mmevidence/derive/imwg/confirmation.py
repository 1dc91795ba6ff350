"""Confirmation of responses and progression by the next assessment (Kumar 2016; Durie 2006:
"two consecutive assessments made at any time before the institution of any new therapy").

An *assessment* is an evaluable visit: not NE and not after new therapy. NE visits (nothing
the disease type needs was measured) are skipped, so a missing visit does not break a pair.
"""

from __future__ import annotations

import numpy as np

from .criteria import NE, PD, SD


def next_assessment(pcode: np.ndarray, cat: np.ndarray) -> np.ndarray:
    """Index of the patient's next evaluable visit (``cat != NE``) for every row, -1 if none.

    Rows sorted by patient then date.
    """
    idx = np.flatnonzero(cat != NE)
    nxt = np.full(len(cat), -1, dtype=np.int64)
    same = pcode[idx[1:]] == pcode[idx[:-1]]
    nxt[idx[:-1][same]] = idx[1:][same]
    return nxt


def confirm(pcode: np.ndarray, cat: np.ndarray, no_confirmation: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Confirmed level of each visit and whether a PD visit is confirmed.

    * response (MR or better) at visit *i*: confirmed at ``min(cat_i, cat_next)`` when the
      next assessment is not PD; otherwise (next is PD, or no next assessment) it counts
      only as SD. The confirmed date is visit *i* (the first of the pair).
    * SD needs no confirmation.
    * PD at visit *i*: confirmed when the next assessment is also PD, or when
      ``no_confirmation`` (imaging PD, Kumar 2016) holds at *i*.

    Returns ``(confirmed, pd_confirmed)``: ``confirmed`` is the category code credited to
    the visit (NE for NE visits, PD for PD visits), ``pd_confirmed`` a boolean array.
    """
    nxt = next_assessment(pcode, cat)
    has_next = nxt >= 0
    cat_next = np.where(has_next, cat[np.maximum(nxt, 0)], NE)
    pair = np.where(has_next & (cat_next != PD), np.minimum(cat, cat_next), SD)
    confirmed = np.where(cat > SD, np.maximum(pair, SD), cat)
    pd_confirmed = (cat == PD) & (no_confirmation | (cat_next == PD))
    return confirmed.astype(np.int64), pd_confirmed
