"""``adtte``: one row a patient and time-to-event endpoint (CDISC ADaM BDS-TTE content).

Columns: ``patient_id``, ``endpoint`` (OS, PFS, TTP, TTNT, PFS2, DOR, TTR, TOT, FU),
``start_date``, ``end_date``, ``time_days`` (end - start + 1 with ``add_one_day``, the ADaM
convention, else end - start), ``time_months`` = days / 30.4375 (365.25 / 12),
``event`` 1/0, ``reason`` (what the event is, or why and where the patient is censored),
``source_table``/``source_row`` (the store row that fixed ``end_date``; the IMWG engine's
derived dates have ``source_table`` "imwg" and no row).

Endpoint definitions (ICARIA-MM, Attal et al., Lancet 2019 -- seed 002 -- unless stated):

* OS: randomisation/index to death from any cause; alive patients censored at the last date
  known alive or the cut-off, whichever is earlier (seed 002, Figure 2 legend).
* PFS: to the first progression or death, whichever first. Censoring (FDA 2018 guidance
  "Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics", PFS table):
  no event -> last adequate disease assessment (index date if none); death more than
  ``missed_assessments x assessment_interval_days`` after the last adequate assessment ->
  censored at that assessment; further anti-myeloma therapy before an event ->
  ``pfs_further_therapy`` "censor" (censored at the last adequate assessment on or before
  its start; ICARIA-MM primary), "ignore" (later events count) or "event" (the start of
  further therapy is an event) -- ICARIA-MM sensitivity analyses.
* TTP: as PFS but deaths are not events (censored at the last adequate assessment).
* DoR: responders only (first response >= PR): from the first response to the PFS event or
  censoring date (progression or death, same censoring rules as PFS).
* TTR: responders only: index to the first response (every row an event).
* TTNT: index to the start of the next line of therapy or death (IMAGE, seed 000); censored
  at the last contact / cut-off.
* PFS2: index to progression on the next line (``subsequent_therapies.progression_date`` of
  line 1) or death (EMA, Guideline on the evaluation of anticancer medicinal products,
  EMA/CHMP/205/95 Rev.6, PFS2); censored at the last contact / cut-off.
* TOT (time on treatment): first dose to the end of treatment (event, reason = the end of
  treatment reason); ongoing treatment censored at the last contact / cut-off; safety
  population only.
* FU (follow-up, reverse Kaplan-Meier input; Schemper & Smith, Control Clin Trials
  1996;17:343-6): as OS with the event indicator reversed (alive = event, death = censored).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._dates import NS, as_datetime
from .config import DeriveConfig

DAYS_PER_MONTH = 30.4375
ENDPOINTS: tuple[str, ...] = ("OS", "PFS", "TTP", "TTNT", "PFS2", "DOR", "TTR", "TOT", "FU")
ENDPOINT_LABELS: dict[str, str] = {
    "OS": "Overall survival", "PFS": "Progression-free survival", "TTP": "Time to progression",
    "TTNT": "Time to next treatment", "PFS2": "Progression-free survival on next line",
    "DOR": "Duration of response", "TTR": "Time to response", "TOT": "Time on treatment",
    "FU": "Follow-up (reverse Kaplan-Meier)",
}
COLUMNS: tuple[str, ...] = ("patient_id", "endpoint", "start_date", "end_date", "time_days", "time_months", "event",
                            "reason", "source_table", "source_row")



@dataclass(frozen=True)
class DiseaseEvidence:
    """Disease assessments and progression feeding PFS, TTP, DoR and TTR.

    ``assessments``: adequate (evaluable, not NE) assessments: patient_id, date, source_table,
    source_row. ``progression``: one row a patient with a progression: patient_id,
    progression_date, source_table, source_row. ``responses``: patient_id,
    first_response_date (>= PR), source_table, source_row. ``source``: "derived" or "reported".
    """

    assessments: pd.DataFrame
    progression: pd.DataFrame
    responses: pd.DataFrame
    source: str


_d = as_datetime


def _rows(pid, start, end, event, reason, table, row, endpoint: str, add_one: bool) -> pd.DataFrame:
    start = _d(start).to_numpy(dtype=NS)
    end = _d(end).to_numpy(dtype=NS)
    days = (end - start).astype("timedelta64[D]").astype(float) + (1.0 if add_one else 0.0)
    days[np.isnat(start) | np.isnat(end)] = np.nan
    # a scalar row (no source_row column: tables that did not come through ingest) is missing for every row
    rows = pd.Series(row if np.ndim(row) else np.full(len(start), np.nan), dtype="Float64")
    return pd.DataFrame({
        "patient_id": np.asarray(pid, dtype=object), "endpoint": endpoint, "start_date": start,
        "end_date": end, "time_days": days, "time_months": days / DAYS_PER_MONTH,
        "event": np.asarray(event, dtype=np.int64), "reason": np.asarray(reason, dtype=object),
        "source_table": np.asarray(table, dtype=object),
        "source_row": pd.array(rows.round(), dtype="Int64"),
    })


def _cap(date: pd.Series, cutoff: pd.Timestamp | None) -> pd.Series:
    """Dates after the cut-off become NaT (events after the cut-off are not observed)."""
    date = _d(date)
    return date if cutoff is None else date.where(date <= cutoff)


def _follow_end(last_contact: pd.Series, cutoff: pd.Timestamp | None) -> tuple[pd.Series, np.ndarray]:
    """min(last contact, cut-off) and whether the cut-off was the earlier."""
    lc = _d(last_contact)
    if cutoff is None:
        return lc, np.zeros(len(lc), dtype=bool)
    at_cut = (lc > cutoff).to_numpy()
    return lc.where(~at_cut, cutoff), at_cut


def last_assessment(assessments: pd.DataFrame, pid: pd.Series, when: pd.Series, strict: bool) -> pd.DataFrame:
    """For each (pid, when): the patient's last assessment before (``strict``) or on/before ``when``.

    Returns a frame aligned with ``pid`` with ``date``, ``source_table``, ``source_row``
    (NaT / None where there is none or ``when`` is NaT). ``pandas.merge_asof`` by patient.
    """
    a = assessments[["patient_id", "date", "source_table", "source_row"]].assign(date=_d(assessments["date"]))
    # integer patient codes for merge_asof's ``by`` (same groups as the ids, far faster than object keys)
    ids = pd.Index(a["patient_id"].astype(object)).unique()
    q = pd.DataFrame({"patient_id": ids.get_indexer(np.asarray(pid, dtype=object)), "when": _d(when).to_numpy(),
                      "_pos": np.arange(len(pid))})
    ok = q["when"].notna()
    a = a.assign(patient_id=ids.get_indexer(a["patient_id"].astype(object))).sort_values("date")
    m = pd.merge_asof(q.loc[ok].sort_values("when"), a, left_on="when", right_on="date", by="patient_id",
                      allow_exact_matches=not strict, direction="backward")
    pos = m["_pos"].to_numpy()
    date = np.full(len(q), np.datetime64("NaT"), dtype=NS)
    date[pos] = m["date"].to_numpy(dtype=NS)
    table = np.full(len(q), None, dtype=object)
    table[pos] = m["source_table"].to_numpy()
    row = np.full(len(q), np.nan)
    row[pos] = pd.to_numeric(m["source_row"], errors="coerce").to_numpy(dtype=float)
    return pd.DataFrame({"date": date, "source_table": table, "source_row": row})


def _first_next_line(subsequent: pd.DataFrame | None, pts: pd.DataFrame) -> pd.DataFrame:
    """Per patient: first subsequent line starting after the index date (date, source_row, progression_date)."""
    cols = {"nt_date": pd.Series(pd.NaT, index=pts.index, dtype=NS),
            "nt_row": pd.Series(np.nan, index=pts.index), "nt_prog": pd.Series(pd.NaT, index=pts.index, dtype=NS)}
    if subsequent is None or len(subsequent) == 0:
        return pd.DataFrame(cols)
    s = subsequent.assign(start_date=_d(subsequent["start_date"]))
    s = s.merge(pts[["patient_id", "index_date"]], on="patient_id")
    s = s.loc[s["start_date"] > s["index_date"]].sort_values(["patient_id", "start_date", "line_number"])
    first = s.drop_duplicates("patient_id").set_index("patient_id")
    prog = _d(first["progression_date"]) if "progression_date" in first.columns else pd.Series(pd.NaT, index=first.index)
    row = first["source_row"] if "source_row" in first.columns else pd.Series(np.nan, index=first.index)
    return pd.DataFrame({"nt_date": pts["patient_id"].map(first["start_date"]).astype(NS),
                         "nt_row": pts["patient_id"].map(row).astype(float),
                         "nt_prog": pts["patient_id"].map(prog).astype(NS)})


def _min_event(a: pd.Series, b: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Elementwise earlier of two date series (NaT ignored) and whether ``b`` is the earlier (ties -> a)."""
    b_first = (b.notna() & (a.isna() | (b < a))).to_numpy()
    return a.where(~b_first, b), b_first


