"""Read and validate a study definition YAML (bundled id or a user's file) into a :class:`Study`.

Validation (every error is a ``ValueError`` whose message starts with the file, then the
section / figure id, then the field): unknown keys, missing required keys, duplicate ids
(sources, arms, eligibility, endpoints, sensitivity analyses, figures), references that do not
exist (figure ``arm`` -> an arm id or ``all``/``diff``; ``population`` -> a populations key;
``source.doc`` -> a source id; comparison arms), figure ids not of the form
``<item>.<statistic>.<arm>[.<level>]`` in lowercase, values that are not numbers (``value``,
``lower``, ``upper``, ``n``), enumerations (topic, statistic, criterion kind, baseline
kind/summary), censoring keys that are not DeriveConfig options, and every eligibility ``rule`` / population
``filter`` is parsed by :func:`mmevidence.studies.rules.rule_columns` (so an unsafe or
malformed expression is rejected at load time).
The optional ``ae_groups`` list is checked for unknown keys, duplicate ids, an empty ``terms``
list and the ``section``.
The optional ``report`` section (journal style, adverse-event table layout) is checked for
unknown keys and the style; its ``adverse_events`` fields are checked when the report is built.
The optional ``prognostic`` section is checked for unknown keys, endpoints and a population
that are not declared, and the ranges of its marker options (``risk``, horizons, bootstrap
count, spline knots, ``figure_cutpoint``).

The quotes are checked against the seed texts by :func:`verify_figures` (the seeds are test
material, not package data). Parsed files are cached per (path, modification time, size);
a :class:`Study` is immutable, so callers share one object.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import MISSING, fields
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from .model import (AE_GROUP_SECTIONS, REPORT_STYLES, AeGroup, Arm, BaselineRow, Comparison, Criterion, Dates, Design, Endpoint, Figure, Landmark, LevelGroup, Marker,
                    Population, Prognostic, PrognosticVariable, ReportLayout, Sensitivity, Source, SourceRef, Stratum,
                    Study, Subgroup)
from .rules import rule_columns

DEFINITIONS = Path(__file__).with_name("definitions")

TOPICS = ("design", "disposition", "baseline", "exposure", "response", "efficacy", "safety", "followup", "subgroup")
STATISTICS = ("n", "pct", "median", "mean", "sd", "min", "max", "q1", "q3", "hr", "or", "p_value", "rate", "events",
              "count", "landmark_rate", "rdi", "duration", "proportion", "cutoff")
QUALIFIERS = ("<", ">", "<=", ">=")
#: endpoint ids of adtte (mmevidence.derive), for a study that declares no ``endpoints``
ADTTE_ENDPOINTS = ("OS", "PFS", "TTP", "TTNT", "PFS2", "DOR", "TTR")
ASSESSORS = ("irc", "investigator")
PSEUDO_ARMS = ("all", "diff")
_TOP_KEYS = ("id", "title", "sources", "design", "dates", "arms", "comparison", "populations", "stratification",
             "eligibility", "endpoints", "subgroups", "baseline", "published", "notes", "prognostic",
             "ae_groups", "report")
_REQUIRED_TOP = ("id", "title", "sources", "design", "arms", "published")
_FIGURE_ID = re.compile(r"^[a-z0-9_\-]+(\.[a-z0-9_<>=+\-]+)+$")


class StudyError(ValueError):
    """A study definition is invalid (message: file, place, field, problem)."""


def list_studies() -> list[str]:
    """Ids of the bundled study definitions (file names in ``studies/definitions/``), sorted."""
    return sorted(p.stem for p in DEFINITIONS.glob("*.yaml"))


def load_study(id_or_path: str | Path) -> Study:
    """Load a bundled study by id (``"icaria-mm"``) or a user's YAML by path, validated.

    Raises ``KeyError`` for an unknown bundled id (naming the known ones) and
    :class:`StudyError` (a ``ValueError``) for an invalid file.
    """
    p = Path(id_or_path)
    if not (p.suffix in (".yaml", ".yml") or p.exists()):
        p = DEFINITIONS / f"{id_or_path}.yaml"
        if not p.exists():
            raise KeyError(f"no bundled study {str(id_or_path)!r}; bundled: {', '.join(list_studies())}")
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such study definition file")
    stat = p.stat()
    return _load_cached(str(p), stat.st_mtime_ns, stat.st_size)


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: same result, ~10x faster


@lru_cache(maxsize=32)
def _load_cached(path: str, mtime_ns: int, size: int) -> Study:
    """Parse once per file version (a Study is immutable, so the cached object can be shared)."""
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        raise StudyError(f"{path}: not valid YAML: {exc}") from exc
    return parse_study(data, path)


# ---------------------------------------------------------------- generic helpers
def _fail(where: str, msg: str) -> StudyError:
    return StudyError(f"{where}: {msg}")


def _mapping(obj: Any, where: str) -> dict:
    if not isinstance(obj, dict):
        raise _fail(where, f"expected a mapping, got {type(obj).__name__}")
    return obj


def _seq(obj: Any, where: str) -> list:
    if obj is None:
        return []
    if not isinstance(obj, list):
        raise _fail(where, f"expected a list, got {type(obj).__name__}")
    return obj


def _keys(cls: type, data: dict, where: str, skip: tuple[str, ...] = ()) -> None:
    """Unknown keys and missing required keys of a dataclass section."""
    names = {f.name for f in fields(cls)} - set(skip)
    unknown = sorted(set(data) - names)
    if unknown:
        raise _fail(where, f"unknown key(s) {', '.join(map(str, unknown))}; allowed: {', '.join(sorted(names))}")
    required = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
                and f.name not in skip]
    missing = [k for k in required if k not in data]
    if missing:
        raise _fail(where, f"missing required key(s) {', '.join(missing)}")


def _text(v: Any, where: str, field: str, required: bool = False) -> str | None:
    if v is None and not required:
        return None
    if not isinstance(v, str) or (required and not v.strip()):
        raise _fail(where, f"field '{field}': expected text, got {v!r}")
    return v


def _number(v: Any, where: str, field: str, integer: bool = False) -> float | int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and not isinstance(v, int)):
        kind = "an integer" if integer else "a number"
        raise _fail(where, f"field '{field}': expected {kind}, got {v!r}")
    return v


def _date(v: Any, where: str, field: str) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        raise _fail(where, f"field '{field}': expected an ISO date (YYYY-MM-DD), got {v!r}") from None


def _levels(v: Any, where: str, field: str) -> tuple[Any, ...] | None:
    """Levels as written (text, or true/false for a boolean adsl column, or a pooled level
    ``{label: ..., values: [...]}`` -> :class:`LevelGroup`)."""
    if v is None:
        return None
    if not isinstance(v, list):
        raise _fail(where, f"field '{field}': expected a list of levels (text or true/false), got {v!r}")
    out: list[Any] = []
    for x in v:
        if isinstance(x, (str, bool, int)):
            out.append(x)
        elif (isinstance(x, dict) and set(x) == {"label", "values"} and isinstance(x["label"], str)
              and isinstance(x["values"], list) and x["values"] and all(isinstance(y, str) for y in x["values"])):
            out.append(LevelGroup(x["label"], tuple(x["values"])))
        else:
            raise _fail(where, f"field '{field}': a level is text, true/false or {{label: text, values: [text, ...]}}, "
                               f"got {x!r}")
    return tuple(out)


def _unique(ids: list[str], where: str, what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise _fail(where, f"duplicate {what} id {i!r}")
        seen.add(i)


def _rule(expr: Any, where: str, field: str) -> str | None:
    if expr is None:
        return None
    if not isinstance(expr, str):
        raise _fail(where, f"field '{field}': expected an expression, got {expr!r}")
    try:
        rule_columns(expr)
    except ValueError as exc:
        raise _fail(where, f"field '{field}': {exc}") from None
    return expr


def _choice(v: Any, allowed: tuple[str, ...], where: str, field: str, optional: bool = False) -> Any:
    if v is None and optional:
        return None
    if v not in allowed:
        raise _fail(where, f"field '{field}': {v!r} is not one of {', '.join(allowed)}")
    return v


# ---------------------------------------------------------------- sections
def _censoring(v: Any, where: str) -> MappingProxyType:
    from ..derive.config import DeriveConfig  # censoring keys are DeriveConfig options

    if v is None:
        return MappingProxyType({})
    v = _mapping(v, f"{where} censoring")
    known = {f.name for f in fields(DeriveConfig)}
    unknown = sorted(set(v) - known)
    if unknown:
        raise _fail(where, f"field 'censoring': unknown option(s) {', '.join(unknown)} "
                           f"(censoring keys are DeriveConfig options: {', '.join(sorted(known))})")
    try:
        DeriveConfig(**v)
    except (TypeError, ValueError) as exc:
        raise _fail(where, f"field 'censoring': {exc}") from None
    return MappingProxyType(dict(v))


def _endpoint(d: Any, where: str) -> Endpoint:
    d = _mapping(d, where)
    _keys(Endpoint, d, where)
    where = f"{where} (id={d['id']!r})"
    sens = []
    for j, s in enumerate(_seq(d.get("sensitivity"), f"{where} sensitivity")):
        sw = f"{where} sensitivity[{j}]"
        s = _mapping(s, sw)
        _keys(Sensitivity, s, sw)
        sens.append(Sensitivity(id=_text(s["id"], sw, "id", True), label=_text(s["label"], sw, "label", True),
                                censoring=_censoring(s.get("censoring"), sw),
                                assessment=_choice(s.get("assessment"), ASSESSORS, sw, "assessment", True),
                                note=_text(s.get("note"), sw, "note")))
    _unique([s.id for s in sens], where, "sensitivity")
    primary = d.get("primary", False)
    if not isinstance(primary, bool):
        raise _fail(where, f"field 'primary': expected true/false, got {primary!r}")
    return Endpoint(id=_text(d["id"], where, "id", True), label=_text(d["label"], where, "label", True),
                    primary=primary,
                    assessment=_choice(d.get("assessment"), ASSESSORS, where, "assessment", True),
                    definition=_text(d.get("definition"), where, "definition"),
                    censoring=_censoring(d.get("censoring"), where), sensitivity=tuple(sens),
                    note=_text(d.get("note"), where, "note"))


def _criterion(d: Any, where: str) -> Criterion:
    d = _mapping(d, where)
    _keys(Criterion, d, where)
    where = f"{where} (id={d['id']!r})"
    c = Criterion(id=_text(d["id"], where, "id", True),
                  kind=_choice(d["kind"], ("inclusion", "exclusion"), where, "kind"),
                  text=_text(d["text"], where, "text", True), rule=_rule(d.get("rule"), where, "rule"),
                  not_checkable=_text(d.get("not_checkable"), where, "not_checkable"),
                  note=_text(d.get("note"), where, "note"))
    if c.rule is None and not c.not_checkable:
        raise _fail(where, "field 'not_checkable': required (why) when 'rule' is null")
    if c.rule is not None and c.not_checkable:
        raise _fail(where, "field 'not_checkable': must be null when a 'rule' is given")
    return c


def _figure(d: Any, where: str, arms: set[str], pops: set[str], docs: set[str]) -> Figure:
    d = _mapping(d, where)
    if "id" in d:
        where = f"{where} (id={d['id']!r})"
    _keys(Figure, d, where)
    fid = _text(d["id"], where, "id", True)
    if not _FIGURE_ID.match(fid):
        raise _fail(where, "field 'id': must be lowercase '<item>.<statistic>.<arm>[.<level>]' without spaces")
    arm = _text(d["arm"], where, "arm", True)
    if arm not in arms and arm not in PSEUDO_ARMS:
        raise _fail(where, f"field 'arm': {arm!r} is not an arm id ({', '.join(sorted(arms))}) nor all/diff")
    pop = _text(d.get("population"), where, "population")
    if pop is not None and pop not in pops:
        raise _fail(where, f"field 'population': {pop!r} is not a populations key ({', '.join(sorted(pops))})")
    src = _mapping(d["source"], f"{where} source")
    _keys(SourceRef, src, f"{where} field 'source'")
    if src["doc"] not in docs:
        raise _fail(where, f"field 'source.doc': {src['doc']!r} is not a source id ({', '.join(sorted(docs))})")
    value = _number(d["value"], where, "value")
    note = _text(d.get("note"), where, "note")
    if value is None and not note:
        raise _fail(where, "field 'note': required when 'value' is null (say what was printed, e.g. not reached)")
    level = d.get("level")
    return Figure(id=fid, topic=_choice(d["topic"], TOPICS, where, "topic"), item=_text(d["item"], where, "item", True),
                  statistic=_choice(d["statistic"], STATISTICS, where, "statistic"), arm=arm,
                  level=None if level is None else str(level), value=value,
                  lower=_number(d.get("lower"), where, "lower"), upper=_number(d.get("upper"), where, "upper"),
                  n=_number(d.get("n"), where, "n", integer=True), unit=_text(d.get("unit"), where, "unit"),
                  population=pop,
                  source=SourceRef(doc=src["doc"], where=_text(src["where"], where, "source.where", True),
                                   page=src.get("page")),
                  quote=_text(d["quote"], where, "quote", True),
                  qualifier=_choice(d.get("qualifier"), QUALIFIERS, where, "qualifier", True), note=note)


def _prognostic_variables(v: Any, where: str) -> tuple[PrognosticVariable, ...]:
    """A list of adsl column names or ``{variable, label, levels}`` mappings (a bare name is its own label)."""
    out = []
    for i, item in enumerate(_seq(v, where)):
        w = f"{where}[{i}]"
        if isinstance(item, str):
            out.append(PrognosticVariable(variable=_text(item, w, "variable", True), label=item))
            continue
        item = _mapping(item, w)
        _keys(PrognosticVariable, item, w)
        out.append(PrognosticVariable(variable=_text(item["variable"], w, "variable", True),
                                      label=_text(item["label"], w, "label", True),
                                      levels=_levels(item.get("levels"), w, "levels") or ()))
    _unique([x.variable for x in out], where, "variable")
    return tuple(out)


def _positive(v: Any, where: str, field: str, integer: bool = False) -> float | int:
    x = _number(v, where, field, integer)
    if x is None or x <= 0:
        raise _fail(where, f"field '{field}': expected a positive number, got {v!r}")
    return x


def _marker(d: Any, where: str) -> Marker:
    d = _mapping(d, where)
    _keys(Marker, d, where)
    where = f"{where} (variable={d['variable']!r})"
    horizon = d.get("outcome_horizon_months")
    horizon = None if horizon is None else _positive(horizon, where, "outcome_horizon_months")
    times = tuple(_positive(t, where, "time_auc_horizons") for t in _seq(d.get("time_auc_horizons"), where))
    knots = _number(d.get("spline_knots", 4), where, "spline_knots", integer=True)
    if knots != 0 and knots < 3:
        raise _fail(where, f"field 'spline_knots': 0 (no spline) or at least 3, got {knots!r}")
    figure = _choice(d.get("figure_cutpoint"), ("youden", "maxstat"), where, "figure_cutpoint", True)
    if figure == "youden" and horizon is None:
        raise _fail(where, "field 'figure_cutpoint': youden needs 'outcome_horizon_months' (the ROC outcome)")
    return Marker(variable=_text(d["variable"], where, "variable", True), label=_text(d["label"], where, "label", True),
                  risk=_choice(d["risk"], ("low", "high"), where, "risk"), outcome_horizon_months=horizon,
                  time_auc_horizons=times, bootstrap=_positive(d.get("bootstrap", 200), where, "bootstrap", True),
                  spline_knots=knots, figure_cutpoint=figure or ("youden" if horizon is not None else "maxstat"),
                  note=_text(d.get("note"), where, "note"))


def _prognostic(d: Any, where: str, endpoint_ids: set[str], pops: set[str]) -> Prognostic:
    """The ``prognostic:`` section: endpoints and the landmark endpoint must be declared endpoints
    (adtte ids when the study declares none), the population a populations key."""
    d = _mapping(d, where)
    _keys(Prognostic, d, where)
    known = endpoint_ids or set(ADTTE_ENDPOINTS)

    def endpoint(v: Any, w: str, field: str) -> str:
        e = _text(v, w, field, True)
        if e not in known:
            raise _fail(w, f"field '{field}': {e!r} is not a declared endpoint ({', '.join(sorted(known))})")
        return e

    eps = tuple(endpoint(e, where, "endpoints") for e in _seq(d["endpoints"], f"{where} endpoints"))
    if not eps:
        raise _fail(where, "field 'endpoints': at least one endpoint is required")
    _unique(list(eps), f"{where} endpoints", "endpoint")
    markers = tuple(_marker(m, f"{where} markers[{i}]") for i, m in enumerate(_seq(d.get("markers"), where)))
    _unique([m.variable for m in markers], f"{where} markers", "marker")
    landmark = None
    if d.get("landmark") is not None:
        w = f"{where} landmark"
        lm = _mapping(d["landmark"], w)
        _keys(Landmark, lm, w)
        landmark = Landmark(endpoint=endpoint(lm["endpoint"], w, "endpoint"),
                            months=_positive(lm["months"], w, "months"))
    pop = _text(d.get("population"), where, "population")
    if pop is not None and pop not in pops:
        raise _fail(where, f"field 'population': {pop!r} is not a populations key ({', '.join(sorted(pops))})")
    return Prognostic(endpoints=eps, factors=_prognostic_variables(d.get("factors"), f"{where} factors"),
                      markers=markers,
                      response_subgroups=_prognostic_variables(d.get("response_subgroups"),
                                                               f"{where} response_subgroups"),
                      landmark=landmark, population=pop, note=_text(d.get("note"), where, "note"))


def _ae_groups(v: Any, where: str) -> tuple[AeGroup, ...]:
    """The ``ae_groups:`` list: ``{id, label, terms: [preferred term, ...], section, note}``."""
    out = []
    for i, g in enumerate(_seq(v, where)):
        w = f"{where}[{i}]"
        g = _mapping(g, w)
        _keys(AeGroup, g, w)
        terms = tuple(_text(t, w, "terms", True) for t in _seq(g["terms"], f"{w} terms"))
        if not terms:
            raise _fail(w, "field 'terms': at least one preferred term is required")
        out.append(AeGroup(id=_text(g["id"], w, "id", True), label=_text(g["label"], w, "label", True), terms=terms,
                           section=_choice(g.get("section", "most_common"), AE_GROUP_SECTIONS, w, "section"),
                           note=_text(g.get("note"), w, "note")))
    _unique([g.id for g in out], where, "AE group")
    return tuple(out)


def _note_if_no_variable(d: dict, where: str) -> None:
    """A subgroup or baseline row without an adsl ``variable`` must say why in ``note``."""
    if d.get("variable") is None and not d.get("note"):
        raise _fail(where, "field 'note': required when 'variable' is null (why the data model has no column)")


def _report(v: Any, where: str) -> ReportLayout:
    """The ``report:`` section: ``{style, adverse_events: {AeLayout field: value}}`` (lists become tuples)."""
    d = _mapping(v or {}, where)
    _keys(ReportLayout, d, where)
    ae = _mapping(d.get("adverse_events") or {}, f"{where} adverse_events")
    return ReportLayout(style=_choice(d.get("style", "default"), REPORT_STYLES, where, "style"),
                        adverse_events=MappingProxyType({str(k): tuple(x) if isinstance(x, list) else x
                                                         for k, x in ae.items()}))


def parse_study(data: Any, path: str = "<study>") -> Study:
    """Validate a parsed YAML mapping and build the :class:`Study` (``path`` names the file in errors)."""
    data = _mapping(data, path)
    unknown = sorted(set(data) - set(_TOP_KEYS))
    if unknown:
        raise _fail(path, f"unknown top-level key(s) {', '.join(map(str, unknown))}; allowed: {', '.join(_TOP_KEYS)}")
    missing = [k for k in _REQUIRED_TOP if k not in data]
    if missing:
        raise _fail(path, f"missing required top-level key(s) {', '.join(missing)}")

    sources = []
    for i, s in enumerate(_seq(data["sources"], f"{path} sources")):
        w = f"{path} sources[{i}]"
        s = _mapping(s, w)
        _keys(Source, s, w)
        sources.append(Source(id=_text(s["id"], w, "id", True), citation=_text(s["citation"], w, "citation", True),
                              seed=_text(s.get("seed"), w, "seed"), note=_text(s.get("note"), w, "note")))
    _unique([s.id for s in sources], f"{path} sources", "source")

    w = f"{path} design"
    dd = _mapping(data["design"], w)
    _keys(Design, dd, w)
    design = Design(type=_choice(dd["type"], ("randomised", "single-arm"), w, "type"),
                    phase=_number(dd.get("phase"), w, "phase", integer=True),
                    **{k: _text(dd.get(k), w, k) for k in ("allocation", "blinding", "response_assessment", "setting",
                                                           "note")})

    w = f"{path} dates"
    dates_d = _mapping(data.get("dates") or {}, w)
    _keys(Dates, dates_d, w)
    dates = Dates(**{k: _date(dates_d.get(k), w, k) for k in ("enrolment_start", "enrolment_end", "data_cutoff")},
                  note=_text(dates_d.get("note"), w, "note"))

    arms = []
    for i, a in enumerate(_seq(data["arms"], f"{path} arms")):
        w = f"{path} arms[{i}]"
        a = _mapping(a, w)
        _keys(Arm, a, w)
        arms.append(Arm(id=_text(a["id"], w, "id", True), label=_text(a["label"], w, "label", True),
                        regimen=_text(a.get("regimen"), w, "regimen"), n=_number(a.get("n"), w, "n", integer=True),
                        note=_text(a.get("note"), w, "note")))
    _unique([a.id for a in arms], f"{path} arms", "arm")
    arm_ids = {a.id for a in arms}
    if not arms:
        raise _fail(f"{path} arms", "at least one arm is required")

    comparison = None
    if data.get("comparison") is not None:
        w = f"{path} comparison"
        c = _mapping(data["comparison"], w)
        _keys(Comparison, c, w)
        for k in ("experimental", "control"):
            if c[k] not in arm_ids:
                raise _fail(w, f"field '{k}': {c[k]!r} is not an arm id ({', '.join(sorted(arm_ids))})")
        comparison = Comparison(experimental=c["experimental"], control=c["control"])

    pops: dict[str, Population] = {}
    for key, p in _mapping(data.get("populations") or {}, f"{path} populations").items():
        w = f"{path} populations[{key!r}]"
        p = _mapping(p, w)
        _keys(Population, p, w, skip=("id",))
        pops[str(key)] = Population(id=str(key), label=_text(p["label"], w, "label", True),
                                    filter=_rule(p.get("filter"), w, "filter"), note=_text(p.get("note"), w, "note"))

    strata = []
    for i, s in enumerate(_seq(data.get("stratification"), f"{path} stratification")):
        w = f"{path} stratification[{i}]"
        s = _mapping(s, w)
        _keys(Stratum, s, w)
        strata.append(Stratum(variable=_text(s["variable"], w, "variable", True),
                              label=_text(s["label"], w, "label", True), levels=_levels(s.get("levels"), w, "levels")))

    crits = [_criterion(c, f"{path} eligibility[{i}]")
             for i, c in enumerate(_seq(data.get("eligibility"), f"{path} eligibility"))]
    _unique([c.id for c in crits], f"{path} eligibility", "criterion")

    endpoints = [_endpoint(e, f"{path} endpoints[{i}]")
                 for i, e in enumerate(_seq(data.get("endpoints"), f"{path} endpoints"))]
    _unique([e.id for e in endpoints], f"{path} endpoints", "endpoint")

    subgroups = []
    for i, s in enumerate(_seq(data.get("subgroups"), f"{path} subgroups")):
        w = f"{path} subgroups[{i}]"
        s = _mapping(s, w)
        _keys(Subgroup, s, w)
        _note_if_no_variable(s, w)
        subgroups.append(Subgroup(variable=_text(s.get("variable"), w, "variable"),
                                  label=_text(s["label"], w, "label", True),
                                  levels=_levels(s.get("levels"), w, "levels") or (),
                                  note=_text(s.get("note"), w, "note")))

    baseline = []
    for i, b in enumerate(_seq(data.get("baseline"), f"{path} baseline")):
        w = f"{path} baseline[{i}]"
        b = _mapping(b, w)
        _keys(BaselineRow, b, w)
        _note_if_no_variable(b, w)
        baseline.append(BaselineRow(
            variable=_text(b.get("variable"), w, "variable"), label=_text(b["label"], w, "label", True),
            kind=_choice(b["kind"], ("continuous", "categorical"), w, "kind"),
            summary=_choice(b.get("summary"), ("median_range", "median_iqr", "mean_sd", "n_pct"), w, "summary", True),
            levels=_levels(b.get("levels"), w, "levels"), note=_text(b.get("note"), w, "note")))

    docs = {s.id for s in sources}
    figures = [_figure(f, f"{path} published[{i}]", arm_ids, set(pops), docs)
               for i, f in enumerate(_seq(data["published"], f"{path} published"))]
    _unique([f.id for f in figures], f"{path} published", "figure")

    notes = tuple(_text(n, f"{path} notes", "notes", True) for n in _seq(data.get("notes"), f"{path} notes"))
    prognostic = None if data.get("prognostic") is None else \
        _prognostic(data["prognostic"], f"{path} prognostic", {e.id for e in endpoints}, set(pops))
    return Study(id=_text(data["id"], path, "id", True), title=_text(data["title"], path, "title", True),
                 sources=tuple(sources), design=design, dates=dates, arms=tuple(arms), comparison=comparison,
                 populations=MappingProxyType(pops), stratification=tuple(strata), eligibility=tuple(crits),
                 endpoints=tuple(endpoints), subgroups=tuple(subgroups), baseline=tuple(baseline),
                 published=tuple(figures), path=path, notes=notes, prognostic=prognostic,
                 ae_groups=_ae_groups(data.get("ae_groups"), f"{path} ae_groups"),
                 report=_report(data.get("report"), f"{path} report"))


# ---------------------------------------------------------------- quotes against seed texts
def collapse_ws(text: str) -> str:
    """Runs of whitespace -> one space (the form in which quotes are matched)."""
    return re.sub(r"\s+", " ", text).strip()


_NUMBER = re.compile(r"\d+(?:[.·]\d+)?")


def printed_numbers(quote: str) -> list[float]:
    """Every number printed in ``quote`` ("·" or "." as decimal point), as floats."""
    return [float(t.replace("·", ".")) for t in _NUMBER.findall(quote)]


def verify_figures(study: Study, seed_dir: str | Path) -> list[str]:
    """Problems (empty list = none): a figure's ``quote`` is not a substring of its source's
    seed text (whitespace collapsed), or its ``value``/``lower``/``upper`` is not a number
    printed in the quote."""
    seeds = {s.id: s.seed for s in study.sources}
    texts: dict[str, str] = {}
    problems = []
    for f in study.published:
        seed = seeds.get(f.source.doc)
        if seed is None:
            problems.append(f"{f.id}: source {f.source.doc!r} has no seed file")
            continue
        if seed not in texts:
            texts[seed] = collapse_ws((Path(seed_dir) / seed).read_text(encoding="utf-8"))
        q = collapse_ws(f.quote)
        if q not in texts[seed]:
            problems.append(f"{f.id}: quote {q!r} not found in {seed}")
        nums = printed_numbers(q)
        for field in ("value", "lower", "upper"):
            v = getattr(f, field)
            if v is not None and float(v) not in nums:
                problems.append(f"{f.id}: {field} {v!r} is not printed in the quote {q!r}")
    return problems
