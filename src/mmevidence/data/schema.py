"""The canonical source tables: the single definition of names, types, required
columns, allowed values, units, keys and a worked example row for every table.

Everything else (validation, the DuckDB store, ``docs/data-model.md``) is derived
from :data:`TABLES`. Source: the project design brief (``DESIGN.md``, "Canonical
source tables"); response codes follow the IMWG uniform response criteria
(Kumar et al., Lancet Oncol 2016;17:e328), adverse-event grades CTCAE v5.0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "integer", "number", "date", "boolean", "category", "list"]
KeyPolicy = Literal["unique", "conflict"]

#: DuckDB storage type for each column type ("list" is kept as the text given).
DUCKDB_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "category": "VARCHAR",
    "list": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "date": "DATE",
    "boolean": "BOOLEAN",
}

#: Accepted boolean spellings (compared case-insensitively); anything else is an error.
TRUE_VALUES: tuple[str, ...] = ("true", "yes", "y", "1")
FALSE_VALUES: tuple[str, ...] = ("false", "no", "n", "0")

#: Separator inside "list" columns (e.g. ``drugs``): ``isatuximab;pomalidomide``.
LIST_SEPARATOR = ";"

RESPONSES: tuple[str, ...] = ("sCR", "CR", "VGPR", "PR", "MR", "SD", "PD", "NE")

#: Columns every stored table carries for traceability (not part of the source).
TRACE_COLUMNS: tuple[tuple[str, str], ...] = (("source_file", "VARCHAR"), ("source_row", "BIGINT"))


@dataclass(frozen=True)
class Column:
    """One source column.

    ``minimum``/``maximum`` bound numeric values (``exclusive_minimum`` for
    "must be > minimum"); values outside are errors. ``warn_below``/``warn_above``
    mark legal but suspicious values (warnings).
    """

    name: str
    type: ColumnType
    description: str
    required: bool = False
    unit: str | None = None
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    warn_below: float | None = None
    warn_above: float | None = None
    #: the column must be present but a value may be empty (labs.unit for immunofixation)
    allow_empty: bool = False
    #: values are generic drug names (checked against KNOWN_DRUGS: unknown names are warnings)
    drug_names: bool = False
    #: the values are checked against a vocabulary defined elsewhere (e.g. "lab tests, see units.py")
    checked_by: str | None = None

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]


@dataclass(frozen=True)
class Table:
    """One canonical source table: its columns, key and a worked example row."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    key_policy: KeyPolicy
    example: dict[str, str]
    #: groups of columns of which at least one must be filled in every row
    one_of_required: tuple[tuple[str, ...], ...] = field(default=())

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


def _pid() -> Column:
    return Column("patient_id", "text", "Patient identifier (pseudonymised).", required=True)


PATIENTS = Table(
    name="patients",
    description="One row a patient: demographics, disease at diagnosis, index date, treatment end, death, follow-up.",
    columns=(
        _pid(),
        Column("site_id", "text", "Treating site / centre."),
        Column("arm", "text", "Treatment arm or cohort label."),
        Column("sex", "category", "Sex.", required=True, allowed=("male", "female")),
        Column("birth_date", "date", "Date of birth (or birth_date or age_at_index is required)."),
        Column("age_at_index", "number", "Age in years at index date.", unit="years",
               minimum=0, maximum=120, warn_below=18, warn_above=100),
        Column("diagnosis_date", "date", "Date of myeloma diagnosis."),
        Column("index_date", "date", "Index date: randomisation or treatment start.", required=True),
        Column("myeloma_type", "category", "Heavy-chain isotype at diagnosis.",
               allowed=("IgG", "IgA", "IgD", "IgM", "light_chain", "non_secretory")),
        Column("light_chain", "category", "Light-chain type.", allowed=("kappa", "lambda")),
        Column("ecog", "integer", "ECOG performance status at index.", minimum=0, maximum=4),
        Column("iss_stage_at_diagnosis", "category", "ISS stage at diagnosis.", allowed=("I", "II", "III")),
        Column("weight_kg", "number", "Body weight at index.", unit="kg",
               minimum=0, exclusive_minimum=True, warn_below=25, warn_above=250),
        Column("height_cm", "number", "Height.", unit="cm",
               minimum=0, exclusive_minimum=True, warn_below=100, warn_above=230),
        Column("prior_asct", "boolean", "Any autologous stem-cell transplant before index."),
        Column("end_of_treatment_date", "date", "Date the index treatment ended (empty while ongoing)."),
        Column("end_of_treatment_reason", "category", "Reason the index treatment ended.",
               allowed=("progression", "adverse_event", "death", "patient_decision", "physician_decision", "other")),
        Column("death_date", "date", "Date of death (empty if alive)."),
        Column("death_cause", "text", "Cause of death as reported."),
        Column("last_contact_date", "date", "Last date the patient was known alive (or date of death).", required=True),
    ),
    key=("patient_id",),
    key_policy="unique",
    one_of_required=(("birth_date", "age_at_index"),),
    example={
        "patient_id": "P001", "site_id": "S01", "arm": "Isa-Pd", "sex": "female",
        "birth_date": "1951-03-14", "age_at_index": "68.6", "diagnosis_date": "2014-05-20",
        "index_date": "2019-10-02", "myeloma_type": "IgG", "light_chain": "kappa", "ecog": "1",
        "iss_stage_at_diagnosis": "II", "weight_kg": "64.5", "height_cm": "162", "prior_asct": "yes",
        "end_of_treatment_date": "2020-09-15", "end_of_treatment_reason": "progression",
        "death_date": "", "death_cause": "", "last_contact_date": "2021-03-01",
    },
)