def overall_survival(adsl: pd.DataFrame, cutoff: pd.Timestamp | None, add_one: bool) -> pd.DataFrame:
    """OS rows and the reverse-KM follow-up (FU) rows (see the module docstring)."""
    death = _cap(adsl["death_date"], cutoff)
    fend, at_cut = _follow_end(adsl["last_contact_date"], cutoff)
    dead = death.notna().to_numpy()
    end = death.where(dead, fend)
    srow = adsl["source_row"] if "source_row" in adsl.columns else np.nan
    cens = np.where(at_cut, "alive at data cut-off", "alive at last contact")
    os_ = _rows(adsl["patient_id"], adsl["index_date"], end, dead, np.where(dead, "death", cens),
                "patients", srow, "OS", add_one)
    fu = _rows(adsl["patient_id"], adsl["index_date"], end, ~dead,
               np.where(dead, "death (censored for follow-up)", cens), "patients", srow, "FU", add_one)
    return pd.concat([os_, fu], ignore_index=True)


def next_treatment(adsl: pd.DataFrame, subsequent: pd.DataFrame | None, cutoff: pd.Timestamp | None,
                   add_one: bool) -> pd.DataFrame:
    """TTNT and PFS2 rows (see the module docstring)."""
    nl = _first_next_line(subsequent, adsl)
    death = _cap(adsl["death_date"], cutoff)
    fend, at_cut = _follow_end(adsl["last_contact_date"], cutoff)
    cens = np.where(at_cut, "censored at data cut-off", "censored at last contact")
    prow = adsl["source_row"].astype(float) if "source_row" in adsl.columns else pd.Series(np.nan, index=adsl.index)
    out = []
    for code, first, label in (("TTNT", _cap(nl["nt_date"], cutoff), "start of next line of therapy"),
                               ("PFS2", _cap(nl["nt_prog"], cutoff), "progression on next line of therapy")):
        e, death_first = _min_event(first, death)
        has = e.notna().to_numpy()
        reason = np.where(death_first, "death", np.where(has, label, cens))
        table = np.where(has & ~death_first, "subsequent_therapies", "patients")
        row = np.where(has & ~death_first, nl["nt_row"], prow)
        out.append(_rows(adsl["patient_id"], adsl["index_date"], e.where(has, fend), has, reason, table, row,
                         code, add_one))
    return pd.concat(out, ignore_index=True)


