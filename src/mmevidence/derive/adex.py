"""ADEX: exposure per patient and drug, and per patient, against a planned schedule
held as data (``mmevidence.derive.regimens``).

Functions
---------
``derive_adex(administrations, patients, regimen, per_cycle_drugs=None) -> (by_drug, by_patient)``
    ``administrations``: store table (schema ``administrations``); ``patients``: needs
    ``patient_id`` and, when the regimen needs them, ``weight_kg`` (mg/kg conversions),
    ``height_cm`` (mg/m2) and ``age_at_index`` (or ``birth_date`` + ``index_date``) for
    age-dependent doses; ``regimen``: a ``Regimen`` (``load_regimen("isa_pd")``).
    ``per_cycle_drugs``: drugs recorded one row a cycle carrying the daily dose (oral drugs
    dispensed per cycle, e.g. the bundled example's pomalidomide); ``None`` takes the
    regimen's ``record: per_cycle`` setting.
``cycle_starts(administrations) -> DataFrame``  patient_id, cycle, cycle_start_date.

``by_drug`` (one row a patient and regimen drug given at least once)
--------------------------------------------------------------------
patient_id, drug                 text
unit                    text     the regimen's unit for the drug (mg, mg/kg, mg/m2)
first_dose_date, last_dose_date  date
first_cycle, last_cycle Int64    first/last cycle number with a dose of the drug
cycles_started          Int64    distinct cycles with >= 1 dose of the drug
doses_given             Int64    administrations (per-cycle records count their planned days)
doses_planned           Int64    planned doses over cycles first_cycle..last_cycle
doses_omitted           Int64    planned (cycle, day) slots not given, in cycles started,
                                 before the drug's last dose (interruptions)
dose_reductions         Int64    step-downs: a dose below the planned dose and below the
                                 previous dose of the drug
any_dose_reduction      boolean
cumulative_dose         float    sum of doses in ``unit``
planned_cumulative_dose float    sum of planned doses over cycles first_cycle..last_cycle
cumulative_dose_mg      float    in mg (needs weight / BSA for mg/kg, mg/m2; NaN otherwise)
exposure_weeks          float    (start of last cycle + cycle length - first dose) / 7
dose_intensity          float    cumulative_dose / exposure_weeks  (unit per week)
planned_dose_intensity  float    planned_cumulative_dose / (cycles spanned * cycle length / 7)
relative_dose_intensity float    100 * dose_intensity / planned_dose_intensity (%)
reason                  text     why a value is NaN ("" when nothing to say)

``by_patient`` (one row a patient with >= 1 administration of a regimen drug)
-------------------------------------------------------------------------
patient_id, first_dose_date, last_dose_date (any regimen drug)
cycles_received         Int64    distinct cycles with >= 1 dose of any regimen drug (CUP
                                 Table 3 "number of cycles received")
last_cycle              Int64
treatment_duration_days Int64    last dose - first dose + 1
treatment_duration_weeks float   treatment_duration_days / 7 (ICARIA-MM Table 2)
exposure_weeks          float    (start of last cycle + cycle length - first dose) / 7
any_dose_reduction      boolean  in any drug

RDI definition: the seed papers report relative dose intensity (ICARIA-MM Table 2) without
defining it; we follow the common convention of the ICARIA-MM/Sanofi clinical study
reports: RDI = actual dose intensity / planned dose intensity, dose intensity = cumulative
dose / duration of exposure (weeks), duration of exposure = first dose to the day before
the next planned cycle after the last dose (start of last cycle + cycle length).
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from mmevidence.derive.regimens import Regimen

#: A dose more than 5 % below its reference counts as reduced; within 5 % is full dose
#: (vial and tablet rounding of weight- and BSA-based doses).
REDUCTION_TOLERANCE = 0.05

_DAY = np.timedelta64(1, "D")


def _join_reasons(index: pd.Index, parts: list[tuple[pd.Series | np.ndarray, str]]) -> pd.Series:
    """'; '-joined messages whose mask is true, "" when none (vectorised)."""
    out = pd.Series("", index=index, dtype=object)
    for mask, msg in parts:
        m = np.asarray(mask, dtype=bool)
        out[m] = np.where(out[m] == "", msg, out[m] + "; " + msg)
    return out


def cycle_starts(administrations: pd.DataFrame) -> pd.DataFrame:
    """Start date of every cycle a patient started: one row a patient and cycle.

    Start = min over the cycle's administrations of ``date - (cycle_day - 1)`` (``date``
    when ``cycle_day`` is missing): day 1 of the cycle even when day 1's dose was skipped.
    Rows without ``cycle`` are ignored. Columns: patient_id, cycle (int64), cycle_start_date.
    """
    a = administrations.loc[administrations["cycle"].notna(), ["patient_id", "cycle", "date", "cycle_day"]]
    day = pd.to_numeric(a["cycle_day"], errors="coerce").fillna(1).to_numpy()
    start = pd.to_datetime(a["date"]).to_numpy() - (day - 1).astype("int64") * _DAY
    out = (pd.DataFrame({"patient_id": a["patient_id"].to_numpy(), "cycle": a["cycle"].astype("int64").to_numpy(),
                         "cycle_start_date": start})
           .groupby(["patient_id", "cycle"], as_index=False, sort=True)["cycle_start_date"].min())
    return out


def _patient_factors(patients: pd.DataFrame) -> pd.DataFrame:
    """weight_kg, Mosteller BSA (m2) = sqrt(height_cm * weight_kg / 3600) (Mosteller RD,
    N Engl J Med 1987;317:1098) and age at index in years (``age_at_index``, else completed
    years from ``birth_date`` to ``index_date``)."""
    p = patients.reindex(columns=["patient_id", "weight_kg", "height_cm", "age_at_index", "birth_date", "index_date",
                                  "end_of_treatment_date"])
    weight = pd.to_numeric(p["weight_kg"], errors="coerce")
    height = pd.to_numeric(p["height_cm"], errors="coerce")
    age = pd.to_numeric(p["age_at_index"], errors="coerce")
    birth, index = pd.to_datetime(p["birth_date"]), pd.to_datetime(p["index_date"])
    before_birthday = (index.dt.month * 100 + index.dt.day) < (birth.dt.month * 100 + birth.dt.day)
    completed = index.dt.year - birth.dt.year - before_birthday.astype(int)
    age = age.fillna(completed.where(birth.notna() & index.notna()))
    return pd.DataFrame({"patient_id": p["patient_id"], "weight_kg": weight,
                         "bsa_m2": np.sqrt(height * weight / 3600.0), "age": age,
                         "end_of_treatment_date": pd.to_datetime(p["end_of_treatment_date"])})


def _plan_tables(regimen: Regimen, n_cycles: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Planned slots; per drug and cycle cumulative counts and doses (cycle 0 row = 0);
    and the number of planned days <= d for every drug, cycle and day d."""
    slots = regimen.planned_doses(max(n_cycles, 1))
    per_cycle = (slots.groupby(["drug", "cycle"], as_index=False)
                 .agg(n_slots=("cycle_day", "size"), dose_sum=("dose", "sum"), older_sum=("dose_older", "sum"),
                      first_day=("cycle_day", "min"), last_day=("cycle_day", "max"),
                      first_dose=("dose", "first"), first_older=("dose_older", "first")))
    grid = pd.MultiIndex.from_product([list(regimen.drug_names), range(0, n_cycles + 1)], names=["drug", "cycle"])
    cum = (per_cycle.set_index(["drug", "cycle"])[["n_slots", "dose_sum", "older_sum"]]
           .reindex(grid, fill_value=0).groupby(level="drug").cumsum().reset_index())
    days = np.arange(1, regimen.cycle_length_days + 1)
    le = slots.assign(one=1).pivot_table(index=["drug", "cycle"], columns="cycle_day", values="one",
                                         aggfunc="sum", fill_value=0)
    le = le.reindex(columns=days, fill_value=0).cumsum(axis=1).stack().rename("n_le").reset_index()
    return slots, per_cycle.merge(cum, on=["drug", "cycle"], suffixes=("", "_cum")), le


