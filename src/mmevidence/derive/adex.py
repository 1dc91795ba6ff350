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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmevidence.derive.regimens import Regimen

#: A dose more than 5 % below its reference counts as reduced; within 5 % is full dose
#: (vial and tablet rounding of weight- and BSA-based doses).
REDUCTION_TOLERANCE = 0.05

_DAY = np.timedelta64(1, "D")
_I8_MAX = np.iinfo(np.int64).max
_UNIT_KIND = {"mg": 0, "mg/kg": 1, "mg/m2": 2}  # dose -> mg factor: 1, weight_kg, Mosteller BSA

# Implementation note (speed): rows are sorted once by (patient, drug, date) on integer
# codes and every per-group value is a numpy segment reduction over that order; lookups in
# the planned schedule are dense (drug, cycle, day) arrays. The results are those of the
# plain pandas formulation (merges and groupbys on the same keys), row order and float
# summation order (pandas' compensated group sum) included.


def _join_reasons(index: pd.Index, parts: list[tuple[pd.Series | np.ndarray, str]]) -> pd.Series:
    """'; '-joined messages whose mask is true, "" when none (vectorised)."""
    pattern = np.zeros(len(index), dtype=np.int64)
    for k, (mask, _) in enumerate(parts):
        pattern |= np.asarray(mask, dtype=bool).astype(np.int64) << k
    uniq, inverse = np.unique(pattern, return_inverse=True)
    texts = np.array(["; ".join(msg for k, (_, msg) in enumerate(parts) if (u >> k) & 1) for u in uniq.tolist()]
                     + [""], dtype=object)
    return pd.Series(texts[inverse.reshape(-1)] if len(index) else np.array([], dtype=object), index=index,
                     dtype=object)


def _to_datetime(values: pd.Series) -> np.ndarray:
    """``pd.to_datetime(values).to_numpy()``, converting each distinct text once."""
    if values.dtype != object:
        return pd.to_datetime(values).to_numpy()
    codes, uniques = pd.factorize(values)
    converted = pd.to_datetime(pd.Series(np.asarray(uniques, dtype=object))).to_numpy()
    return np.append(converted, np.array(["NaT"], dtype=converted.dtype))[codes]


