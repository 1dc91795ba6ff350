"""Benchmark: reconstruction of patient data from digitised KM curves (Guyot et al. 2012).

Plain script, not a test. Input: the 24 digitised arms of the 12 fixed-seed scenarios of the
acceptance test (tests/compare/reconstruction_scenarios.py: 250 patients an arm, the top and foot
of every step read with +-0.005 noise, at-risk table every 3 months). Rows:

1. the R transcription of the appendix code (tests/compare/fixtures/guyot/guyot.R, its function
   definitions only) on the prepared points, timed inside R (``system.time``) in the same run;
2. mmevidence ``reconstruct_ipd(events="guyot")`` on the same prepared points (the same patients
   as R: checked, "same IPD");
3. ``reconstruct_ipd`` from the raw readings, preparation included, with ``events="guyot"`` and
   with ``events="steps"`` (each drawn drop an event, least squares over the interval).

Usage: python benchmarks/bench_reconstruct.py     Writes benchmarks/results/reconstruct.md.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from _common import best_of, publish

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "compare"))
from reconstruction_scenarios import CENSORING, DISTRIBUTIONS, SEED, digitise, simulate_arm  # noqa: E402

from mmevidence import compare  # noqa: E402
from mmevidence.compare.reconstruct import prepare_curve  # noqa: E402

REPEAT = 5

R_SCRIPT = r"""
exprs <- parse(file.path("{fixture}", "guyot.R"))
for (e in exprs) if (is.call(e) && identical(e[[1]], as.name("<-")) && is.call(e[[3]]) &&
                     identical(e[[3]][[1]], as.name("function"))) eval(e)
arms <- lapply(seq_len({n}), function(j) list(
  curve = read.csv(file.path("{tmp}", sprintf("curve_%d.csv", j))),
  risk = read.csv(file.path("{tmp}", sprintf("risk_%d.csv", j)))))
run <- function() lapply(arms, function(a) guyot(a$curve$time, a$curve$survival, a$risk$time, a$risk$n_risk))
best <- Inf
for (r in 1:{repeat}) best <- min(best, system.time(out <- run())[["elapsed"]])
for (j in seq_along(out)) write.csv(out[[j]], file.path("{tmp}", sprintf("ipd_%d.csv", j)), row.names = FALSE)
cat(sprintf("%.6f\n", best))
"""


def _arms() -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    arms = []
    for d in DISTRIBUTIONS:
        for c in CENSORING:
            rng = np.random.default_rng([SEED, list(DISTRIBUTIONS).index(d), list(CENSORING).index(c)])
            sims = [simulate_arm(rng, DISTRIBUTIONS[d], hr, CENSORING[c]) for hr in (1.0, 0.7)]
            arms += [digitise(rng, arm) for arm in sims]
    return arms


def _r_version() -> str:
    out = subprocess.run(["Rscript", "-e", "cat(R.version.string)"], capture_output=True, text=True)
    return out.stdout.strip()


def main() -> None:
    arms = _arms()
    prepared = [(prepare_curve(curve)[["time", "survival"]], risk) for curve, risk in arms]
    with tempfile.TemporaryDirectory() as tmp:
        for j, (curve, risk) in enumerate(prepared, start=1):
            curve.to_csv(Path(tmp) / f"curve_{j}.csv", index=False)
            risk.to_csv(Path(tmp) / f"risk_{j}.csv", index=False)
        script = R_SCRIPT.format(fixture=ROOT / "tests" / "compare" / "fixtures" / "guyot", n=len(prepared),
                                 tmp=tmp, repeat=REPEAT)
        r_out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True)
        t_r = float(r_out.stdout.strip().splitlines()[-1])
        r_ipd = [pd.read_csv(Path(tmp) / f"ipd_{j}.csv") for j in range(1, len(prepared) + 1)]

    t_prepared, ours = best_of(lambda: [compare.reconstruct_ipd(c, r) for c, r in prepared], REPEAT)
    same = all(np.allclose(a["time"], b["time"], rtol=1e-12) and (a["event"].to_numpy() == b["event"].to_numpy()).all()
               for a, b in zip(ours, r_ipd))
    t_guyot, _ = best_of(lambda: [compare.reconstruct_ipd(c, r) for c, r in arms], REPEAT)
    t_steps, _ = best_of(lambda: [compare.reconstruct_ipd(c, r, events="steps") for c, r in arms], REPEAT)
    points = sum(len(c) for c, _ in arms)
    rows = [("R appendix code (guyot.R), prepared points", t_r, "reference"),
            ("mmevidence events=\"guyot\", prepared points", t_prepared, f"same IPD as R: {'yes' if same else 'NO'}"),
            ("mmevidence events=\"guyot\", raw readings (preparation included)", t_guyot, ""),
            ("mmevidence events=\"steps\", raw readings (preparation included)", t_steps, "")]
    lines = [
        "# Reconstruction of patient data from digitised KM curves",
        "",
        f"{len(arms)} digitised arms of 250 patients ({points} readings): the 12 fixed-seed scenarios of "
        "tests/compare/reconstruction_scenarios.py. Best of "
        f"{REPEAT} runs; R timed inside R (`system.time`) in the same run.",
        "",
        "| implementation | seconds (all arms) | ms per arm | ratio to R | note |",
        "|---|---:|---:|---:|---|",
    ]
    for name, t, note in rows:
        lines.append(f"| {name} | {t:.3f} | {1000 * t / len(arms):.1f} | {t / t_r:.2f} | {note} |")
    lines += ["", f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"numpy {np.__version__}, pandas {pd.__version__}; "
              f"{_r_version()}."]
    publish("reconstruct", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