def time_on_treatment(adsl: pd.DataFrame, cutoff: pd.Timestamp | None, add_one: bool) -> pd.DataFrame:
    """TOT rows for the safety population (see the module docstring)."""
    s = adsl.loc[(adsl["saffl"] == True) & adsl["trt_start"].notna()]  # noqa: E712
    eot = _cap(s["eot_date"], cutoff)
    fend, at_cut = _follow_end(s["last_contact_date"], cutoff)
    has = eot.notna().to_numpy()
    why = s["eot_reason"].fillna("reason not recorded").astype(str).to_numpy()
    reason = np.where(has, "end of treatment: " + why,
                      np.where(at_cut, "on treatment at data cut-off", "on treatment at last contact"))
    srow = s["source_row"] if "source_row" in s.columns else np.nan
    return _rows(s["patient_id"], s["trt_start"], eot.where(has, fend), has, reason, "patients", srow, "TOT", add_one)


def progression_endpoints(adsl: pd.DataFrame, evidence: DiseaseEvidence, subsequent: pd.DataFrame | None,
                          config: DeriveConfig, cutoff: pd.Timestamp | None) -> pd.DataFrame:
    """PFS, TTP, DoR and TTR rows (rules in the module docstring and :class:`DeriveConfig`)."""
    pts = adsl[["patient_id", "index_date"]].assign(index_date=_d(adsl["index_date"])).reset_index(drop=True)
    pid = pts["patient_id"]
    a = evidence.assessments.merge(pts, on="patient_id")
    a = a.assign(date=_d(a["date"]))
    a = a.loc[(a["date"] > a["index_date"]) & ((a["date"] <= cutoff) if cutoff is not None else True)]
    prog = evidence.progression.set_index("patient_id")
    pd_date = _cap(pid.map(prog["progression_date"]), cutoff)
    pd_date = pd_date.where(pd_date > pts["index_date"])
    death = _cap(adsl["death_date"].reset_index(drop=True), cutoff)
    nl = _first_next_line(subsequent, pts)
    nt = _cap(nl["nt_date"], cutoff)
    rule = config.pfs_further_therapy
    window = nt if rule == "censor" else pd.Series(pd.NaT, index=pts.index, dtype=NS)
    within = lambda d: d.where(window.isna() | (d <= window))  # noqa: E731
    prow = adsl["source_row"].reset_index(drop=True).astype(float) if "source_row" in adsl.columns \
        else pd.Series(np.nan, index=pts.index)
    gap_limit = config.missed_assessments * config.assessment_interval_days
    last_all = last_assessment(a, pid, pd.Series(cutoff if cutoff is not None else pd.Timestamp.max.floor("D"),
                                                 index=pts.index), strict=False)
    last_nt = last_assessment(a, pid, nt, strict=False)

    out = []
    for code, death_counts in (("PFS", True), ("TTP", False)):
        p = within(pd_date)
        dth = within(death) if death_counts else pd.Series(pd.NaT, index=pts.index, dtype=NS)
        e, is_death = _min_event(p, dth)
        before_e = last_assessment(a, pid, e, strict=True)
        ref = before_e["date"].where(before_e["date"].notna(), pts["index_date"])
        missed = is_death & ((e - ref).dt.days > gap_limit).to_numpy()
        event = e.notna().to_numpy() & ~missed
        end = e.copy()
        reason = np.where(is_death, "death", "progression").astype(object)
        table = np.where(is_death, "patients", pid.map(prog["source_table"]).to_numpy())
        row = np.where(is_death, prow, pid.map(prog["source_row"]).astype(float).to_numpy())
        # censored: last adequate assessment before the event / further therapy / cut-off, else index
        nt_first = (nt.notna() & e.isna()).to_numpy() & (rule == "censor")
        pick = lambda col: np.where(missed, before_e[col], np.where(nt_first, last_nt[col], last_all[col]))  # noqa: E731
        c_date = pd.Series(pick("date"), index=pts.index).astype(NS)
        c_table, c_row = pick("source_table"), pick("source_row").astype(float)
        no_assess = c_date.isna().to_numpy()
        ttp_death = (~death_counts) & death.notna().to_numpy() & ~event
        why = np.where(nt_first, "further anti-myeloma therapy started: censored at last adequate assessment "
                                 "on or before its start",
                       np.where(ttp_death, "death without progression: censored at last adequate assessment",
                                "no progression or death: censored at last adequate assessment"))
        why = np.where(missed, f"death after {config.missed_assessments} or more missed assessments: censored at "
                               "last adequate assessment", why)
        why = np.where(no_assess & ~missed, np.char.add(why.astype(str), " (none after index: censored at index)"),
                       why)
        end = end.where(event, c_date.where(~no_assess, pts["index_date"]))
        reason = np.where(event, reason, why)
        table = np.where(event, table, np.where(no_assess, "patients", c_table))
        row = np.where(event, row, np.where(no_assess, prow, c_row))
        if rule == "event":
            nt_event = (nt.notna() & (e.isna() | (nt < e))).to_numpy()
            event = event | nt_event
            end = end.where(~nt_event, nt)
            reason = np.where(nt_event, "further anti-myeloma therapy started (counted as an event)", reason)
            table = np.where(nt_event, "subsequent_therapies", table)
            row = np.where(nt_event, nl["nt_row"].to_numpy(dtype=float), row)
        rows = _rows(pid, pts["index_date"], end, event, reason, table, row, code, config.add_one_day)
        out.append(rows)
        if code == "PFS":
            pfs = rows

    resp = evidence.responses.set_index("patient_id")
    first = _cap(pid.map(resp["first_response_date"]), cutoff)
    r = first.notna().to_numpy()
    out.append(_rows(pid[r], pts["index_date"][r], first[r], np.ones(r.sum(), dtype=np.int64),
                     np.full(r.sum(), "first response (PR or better)", dtype=object),
                     pid.map(resp["source_table"]).to_numpy()[r], pid.map(resp["source_row"]).astype(float)[r],
                     "TTR", config.add_one_day))
    dor = pfs.loc[r].copy()
    dor["endpoint"] = "DOR"
    start = first[r].to_numpy()
    dor["start_date"] = start
    dor["end_date"] = np.maximum(dor["end_date"].to_numpy(), start)
    days = (dor["end_date"].to_numpy() - start).astype("timedelta64[D]").astype(float) + float(config.add_one_day)
    dor["time_days"] = days
    dor["time_months"] = days / DAYS_PER_MONTH
    out.append(dor)
    return pd.concat(out, ignore_index=True)