PRIOR_THERAPIES = Table(
    name="prior_therapies",
    description="One row a line of therapy before the index date.",
    columns=(
        _pid(),
        Column("line_number", "integer", "Line number (1 = first line).", required=True, minimum=1),
        Column("start_date", "date", "Start of the line."),
        Column("end_date", "date", "Last dose of the line."),
        Column("drugs", "list", "Generic drug names, ';'-separated.", required=True, drug_names=True),
        Column("asct", "boolean", "The line included autologous stem-cell transplant."),
        Column("best_response", "category", "Best response to the line (IMWG).", allowed=RESPONSES),
        Column("refractory", "boolean", "Progression on or within 60 days of the last dose."),
    ),
    key=("patient_id", "line_number"),
    key_policy="unique",
    example={
        "patient_id": "P001", "line_number": "1", "start_date": "2014-06-10", "end_date": "2015-02-01",
        "drugs": "bortezomib;thalidomide;dexamethasone", "asct": "yes", "best_response": "VGPR",
        "refractory": "no",
    },
)

ADMINISTRATIONS = Table(
    name="administrations",
    description="One row a dose of study treatment given.",
    columns=(
        _pid(),
        Column("drug", "text", "Generic drug name.", required=True, drug_names=True),
        Column("date", "date", "Administration date.", required=True),
        Column("cycle", "integer", "Cycle number.", minimum=1),
        Column("cycle_day", "integer", "Day within the cycle.", minimum=1),
        Column("dose", "number", "Dose given, in `unit`.", required=True, minimum=0, exclusive_minimum=True),
        Column("unit", "category", "Dose unit (kept as given).", required=True, allowed=("mg", "mg/kg", "mg/m2")),
        Column("planned_dose", "number", "Planned dose, in `unit`.", minimum=0, exclusive_minimum=True),
    ),
    key=("patient_id", "drug", "date"),
    key_policy="conflict",
    example={
        "patient_id": "P001", "drug": "isatuximab", "date": "2019-10-02", "cycle": "1", "cycle_day": "1",
        "dose": "10", "unit": "mg/kg", "planned_dose": "10",
    },
)

LABS = Table(
    name="labs",
    description=("One row a laboratory or disease measurement. `value` is a number for numeric tests and "
                 "`positive`/`negative` for immunofixation; units are converted to the canonical unit of the "
                 "test (see Units), the original value and unit are kept."),
    columns=(
        _pid(),
        Column("date", "date", "Sample date.", required=True),
        Column("test", "text", "Test code (see Units); unknown tests are errors.", required=True,
               checked_by="lab tests (Units)"),
        Column("value", "text", "Result as given (number, or positive/negative for IFE).", required=True,
               checked_by="lab tests (Units)"),
        Column("unit", "text", "Unit as given (empty for immunofixation).", required=True, allow_empty=True,
               checked_by="lab units (Units)"),
        Column("uln", "number", "Upper limit of normal, in `unit` (e.g. for LDH).", minimum=0, exclusive_minimum=True),
    ),
    key=("patient_id", "date", "test"),
    key_policy="conflict",
    example={"patient_id": "P001", "date": "2019-10-02", "test": "creatinine", "value": "88.42",
             "unit": "µmol/L", "uln": "106"},
)

CYTOGENETICS = Table(
    name="cytogenetics",
    description="One row an abnormality tested (FISH / karyotype).",
    columns=(
        _pid(),
        Column("date", "date", "Sample date."),
        Column("abnormality", "category", "Abnormality tested.", required=True,
               allowed=("del17p", "t_4_14", "t_14_16", "t_14_20", "t_11_14", "gain_1q", "amp_1q", "del1p",
                        "del13q", "hyperdiploidy")),
        Column("percent_positive", "number", "Percent of plasma cells positive.", unit="%", minimum=0, maximum=100),
        Column("result", "category", "Result.", allowed=("positive", "negative")),
    ),
    key=("patient_id", "abnormality", "date"),
    key_policy="conflict",
    example={"patient_id": "P001", "date": "2019-09-20", "abnormality": "del17p", "percent_positive": "35",
             "result": "positive"},
)