def derive_adex(administrations: pd.DataFrame, patients: pd.DataFrame, regimen: Regimen,
                per_cycle_drugs: Collection[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Exposure per patient and drug, and per patient (columns in the module docstring).

    Planned doses come from ``regimen`` (``older`` dose for patients aged >= its age at
    index). Doses are expressed in the regimen's unit for the drug: a row in another unit
    is converted through mg with ``weight_kg`` (mg/kg) or Mosteller BSA (mg/m2); when that
    needs a missing weight or height the dose sums and RDI are NaN with a ``reason``.
    A ``per_cycle`` record (one row a cycle with the daily dose) counts as that dose on
    each planned day of the cycle from its cycle day on, up to ``patients.end_of_treatment_date``
    when that falls inside the cycle; omissions inside such a cycle cannot be seen.

    RDI (%) = 100 x (cumulative dose / exposure weeks) / (planned cumulative dose /
    planned weeks); exposure = first dose to the day before the next planned cycle after
    the last dose (start of the drug's last cycle + cycle length); planned weeks = cycles
    from the drug's first to last cycle x cycle length / 7; planned cumulative dose =
    every planned dose of those cycles (common convention of the ICARIA-MM clinical study
    report; not defined in the seed texts, which only report the RDI median and IQR,
    ICARIA-MM Table 2). Delays lengthen exposure and so lower RDI; omitted doses lower the
    cumulative dose. Dose reduction: a dose more than ``REDUCTION_TOLERANCE`` below its
    reference (``planned_dose`` of the row if given, else the regimen's dose for that
    cycle day) and below the previous dose of the drug; ``dose_reductions`` counts such
    step-downs (ICARIA-MM Table 2 counts patients with >= 1). ``doses_omitted`` (dose
    interruptions): planned (cycle, day) slots from the drug's first cycle up to its last
    dose with no administration on that cycle day (missing ``cycle_day`` is taken as
    date - cycle start + 1). Administrations without ``cycle`` make the cycle-based
    values of that patient and drug NaN, with a reason. Drugs not in the regimen are ignored.
    """
    L = regimen.cycle_length_days
    per_cycle = ({d.drug for d in regimen.drugs if d.record == "per_cycle"} if per_cycle_drugs is None
                 else {str(d).lower() for d in per_cycle_drugs})
    a = administrations.reindex(columns=["patient_id", "drug", "date", "cycle", "cycle_day", "dose", "unit",
                                         "planned_dose"]).copy()
    codes, uniques = pd.factorize(a["drug"])
    a["drug"] = np.array([str(u).strip().lower() for u in uniques] + [""], dtype=object)[codes]
    a = a[a["drug"].isin(regimen.drug_names)].reset_index(drop=True)
    # integer patient keys inside (merges and groupbys on strings dominate the run time)
    pid_codes, pid_values = pd.factorize(a["patient_id"], sort=True)
    a["patient_id"] = pid_codes
    factors = _patient_factors(patients)
    factors["patient_id"] = pd.Index(pid_values).get_indexer(factors["patient_id"])
    factors = factors[factors["patient_id"] >= 0].drop_duplicates("patient_id")
    a["date"] = pd.to_datetime(a["date"])
    a["cycle"] = pd.to_numeric(a["cycle"], errors="coerce")
    a["cycle_day"] = pd.to_numeric(a["cycle_day"], errors="coerce")
    for col in ("dose", "planned_dose"):
        a[col] = pd.to_numeric(a[col], errors="coerce").astype(float)

    n_cycles = int(a["cycle"].max()) if a["cycle"].notna().any() else 1
    slots, plan_cycle, plan_le = _plan_tables(regimen, n_cycles)
    starts = cycle_starts(a)
    a = a.merge(factors, on="patient_id", how="left")
    a["cycle_key"] = a["cycle"].fillna(-1).astype("int64")
    a = a.merge(starts.rename(columns={"cycle": "cycle_key"}), on=["patient_id", "cycle_key"], how="left")
    a["cycle_day"] = a["cycle_day"].fillna((a["date"] - a["cycle_start_date"]) / _DAY + 1)

    # units: dose in mg, then in the regimen's unit for the drug
    a["unit"] = a["unit"].astype("category")
    reg_unit = a["drug"].map({d.drug: d.unit for d in regimen.drugs}).astype("category")
    to_mg = {"mg": pd.Series(1.0, index=a.index), "mg/kg": a["weight_kg"], "mg/m2": a["bsa_m2"]}
    row_f = np.select([a["unit"] == u for u in to_mg], list(to_mg.values()), np.nan)
    reg_f = np.select([reg_unit == u for u in to_mg], list(to_mg.values()), np.nan)
    same = (a["unit"].astype(object) == reg_unit.astype(object)).to_numpy()
    a["dose_mg"] = a["dose"] * row_f
    a["dose_reg"] = np.where(same, a["dose"], a["dose_mg"] / reg_f)
    a["ref_given"] = np.where(same, a["planned_dose"], a["planned_dose"] * row_f / reg_f)
    needs_w = ((a["unit"] == "mg/kg") | (reg_unit == "mg/kg")).to_numpy() & ~same
    needs_h = ((a["unit"] == "mg/m2") | (reg_unit == "mg/m2")).to_numpy() & ~same
    a["no_weight"] = (needs_w & a["weight_kg"].isna()) | (needs_h & a["bsa_m2"].isna())
    a["no_weight_mg"] = a["dose_mg"].isna()

    # planned dose of the row's slot (fallback: the cycle's first planned dose); older dose by age
    a = a.merge(slots[["drug", "cycle", "cycle_day", "dose", "dose_older"]].rename(
        columns={"cycle": "cycle_key", "dose": "slot_dose", "dose_older": "slot_older"}),
        on=["drug", "cycle_key", "cycle_day"], how="left")
    a = a.merge(plan_cycle[["drug", "cycle", "n_slots", "first_day", "last_day", "first_dose", "first_older"]]
                .rename(columns={"cycle": "cycle_key"}), on=["drug", "cycle_key"], how="left")
    older_rule = {d.drug: d.older_age for d in regimen.drugs if d.older_age is not None}
    older_age = a["drug"].map(older_rule)
    a["no_age"] = older_age.notna() & a["age"].isna()
    older = (a["age"] >= older_age).to_numpy()
    slot_ref = np.where(older, a["slot_older"], a["slot_dose"])
    cyc_ref = np.where(older, a["first_older"], a["first_dose"])
    plan_ref = np.where(a["no_age"], np.nan, np.where(np.isnan(slot_ref), cyc_ref, slot_ref))
    a["ref"] = a["ref_given"].fillna(pd.Series(plan_ref, index=a.index))

    # a per-cycle record covers the planned days from its cycle day to the cycle's last planned
    # day, cut at end_of_treatment_date when that falls inside the cycle
    is_pc = a["drug"].isin(per_cycle).to_numpy() & a["n_slots"].notna().to_numpy()
    eot_day = (a["end_of_treatment_date"] - a["cycle_start_date"]) / _DAY + 1
    cap = np.fmin(a["last_day"], eot_day).fillna(a["last_day"]).clip(lower=a["cycle_day"])
    le = plan_le.set_index(["drug", "cycle", "cycle_day"])["n_le"]

    def n_le(day: pd.Series) -> np.ndarray:
        idx = pd.MultiIndex.from_arrays([a["drug"], a["cycle_key"], day.fillna(0).astype("int64")])
        return le.reindex(idx).fillna(0).to_numpy()

    covered = n_le(cap) - n_le(a["cycle_day"] - 1)
    a["mult"] = np.where(is_pc, np.maximum(covered, 1), 1).astype("int64")
    a["end_day"] = np.where(is_pc, cap, a["cycle_day"])
    a["end_date"] = a["date"] + pd.to_timedelta(a["end_day"] - a["cycle_day"], unit="D")
    a["matched"] = np.where(is_pc, covered, a["slot_dose"].notna().astype(float))

    a = a.sort_values(["patient_id", "drug", "date"], kind="stable").reset_index(drop=True)
    tol = 1.0 - REDUCTION_TOLERANCE
    prev = a.groupby(["patient_id", "drug"], sort=False)["dose_reg"].shift(1)
    reduced = a["dose_reg"] < a["ref"] * tol
    a["step_down"] = reduced & (prev.isna() | (a["dose_reg"] < prev * tol))
    # several records on one planned slot count once
    dup_slot = a.duplicated(["patient_id", "drug", "cycle_key", "cycle_day"]) & ~is_pc
    a["matched"] = np.where(dup_slot, 0.0, a["matched"])
    a["no_cycle"] = a["cycle"].isna()
    a["no_ref"] = a["ref"].isna()
    a["dose_x"] = a["dose_reg"] * a["mult"]
    a["dose_mg_x"] = a["dose_mg"] * a["mult"]

    by_drug = _by_drug(a, plan_cycle, plan_le, starts, regimen, L)
    by_patient = _by_patient(a, by_drug, starts, L)
    values = np.asarray(pid_values, dtype=object)
    by_drug["patient_id"] = values[by_drug["patient_id"].to_numpy()]
    by_patient["patient_id"] = values[by_patient["patient_id"].to_numpy()]
    return by_drug, by_patient


def _nan_sum(g: pd.core.groupby.DataFrameGroupBy, col: str) -> pd.Series:
    """Group sum that is NaN when any value is NaN (a missing dose is not a zero dose)."""
    return g[col].sum().where(g[col].count() == g[col].size())


def _by_drug(a: pd.DataFrame, plan_cycle: pd.DataFrame, plan_le: pd.DataFrame, starts: pd.DataFrame,
             regimen: Regimen, L: int) -> pd.DataFrame:
    g = a.groupby(["patient_id", "drug"], sort=True)
    d = g.agg(first_dose_date=("date", "min"), last_dose_date=("end_date", "max"),
              first_cycle=("cycle", "min"), last_cycle=("cycle", "max"), cycles_started=("cycle", "nunique"),
              doses_given=("mult", "sum"), dose_reductions=("step_down", "sum"),
              no_cycle=("no_cycle", "sum"), no_weight=("no_weight", "any"),
              no_weight_mg=("no_weight_mg", "any"), no_age=("no_age", "any"), no_ref=("no_ref", "any"),
              matched=("matched", "sum"))
    d["cumulative_dose"] = _nan_sum(g, "dose_x")
    d["cumulative_dose_mg"] = _nan_sum(g, "dose_mg_x")
    d = d.reset_index()
    last_rows = a[a["cycle"] == a.groupby(["patient_id", "drug"])["cycle"].transform("max")]
    last_day = last_rows.groupby(["patient_id", "drug"], as_index=False)["end_day"].max()
    d = d.merge(last_day, on=["patient_id", "drug"], how="left")
    d["unit"] = d["drug"].map({p.drug: p.unit for p in regimen.drugs})

    ok = d["no_cycle"] == 0
    first = d["first_cycle"].where(ok).fillna(0).astype("int64")
    last = d["last_cycle"].where(ok).fillna(0).astype("int64")
    cum = plan_cycle.set_index(["drug", "cycle"])
    cum0 = pd.concat([cum, pd.DataFrame({"drug": list(regimen.drug_names), "cycle": 0}).set_index(["drug", "cycle"])
                      .assign(n_slots_cum=0, dose_sum_cum=0.0, older_sum_cum=0.0)])
    cum0 = cum0[~cum0.index.duplicated(keep="first")]

    def at(cycles: pd.Series, col: str) -> np.ndarray:
        idx = pd.MultiIndex.from_arrays([d["drug"], cycles])
        return cum0[col].reindex(idx).fillna(0).to_numpy()

    older_rule = {p.drug: p.older_age for p in regimen.drugs if p.older_age is not None}
    ages = a.groupby(["patient_id", "drug"], sort=True)["age"].first().reset_index(drop=True)
    older = (ages >= d["drug"].map(older_rule)).to_numpy()
    planned = np.where(older, at(last, "older_sum_cum") - at(first - 1, "older_sum_cum"),
                       at(last, "dose_sum_cum") - at(first - 1, "dose_sum_cum"))
    n_planned = at(last, "n_slots_cum") - at(first - 1, "n_slots_cum")
    le = plan_le.set_index(["drug", "cycle", "cycle_day"])["n_le"]
    n_le_last = le.reindex(pd.MultiIndex.from_arrays(
        [d["drug"], last, d["end_day"].fillna(0).astype("int64")])).fillna(0).to_numpy()
    slots_to_last = at(last - 1, "n_slots_cum") - at(first - 1, "n_slots_cum") + n_le_last

    start_last = d[["patient_id"]].assign(cycle=last).merge(starts, on=["patient_id", "cycle"], how="left")
    exposure_days = (start_last["cycle_start_date"].to_numpy() - d["first_dose_date"].to_numpy()) / _DAY + L
    d["doses_planned"] = pd.array(np.where(ok, n_planned, np.nan), dtype="Float64").astype("Int64")
    d["doses_omitted"] = pd.array(np.where(ok, slots_to_last - d["matched"], np.nan), dtype="Float64").astype("Int64")
    d["planned_cumulative_dose"] = np.where(ok & ~d["no_age"], planned, np.nan)
    d["exposure_weeks"] = np.where(ok, exposure_days / 7.0, np.nan)
    d["dose_intensity"] = d["cumulative_dose"] / d["exposure_weeks"]
    planned_weeks = (last - first + 1) * L / 7.0
    d["planned_dose_intensity"] = d["planned_cumulative_dose"] / planned_weeks
    d["relative_dose_intensity"] = 100.0 * d["dose_intensity"] / d["planned_dose_intensity"]
    d["any_dose_reduction"] = (d["dose_reductions"] > 0).astype("boolean")
    d["reason"] = _join_reasons(d.index, [
        (~ok, "cycle missing on some administrations: cycle-based values not derived"),
        (d["no_weight"], "weight_kg (mg/kg) or height_cm (mg/m2) missing: dose not convertible to the regimen unit"),
        (d["no_weight_mg"] & ~d["no_weight"], "weight_kg or height_cm missing: cumulative_dose_mg not derived"),
        (d["no_age"], "age missing: the planned dose depends on age"),
        (d["no_ref"] & ~d["no_age"], "no reference dose for some administrations: reductions not assessed there"),
    ])
    for col in ("first_cycle", "last_cycle", "cycles_started"):
        d[col] = pd.array(d[col].where(ok), dtype="Float64").astype("Int64")
    for col in ("doses_given", "dose_reductions"):
        d[col] = d[col].astype("Int64")
    cols = ["patient_id", "drug", "unit", "first_dose_date", "last_dose_date", "first_cycle", "last_cycle",
            "cycles_started", "doses_given", "doses_planned", "doses_omitted", "dose_reductions",
            "any_dose_reduction", "cumulative_dose", "planned_cumulative_dose", "cumulative_dose_mg",
            "exposure_weeks", "dose_intensity", "planned_dose_intensity", "relative_dose_intensity", "reason"]
    return d[cols]


def _by_patient(a: pd.DataFrame, by_drug: pd.DataFrame, starts: pd.DataFrame, L: int) -> pd.DataFrame:
    g = a.groupby("patient_id", sort=True)
    p = g.agg(first_dose_date=("date", "min"), last_dose_date=("end_date", "max"),
              cycles_received=("cycle", "nunique"), last_cycle=("cycle", "max"),
              no_cycle=("no_cycle", "sum")).reset_index()
    ok = p["no_cycle"] == 0
    p["treatment_duration_days"] = ((p["last_dose_date"] - p["first_dose_date"]) / _DAY + 1).astype("Int64")
    p["treatment_duration_weeks"] = (p["last_dose_date"] - p["first_dose_date"]) / _DAY / 7.0 + 1 / 7.0
    last = p["last_cycle"].where(ok).fillna(0).astype("int64")
    s = p[["patient_id"]].assign(cycle=last).merge(starts, on=["patient_id", "cycle"], how="left")
    p["exposure_weeks"] = np.where(ok, ((s["cycle_start_date"].to_numpy() - p["first_dose_date"].to_numpy()) / _DAY
                                        + L) / 7.0, np.nan)
    for col in ("cycles_received", "last_cycle"):
        p[col] = pd.array(p[col].where(ok), dtype="Float64").astype("Int64")
    p["any_dose_reduction"] = (by_drug.groupby("patient_id", sort=True)["dose_reductions"].sum()
                               .reindex(p["patient_id"]).to_numpy() > 0)
    p["any_dose_reduction"] = p["any_dose_reduction"].astype("boolean")
    p["reason"] = _join_reasons(p.index, [(~ok, "cycle missing on some administrations: cycle counts not derived")])
    return p[["patient_id", "first_dose_date", "last_dose_date", "cycles_received", "last_cycle",
              "treatment_duration_days", "treatment_duration_weeks", "exposure_weeks", "any_dose_reduction", "reason"]]