def derive_adtte(adsl: pd.DataFrame, evidence: DiseaseEvidence, subsequent: pd.DataFrame | None = None,
                 config: DeriveConfig | None = None, cutoff: pd.Timestamp | str | None = None) -> pd.DataFrame:
    """All endpoints of the module docstring, one row a patient and endpoint, sorted by endpoint and patient.

    ``adsl`` from :func:`mmevidence.derive.adsl.derive_adsl` (patient_id, index_date,
    death_date, last_contact_date, trt_start, eot_date, eot_reason, saffl, source_row);
    ``evidence`` from :func:`reported_evidence` or :func:`derived_evidence`;
    ``subsequent`` the ``subsequent_therapies`` store table (None: no next line known);
    ``cutoff`` the clinical cut-off (None: none).
    """
    config = config or DeriveConfig()
    cut = None if cutoff is None or pd.isna(cutoff) else pd.Timestamp(cutoff).as_unit("ns")
    adsl = adsl.reset_index(drop=True)
    parts = [overall_survival(adsl, cut, config.add_one_day),
             progression_endpoints(adsl, evidence, subsequent, config, cut),
             next_treatment(adsl, subsequent, cut, config.add_one_day),
             time_on_treatment(adsl, cut, config.add_one_day)]
    out = pd.concat(parts, ignore_index=True)
    out["endpoint"] = pd.Categorical(out["endpoint"], categories=ENDPOINTS, ordered=True)
    out = out.sort_values(["endpoint", "patient_id"], kind="stable").reset_index(drop=True)
    out["endpoint"] = out["endpoint"].astype(str)
    return out[list(COLUMNS)]