RESPONSE_ASSESSMENTS = Table(
    name="response_assessments",
    description="Optional: responses as reported by the investigator or an independent committee (IRC).",
    columns=(
        _pid(),
        Column("date", "date", "Assessment date.", required=True),
        Column("response", "category", "Response (IMWG).", required=True, allowed=RESPONSES),
        Column("assessor", "category", "Who assessed.", allowed=("investigator", "irc")),
    ),
    key=("patient_id", "date", "assessor"),
    key_policy="conflict",
    example={"patient_id": "P001", "date": "2019-11-27", "response": "PR", "assessor": "investigator"},
)

ADVERSE_EVENTS = Table(
    name="adverse_events",
    description="One row an adverse event (MedDRA preferred term, CTCAE grade).",
    columns=(
        _pid(),
        Column("preferred_term", "text", "MedDRA preferred term.", required=True),
        Column("system_organ_class", "text", "MedDRA system organ class.", required=True),
        Column("onset_date", "date", "Onset date.", required=True),
        Column("end_date", "date", "Resolution date (empty if ongoing)."),
        Column("grade", "integer", "CTCAE grade.", required=True, minimum=1, maximum=5),
        Column("serious", "boolean", "Serious adverse event."),
        Column("related_to", "list", "Drugs the event is related to, ';'-separated.", drug_names=True),
        Column("aesi", "boolean", "Adverse event of special interest."),
        Column("action_taken", "category", "Action taken with study treatment.",
               allowed=("dose_not_changed", "dose_reduced", "dose_delayed", "drug_interrupted", "drug_withdrawn",
                        "not_applicable", "unknown")),
        Column("outcome", "category", "Outcome.",
               allowed=("recovered", "recovering", "not_recovered", "recovered_with_sequelae", "fatal", "unknown")),
    ),
    key=("patient_id", "preferred_term", "onset_date"),
    key_policy="conflict",
    example={
        "patient_id": "P001", "preferred_term": "Neutropenia", "system_organ_class":
        "Blood and lymphatic system disorders", "onset_date": "2019-10-16", "end_date": "2019-10-30",
        "grade": "4", "serious": "no", "related_to": "isatuximab;pomalidomide", "aesi": "no",
        "action_taken": "dose_delayed", "outcome": "recovered",
    },
)

SUBSEQUENT_THERAPIES = Table(
    name="subsequent_therapies",
    description="One row a line of therapy after the index treatment (for TTNT and PFS2).",
    columns=(
        _pid(),
        Column("line_number", "integer", "Line number after index (1 = first subsequent line).",
               required=True, minimum=1),
        Column("start_date", "date", "Start of the line.", required=True),
        Column("drugs", "list", "Generic drug names, ';'-separated.", drug_names=True),
        Column("progression_date", "date", "Progression on this line (for PFS2)."),
    ),
    key=("patient_id", "line_number"),
    key_policy="unique",
    example={"patient_id": "P001", "line_number": "1", "start_date": "2020-09-20",
             "drugs": "carfilzomib;dexamethasone", "progression_date": "2021-02-10"},
)

#: All canonical tables in dependency order (patients first).
TABLES: dict[str, Table] = {
    t.name: t
    for t in (PATIENTS, PRIOR_THERAPIES, ADMINISTRATIONS, LABS, CYTOGENETICS, RESPONSE_ASSESSMENTS,
              ADVERSE_EVENTS, SUBSEQUENT_THERAPIES)
}

#: Tables that must be present in every source.
REQUIRED_TABLES: tuple[str, ...] = ("patients",)

#: Store-only columns of ``labs`` (canonical value, original value/unit, conversion applied).
LAB_STORE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("patient_id", "VARCHAR"), ("date", "DATE"), ("test", "VARCHAR"), ("value", "DOUBLE"),
    ("value_text", "VARCHAR"), ("unit", "VARCHAR"), ("uln", "DOUBLE"), ("value_original", "VARCHAR"),
    ("unit_original", "VARCHAR"), ("uln_original", "VARCHAR"), ("conversion", "VARCHAR"),
)

#: Generic drug names used in myeloma (lower case). Names outside this list are
#: legal but reported as warnings (possible misspelling or brand name).
KNOWN_DRUGS: frozenset[str] = frozenset({
    "isatuximab", "daratumumab", "elotuzumab", "pomalidomide", "lenalidomide", "thalidomide",
    "bortezomib", "carfilzomib", "ixazomib", "dexamethasone", "prednisone", "prednisolone",
    "methylprednisolone", "melphalan", "cyclophosphamide", "bendamustine", "doxorubicin",
    "pegylated liposomal doxorubicin", "vincristine", "cisplatin", "etoposide", "carmustine",
    "cytarabine", "selinexor", "venetoclax", "panobinostat", "belantamab mafodotin",
    "melphalan flufenamide", "teclistamab", "elranatamab", "talquetamab", "linvoseltamab",
    "idecabtagene vicleucel", "ciltacabtagene autoleucel", "iberdomide", "mezigdomide",
    "autologous stem cell transplant", "allogeneic stem cell transplant", "radiotherapy",
})
