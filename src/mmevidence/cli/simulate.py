"""``simulate``: a synthetic cohort of a bundled study, written as canonical source tables."""

from __future__ import annotations

import time
from pathlib import Path

import click


@click.command()
@click.option("--study", "study_id", required=True, metavar="ID",
              help="Bundled study whose published figures calibrate the cohort (icaria-mm, image, cup, "
                   "italian-dara-refractory).")
@click.option("--n", "n", default=None, type=click.IntRange(min=1), help="Patients in total (default: the published size).")
@click.option("--seed", default=1, show_default=True, type=int, help="Random seed (the output is deterministic for a seed).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the source tables (one file a table).")
@click.option("--format", "fmt", default="csv", show_default=True, type=click.Choice(["csv", "parquet"]))
def simulate(study_id: str, n: int | None, seed: int, out_dir: Path, fmt: str) -> None:
    """Simulate a cohort calibrated to a study's published figures and write its source tables to OUT."""
    from ..simulate import available_models, simulate_study, write_tables

    if study_id not in available_models():
        raise click.BadParameter(f"{study_id!r}; bundled studies: {', '.join(available_models())}",
                                 param_hint="--study")
    start = time.perf_counter()
    tables = simulate_study(study_id, n, seed)
    paths = write_tables(tables, out_dir, fmt)
    n_patients = len(tables["patients"])
    click.echo(f"Simulated {n_patients:,} patients of {study_id} (seed {seed}) in {time.perf_counter() - start:.1f} s:")
    for path in paths:
        click.echo(f"  {path}")
