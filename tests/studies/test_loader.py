"""Loader: the API (figure, figures, bundled ids, paths) and a gallery of bad YAML files, each
rejected with a message that names the file, the figure id and the field."""

from __future__ import annotations

import textwrap

import pytest

from mmevidence.studies import Figure, Study, StudyError, load_study, parse_study

MINIMAL = textwrap.dedent("""\
    id: toy
    title: Toy study
    sources:
      - {id: paper, citation: "Doe J. Toy. 2020", seed: null}
    design: {type: randomised, phase: 3}
    arms:
      - {id: a, label: A, n: 10}
      - {id: b, label: B, n: 10}
    comparison: {experimental: a, control: b}
    populations:
      itt: {label: ITT, filter: ittfl}
    eligibility:
      - {id: lines, kind: inclusion, text: "two lines", rule: "n_prior_lines >= 2"}
    endpoints:
      - {id: PFS, label: PFS, censoring: {pfs_further_therapy: censor}}
    published:
      - id: pfs.median.a
        topic: efficacy
        item: PFS
        statistic: median
        arm: a
        value: 11.5
        lower: 8.9
        upper: 13.9
        n: 10
        unit: months
        population: itt
        source: {doc: paper, where: Table 3}
        quote: "11.5 months (8.9-13.9)"
    """)


