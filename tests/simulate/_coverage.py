"""One simulated ICARIA-MM trial at the published size, reduced to what the coverage test of
test_calibration.py compares: per arm the KM median PFS with its 95 % CI (Brookmeyer-Crowley,
log-log transform as SAS PROC LIFETEST) and the responders / patients for a Clopper-Pearson CI.
A plain module (not a test module) so that worker processes can import it."""

from __future__ import annotations

import pandas as pd

from mmevidence.derive.pipeline import derive_all
from mmevidence.simulate import simulate_study
from mmevidence.simulate.engine import as_store_tables
from mmevidence.stats import kaplan_meier

RESPONDERS = ("sCR", "CR", "VGPR", "PR")
CUTOFF = pd.Timestamp("2018-10-11").date()   # "Data cutoff was Oct 11, 2018."


def trial_estimates(seed: int) -> dict[str, tuple[float, float, float, int, int]]:
    """``{arm: (median, lower, upper, responders, patients)}`` of the trial simulated with ``seed``
    (published size, 307 patients) through ``derive_all``."""
    t = simulate_study("icaria-mm", seed=seed, tables=["labs", "subsequent_therapies"])
    ds, _ = derive_all(as_store_tables(t), cutoff=CUTOFF)
    arm = ds["adsl"].set_index("patient_id")["arm"]
    pfs = ds["adtte"].loc[ds["adtte"]["endpoint"] == "PFS"]
    bor = ds["adrs"].loc[ds["adrs"]["param"] == "BOR"]
    out = {}
    for a in ("Isa-Pd", "Pd"):
        p = pfs.loc[pfs["patient_id"].map(arm) == a]
        m = kaplan_meier(p["time_months"], p["event"], conf_type="log-log").median()
        x = int(bor.loc[bor["patient_id"].map(arm) == a, "response"].isin(RESPONDERS).sum())
        out[a] = (m.estimate, m.lower, m.upper, x, int((arm == a).sum()))
    return out
