"""Treatment history before the index date: number of prior lines, exposure and refractoriness
by drug and drug class, prior transplant.

Definitions:

* Refractory (IMWG, Rajkumar SV et al., Blood 2011;117:4691-5): progression on or within
  60 days of the last dose of a line. The source records it per line (``prior_therapies.
  refractory``); a patient is refractory to a drug when some line containing it is
  refractory (the line-level flag applies to every drug of the line: the data model holds
  no per-drug refractoriness).
* Classes: immunomodulatory drugs (IMiD: lenalidomide, pomalidomide, thalidomide), proteasome
  inhibitors (PI: bortezomib, carfilzomib, ixazomib), anti-CD38 antibodies (daratumumab,
  isatuximab), alkylators (melphalan, cyclophosphamide, bendamustine, melphalan
  flufenamide). Triple-class refractory = refractory to >= 1 IMiD, >= 1 PI and >= 1
  anti-CD38 antibody (Gandhi UH et al., Leukemia 2019;33:2266-75, cited by seed 004).
* ICARIA-MM Table 1 (seed 002): refractory to the last line, to lenalidomide, to a PI, to
  lenalidomide and a PI, to lenalidomide at the last line. Randomisation strata: prior
  lines 2-3 vs > 3. IMAGE (seed 000) subgroups: 1 / 2 / >= 3 prior lines.

Three-valued results: ``True``/``False``/``None``. A refractoriness flag is None when the
drug was taken only in lines whose ``refractory`` is missing (unknown, not assumed no).
A patient with no ``prior_therapies`` row has 0 prior lines and is unexposed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.schema import LIST_SEPARATOR

DRUG_CLASSES: dict[str, tuple[str, ...]] = {
    "imid": ("lenalidomide", "pomalidomide", "thalidomide"),
    "pi": ("bortezomib", "carfilzomib", "ixazomib"),
    "anti_cd38": ("daratumumab", "isatuximab"),
    "alkylator": ("melphalan", "cyclophosphamide", "bendamustine", "melphalan flufenamide"),
}

#: Single drugs with their own exposure/refractoriness columns.
TRACKED_DRUGS: tuple[str, ...] = ("lenalidomide", "pomalidomide", "daratumumab", "bortezomib", "carfilzomib")

#: Everything that gets ``exp_<target>`` and ``ref_<target>`` columns.
TARGETS: tuple[str, ...] = TRACKED_DRUGS + tuple(DRUG_CLASSES)

_DRUG_TO_TARGETS: dict[str, list[str]] = {}
for _d in TRACKED_DRUGS:
    _DRUG_TO_TARGETS.setdefault(_d, []).append(_d)
for _cls, _drugs in DRUG_CLASSES.items():
    for _d in _drugs:
        _DRUG_TO_TARGETS.setdefault(_d, []).append(_cls)


def _three(true: np.ndarray, false: np.ndarray) -> np.ndarray:
    """Object array: True where ``true``, False where ``false`` (and not ``true``), None elsewhere."""
    out = np.full(len(true), None, dtype=object)
    out[np.asarray(false, dtype=bool)] = False
    out[np.asarray(true, dtype=bool)] = True
    return out


def _and3(a: pd.Series, b: pd.Series) -> pd.Series:
    """Kleene AND of True/False/None object series."""
    out = pd.Series(None, index=a.index, dtype=object)
    out[(a == True) & (b == True)] = True  # noqa: E712
    out[(a == False) | (b == False)] = False  # noqa: E712
    return out


def prior_lines_groups(n: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(ICARIA-MM groups "<2"/"2-3"/">3", IMAGE groups "0"/"1"/"2"/">=3") of the number of prior lines."""
    v = n.to_numpy(dtype=float)
    icaria = np.where(v < 2, "<2", np.where(v <= 3, "2-3", ">3")).astype(object)
    image = np.where(v >= 3, ">=3", np.nan_to_num(v).astype("int64").astype(str))
    image = image.astype(object)
    icaria[np.isnan(v)] = None
    image[np.isnan(v)] = None
    return pd.Series(icaria, index=n.index), pd.Series(image, index=n.index)


