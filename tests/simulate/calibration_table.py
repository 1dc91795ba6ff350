"""Print the "published vs simulated at 20,000 per arm" table of docs/simulate.md (markdown).

Plain script (not a test): every figure ``test_calibration.py`` checks
(``calibration_figures.FIGURES``) and the published figures not calibrated
(``calibration_figures.UNCALIBRATED``), each measured on its study simulated at 20,000
patients an arm (seed 11) and run through write_tables -> ingest -> run_derive, exactly as the
test does. Takes about three minutes::

    .venv/bin/python tests/simulate/calibration_table.py > /tmp/table.md
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from calibration_figures import FIGURES, UNCALIBRATED, run_pipeline, safety  # noqa: E402

STUDY_LABEL = {"icaria-mm": "ICARIA-MM", "image": "IMAGE", "italian-dara-refractory": "Italian dara-refractory",
               "cup": "German CUP"}


def _fmt(x: float) -> str:
    return "NR" if x != x else f"{x:.4g}"


def main() -> None:
    rows = ["| Study | Figure | Published | Simulated | Tolerance | Within |", "|---|---|---:|---:|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for study, figs in FIGURES.items():
            ds = run_pipeline(study, Path(tmp) / study)
            extra = [f for f in UNCALIBRATED if f.study == study]
            for f in figs + extra:
                got = f.measure(ds)
                unit = f" {f.unit}" if f.unit and f.unit != "%" else ("%" if f.unit == "%" else "")
                within = ("yes" if f.ok(got) else "**no**") + (" (not calibrated)" if f in extra else "")
                rows.append(f"| {STUDY_LABEL[study]} | {f.label} | {f.published:.4g}{unit} | {_fmt(got)}{unit} | "
                            f"{f.tolerance()} | {within} |")
            if extra:   # the same durations as (last dose + 28 days - first dose) / 7, for comparison
                for arm in ("Isa-Pd", "Pd"):
                    s = safety(ds, arm)
                    alt = (((s["trt_end"] - s["trt_start"]).dt.days + 28) / 7).median()
                    rows.append(f"| {STUDY_LABEL[study]} | Treatment duration median, {arm}, as (last dose + 28 d "
                                f"- first dose) / 7 | | {alt:.4g} weeks | | for comparison |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
