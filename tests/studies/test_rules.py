"""rules.py: hand-written Kleene (three-valued) truth tables, comparisons with missing inputs,
membership, chained comparisons, and rejection of everything outside the grammar.

Reference: Kleene's strong three-valued logic, as SQL AND/OR/NOT and R's `&`, `|`, `!` with NA:
  AND: F&x = F; T&T = T; T&NA = NA; NA&NA = NA.   OR: T|x = T; F|F = F; F|NA = NA; NA|NA = NA.   NOT NA = NA.
"""

from __future__ import annotations

import pandas as pd
import pytest

from mmevidence.studies.rules import evaluate_rule, rule_columns

NA = pd.NA
T, F = True, False
# all nine (a, b) combinations of True / False / missing
A = [T, T, T, F, F, F, None, None, None]
B = [T, F, None, T, F, None, T, F, None]
AND = [T, F, NA, F, F, F, NA, F, NA]
OR = [T, T, T, T, F, NA, T, NA, NA]


def frame(**cols) -> pd.DataFrame:
    return pd.DataFrame(cols)


def values(s: pd.Series) -> list:
    return [NA if pd.isna(v) else bool(v) for v in s]


@pytest.mark.parametrize("dtype", ["object", "boolean"])
def test_and_or_not_truth_tables(dtype):
    df = frame(a=pd.Series(A, dtype=dtype), b=pd.Series(B, dtype=dtype))
    assert values(evaluate_rule("a and b", df)) == AND
    assert values(evaluate_rule("a or b", df)) == OR
    assert values(evaluate_rule("not a", df)) == [F, F, F, T, T, T, NA, NA, NA]
    assert values(evaluate_rule("not (a and b)", df)) == [F, T, NA, T, T, T, NA, T, NA]


def test_result_dtype_and_index():
    df = pd.DataFrame({"a": [T, F]}, index=["p1", "p2"])
    out = evaluate_rule("a", df)
    assert str(out.dtype) == "boolean" and list(out.index) == ["p1", "p2"]


def test_numpy_bool_column():
    df = frame(a=[T, F, T])
    assert values(evaluate_rule("a and True", df)) == [T, F, T]
    assert values(evaluate_rule("a or False", df)) == [T, F, T]


def test_comparison_with_missing_is_na():
    df = frame(x=[1.0, 2.0, None, 3.0])
    assert values(evaluate_rule("x >= 2", df)) == [F, T, NA, T]
    assert values(evaluate_rule("x != 2", df)) == [T, F, NA, T]
    # False and NA = False; True or NA = True, even when NA comes from a comparison
    assert values(evaluate_rule("x >= 2 and x < 0", df)) == [F, F, NA, F]
    assert values(evaluate_rule("x < 10 or x > 100", df)) == [T, T, NA, T]
    assert values(evaluate_rule("x > 100 and x < 10", df)) == [F, F, NA, F]


def test_chained_comparison():
    df = frame(egfr=[29.9, 30.0, 45.0, 60.0, None])
    assert values(evaluate_rule("30 <= egfr < 60", df)) == [F, T, T, F, NA]


def test_missing_on_one_side_of_and_decides_false():
    df = frame(x=[None, None], y=[1, 5])
    assert values(evaluate_rule("x > 0 and y > 2", df)) == [F, NA]
    assert values(evaluate_rule("x > 0 or y > 2", df)) == [NA, T]


def test_in_and_not_in():
    df = frame(t=["IgG", "IgA", None, "light_chain"])
    assert values(evaluate_rule("t in ['IgG', 'IgA']", df)) == [T, T, NA, F]
    assert values(evaluate_rule("t not in ('IgG',)", df)) == [F, T, NA, T]


def test_string_and_number_equality():
    df = frame(sex=["male", "female", None], ecog=[0, 2, 1])
    assert values(evaluate_rule("sex == 'female' or ecog >= 2", df)) == [F, T, NA]
    assert values(evaluate_rule("ecog <= -1", df)) == [F, F, F]


def test_icaria_style_rule():
    df = frame(n_prior_lines=[1, 2, 3, 4], exp_lenalidomide=[T, T, F, T], exp_pi=[T, None, T, T])
    assert values(evaluate_rule("n_prior_lines >= 2 and exp_lenalidomide and exp_pi", df)) == [F, NA, F, T]


def test_rule_columns():
    assert rule_columns("n_prior_lines >= 2 and exp_lenalidomide and not ref_anti_cd38") == {
        "n_prior_lines", "exp_lenalidomide", "ref_anti_cd38"}
    assert rule_columns("30 <= egfr_mdrd < 60 or True") == {"egfr_mdrd"}


@pytest.mark.parametrize(("expr", "token"), [
    ("__import__('os').system('echo hi')", "Call"),
    ("__import__", "'__import__'"),
    ("a.__class__", "Attribute"),
    ("a.real", "Attribute"),
    ("len(a)", "Call"),
    ("a + 1 > 2", "BinOp"),
    ("a[0]", "Subscript"),
    ("lambda: 1", "Lambda"),
    ("a if b else c", "IfExp"),
    ("a is None", "Is not allowed"),
    ("a in b", "'in' needs a list of constants"),
    ("a in [b]", "Name"),
    ("[1, 2] == a", "List"),
    ("1", "Constant"),
    ("'x'", "Constant"),
    ("(a := 1)", "NamedExpr"),
])
def test_rejected(expr, token):
    with pytest.raises(ValueError) as exc:
        rule_columns(expr)
    assert f"rule {expr!r}" in str(exc.value) and token in str(exc.value)


def test_syntax_error():
    with pytest.raises(ValueError, match="rule 'a and': syntax error"):
        rule_columns("a and")


def test_unknown_column_named():
    df = frame(a=[T])
    with pytest.raises(ValueError, match=r"rule 'a and bogus': unknown column\(s\) bogus"):
        evaluate_rule("a and bogus", df)


def test_non_boolean_column_as_condition():
    with pytest.raises(ValueError, match="column 'x' is used as a condition but holds 'yes'"):
        evaluate_rule("x", frame(x=["yes"]))


def test_incomparable_types():
    with pytest.raises(ValueError, match="cannot compare 'IgG' and 2"):
        evaluate_rule("t > 2", frame(t=["IgG"]))
