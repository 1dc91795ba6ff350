"""Treatment regimens as data: one YAML file a regimen (planned drugs, doses, days, cycle
length), loaded into a frozen :class:`Regimen`.

A regimen file looks like (``isa_pd.yaml``)::

    name: Isa-Pd
    description: isatuximab + pomalidomide + dexamethasone
    reference: Attal M et al. Lancet 2019;394:2096-107 (ICARIA-MM), Methods
    cycle_length_days: 28
    drugs:
      - drug: isatuximab
        unit: mg/kg
        schedule:
          - {cycles: "1", days: [1, 8, 15, 22], dose: 10}
          - {cycles: "2-", days: [1, 15], dose: 10}
      - drug: pomalidomide
        unit: mg
        record: per_cycle
        schedule:
          - {cycles: "1-", days: "1-21", dose: 4}
      - drug: dexamethasone
        unit: mg
        schedule:
          - {cycles: "1-", days: [1, 8, 15, 22], dose: 40}
        older: {age: 75, dose: 20}

``cycles`` is ``"k"``, ``"k-m"`` or ``"k-"`` (open-ended); ``days`` a list of cycle days or
a range ``"a-b"``; ``dose`` is in ``unit`` (mg, mg/kg or mg/m2). ``older`` replaces every
planned dose of the drug for patients aged ``age`` years or more at index. ``record``
says how sources usually record the drug: ``per_dose`` (default: one row a dose) or
``per_cycle`` (one row a cycle carrying the daily dose, taken on every planned day of the
cycle: common for oral drugs dispensed per cycle). Add a regimen by adding a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml

Record = Literal["per_dose", "per_cycle"]
UNITS: tuple[str, ...] = ("mg", "mg/kg", "mg/m2")
_REGIMEN_KEYS = {"name", "description", "reference", "cycle_length_days", "drugs"}
_DRUG_KEYS = {"drug", "unit", "schedule", "record", "older"}
_ENTRY_KEYS = {"cycles", "days", "dose"}


@dataclass(frozen=True)
class ScheduleEntry:
    """Planned ``dose`` on cycle ``days`` of cycles ``first_cycle`` .. ``last_cycle`` (None: open)."""

    first_cycle: int
    last_cycle: int | None
    days: tuple[int, ...]
    dose: float

    def covers(self, cycle: int) -> bool:
        return cycle >= self.first_cycle and (self.last_cycle is None or cycle <= self.last_cycle)


@dataclass(frozen=True)
class DrugPlan:
    """The planned schedule of one drug of a regimen."""

    drug: str
    unit: str
    schedule: tuple[ScheduleEntry, ...]
    record: Record = "per_dose"
    older_age: float | None = None
    older_dose: float | None = None


@dataclass(frozen=True)
class Regimen:
    """A regimen: cycle length and one :class:`DrugPlan` a drug."""

    name: str
    description: str
    reference: str
    cycle_length_days: int
    drugs: tuple[DrugPlan, ...]

    @property
    def drug_names(self) -> tuple[str, ...]:
        return tuple(d.drug for d in self.drugs)

    def drug(self, name: str) -> DrugPlan:
        for plan in self.drugs:
            if plan.drug == name:
                return plan
        raise KeyError(f"regimen {self.name} has no drug {name!r}")

    def planned_doses(self, n_cycles: int) -> pd.DataFrame:
        """Planned doses of cycles 1..``n_cycles``: one row a drug, cycle and cycle day.

        Columns: drug, cycle, cycle_day, dose (standard), dose_older (the ``older`` dose,
        equal to ``dose`` when the drug has no age rule), needs_age (bool).
        """
        rows = []
        for plan in self.drugs:
            for cycle in range(1, n_cycles + 1):
                for entry in plan.schedule:
                    if entry.covers(cycle):
                        older = plan.older_dose if plan.older_dose is not None else entry.dose
                        rows.extend((plan.drug, cycle, day, entry.dose, older, plan.older_age is not None)
                                    for day in entry.days)
        cols = ["drug", "cycle", "cycle_day", "dose", "dose_older", "needs_age"]
        out = pd.DataFrame(rows, columns=cols)
        return out.astype({"cycle": "int64", "cycle_day": "int64", "dose": "float64", "dose_older": "float64"})


def _fail(where: str, msg: str) -> ValueError:
    return ValueError(f"regimen {where}: {msg}")


def _range(text: Any, where: str, what: str) -> tuple[int, int | None]:
    s = str(text).strip()
    try:
        if "-" not in s:
            return int(s), int(s)
        a, b = s.split("-", 1)
        return int(a), (int(b) if b.strip() else None)
    except ValueError:
        raise _fail(where, f"{what} {text!r} is not 'k', 'k-m' or 'k-'") from None


def _entry(raw: Any, where: str, cycle_length: int) -> ScheduleEntry:
    if not isinstance(raw, dict) or set(raw) != _ENTRY_KEYS:
        raise _fail(where, f"a schedule entry needs exactly the keys {sorted(_ENTRY_KEYS)}, got {raw!r}")
    first, last = _range(raw["cycles"], where, "cycles")
    if first < 1 or (last is not None and last < first):
        raise _fail(where, f"cycles {raw['cycles']!r} is not a valid range of cycles >= 1")
    if isinstance(raw["days"], list):
        days = tuple(int(d) for d in raw["days"])
    else:
        a, b = _range(raw["days"], where, "days")
        if b is None:
            raise _fail(where, f"days {raw['days']!r} must be closed")
        days = tuple(range(a, b + 1))
    if not days or len(set(days)) != len(days) or min(days) < 1 or max(days) > cycle_length:
        raise _fail(where, f"days {raw['days']!r} must be distinct days 1..{cycle_length}")
    dose = float(raw["dose"])
    if not dose > 0:
        raise _fail(where, f"dose {raw['dose']!r} must be > 0")
    return ScheduleEntry(first, last, tuple(sorted(days)), dose)


def _drug(raw: Any, where: str, cycle_length: int) -> DrugPlan:
    if not isinstance(raw, dict) or not {"drug", "unit", "schedule"} <= set(raw) or set(raw) - _DRUG_KEYS:
        raise _fail(where, f"a drug needs drug, unit, schedule (optional record, older), got {raw!r}")
    name = str(raw["drug"]).strip().lower()
    where = f"{where}, drug {name}"
    if raw["unit"] not in UNITS:
        raise _fail(where, f"unit {raw['unit']!r} not one of {UNITS}")
    record = raw.get("record", "per_dose")
    if record not in ("per_dose", "per_cycle"):
        raise _fail(where, f"record {record!r} not per_dose or per_cycle")
    entries = tuple(_entry(e, where, cycle_length) for e in raw["schedule"] or ())
    if not entries:
        raise _fail(where, "empty schedule")
    for i, a in enumerate(entries):
        for b in entries[i + 1:]:
            a_last = a.last_cycle if a.last_cycle is not None else float("inf")
            b_last = b.last_cycle if b.last_cycle is not None else float("inf")
            if a.first_cycle <= b_last and b.first_cycle <= a_last and set(a.days) & set(b.days):
                raise _fail(where, "schedule entries plan the same cycle day twice")
    older_age = older_dose = None
    if "older" in raw:
        older = raw["older"]
        if not isinstance(older, dict) or set(older) != {"age", "dose"}:
            raise _fail(where, f"older needs exactly age and dose, got {older!r}")
        older_age, older_dose = float(older["age"]), float(older["dose"])
    return DrugPlan(name, raw["unit"], entries, record, older_age, older_dose)


def parse_regimen(raw: Any, where: str = "<dict>") -> Regimen:
    """Build a :class:`Regimen` from the parsed YAML mapping; ValueError naming the field."""
    if not isinstance(raw, dict):
        raise _fail(where, "top level must be a mapping")
    missing, unknown = {"name", "cycle_length_days", "drugs"} - set(raw), set(raw) - _REGIMEN_KEYS
    if missing or unknown:
        raise _fail(where, f"missing keys {sorted(missing)}, unknown keys {sorted(unknown)}")
    cycle_length = int(raw["cycle_length_days"])
    if cycle_length < 1:
        raise _fail(where, "cycle_length_days must be >= 1")
    drugs = tuple(_drug(d, where, cycle_length) for d in raw["drugs"] or ())
    names = [d.drug for d in drugs]
    if not drugs or len(set(names)) != len(names):
        raise _fail(where, "drugs must be a non-empty list of distinct drugs")
    return Regimen(str(raw["name"]), str(raw.get("description", "")), str(raw.get("reference", "")),
                   cycle_length, drugs)


def available_regimens() -> tuple[str, ...]:
    """Names of the bundled regimen files (without ``.yaml``)."""
    return tuple(sorted(p.name[:-5] for p in resources.files(__name__).iterdir() if p.name.endswith(".yaml")))


def load_regimen(name_or_path: str | Path) -> Regimen:
    """Load a bundled regimen by name (``"isa_pd"``) or a regimen YAML file by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        text, where = path.read_text(encoding="utf-8"), str(path)
    else:
        res = resources.files(__name__) / f"{name_or_path}.yaml"
        if not res.is_file():
            raise ValueError(f"unknown regimen {name_or_path!r}; bundled: {', '.join(available_regimens())}")
        text, where = res.read_text(encoding="utf-8"), f"{name_or_path}.yaml"
    return parse_regimen(yaml.safe_load(text), where)