def _to_float(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _group_min_dates(codes: np.ndarray, n_groups: int, dates: np.ndarray, use: np.ndarray) -> np.ndarray:
    """Per group minimum of ``dates`` over rows with ``use``, NaT skipped (NaT when none)."""
    i8 = dates.view("i8")
    ok = use & ~np.isnat(dates)
    out = np.full(n_groups, _I8_MAX, dtype=np.int64)
    np.minimum.at(out, codes[ok], i8[ok])
    out[out == _I8_MAX] = np.iinfo(np.int64).min
    return out.view(dates.dtype)


def _n_unique(groups: np.ndarray, n_groups: int, value_codes: np.ndarray, n_values: int) -> np.ndarray:
    """Distinct values (codes >= 0) per group."""
    ok = value_codes >= 0
    pairs = pd.unique(groups[ok].astype(np.int64) * max(n_values, 1) + value_codes[ok])
    return np.bincount(pairs // max(n_values, 1), minlength=n_groups).astype(np.int64)


def cycle_starts(administrations: pd.DataFrame) -> pd.DataFrame:
    """Start date of every cycle a patient started: one row a patient and cycle.

    Start = min over the cycle's administrations of ``date - (cycle_day - 1)`` (``date``
    when ``cycle_day`` is missing): day 1 of the cycle even when day 1's dose was skipped.
    Rows without ``cycle`` are ignored. Columns: patient_id, cycle (int64), cycle_start_date.
    """
    a = administrations.loc[administrations["cycle"].notna(), ["patient_id", "cycle", "date", "cycle_day"]]
    day = pd.to_numeric(a["cycle_day"], errors="coerce").fillna(1).to_numpy()
    start = pd.to_datetime(a["date"]).to_numpy() - (day - 1).astype("int64") * _DAY
    pid_codes, pid_values = pd.factorize(a["patient_id"], sort=True)
    cyc_codes, cyc_values = pd.factorize(a["cycle"].astype("int64").to_numpy(), sort=True)
    keep = pid_codes >= 0  # groupby drops a missing patient_id
    key = pid_codes[keep].astype(np.int64) * max(len(cyc_values), 1) + cyc_codes[keep]
    key_codes, key_values = pd.factorize(key, sort=True)
    first = _group_min_dates(key_codes, len(key_values), start[keep], np.ones(len(key_codes), dtype=bool))
    n_cyc = max(len(cyc_values), 1)
    return pd.DataFrame({"patient_id": pd.Index(pid_values).take(key_values // n_cyc).to_numpy(),
                         "cycle": np.asarray(cyc_values, dtype=np.int64)[key_values % n_cyc],
                         "cycle_start_date": first})


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


@dataclass(frozen=True)
class _Plan:
    """The planned schedule as dense arrays indexed [drug, cycle(, day)]; cycles 0..C-1."""

    slot_dose: np.ndarray      # [drug, cycle, day] planned dose of the slot, NaN when none
    slot_older: np.ndarray
    cycle_vals: dict[str, np.ndarray]  # [drug, cycle] n_slots, first/last_day, first_dose/older (NaN)
    cum: dict[str, np.ndarray]         # [drug, cycle] n_slots_cum, dose_sum_cum, older_sum_cum (0)
    n_le: np.ndarray           # [drug, cycle, day] planned days <= day (0 when none)

    def at(self, table: np.ndarray, drug: np.ndarray, cycle: np.ndarray, fill: float) -> np.ndarray:
        C = table.shape[1]
        ok = (cycle >= 0) & (cycle < C)
        return np.where(ok, table[drug, np.where(ok, cycle, 0)], fill)

    def le(self, drug: np.ndarray, cycle: np.ndarray, day: np.ndarray) -> np.ndarray:
        """n_le at (drug, cycle, int(day)) (missing day -> 0); 0 outside the plan."""
        d = np.where(np.isnan(day), 0, day).astype(np.int64)
        C, D = self.n_le.shape[1], self.n_le.shape[2]
        ok = (cycle >= 0) & (cycle < C) & (d >= 0) & (d < D)
        return np.where(ok, self.n_le[drug, np.where(ok, cycle, 0), np.where(ok, d, 0)], 0).astype(float)


def _dense_plan(regimen: Regimen, n_cycles: int, drugs: list[str]) -> _Plan:
    slots, plan_cycle, plan_le = _plan_tables(regimen, n_cycles)
    C, D = max(n_cycles, 1) + 1, regimen.cycle_length_days + 1
    index = {name: i for i, name in enumerate(drugs)}
    s_drug = slots["drug"].map(index).to_numpy()
    s_cyc, s_day = slots["cycle"].to_numpy(), slots["cycle_day"].to_numpy()
    slot_dose = np.full((len(drugs), C, D), np.nan)
    slot_older = np.full((len(drugs), C, D), np.nan)
    slot_dose[s_drug, s_cyc, s_day] = slots["dose"].to_numpy()
    slot_older[s_drug, s_cyc, s_day] = slots["dose_older"].to_numpy()
    p_drug, p_cyc = plan_cycle["drug"].map(index).to_numpy(), plan_cycle["cycle"].to_numpy()
    cycle_vals, cum = {}, {}
    for col in ("n_slots", "first_day", "last_day", "first_dose", "first_older"):
        cycle_vals[col] = np.full((len(drugs), C), np.nan)
        cycle_vals[col][p_drug, p_cyc] = plan_cycle[col].to_numpy()
    for col in ("n_slots_cum", "dose_sum_cum", "older_sum_cum"):
        cum[col] = np.zeros((len(drugs), C))
        cum[col][p_drug, p_cyc] = plan_cycle[col].to_numpy()
    n_le = np.zeros((len(drugs), C, D))
    n_le[plan_le["drug"].map(index).to_numpy(), plan_le["cycle"].to_numpy(), plan_le["cycle_day"].to_numpy()] = \
        plan_le["n_le"].to_numpy()
    return _Plan(slot_dose, slot_older, cycle_vals, cum, n_le)


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
    date - cycle start + 1); several records on one planned slot count once. Administrations
    without ``cycle`` make the cycle-based values of that patient and drug NaN, with a
    reason. Drugs not in the regimen are ignored.
    """
    L = regimen.cycle_length_days
    per_cycle = ({d.drug for d in regimen.drugs if d.record == "per_cycle"} if per_cycle_drugs is None
                 else {str(d).lower() for d in per_cycle_drugs})
    drugs = sorted(set(regimen.drug_names))  # per-group output order: patient, then drug name
    plans = {p.drug: p for p in regimen.drugs}
    n_drug = len(drugs)

    def column(name: str) -> pd.Series:
        return administrations[name] if name in administrations.columns else \
            pd.Series(np.nan, index=administrations.index)

    # drug names normalised once per distinct text; keep the regimen's drugs
    codes, uniques = pd.factorize(column("drug"))
    lut = np.array([drugs.index(n) if n in drugs else -1 for n in (str(u).strip().lower() for u in uniques)]
                   + [-1], dtype=np.int64)
    drug = lut[codes]
    keep = np.flatnonzero(drug >= 0)
    subset = len(keep) < len(drug)

    def take(name: str) -> pd.Series:
        s = column(name)
        return s.iloc[keep] if subset else s

    drug = drug[keep] if subset else drug
    pid_codes, pid_values = pd.factorize(take("patient_id").reset_index(drop=True), sort=True)
    date = _to_datetime(take("date"))
    cycle, cycle_day = _to_float(take("cycle")), _to_float(take("cycle_day"))
    dose = pd.to_numeric(take("dose"), errors="coerce").astype(float).to_numpy()
    planned = pd.to_numeric(take("planned_dose"), errors="coerce").astype(float).to_numpy()
    unit_codes, unit_values = pd.factorize(take("unit"))

    # one sort: patient code (missing id first), drug name, date (NaT last), stable
    pk = pid_codes.astype(np.int64) + 1
    nat = np.isnat(date)
    date_codes, date_values = pd.factorize(np.where(nat, _I8_MAX, date.view("i8")))
    date_rank = np.empty(len(date_values), dtype=np.int64)
    date_rank[np.argsort(date_values, kind="stable")] = np.arange(len(date_values))
    group_key = pk * n_drug + drug
    order = np.argsort(group_key * max(len(date_values), 1) + date_rank[date_codes], kind="stable")
    pk, drug, group_key, date, nat = pk[order], drug[order], group_key[order], date[order], nat[order]
    cycle, cycle_day, dose, planned = cycle[order], cycle_day[order], dose[order], planned[order]
    unit_codes = unit_codes[order]
    n = len(order)

    # patient factors by patient code (slot -1 = not found: NaN)
    factors = _patient_factors(patients)
    fp = pd.Index(pid_values).get_indexer(factors["patient_id"])
    first_fp = (fp >= 0) & ~pd.Series(fp).duplicated().to_numpy()
    n_pid = len(pid_values)

    def by_pid(values: pd.Series, fill) -> np.ndarray:
        arr = values.to_numpy()
        out = np.full(n_pid + 1, fill, dtype=arr.dtype if fill is not np.nan else float)
        out[fp[first_fp]] = arr[first_fp]
        return out[pk - 1]

    weight = by_pid(factors["weight_kg"].astype(float), np.nan)
    bsa = by_pid(factors["bsa_m2"].astype(float), np.nan)
    age = by_pid(factors["age"].astype(float), np.nan)
    eot_col = factors["end_of_treatment_date"]
    eot = by_pid(eot_col, np.datetime64("NaT").astype(eot_col.dtype))

    # cycle starts (``cycle_starts``) by (patient, cycle); rows without cycle look up cycle -1
    has_cycle = ~np.isnan(cycle)
    cycle_key = np.where(has_cycle, cycle, -1).astype(np.int64)
    row_start = date - (np.where(np.isnan(cycle_day), 1.0, cycle_day) - 1).astype("int64") * _DAY
    ck_codes, ck_values = pd.factorize(cycle_key)
    n_ck = max(len(ck_values), 1)
    sk_codes, sk_values = pd.factorize(pk * n_ck + ck_codes)
    start_by_key = _group_min_dates(sk_codes, len(sk_values), row_start, has_cycle)
    cycle_start = start_by_key[sk_codes]

    def start_of(pk_query: np.ndarray, cycles: np.ndarray) -> np.ndarray:
        c = pd.Index(ck_values).get_indexer(cycles)
        k = pd.Index(sk_values).get_indexer(np.where(c >= 0, pk_query * n_ck + c, -1))
        out = np.append(start_by_key, np.array(["NaT"], dtype=start_by_key.dtype))
        return out[np.where((c >= 0) & (k >= 0), k, -1)]

    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        missing_day = np.isnan(cycle_day)
        if missing_day.any():
            cycle_day = cycle_day.copy()
            cycle_day[missing_day] = (date[missing_day] - cycle_start[missing_day]) / _DAY + 1

        # units: dose in mg, then in the regimen's unit for the drug
        unit_kind = np.array([_UNIT_KIND.get(u, -1) if isinstance(u, str) else -1 for u in unit_values] + [-1])
        reg_unit = [plans[name].unit for name in drugs]
        same_tab = np.array([[isinstance(u, str) and u == r for r in reg_unit] for u in unit_values]
                            + [[False] * n_drug], dtype=bool).reshape(len(unit_values) + 1, n_drug)
        uk = unit_kind[unit_codes]
        rk = np.array([_UNIT_KIND.get(r, -1) for r in reg_unit])[drug]
        same = same_tab[unit_codes, drug]

        def to_mg(kind: np.ndarray) -> np.ndarray:
            return np.where(kind == 0, 1.0, np.where(kind == 1, weight, np.where(kind == 2, bsa, np.nan)))

        row_f, reg_f = to_mg(uk), to_mg(rk)
        dose_mg = dose * row_f
        dose_reg = np.where(same, dose, dose_mg / reg_f)
        ref_given = np.where(same, planned, planned * row_f / reg_f)
        needs_w = ((uk == 1) | (rk == 1)) & ~same
        needs_h = ((uk == 2) | (rk == 2)) & ~same
        no_weight = (needs_w & np.isnan(weight)) | (needs_h & np.isnan(bsa))
        no_weight_mg = np.isnan(dose_mg)

        # planned dose of the row's slot (fallback: the cycle's first planned dose); older dose by age
        n_cycles = int(np.nanmax(cycle)) if has_cycle.any() else 1
        plan = _dense_plan(regimen, n_cycles, drugs)
        day_ok = (cycle_day >= 1) & (cycle_day <= L) & (cycle_day == np.floor(cycle_day))
        slot_cycle = np.where(day_ok, cycle_key, -1)
        slot_day = np.where(day_ok, cycle_day, 0).astype(np.int64)
        slot_dose = _pick_day(plan.slot_dose, drug, slot_cycle, slot_day)
        slot_older = _pick_day(plan.slot_older, drug, slot_cycle, slot_day)
        in_plan = (cycle_key >= 0) & (cycle_key < plan.slot_dose.shape[1])
        flat = drug * plan.slot_dose.shape[1] + np.where(in_plan, cycle_key, 0)
        cv = {k: np.where(in_plan, plan.cycle_vals[k].ravel()[flat], np.nan)
              for k in ("n_slots", "last_day", "first_dose", "first_older")}
        older_age = np.array([np.nan if plans[name].older_age is None else plans[name].older_age
                              for name in drugs])[drug]
        no_age = ~np.isnan(older_age) & np.isnan(age)
        older = age >= older_age
        slot_ref = np.where(older, slot_older, slot_dose)
        cyc_ref = np.where(older, cv["first_older"], cv["first_dose"])
        plan_ref = np.where(no_age, np.nan, np.where(np.isnan(slot_ref), cyc_ref, slot_ref))
        ref = np.where(np.isnan(ref_given), plan_ref, ref_given)

        # a per-cycle record covers the planned days from its cycle day to the cycle's last planned
        # day, cut at end_of_treatment_date when that falls inside the cycle
        pc_codes = [i for i, name in enumerate(drugs) if name in per_cycle]
        is_pc = np.isin(drug, pc_codes) & ~np.isnan(cv["n_slots"])
        pc = np.flatnonzero(is_pc)
        matched = (~np.isnan(slot_dose)).astype(float)
        mult = np.ones(n, dtype=np.int64)
        end_day = cycle_day.copy()
        if len(pc):
            last_day, cd = cv["last_day"][pc], cycle_day[pc]
            eot_day = (eot[pc] - cycle_start[pc]) / _DAY + 1
            cap = np.fmin(last_day, eot_day)
            cap = np.where(np.isnan(cap), last_day, cap)
            cap = np.where(cap < cd, cd, cap)
            covered = plan.le(drug[pc], cycle_key[pc], cap) - plan.le(drug[pc], cycle_key[pc], cd - 1)
            mult[pc] = np.maximum(covered, 1).astype(np.int64)
            end_day[pc] = cap
            matched[pc] = covered
        shift = end_day - cycle_day
        moved = np.flatnonzero(shift != 0)
        offset = np.zeros(n, dtype="m8[ns]")
        offset[moved] = pd.to_timedelta(shift[moved], unit="D").to_numpy()
        end_date = date + offset

        # groups (patient, drug) are contiguous runs of the sorted rows
        new_group = np.ones(n, dtype=bool)
        new_group[1:] = group_key[1:] != group_key[:-1]
        gs = np.flatnonzero(new_group)
        gid = np.cumsum(new_group) - 1
        prev = np.empty(n)
        prev[1:] = dose_reg[:-1]
        prev[gs] = np.nan
        tol = 1.0 - REDUCTION_TOLERANCE
        step_down = (dose_reg < ref * tol) & (np.isnan(prev) | (dose_reg < prev * tol))
        # several records on one planned slot count once
        _count_slots_once(matched, ~is_pc & (matched != 0), gid, cycle_key, cycle_day, new_group,
                          plan.slot_dose.shape[1], L)
        dose_x = dose_reg * mult
        dose_mg_x = dose_mg * mult

        rows = _Rows(pk=pk, drug=drug, gid=gid, gs=gs, date=date, nat=nat, end_date=end_date, cycle=cycle,
                     end_day=end_day, mult=mult, step_down=step_down, no_cycle=~has_cycle, no_weight=no_weight,
                     no_weight_mg=no_weight_mg, no_age=no_age, no_ref=np.isnan(ref), matched=matched,
                     dose_x=dose_x, dose_mg_x=dose_mg_x, age=age)
        by_drug = _by_drug(rows, plan, start_of, regimen, drugs, L)
        by_patient = _by_patient(rows, by_drug, start_of, L)
    values = np.asarray(pid_values, dtype=object)
    by_drug["patient_id"] = values[by_drug["patient_id"].to_numpy()]
    by_patient["patient_id"] = values[by_patient["patient_id"].to_numpy()]
    return by_drug, by_patient


def _pick_day(table: np.ndarray, drug: np.ndarray, cycle: np.ndarray, day: np.ndarray) -> np.ndarray:
    """table[drug, cycle, day], NaN when the cycle is outside the table (``cycle`` -1: no slot)."""
    ok = (cycle >= 0) & (cycle < table.shape[1])
    return np.where(ok, table[drug, np.where(ok, cycle, 0), day], np.nan)


def _count_slots_once(matched: np.ndarray, candidate: np.ndarray, gid: np.ndarray, cycle_key: np.ndarray,
                      cycle_day: np.ndarray, new_group: np.ndarray, n_cycle_cols: int, L: int) -> None:
    """Zero ``matched`` on the 2nd+ (sorted order) record of a (patient, drug, cycle, day) slot
    among ``candidate`` rows (per-dose rows on a planned slot: cycle and day lie in the plan)."""
    idx = np.flatnonzero(candidate)
    key = (gid[idx] * n_cycle_cols + cycle_key[idx]) * (L + 1) + cycle_day[idx].astype(np.int64)
    if len(key) < 2 or bool(np.all(key[1:] > key[:-1])):  # slots in increasing order: none repeated
        return
    matched[idx[pd.Series(key).duplicated().to_numpy()]] = 0.0


@dataclass(frozen=True)
class _Rows:
    """Administrations of regimen drugs in (patient, drug, date) order; ``gs`` = first row of
    each (patient, drug) run, ``gid`` = run number of each row; ``pk`` = patient code + 1."""

    pk: np.ndarray
    drug: np.ndarray
    gid: np.ndarray
    gs: np.ndarray
    date: np.ndarray
    nat: np.ndarray
    end_date: np.ndarray
    cycle: np.ndarray
    end_day: np.ndarray
    mult: np.ndarray
    step_down: np.ndarray
    no_cycle: np.ndarray
    no_weight: np.ndarray
    no_weight_mg: np.ndarray
    no_age: np.ndarray
    no_ref: np.ndarray
    matched: np.ndarray
    dose_x: np.ndarray
    dose_mg_x: np.ndarray
    age: np.ndarray


def _reduce(ufunc: np.ufunc, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return ufunc.reduceat(values, starts) if len(starts) else np.empty(0, dtype=values.dtype)


def _by_drug(r: _Rows, plan: _Plan, start_of, regimen: Regimen, drugs: list[str], L: int) -> pd.DataFrame:
    gs, G = r.gs, len(r.gs)
    cyc_codes, cyc_values = pd.factorize(r.cycle)
    # group sums as pandas computes them (compensated summation in row order); NaN if any NaN
    sums = pd.DataFrame({"c": r.dose_x, "m": r.dose_mg_x}).groupby(r.gid, sort=False).sum()
    n_nan_c = _reduce(np.add, np.isnan(r.dose_x).astype(np.int64), gs)
    n_nan_m = _reduce(np.add, np.isnan(r.dose_mg_x).astype(np.int64), gs)
    last_cycle = _reduce(np.fmax, r.cycle, gs)
    at_last = np.where(r.cycle == (last_cycle[r.gid] if G else last_cycle), r.end_day, np.nan)
    d = pd.DataFrame({
        "patient_id": r.pk[gs] - 1,
        "drug": np.array(drugs, dtype=object)[r.drug[gs]],
        "first_dose_date": r.date[gs],  # NaT sort last: the first row holds the earliest date
        "last_dose_date": _reduce(np.maximum, r.end_date.view("i8"), gs).view(r.end_date.dtype),
        "first_cycle": _reduce(np.fmin, r.cycle, gs),
        "last_cycle": last_cycle,
        "cycles_started": _n_unique(r.gid, G, cyc_codes, len(cyc_values)),
        "doses_given": _reduce(np.add, r.mult, gs),
        "dose_reductions": _reduce(np.add, r.step_down.astype(np.int64), gs),
        "no_cycle": _reduce(np.add, r.no_cycle.astype(np.int64), gs),
        "no_weight": _reduce(np.logical_or, r.no_weight, gs),
        "no_weight_mg": _reduce(np.logical_or, r.no_weight_mg, gs),
        "no_age": _reduce(np.logical_or, r.no_age, gs),
        "no_ref": _reduce(np.logical_or, r.no_ref, gs),
        "matched": _reduce(np.add, r.matched, gs),
        "cumulative_dose": np.where(n_nan_c == 0, sums["c"].to_numpy(), np.nan),
        "cumulative_dose_mg": np.where(n_nan_m == 0, sums["m"].to_numpy(), np.nan),
        "end_day": _reduce(np.fmax, at_last, gs),
    })
    d["unit"] = d["drug"].map({p.drug: p.unit for p in regimen.drugs})

    ok = d["no_cycle"] == 0
    first = d["first_cycle"].where(ok).fillna(0).astype("int64").to_numpy()
    last = d["last_cycle"].where(ok).fillna(0).astype("int64").to_numpy()
    di = r.drug[gs]

    def at(cycles: np.ndarray, col: str) -> np.ndarray:
        return plan.at(plan.cum[col], di, cycles, 0.0)

    older_rule = {p.drug: p.older_age for p in regimen.drugs if p.older_age is not None}
    ages = pd.Series(r.age[gs])
    older = (ages >= d["drug"].map(older_rule)).to_numpy()
    planned = np.where(older, at(last, "older_sum_cum") - at(first - 1, "older_sum_cum"),
                       at(last, "dose_sum_cum") - at(first - 1, "dose_sum_cum"))
    n_planned = at(last, "n_slots_cum") - at(first - 1, "n_slots_cum")
    n_le_last = plan.le(di, last, d["end_day"].to_numpy())
    slots_to_last = at(last - 1, "n_slots_cum") - at(first - 1, "n_slots_cum") + n_le_last

    start_last = start_of(r.pk[gs], last)
    exposure_days = (start_last - d["first_dose_date"].to_numpy()) / _DAY + L
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


def _by_patient(r: _Rows, by_drug: pd.DataFrame, start_of, L: int) -> pd.DataFrame:
    new_patient = np.ones(len(r.pk), dtype=bool)
    new_patient[1:] = r.pk[1:] != r.pk[:-1]
    ps = np.flatnonzero(new_patient)
    pidx = np.cumsum(new_patient) - 1
    cyc_codes, cyc_values = pd.factorize(r.cycle)
    first = _reduce(np.minimum, np.where(r.nat, _I8_MAX, r.date.view("i8")), ps)
    first[first == _I8_MAX] = np.iinfo(np.int64).min
    p = pd.DataFrame({
        "patient_id": r.pk[ps] - 1,
        "first_dose_date": first.view(r.date.dtype),
        "last_dose_date": _reduce(np.maximum, r.end_date.view("i8"), ps).view(r.end_date.dtype),
        "cycles_received": _n_unique(pidx, len(ps), cyc_codes, len(cyc_values)),
        "last_cycle": _reduce(np.fmax, r.cycle, ps),
        "no_cycle": _reduce(np.add, r.no_cycle.astype(np.int64), ps),
    })
    ok = p["no_cycle"] == 0
    p["treatment_duration_days"] = ((p["last_dose_date"] - p["first_dose_date"]) / _DAY + 1).astype("Int64")
    p["treatment_duration_weeks"] = (p["last_dose_date"] - p["first_dose_date"]) / _DAY / 7.0 + 1 / 7.0
    last = p["last_cycle"].where(ok).fillna(0).astype("int64").to_numpy()
    start_last = start_of(r.pk[ps], last)
    p["exposure_weeks"] = np.where(ok, ((start_last - p["first_dose_date"].to_numpy()) / _DAY + L) / 7.0, np.nan)
    for col in ("cycles_received", "last_cycle"):
        p[col] = pd.array(p[col].where(ok), dtype="Float64").astype("Int64")
    p["any_dose_reduction"] = (by_drug.groupby("patient_id", sort=True)["dose_reductions"].sum()
                               .reindex(p["patient_id"]).to_numpy() > 0)
    p["any_dose_reduction"] = p["any_dose_reduction"].astype("boolean")
    p["reason"] = _join_reasons(p.index, [(~ok, "cycle missing on some administrations: cycle counts not derived")])
    return p[["patient_id", "first_dose_date", "last_dose_date", "cycles_received", "last_cycle",
              "treatment_duration_days", "treatment_duration_weeks", "exposure_weeks", "any_dose_reduction", "reason"]]
