"""Safe evaluation of eligibility / population rules over an analysis dataset (adsl).

A rule is a small boolean expression in Python syntax, e.g.
``"n_prior_lines >= 2 and exp_lenalidomide and exp_pi"`` or
``"myeloma_type in ['IgG', 'IgA'] and not ref_anti_cd38"``. It is parsed with :mod:`ast`
and only these nodes are allowed: ``and`` / ``or`` / ``not``, comparisons
(``== != < <= > >=``, chained as ``30 <= egfr_mdrd < 60``), ``in [...]`` / ``not in [...]``
with a list or tuple of constants, names (= columns of the frame), numbers, strings and
``True`` / ``False``. Anything else (calls, attribute access, subscripts, arithmetic,
``__import__``, lambdas, ...) is a ``ValueError`` naming the expression and the token. It
is never passed to ``eval``.

Missing values follow three-valued (Kleene / SQL) logic, so an attrition table can show
"not evaluable" patients instead of silently counting them as failing:

* a comparison or membership test with a missing input is NA;
* a bare name is the column read as boolean (True/False; missing -> NA);
* ``not NA`` = NA; ``False and NA`` = False; ``True and NA`` = NA; ``True or NA`` = True;
  ``False or NA`` = NA (SQL ``AND``/``OR``; pandas nullable ``boolean`` dtype, whose
  ``&``/``|`` implement exactly this table).
"""

from __future__ import annotations

import ast
import operator
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge}


def _token(node: ast.AST, expr: str) -> str:
    seg = ast.get_source_segment(expr, node)
    return seg if seg else type(node).__name__


def _reject(node: ast.AST, expr: str, why: str = "not allowed") -> ValueError:
    return ValueError(f"rule {expr!r}: {why}: {_token(node, expr)!r} ({type(node).__name__})")


def _constant(node: ast.AST, expr: str) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (bool, int, float, str)):
        return node.value
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant)
            and isinstance(node.operand.value, (int, float)) and not isinstance(node.operand.value, bool)):
        return -node.operand.value
    raise _reject(node, expr)


def _check(node: ast.AST, expr: str, names: set[str]) -> None:
    """Walk the tree, allowing only the grammar of the module docstring; collect names."""
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            _check(v, expr, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check(node.operand, expr, names)
    elif isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        for op, right in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                if not isinstance(right, (ast.List, ast.Tuple)):
                    raise _reject(right, expr, "'in' needs a list of constants")
                for elt in right.elts:
                    _constant(elt, expr)
            elif type(op) not in _CMP:
                raise _reject(node, expr, f"comparison operator {type(op).__name__} not allowed")
        for k, o in enumerate(operands):
            after_in = k > 0 and isinstance(node.ops[k - 1], (ast.In, ast.NotIn))
            if after_in:
                continue
            if isinstance(o, ast.Name):
                _check(o, expr, names)
            else:
                _constant(o, expr)
    elif isinstance(node, ast.Name):
        if node.id.startswith("__"):
            raise _reject(node, expr)
        if node.id not in ("True", "False"):
            names.add(node.id)
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return
    else:
        raise _reject(node, expr)


@lru_cache(maxsize=512)
def _parse(expr: str) -> tuple[ast.AST, frozenset[str]]:
    if not isinstance(expr, str) or not expr.strip():
        raise ValueError(f"rule {expr!r}: empty expression")
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"rule {expr!r}: syntax error at {exc.text!r} (offset {exc.offset})") from None
    names: set[str] = set()
    _check(tree.body, expr.strip(), names)
    return tree.body, frozenset(names)


def rule_columns(expr: str) -> set[str]:
    """The column names a rule reads (validating the expression; ValueError if not allowed)."""
    return set(_parse(expr)[1])


def _na_bool(n: int) -> pd.Series:
    return pd.Series(pd.array([pd.NA] * n, dtype="boolean"))