def _write(tmp_path, text: str, name: str = "toy.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_minimal_file_loads(tmp_path):
    s = load_study(_write(tmp_path, MINIMAL))
    assert isinstance(s, Study)
    f = s.figure("pfs.median.a")
    assert (f.value, f.lower, f.upper, f.n, f.source.where) == (11.5, 8.9, 13.9, 10, "Table 3")
    assert s.figures(topic="efficacy", arm="a") == [f]
    assert s.figures(arm="b") == []
    assert s.figures(doc="paper") == [f]
    assert s.endpoint("PFS").censoring["pfs_further_therapy"] == "censor"
    assert s.populations["itt"].filter == "ittfl"


def test_frozen(tmp_path):
    s = load_study(_write(tmp_path, MINIMAL))
    with pytest.raises(AttributeError):
        s.figure("pfs.median.a").value = 1  # type: ignore[misc]


def test_figure_missing_names_id():
    s = load_study("icaria-mm")
    with pytest.raises(KeyError, match="no published figure with id 'pfs.median.nope'"):
        s.figure("pfs.median.nope")


def test_figures_unknown_filter():
    with pytest.raises(TypeError, match="unknown field\\(s\\) armm"):
        load_study("icaria-mm").figures(armm="isa_pd")


def test_unknown_bundled_id():
    with pytest.raises(KeyError, match="no bundled study 'nope'; bundled: cup, icaria-mm, image"):
        load_study("nope")


def test_bundled_icaria_sections():
    s = load_study("icaria-mm")
    assert [a.id for a in s.arms] == ["isa_pd", "pd"] and s.comparison.experimental == "isa_pd"
    assert s.dates.data_cutoff.isoformat() == "2018-10-11"
    assert [x.variable for x in s.stratification] == ["prior_lines_group", "age_group_75"]
    pfs = s.endpoint("PFS")
    assert pfs.primary and pfs.assessment == "irc"
    assert [x.censoring.get("pfs_further_therapy") for x in pfs.sensitivity[:2]] == ["ignore", "event"]
    assert len(s.baseline) == 21 and s.baseline[0].variable == "age"
    # the Table 3 ORR of the Isa-Pd arm, with its exact quote
    f = s.figure("orr.n.isa_pd")
    assert (f.value, f.n, f.population) == (93, 154, "itt")
    assert isinstance(f, Figure)
    assert {f.arm for f in s.figures(topic="safety", statistic="n", level="grade_4")} == {"isa_pd", "pd"}


# ---------------------------------------------------------------- gallery of bad files
def _bad(tmp_path, old: str, new: str) -> str:
    assert old in MINIMAL
    p = _write(tmp_path, MINIMAL.replace(old, new))
    with pytest.raises(StudyError) as exc:
        load_study(p)
    msg = str(exc.value)
    assert msg.startswith(str(p)), msg
    return msg


def test_duplicate_figure_id(tmp_path):
    extra = MINIMAL.split("published:\n")[1]
    p = _write(tmp_path, MINIMAL + extra)
    with pytest.raises(StudyError, match=r"published: duplicate figure id 'pfs.median.a'"):
        load_study(p)


def test_unknown_arm(tmp_path):
    msg = _bad(tmp_path, "    arm: a\n", "    arm: c\n")
    assert "published[0] (id='pfs.median.a'): field 'arm': 'c' is not an arm id (a, b) nor all/diff" in msg


def test_unknown_population(tmp_path):
    msg = _bad(tmp_path, "population: itt", "population: pp")
    assert "(id='pfs.median.a'): field 'population': 'pp' is not a populations key (itt)" in msg


def test_unknown_doc(tmp_path):
    msg = _bad(tmp_path, "{doc: paper, where", "{doc: papr, where")
    assert "(id='pfs.median.a'): field 'source.doc': 'papr' is not a source id (paper)" in msg


def test_quote_missing(tmp_path):
    msg = _bad(tmp_path, '    quote: "11.5 months (8.9-13.9)"\n', "")
    assert "(id='pfs.median.a'): missing required key(s) quote" in msg


def test_non_numeric_value(tmp_path):
    msg = _bad(tmp_path, "value: 11.5", "value: 11,5")
    assert "(id='pfs.median.a'): field 'value': expected a number, got '11,5'" in msg


def test_non_numeric_lower(tmp_path):
    msg = _bad(tmp_path, "lower: 8.9", "lower: NR")
    assert "(id='pfs.median.a'): field 'lower': expected a number, got 'NR'" in msg


def test_non_integer_n(tmp_path):
    msg = _bad(tmp_path, "n: 10\n    unit", "n: 10.5\n    unit")
    assert "(id='pfs.median.a'): field 'n': expected an integer, got 10.5" in msg


def test_unknown_figure_key(tmp_path):
    msg = _bad(tmp_path, "unit: months", "unit: months\n    units: months")
    assert "(id='pfs.median.a'): unknown key(s) units" in msg


def test_unknown_top_level_key(tmp_path):
    msg = _bad(tmp_path, "title: Toy study", "title: Toy study\ntitel: x")
    assert "unknown top-level key(s) titel" in msg


def test_unknown_comparison_arm(tmp_path):
    msg = _bad(tmp_path, "control: b}", "control: pd}")
    assert "comparison: field 'control': 'pd' is not an arm id (a, b)" in msg


def test_duplicate_arm(tmp_path):
    msg = _bad(tmp_path, "- {id: b, label: B, n: 10}", "- {id: a, label: B, n: 10}")
    assert "arms: duplicate arm id 'a'" in msg


def test_unknown_topic(tmp_path):
    msg = _bad(tmp_path, "topic: efficacy", "topic: effectiveness")
    assert "(id='pfs.median.a'): field 'topic': 'effectiveness' is not one of design" in msg


def test_unsafe_rule_rejected_at_load(tmp_path):
    msg = _bad(tmp_path, 'rule: "n_prior_lines >= 2"', 'rule: "__import__(\'os\').system(\'true\')"')
    assert "eligibility[0] (id='lines'): field 'rule': rule" in msg and "(Call)" in msg


def test_rule_null_needs_reason(tmp_path):
    msg = _bad(tmp_path, 'rule: "n_prior_lines >= 2"', "rule: null")
    assert "(id='lines'): field 'not_checkable': required (why) when 'rule' is null" in msg


def test_unknown_censoring_option(tmp_path):
    msg = _bad(tmp_path, "censoring: {pfs_further_therapy: censor}", "censoring: {further_therapy: censor}")
    assert "endpoints[0] (id='PFS'): field 'censoring': unknown option(s) further_therapy" in msg


def test_bad_censoring_choice(tmp_path):
    msg = _bad(tmp_path, "censoring: {pfs_further_therapy: censor}", "censoring: {pfs_further_therapy: drop}")
    assert "(id='PFS'): field 'censoring': pfs_further_therapy: 'drop' is not one of censor, ignore, event" in msg


def test_null_value_needs_note(tmp_path):
    msg = _bad(tmp_path, "value: 11.5", "value: null")
    assert "(id='pfs.median.a'): field 'note': required when 'value' is null" in msg


def test_parse_study_from_mapping():
    import yaml

    s = parse_study(yaml.safe_load(MINIMAL), "inline")
    assert s.path == "inline" and s.figure("pfs.median.a").quote == "11.5 months (8.9-13.9)"


# ---------------------------------------------------------------- ae_groups
_GROUPS = textwrap.dedent("""\
    ae_groups:
      - id: ir
        label: Infusion reaction
        terms: [Infusion related reaction, Cytokine release syndrome]
        note: As reported by the investigator.
      - {id: spm, label: Second primary malignancy, terms: [Angiosarcoma], section: of_interest}
    """)


def test_ae_groups_load(tmp_path):
    s = load_study(_write(tmp_path, MINIMAL + _GROUPS))
    ir, spm = s.ae_groups
    assert (ir.id, ir.label, ir.terms, ir.section, ir.note) == (
        "ir", "Infusion reaction", ("Infusion related reaction", "Cytokine release syndrome"), "most_common",
        "As reported by the investigator.")
    assert (spm.terms, spm.section, spm.note) == (("Angiosarcoma",), "of_interest", None)
    assert load_study(_write(tmp_path, MINIMAL, "plain.yaml")).ae_groups == ()


def test_bundled_icaria_ae_groups():
    # ICARIA-MM Table 4 footnotes * and †; PT spellings as mmevidence.simulate.adverse_events writes them
    g = {x.id: x for x in load_study("icaria-mm").ae_groups}
    assert g["infusion_reaction"].terms == ("Infusion related reaction", "Cytokine release syndrome",
                                            "Drug hypersensitivity")
    assert g["infusion_reaction"].section == "most_common"
    assert g["second_primary_malignancy"].section == "of_interest"
    assert set(g["second_primary_malignancy"].terms) == {"Myelodysplastic syndrome", "Angiosarcoma",
                                                         "Squamous cell carcinoma of skin"}
    # printed under the user's table: a definition of the group, not the trial's own cases
    assert g["second_primary_malignancy"].note.startswith("Myelodysplastic syndrome, angiosarcoma and squamous cell")


@pytest.mark.parametrize("old, new, expected", [
    ("note: As reported", "colour: red\n    note: As reported", "ae_groups[0]: unknown key(s) colour"),
    ("terms: [Angiosarcoma]", "terms: []", "ae_groups[1]: field 'terms': at least one preferred term is required"),
    ("{id: spm,", "{id: ir,", "ae_groups: duplicate AE group id 'ir'"),
    ("section: of_interest", "section: appendix",
     "ae_groups[1]: field 'section': 'appendix' is not one of most_common, of_interest"),
    ("terms: [Angiosarcoma]", "terms: [Angiosarcoma, 3]", "ae_groups[1]: field 'terms': expected text, got 3"),
    ("  - {id: spm", "  - {id: spm, terms: [x]}\n  - {id: other", "ae_groups[1]: missing required key(s) label"),
])
def test_ae_groups_errors(tmp_path, old, new, expected):
    text = MINIMAL + _GROUPS.replace(old, new)
    assert text != MINIMAL + _GROUPS
    p = _write(tmp_path, text)
    with pytest.raises(StudyError) as exc:
        load_study(p)
    assert str(exc.value).startswith(f"{p} {expected}"), str(exc.value)


_REPORT = textwrap.dedent("""\
    report:
      style: frontiers
      adverse_events: {categories: [all_grades, serious], by_soc: false, threshold_pct: 10}
    """)


def test_report_layout_load_and_build(tmp_path):
    from mmevidence.report.build import journal_style
    from mmevidence.report.tables._cells import DEFAULT, FRONTIERS
    s = load_study(_write(tmp_path, MINIMAL + _REPORT))
    assert s.report.style == "frontiers"
    assert dict(s.report.adverse_events) == {"categories": ("all_grades", "serious"), "by_soc": False,
                                             "threshold_pct": 10}
    style, ae = journal_style(s)
    assert style == FRONTIERS and ae.style == FRONTIERS
    assert (ae.categories, ae.by_soc, ae.threshold_pct) == (("all_grades", "serious"), False, 10)
    # without the section: the package defaults
    plain = load_study(_write(tmp_path, MINIMAL, "plain.yaml"))
    assert journal_style(plain)[0] == DEFAULT and journal_style(plain)[1].by_soc is True


def test_bundled_report_layouts():
    # ICARIA-MM Table 4 (The Lancet): whole percentages, flat list >= 15% of the isatuximab arm, grouped terms
    from mmevidence.report.build import journal_style
    style, ae = journal_style(load_study("icaria-mm"))
    assert (style.digits, style.below_one) == (0, "<1")
    assert (ae.categories, ae.by_soc, ae.threshold_pct, ae.threshold_arm, ae.groups) == (
        ("all_grades", "grade_3", "grade_4"), False, 15.0, "isa_pd", True)


@pytest.mark.parametrize("old, new, expected", [
    ("style: frontiers", "style: nejm", "report: field 'style': 'nejm' is not one of default, lancet, frontiers"),
    ("style: frontiers", "style: frontiers\n  colour: red", "report: unknown key(s) colour"),
])
def test_report_layout_errors(tmp_path, old, new, expected):
    p = _write(tmp_path, MINIMAL + _REPORT.replace(old, new))
    with pytest.raises(StudyError) as exc:
        load_study(p)
    assert str(exc.value).startswith(f"{p} {expected}"), str(exc.value)


def test_report_layout_field_refused_when_building(tmp_path):
    from mmevidence.report.build import journal_style
    s = load_study(_write(tmp_path, MINIMAL + _REPORT.replace("threshold_pct: 10", "threshold: 10")))
    with pytest.raises(ValueError, match="study 'toy' report.adverse_events: .*unexpected keyword argument 'threshold'"):
        journal_style(s)
    s = load_study(_write(tmp_path, MINIMAL + _REPORT.replace("serious", "severe"), "b.yaml"))
    with pytest.raises(ValueError, match="study 'toy' report.adverse_events: unknown categories \\['severe'\\]"):
        journal_style(s)
