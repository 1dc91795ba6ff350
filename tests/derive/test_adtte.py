"""adtte on a hand-built cohort: every expected date and day count is worked out in the comments.

All patients start on 2020-01-01 (day 0); "day k" means 2020-01-01 + k days. With the ADaM
convention (add_one_day) time_days = k + 1. Assessments every 28 days; the missed-visit rule
censors a death more than 2 x 28 = 56 days after the last adequate assessment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmevidence.derive.adtte import DAYS_PER_MONTH, derive_adtte, reported_evidence
from mmevidence.derive.config import DeriveConfig

D0 = pd.Timestamp("2020-01-01")
CUTOFF = pd.Timestamp("2021-01-01")  # day 366


def day(k: float | None) -> pd.Timestamp:
    return pd.NaT if k is None else D0 + pd.Timedelta(days=k)


# patient: (death day, last contact day, assessments [(day, response)], next line start day, next-line PD day,
#           end-of-treatment day)
COHORT = {
    "A": (None, 300, [(28, "PR"), (56, "VGPR"), (84, "VGPR"), (112, "PD")], None, None, 110),
    "B": (196, 196, [(28, "SD"), (56, "SD")], None, None, 60),       # death 140 d (20 wk) after last assessment
    "C": (105, 105, [(28, "SD"), (56, "SD")], None, None, 100),      # death 49 d after last assessment
    "D": (None, 300, [(28, "PR"), (56, "PR"), (84, "PR"), (120, "PD")], 90, 200, 88),  # new therapy day 90
    "E": (None, 30, [], None, None, None),                           # no assessment at all, still on treatment
    "F": (None, 400, [(28, "SD"), (56, "NE"), (84, "SD")], None, None, None),  # alive past the cut-off
    "G": (70, 70, [(28, "SD"), (56, "SD")], None, None, 65),         # death 14 d after last assessment
    "H": (None, 420, [(28, "SD"), (350, "SD"), (380, "PD")], None, None, None),  # PD after the cut-off
}


def _tables():
    pts, ra, sub = [], [], []
    for pid, (death, last, assess, nt, ntpd, eot) in COHORT.items():
        pts.append({"patient_id": pid, "index_date": D0, "death_date": day(death), "last_contact_date": day(last),
                    "trt_start": D0, "eot_date": day(eot), "eot_reason": "progression" if eot else None,
                    "saffl": True, "source_row": len(pts) + 1})
        for k, r in assess:
            ra.append({"patient_id": pid, "date": day(k), "response": r, "assessor": "investigator",
                       "source_row": len(ra) + 1})
        if nt is not None:
            sub.append({"patient_id": pid, "line_number": 1, "start_date": day(nt), "progression_date": day(ntpd),
                        "source_row": len(sub) + 1})
    return pd.DataFrame(pts), pd.DataFrame(ra), pd.DataFrame(sub)


def _adtte(config: DeriveConfig = DeriveConfig(), cutoff=CUTOFF) -> pd.DataFrame:
    adsl, ra, sub = _tables()
    ev = reported_evidence(ra, adsl[["patient_id", "index_date"]], sub)
    return derive_adtte(adsl, ev, sub, config, cutoff=cutoff)


def _get(t: pd.DataFrame, endpoint: str, pid: str) -> pd.Series:
    rows = t.loc[(t["endpoint"] == endpoint) & (t["patient_id"] == pid)]
    assert len(rows) == 1, (endpoint, pid, len(rows))
    return rows.iloc[0]


def _check(t, endpoint, pid, end_day, event, reason_part, start_day=0):
    r = _get(t, endpoint, pid)
    assert r["start_date"] == day(start_day)
    assert r["end_date"] == day(end_day), (endpoint, pid, r["end_date"])
    assert r["time_days"] == end_day - start_day + 1
    assert r["time_months"] == pytest.approx((end_day - start_day + 1) / 30.4375, rel=1e-12)
    assert r["event"] == event
    assert reason_part in r["reason"], r["reason"]


@pytest.fixture(scope="module")
def tte() -> pd.DataFrame:
    return _adtte()


def test_pfs_progression_is_event_at_first_pd(tte):
    # A: first PD at day 112 -> event, 113 days (2020-01-01 .. 2020-04-22 inclusive)
    _check(tte, "PFS", "A", 112, 1, "progression")
    assert _get(tte, "PFS", "A")["source_table"] == "response_assessments"
    assert _get(tte, "PFS", "A")["source_row"] == 4  # the 4th response row is A's PD


def test_pfs_death_after_two_missed_assessments_is_censored(tte):
    # B: last assessment day 56, death day 196 = 140 days (20 weeks) later > 2 x 28 -> censored at day 56
    _check(tte, "PFS", "B", 56, 0, "missed assessments")


def test_pfs_death_within_window_is_event(tte):
    # C: death day 105 = 49 days after the last assessment (<= 56) -> event at day 105
    _check(tte, "PFS", "C", 105, 1, "death")
    assert _get(tte, "PFS", "C")["source_table"] == "patients"


def test_pfs_further_therapy_censor_rule_primary(tte):
    # D: new therapy day 90 before PD day 120 -> censored at last assessment on/before day 90 = day 84
    _check(tte, "PFS", "D", 84, 0, "further anti-myeloma therapy")


def test_pfs_further_therapy_ignore_and_event_rules():
    ignore = _adtte(DeriveConfig(pfs_further_therapy="ignore"))
    _check(ignore, "PFS", "D", 120, 1, "progression")     # PD at day 120 counts
    event = _adtte(DeriveConfig(pfs_further_therapy="event"))
    _check(event, "PFS", "D", 90, 1, "further anti-myeloma therapy")  # start of therapy is the event
    assert _get(event, "PFS", "D")["source_table"] == "subsequent_therapies"
    # patients without further therapy are unchanged by the rule
    _check(event, "PFS", "A", 112, 1, "progression")


def test_pfs_no_assessment_censored_at_index(tte):
    # E: no assessment -> censored at the index date: day 0, 1 day
    _check(tte, "PFS", "E", 0, 0, "censored at index")


def test_pfs_censored_at_last_adequate_assessment_ne_skipped(tte):
    # F: assessments 28 (SD), 56 (NE: not adequate), 84 (SD) -> censored at day 84
    _check(tte, "PFS", "F", 84, 0, "no progression or death")


def test_pfs_event_after_cutoff_ignored(tte):
    # H: PD day 380 is after the cut-off (day 366) -> censored at the last assessment before it, day 350
    _check(tte, "PFS", "H", 350, 0, "no progression or death")


def test_ttp_censors_death(tte):
    # G: death day 70 is a PFS event but TTP is censored at the last assessment (day 56)
    _check(tte, "PFS", "G", 70, 1, "death")
    _check(tte, "TTP", "G", 56, 0, "death without progression")
    _check(tte, "TTP", "A", 112, 1, "progression")


def test_os_and_reverse_km_follow_up(tte):
    _check(tte, "OS", "B", 196, 1, "death")
    _check(tte, "OS", "A", 300, 0, "alive at last contact")
    # F: last contact day 400 is after the cut-off (2021-01-01 = day 366): censored at the cut-off
    _check(tte, "OS", "F", 366, 0, "alive at data cut-off")
    _check(tte, "FU", "B", 196, 0, "death")   # reverse KM: death censors follow-up
    _check(tte, "FU", "A", 300, 1, "alive")


def test_ttnt_and_pfs2(tte):
    # D: next line day 90 -> TTNT event; progression on that line day 200 -> PFS2 event
    _check(tte, "TTNT", "D", 90, 1, "next line")
    _check(tte, "PFS2", "D", 200, 1, "progression on next line")
    # B: no next line, death day 196 -> both events at death
    _check(tte, "TTNT", "B", 196, 1, "death")
    _check(tte, "PFS2", "B", 196, 1, "death")
    # A: alive, no next line -> censored at last contact day 300
    _check(tte, "TTNT", "A", 300, 0, "last contact")


def test_responders_ttr_and_dor(tte):
    # A: first PR day 28 -> TTR 29 days; DoR from day 28 to PD day 112: 85 days
    _check(tte, "TTR", "A", 28, 1, "first response")
    _check(tte, "DOR", "A", 112, 1, "progression", start_day=28)
    # D: first response day 28; PFS censored at day 84 -> DoR censored at day 84
    _check(tte, "DOR", "D", 84, 0, "further anti-myeloma therapy", start_day=28)
    responders = set(tte.loc[tte["endpoint"] == "TTR", "patient_id"])
    assert responders == {"A", "D"}
    assert set(tte.loc[tte["endpoint"] == "DOR", "patient_id"]) == {"A", "D"}


def test_time_on_treatment(tte):
    _check(tte, "TOT", "A", 110, 1, "end of treatment: progression")
    _check(tte, "TOT", "E", 30, 0, "on treatment at last contact")


def test_plain_difference_day_count_and_no_cutoff():
    t = _adtte(DeriveConfig(add_one_day=False), cutoff=None)
    r = _get(t, "PFS", "A")
    assert r["time_days"] == 112
    assert r["time_months"] == pytest.approx(112 / DAYS_PER_MONTH, rel=1e-12)
    # without a cut-off, H's PD on day 380 counts
    assert _get(t, "PFS", "H")["event"] == 1 and _get(t, "PFS", "H")["time_days"] == 380


def test_one_row_per_patient_and_endpoint(tte):
    assert not tte.duplicated(["patient_id", "endpoint"]).any()
    for ep in ("OS", "PFS", "TTP", "TTNT", "PFS2", "FU", "TOT"):
        assert (tte["endpoint"] == ep).sum() == len(COHORT)
    assert set(np.unique(tte["event"])) <= {0, 1}