def _as_boolean(s: pd.Series, name: str, expr: str) -> pd.Series:
    """A column used as a bare condition: bool / nullable bool / object of True/False/None."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean")
    vals = s.to_numpy(dtype=object)
    missing = pd.isna(s).to_numpy()
    ok = missing | np.array([isinstance(v, (bool, np.bool_)) for v in vals], dtype=bool)
    if not ok.all():
        bad = vals[~ok][0]
        raise ValueError(f"rule {expr!r}: column {name!r} is used as a condition but holds {bad!r} (not True/False)")
    out = np.where(missing, None, vals)
    return pd.Series(pd.array(list(out), dtype="boolean"))


def _operand(node: ast.AST, frame: pd.DataFrame, expr: str) -> tuple[Any, np.ndarray | None]:
    """(values, missing mask) for a comparison operand: a column (object array) or a constant."""
    if isinstance(node, ast.Name) and node.id not in ("True", "False"):
        s = frame[node.id]
        return s.to_numpy(dtype=object), pd.isna(s).to_numpy()
    return (node.value if isinstance(node, ast.Constant) else _constant(node, expr)), None


def _compare_pair(left: tuple, op: ast.cmpop, right_node: ast.AST, right: tuple, n: int,
                  expr: str) -> pd.Series:
    lv, lm = left
    if isinstance(op, (ast.In, ast.NotIn)):
        allowed = [_constant(e, expr) for e in right_node.elts]  # type: ignore[attr-defined]
        vals = np.broadcast_to(np.asarray(lv, dtype=object), (n,))
        res = np.array([v in allowed for v in vals], dtype=bool)
        if isinstance(op, ast.NotIn):
            res = ~res
        miss = lm if lm is not None else np.zeros(n, dtype=bool)
    else:
        rv, rm = right
        f = _CMP[type(op)]
        a = np.broadcast_to(np.asarray(lv, dtype=object), (n,))
        b = np.broadcast_to(np.asarray(rv, dtype=object), (n,))
        miss = np.zeros(n, dtype=bool)
        if lm is not None:
            miss |= lm
        if rm is not None:
            miss |= rm
        res = np.zeros(n, dtype=bool)
        keep = ~miss
        try:  # element-wise on object arrays (one C loop); a TypeError names the first bad pair below
            res[keep] = np.asarray(f(a[keep], b[keep]), dtype=bool)
        except TypeError:
            for i in np.flatnonzero(keep):
                try:
                    res[i] = bool(f(a[i], b[i]))
                except TypeError:
                    raise ValueError(f"rule {expr!r}: cannot compare {a[i]!r} and {b[i]!r}") from None
    out = pd.array(res, dtype="boolean")
    out[miss] = pd.NA
    return pd.Series(out)


def _eval(node: ast.AST, frame: pd.DataFrame, expr: str) -> pd.Series:
    n = len(frame)
    if isinstance(node, ast.BoolOp):
        parts = [_eval(v, frame, expr) for v in node.values]
        acc = parts[0]
        for p in parts[1:]:
            acc = (acc & p) if isinstance(node.op, ast.And) else (acc | p)
        return acc
    if isinstance(node, ast.UnaryOp):
        return ~_eval(node.operand, frame, expr)
    if isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        acc = None
        for i, op in enumerate(node.ops):
            left = _operand(operands[i], frame, expr)
            right_node = operands[i + 1]
            right = (None, None) if isinstance(op, (ast.In, ast.NotIn)) else _operand(right_node, frame, expr)
            part = _compare_pair(left, op, right_node, right, n, expr)
            acc = part if acc is None else acc & part
        return acc
    if isinstance(node, ast.Name) and node.id in ("True", "False"):
        return pd.Series(pd.array([node.id == "True"] * n, dtype="boolean"))
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return pd.Series(pd.array([node.value] * n, dtype="boolean"))
    if isinstance(node, ast.Name):
        return _as_boolean(frame[node.id].reset_index(drop=True), node.id, expr)
    raise _reject(node, expr)  # unreachable: _parse validated the tree


def evaluate_rule(expr: str, frame: pd.DataFrame) -> pd.Series:
    """Evaluate ``expr`` row-wise over ``frame`` -> pandas nullable ``boolean`` Series (frame's index).

    Grammar and three-valued logic: see the module docstring (Kleene logic, as SQL
    ``AND``/``OR`` and R's ``&``/``|`` with ``NA``). ValueError for a disallowed token (named)
    or a column not in ``frame`` (named, with the available columns).
    """
    tree, names = _parse(expr)
    unknown = sorted(names - set(frame.columns))
    if unknown:
        raise ValueError(f"rule {expr!r}: unknown column(s) {', '.join(unknown)}")
    res = _eval(tree, frame.reset_index(drop=True), expr.strip())
    return pd.Series(res.array, index=frame.index, dtype="boolean", name=None)
