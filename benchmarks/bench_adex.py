"""Benchmark: ``derive_adex`` on 100,000 patients (5.9 M administration rows).

Input: the bundled example cohort (``src/mmevidence/data/example/administrations.csv`` and
``patients.csv``, read with ``pandas.read_csv`` as ``tests/derive/test_adex.py`` reads them)
copied ``--copies`` times (default 5,000: 20 patients -> 100,000), copy ``k`` suffixing every
``patient_id`` with ``_k`` (``generate``). Regimen: bundled ``isa_pd``.

Timed in the same run: the current ``mmevidence.derive.adex.derive_adex`` and, as the
reference, the pre-optimisation version when ``--old PATH`` points at a copy of it (a
module file; not part of the repository). Both returned frames must be identical
(``pandas.testing.assert_frame_equal``) before a time is reported. Writes
``benchmarks/results/adex.md``.

Usage: ``python benchmarks/bench_adex.py [--copies N] [--repeat R] [--old /tmp/adex_old.py]``
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
EXAMPLE = ROOT.parent / "src" / "mmevidence" / "data" / "example"

from _common import best_of, publish  # noqa: E402


def generate(copies: int = 5_000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(administrations, patients): the bundled example cohort repeated ``copies`` times,
    copy ``k`` with ``patient_id`` + ``_k`` (zero-padded), columns and dtypes as read by
    ``pandas.read_csv`` (dates stay text)."""
    adm = pd.read_csv(EXAMPLE / "administrations.csv")
    pat = pd.read_csv(EXAMPLE / "patients.csv")
    width = len(str(copies - 1))
    suffix = np.array([f"_{k:0{width}d}" for k in range(copies)], dtype=object)

    def repeat(frame: pd.DataFrame) -> pd.DataFrame:
        n = len(frame)
        out = pd.DataFrame({c: np.tile(frame[c].to_numpy(), copies) for c in frame.columns})
        out["patient_id"] = np.tile(frame["patient_id"].to_numpy(dtype=object), copies) + np.repeat(suffix, n)
        return out

    return repeat(adm), repeat(pat)


def _load_old(path: Path):
    spec = importlib.util.spec_from_file_location("adex_old", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--old", type=Path, default=None, help="pre-optimisation adex.py to compare against")
    args = ap.parse_args()

    from mmevidence.derive.adex import derive_adex
    from mmevidence.derive.regimens import load_regimen

    regimen = load_regimen("isa_pd")
    adm, pat = generate(args.copies)
    n_pat = pat["patient_id"].nunique()
    print(f"{n_pat:,} patients, {len(adm):,} administration rows")

    t_new, (d_new, p_new) = best_of(lambda: derive_adex(adm, pat, regimen), args.repeat)
    print(f"new: {t_new:.2f} s")
    rows = [("`derive_adex` (this version)", t_new)]
    ratio = None
    if args.old is not None:
        old = _load_old(args.old)
        t_old, (d_old, p_old) = best_of(lambda: old.derive_adex(adm, pat, regimen), args.repeat)
        print(f"old: {t_old:.2f} s")
        pd.testing.assert_frame_equal(d_new, d_old)
        pd.testing.assert_frame_equal(p_new, p_old)
        ratio = t_old / t_new
        rows.append(("`derive_adex` before optimisation (same run)", t_old))

    lines = [
        "# derive_adex benchmark", "",
        f"Input: bundled example cohort x {args.copies:,} ({n_pat:,} patients, {len(adm):,} administration "
        f"rows, {len(d_new):,} patient-drug rows out); regimen isa_pd; best of {args.repeat}.",
        f"Machine: {platform.machine()}, {platform.python_version()}, pandas {pd.__version__}, "
        f"numpy {np.__version__} (2 cores shared with other work).", "",
        "| what | time (s) |", "|---|---:|",
        *[f"| {name} | {t:.2f} |" for name, t in rows],
    ]
    if ratio is not None:
        lines += ["", f"Speed-up vs the pre-optimisation version: **{ratio:.1f}x**; both returned frames identical "
                      "(`pandas.testing.assert_frame_equal`)."]
    text = "\n".join(lines) + "\n"
    publish("adex", text)


if __name__ == "__main__":
    main()