_EMPTY_A = {"patient_id": pd.Series([], dtype=object), "date": pd.Series([], dtype=NS),
            "source_table": pd.Series([], dtype=object), "source_row": pd.Series([], dtype=float)}


def reported_evidence(response_assessments: pd.DataFrame | None, index: pd.DataFrame,
                      subsequent: pd.DataFrame | None = None, assessor: str | None = None) -> DiseaseEvidence:
    """Disease evidence as reported (``response_assessments``): adequate assessments = rows not NE;
    progression = first PD after the index date; first response = first sCR/CR/VGPR/PR after the
    index date and on or before the start of the next line (responses to later therapy excluded).
    ``assessor`` restricts to one assessor ("investigator" / "irc").
    """
    empty_p = pd.DataFrame({"patient_id": [], "progression_date": pd.Series([], dtype=NS), "source_table": [],
                            "source_row": pd.Series([], dtype=float)})
    empty_r = empty_p.rename(columns={"progression_date": "first_response_date"})
    if response_assessments is None or len(response_assessments) == 0:
        return DiseaseEvidence(pd.DataFrame(_EMPTY_A), empty_p, empty_r, "reported")
    ra = response_assessments
    if assessor is not None and "assessor" in ra.columns:
        ra = ra.loc[ra["assessor"] == assessor]
    ra = ra.assign(date=_d(ra["date"]), source_table="response_assessments",
                   source_row=ra["source_row"].astype(float) if "source_row" in ra.columns else np.nan)
    ra = ra.merge(index[["patient_id", "index_date"]].assign(index_date=_d(index["index_date"])), on="patient_id")
    ra = ra.loc[ra["date"] > ra["index_date"]].sort_values(["patient_id", "date"])
    assess = ra.loc[ra["response"] != "NE", ["patient_id", "date", "source_table", "source_row"]]
    assess = assess.drop_duplicates(["patient_id", "date"])
    first_pd = ra.loc[ra["response"] == "PD"].drop_duplicates("patient_id")
    prog = first_pd[["patient_id", "date", "source_table", "source_row"]].rename(columns={"date": "progression_date"})
    nl = _first_next_line(subsequent, index.assign(index_date=_d(index["index_date"])).reset_index(drop=True))
    nt = pd.Series(nl["nt_date"].to_numpy(), index=index["patient_id"].to_numpy())
    resp = ra.loc[ra["response"].isin(["sCR", "CR", "VGPR", "PR"])]
    if len(resp):
        ntr = resp["patient_id"].map(nt)
        resp = resp.loc[ntr.isna() | (resp["date"] <= ntr)]
        # a response after the first PD is not a response to the index treatment
        fpd = resp["patient_id"].map(prog.set_index("patient_id")["progression_date"])
        resp = resp.loc[fpd.isna() | (resp["date"] < fpd)]
    resp = resp.drop_duplicates("patient_id")[["patient_id", "date", "source_table", "source_row"]]
    return DiseaseEvidence(assess.reset_index(drop=True), prog.reset_index(drop=True),
                           resp.rename(columns={"date": "first_response_date"}).reset_index(drop=True), "reported")


