"""``derive`` and ``export``: analysis datasets in a study store, and their ADaM export."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..derive.adam.writer import run_export
from ..derive.pipeline import run_derive


@click.command()
@click.argument("store", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--config", "config_path", default=None, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML with derivation settings (windows, thresholds, PFS censoring rule, regimens).")
@click.option("--study", default=None, metavar="ID|YAML",
              help="Apply the endpoint definitions (censoring rules, response assessor) of a study definition "
                   "on top of --config.")
def derive(store: Path, config_path: Path | None, study: str | None) -> None:
    """Derive the analysis datasets (adsl, adtte, adrs, adae, adex) into a study STORE."""
    try:
        config = None
        if study is not None:
            from ..analysis.plan import study_derive_config
            from ..derive.config import load_config
            from ..studies import load_study
            config = study_derive_config(load_study(study), load_config(config_path))
        click.echo(str(run_derive(store, config_path, config)))
    except (FileNotFoundError, ValueError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


@click.command()
@click.argument("store", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--adam", "adam_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the CDISC ADaM datasets (SAS XPT v5 and CSV).")
@click.option("--studyid", default=None, help="STUDYID value (default: the store's file name).")
def export(store: Path, adam_dir: Path, studyid: str | None) -> None:
    """Export the derived datasets of a study STORE with CDISC ADaM variable names."""
    try:
        written = run_export(store, adam_dir, studyid)
    except (FileNotFoundError, ValueError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    for name, path in written.items():
        click.echo(f"  {name:<8} {path}")
