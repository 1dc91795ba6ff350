"""baseline_table and the n (%) cell styles: records written by hand, cells checked as printed."""

from __future__ import annotations

import pandas as pd
import pytest

from mmevidence.analysis.baseline import analyse_baseline
from mmevidence.analysis.results import as_frame, record
from mmevidence.report.tables._cells import FRONTIERS, LANCET, fmt_count
from mmevidence.report.tables.baseline import baseline_table, level_label
from mmevidence.studies.model import Arm, BaselineRow, Dates, Design, Population, Study

STUDY = Study(id="toy", title="toy", sources=(), design=Design("randomised"), dates=Dates(),
              arms=(Arm("a", "A"), Arm("b", "B")), comparison=None,
              populations={"itt": Population("itt", "Intention-to-treat population", "ittfl")},
              stratification=(), eligibility=(), endpoints=(), subgroups=(),
              baseline=(BaselineRow("age", "Age (years)", "continuous", "median_iqr"),
                        BaselineRow("age", "Age, range", "continuous", "median_range"),
                        BaselineRow("sex", "Sex", "categorical", levels=("female", "male")),
                        BaselineRow("prior_asct", "Previous ASCT", "categorical", levels=(True,))),
              published=())
ADSL = pd.DataFrame({"patient_id": list("123456"), "arm": ["A", "A", "A", "A", "B", "B"], "ittfl": True,
                     "age": [50, 60, 70, 80, 55, 65.5], "sex": ["male", "female", "female", None, "male", "male"],
                     "prior_asct": [True, False, True, True, False, False]})


@pytest.mark.parametrize("n, d, style, text", [
    (54, 153, LANCET, "54 (35%)"),       # 35.29 -> 35 (ICARIA-MM "54 (35%)")
    (1, 153, LANCET, "1 (<1%)"),         # 0.65% prints "<1%" (ICARIA-MM "1 (<1%)")
    (2, 152, LANCET, "2 (1%)"),          # 1.32 -> 1
    (0, 152, LANCET, "0"),
    (10, 18, FRONTIERS, "10 (55.6)"),    # CUP Table 1: 55.56 -> 55.6, no % sign
    (0, 18, FRONTIERS, "0 (0)"),         # CUP Table 2
    (1, 8, FRONTIERS, "1 (12.5)"),
])
def test_fmt_count(n, d, style, text):
    assert fmt_count(n, d, style) == text


def test_level_labels():
    assert [level_label(x) for x in ("65-74", ">=75", "<65", "light_chain", "IgA")] == \
        ["65\u201374", "\u226575", "<65", "Light chain", "IgA"]


def test_baseline_table_layout():
    t = baseline_table(analyse_baseline(ADSL, STUDY, "itt"), STUDY, "itt", style=LANCET, digits=1)
    assert t.columns == ("A (n=4)", "B (n=2)", "Total (n=6)")
    assert t.population == "Intention-to-treat population (N=6)"
    rows = {r.label: r for r in t.rows}
    # A: 50 60 70 80 -> median 65, type-2 quartiles 55 and 75; B: 55, 65.5 -> median 60.25 -> "60.3" (half up)
    assert rows["Age (years)"].cells[:2] == ("65.0 (55.0\u201375.0)", "60.3 (55.0\u201365.5)")
    assert rows["Age, range"].cells[0] == "65.0 (50.0\u201380.0)"
    # Sex is a group row; its levels indented, Missing shown: A female 2/4 = 50%, missing 1/4 = 25%
    assert rows["Sex"].kind == "group" and rows["Sex"].cells == ()
    assert rows["Female"].cells == ("2 (50%)", "0", "2 (33%)") and rows["Female"].indent == 1
    assert rows["Missing"].cells == ("1 (25%)", "0", "1 (17%)")
    # boolean: one row; A 3/4 = 75%, B 0, total 3/6 = 50%
    assert rows["Previous ASCT"].cells == ("3 (75%)", "0", "3 (50%)") and rows["Previous ASCT"].kind == "data"
    assert t.footnotes[0] == "Data are median (range), median (IQR) or n (%)."
    order = [r.label for r in t.rows]
    assert order.index("Female") < order.index("Male") < order.index("Missing")


def test_suppressed_record_prints_less_than_k():
    recs = as_frame([record("baseline.sex", "itt", "sex", "arm=A|sex=male", "n", float("nan"), n=4,
                            method="suppressed below 5"),
                     record("baseline.sex", "itt", "sex", "arm=B|sex=male", "n", 2, n=2)])
    study = Study(**{**STUDY.__dict__, "baseline": (BaselineRow("sex", "Sex", "categorical", levels=("male",)),)})
    t = baseline_table(recs, study, "itt", style=LANCET)
    assert [r.cells for r in t.rows if r.label == "Male"] == [("<5", "2 (100%)", "0")]