def derived_evidence(visits: pd.DataFrame, best: pd.DataFrame) -> DiseaseEvidence:
    """Disease evidence from the IMWG engine (``ImwgResult.visits`` / ``.best``): adequate
    assessments = visits not NE and not excluded (after new therapy); progression =
    ``best.progression_date`` (first visit of the confirmed PD pair); first response =
    ``best.first_response_date``. Source table "imwg", no source row (the engine combines
    several lab rows per visit; its explanation trail is in ``adrs``)."""
    v = visits.loc[(visits["category"] != "NE") & ~visits["excluded"].astype(bool)]
    assess = pd.DataFrame({"patient_id": v["patient_id"].to_numpy(), "date": _d(v["date"]).to_numpy(),
                           "source_table": "imwg", "source_row": np.nan})
    p = best.loc[best["progression_date"].notna()]
    prog = pd.DataFrame({"patient_id": p["patient_id"].to_numpy(), "progression_date": _d(p["progression_date"]).to_numpy(),
                         "source_table": "imwg", "source_row": np.nan})
    r = best.loc[best["first_response_date"].notna()]
    resp = pd.DataFrame({"patient_id": r["patient_id"].to_numpy(),
                         "first_response_date": _d(r["first_response_date"]).to_numpy(),
                         "source_table": "imwg", "source_row": np.nan})
    return DiseaseEvidence(assess, prog, resp, "derived")