def therapy_history(prior_therapies: pd.DataFrame | None, patient_ids: pd.Series) -> pd.DataFrame:
    """One row a patient of ``patient_ids`` with prior-line counts, exposure and refractoriness.

    Columns: ``n_prior_lines`` (distinct ``line_number``), ``prior_lines_group`` (2-3 vs >3,
    ICARIA-MM), ``prior_lines_group_image`` (1 / 2 / >=3), ``exp_<target>`` / ``ref_<target>``
    for every target of :data:`TARGETS`, ``ref_len_pi`` (lenalidomide and a PI),
    ``triple_class_refractory``, ``ref_last_line``, ``len_last_line`` (lenalidomide in the
    last prior line), ``ref_len_last_line``, ``asct_in_prior_lines``. With
    ``prior_therapies`` None (table not supplied) every column is missing.
    """
    out = pd.DataFrame({"patient_id": patient_ids.to_numpy()})
    bool_cols = ([f"exp_{t}" for t in TARGETS] + [f"ref_{t}" for t in TARGETS]
                 + ["ref_len_pi", "triple_class_refractory", "ref_last_line", "len_last_line", "ref_len_last_line",
                    "asct_in_prior_lines"])
    if prior_therapies is None:
        out["n_prior_lines"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["prior_lines_group"] = None
        out["prior_lines_group_image"] = None
        for col in bool_cols:
            out[col] = None
        return out
    pt = prior_therapies.loc[prior_therapies["patient_id"].isin(out["patient_id"])]
    n = out["patient_id"].map(pt.groupby("patient_id")["line_number"].nunique()).fillna(0).astype("int64")
    out["n_prior_lines"] = n.astype("Int64")
    out["prior_lines_group"], out["prior_lines_group_image"] = prior_lines_groups(n)

    ref = pt["refractory"].astype(object).where(pt["refractory"].notna(), None)
    lines = pd.DataFrame({"patient_id": pt["patient_id"].to_numpy(), "line_number": pt["line_number"].to_numpy(),
                          "refractory": ref.to_numpy(),
                          "drug": pt["drugs"].fillna("").str.lower().str.split(LIST_SEPARATOR).to_numpy()})
    long = lines.explode("drug")
    long["drug"] = long["drug"].str.strip()
    long["target"] = long["drug"].map(_DRUG_TO_TARGETS)
    long = long.dropna(subset=["target"]).explode("target")
    long = long.drop_duplicates(["patient_id", "line_number", "target"])
    long["ref_true"] = long["refractory"] == True  # noqa: E712
    long["ref_na"] = long["refractory"].isna()
    g = long.groupby(["patient_id", "target"]).agg(ref_true=("ref_true", "any"), ref_na=("ref_na", "any"))
    g["ref"] = _three(g["ref_true"].to_numpy(), ~g["ref_true"].to_numpy() & ~g["ref_na"].to_numpy())
    exposed = g.index.to_frame(index=False).assign(v=True).pivot(index="patient_id", columns="target", values="v")
    refr = g["ref"].unstack("target")
    for t in TARGETS:
        e = out["patient_id"].map(exposed[t]) if t in exposed.columns else pd.Series(np.nan, index=out.index)
        out[f"exp_{t}"] = e.notna().astype(object)
        r = out["patient_id"].map(refr[t]) if t in refr.columns else pd.Series(np.nan, index=out.index)
        out[f"ref_{t}"] = _three((r == True).to_numpy(), (e.isna() | (r == False)).to_numpy())  # noqa: E712
    out["ref_len_pi"] = _and3(out["ref_lenalidomide"], out["ref_pi"])
    out["triple_class_refractory"] = _and3(_and3(out["ref_imid"], out["ref_pi"]), out["ref_anti_cd38"])

    last = lines.sort_values(["patient_id", "line_number"]).drop_duplicates("patient_id", keep="last")
    last = last.set_index("patient_id")
    has_line = out["patient_id"].isin(last.index).to_numpy()
    ref_last = out["patient_id"].map(last["refractory"]).astype(object)
    out["ref_last_line"] = _three((ref_last == True).to_numpy(), ~has_line | (ref_last == False).to_numpy())  # noqa: E712
    len_rows = long.loc[long["drug"] == "lenalidomide", ["patient_id", "line_number"]]
    len_last = len_rows.merge(last["line_number"].reset_index(), on=["patient_id", "line_number"])["patient_id"]
    out["len_last_line"] = out["patient_id"].isin(len_last).astype(object)
    out["ref_len_last_line"] = _and3(out["len_last_line"], out["ref_last_line"])

    asct = pt["asct"].astype(object).where(pt["asct"].notna(), None) if "asct" in pt.columns else None
    if asct is None:
        out["asct_in_prior_lines"] = None
    else:
        a = pd.DataFrame({"patient_id": pt["patient_id"].to_numpy(), "t": (asct == True).to_numpy(),  # noqa: E712
                          "na": asct.isna().to_numpy()}).groupby("patient_id").agg(t=("t", "any"), na=("na", "any"))
        t = out["patient_id"].map(a["t"]).astype("boolean").fillna(False).to_numpy(dtype=bool)
        na = out["patient_id"].map(a["na"]).astype("boolean").fillna(False).to_numpy(dtype=bool)
        out["asct_in_prior_lines"] = _three(t, ~t & ~na)
    return out
