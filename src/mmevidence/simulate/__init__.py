"""Study simulator: patient-level source tables calibrated to published trial figures.

``simulate_study(study, n=None, seed=1)`` returns every canonical source table
(``mmevidence.data.schema.TABLES``) of a bundled study (``available_models()``);
``write_tables(tables, out_dir, format="csv")`` writes them for ``mmevidence ingest``;
``write_study(study, out_dir, n, seed)`` does both in bounded memory for very large ``n``.
Models and their assumptions: ``simulate/models/<study_id>.yaml``; the latent frame:
:mod:`mmevidence.simulate.latent`.
"""

from .engine import simulate_latent, simulate_study, write_study, write_tables
from .model import available_models

__all__ = ["available_models", "simulate_latent", "simulate_study", "write_study", "write_tables"]
