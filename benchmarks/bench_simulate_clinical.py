"""Time the clinical simulators (labs, reported responses, administrations, adverse events) on
a large ICARIA-MM latent frame (``python benchmarks/bench_simulate_clinical.py [n]``, default
1,000,000 patients). There is no reference implementation of the simulator to compare with:
the table gives absolute times and rows written, against the simulator budget (the whole
``simulate_study`` of 1,000,000 patients in < 5 minutes; the clinical part ~1-2 minutes).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from _common import best_of, publish
from mmevidence.simulate.adverse_events import simulate_adverse_events
from mmevidence.simulate.dosing import simulate_administrations
from mmevidence.simulate.engine import simulate_latent
from mmevidence.simulate.labs import simulate_labs
from mmevidence.simulate.responses import simulate_reported_responses
from mmevidence.studies import load_study


def main(n: int) -> None:
    load_study("icaria-mm")  # the study YAML is parsed once per process (cached); not timed below
    t0 = time.perf_counter()
    latent = simulate_latent("icaria-mm", n=n, seed=1)[0]
    t_latent = time.perf_counter() - t0
    rows = []
    t, labs = best_of(lambda: simulate_labs(latent, np.random.default_rng(1)), 1)
    rows.append(("simulate_labs", t, len(labs)))
    t, ra = best_of(lambda: simulate_reported_responses(latent, labs, np.random.default_rng(2)), 1)
    rows.append(("simulate_reported_responses", t, len(ra)))
    del ra
    t, adm = best_of(lambda: simulate_administrations(latent, np.random.default_rng(3)), 1)
    rows.append(("simulate_administrations", t, len(adm)))
    del adm
    t, ae = best_of(lambda: simulate_adverse_events(latent, np.random.default_rng(4)), 1)
    rows.append(("simulate_adverse_events", t, len(ae)))
    total = sum(r[1] for r in rows)
    lines = [f"# Clinical simulators, ICARIA-MM, {n:,} patients", "",
             f"Latent frame (S-core, not part of this total): {t_latent:.1f} s.", "",
             "| function | seconds | rows |", "|---|---:|---:|"]
    lines += [f"| `{name}` | {sec:.1f} | {k:,} |" for name, sec, k in rows]
    lines += [f"| **total** | **{total:.1f}** | |", "",
              "No reference implementation exists for a simulator; budget: ~60-120 s for 1,000,000 patients.",
              "2-core machine shared with other work: times vary by about +-30 % between runs."]
    publish("simulate_clinical", "\n".join(lines) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
