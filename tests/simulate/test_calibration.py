"""Calibration acceptance: simulated studies, run through the real pipeline, reproduce the
published figures.

Large-sample part (20,000 patients an arm): ``simulate_study`` -> ``write_tables`` (CSV) ->
``mmevidence.data.ingest`` (DuckDB store) -> ``mmevidence.derive.run_derive`` ->
``mmevidence.stats`` (Kaplan-Meier, Cox) on the stored analysis datasets, then each figure
of ``calibration_figures.FIGURES`` (published value and quote, measurement, tolerance) is
compared with the published value: medians within 5 %, hazard ratios within 0.03,
proportions within 2 percentage points, relative dose intensity within 2 points.
``calibration_table.py`` prints the same figures as the table of docs/simulate.md.

Published-size part (600 seeds of ICARIA-MM, 307 patients): the published PFS median and ORR
must lie in the simulated estimate's 95 % CI (Brookmeyer-Crowley with the log-log transform
of SAS PROC LIFETEST -- ICARIA-MM used SAS 9.4 -- and Clopper-Pearson) in at least 95 % of
the seeds; a published value is compared at its printed precision (6.47 = [6.465, 6.475]).
Derived in memory (``as_store_tables`` + ``derive_all`` in tests/simulate/_coverage.py; test_engine checks it equals
ingest + run_derive).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from mmevidence.stats import clopper_pearson

sys.path.insert(0, str(Path(__file__).parent))
from calibration_figures import FIGURES, run_pipeline  # noqa: E402

pytestmark = pytest.mark.slow

ALL = [f for figs in FIGURES.values() for f in figs]


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    """study -> analysis datasets of its simulation at 20,000 patients an arm (built once)."""
    cache: dict[str, dict] = {}

    def get(study: str) -> dict:
        if study not in cache:
            cache[study] = run_pipeline(study, tmp_path_factory.mktemp(study))
        return cache[study]
    return get


@pytest.mark.parametrize("fig", ALL, ids=[f"{f.study}:{f.id}" for f in ALL])
def test_published_figure(fig, datasets):
    """Each published figure of calibration_figures.FIGURES (quoted there), measured on the
    simulated study run through ingest and derive, within its tolerance."""
    got = fig.measure(datasets(fig.study))
    assert fig.ok(got), f"{fig.label}: simulated {got:.4g} vs published {fig.published:g} ({fig.tolerance()})"


# --------------------------------------------------------------------------------------------
# Coverage at the published size
# --------------------------------------------------------------------------------------------

def _covers(lower: float, upper: float, published: float, decimals: int) -> bool:
    """The published value as printed -- ``published`` to ``decimals`` places, i.e. the interval
    ``published +- half a unit in the last place`` -- meets the CI ``[lower, upper]`` (an upper
    limit not reached is +inf). A median printed as 6.47 months is any value in [6.465, 6.475]:
    the 28-day-grid KM median of 197 days, 6.4723 months, must count as 6.47."""
    half = 0.5 * 10.0 ** -decimals
    upper = np.inf if np.isnan(upper) else upper
    return lower <= published + half and upper >= published - half


def test_covers_uses_the_printed_precision():
    assert _covers(6.4723, 9.0, 6.47, 2)          # 6.4723 prints as 6.47
    assert not _covers(6.4763, 9.0, 6.47, 2)      # 6.4763 prints as 6.48
    assert _covers(8.0, 11.46, 11.5, 1)           # 11.46 prints as 11.5
    assert not _covers(8.0, 11.44, 11.5, 1)
    assert _covers(8.0, np.nan, 11.5, 1)          # upper limit not reached


def test_icaria_coverage_600_seeds():
    """Published PFS median (Pd 6.47, Isa-Pd 11.5) and ORR (54/153, 93/154) inside the simulated
    95 % CI in >= 95 % of 600 simulated ICARIA-MM trials of 307 patients (seeds 1000-1599, three
    blocks of the issue's 200; two worker processes). A calibrated model covers in 95 % of the
    seeds on average, so a single block of 200 (SE 1.5 points) meets 95 % only about half the
    time; 600 seeds measure the coverage with SE 0.9 points. Measured:
    PFS median 95.3 % (Isa-Pd; blocks 95.5 / 96.5 / 94.0) and 97.5 % (Pd; 98.0 / 97.5 / 97.0);
    ORR 100 % (the best-response table is simulated with the published counts, so only the
    IMWG derivation moves it)."""
    import multiprocessing as mp
    import os
    from concurrent.futures import ProcessPoolExecutor

    from _coverage import trial_estimates

    pub_med = {"Isa-Pd": (11.5, 1), "Pd": (6.47, 2)}   # "11·5 months (95% CI 8·9–13·9)"; "(6.47 months)"
    pub_orr = {"Isa-Pd": 93 / 154, "Pd": 54 / 153}     # Table 3 (IRC)
    seeds = range(1000, 1600)
    workers = max(1, min(2, os.cpu_count() or 1))
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        trials = list(pool.map(trial_estimates, seeds, chunksize=25))
    cover = {}
    for a in ("Isa-Pd", "Pd"):
        cover[f"median {a}"] = np.mean([_covers(t[a][1], t[a][2], *pub_med[a]) for t in trials])
        cis = [clopper_pearson(t[a][3], t[a][4]) for t in trials]
        cover[f"ORR {a}"] = np.mean([ci.lower <= pub_orr[a] <= ci.upper for ci in cis])
    assert all(v >= 0.95 for v in cover.values()), cover
