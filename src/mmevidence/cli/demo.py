"""``demo``: the whole chain on bundled data, one command."""

from __future__ import annotations

import datetime as dt
import sys
from importlib import resources
from pathlib import Path

import click

from ..derive.adam.writer import run_export
from ..derive.pipeline import run_derive
from .data import ingest_source, print_info

DEMO_CUTOFF = "2021-03-31"


@click.command()
@click.option("--out", "out_dir", default=Path("out/demo"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--quiet", is_flag=True, help="No progress display.")
def demo(out_dir: Path, quiet: bool) -> None:
    """Ingest the bundled example Isa-Pd cohort into OUT/study.duckdb, derive its analysis datasets and export them as ADaM."""
    example = resources.files("mmevidence.data").joinpath("example")
    store = out_dir / "study.duckdb"
    with resources.as_file(example) as src:
        click.echo(f"Example cohort: {src}")
        code = ingest_source(Path(src), store, out_dir / "validation_report.csv", None,
                       dt.date.fromisoformat(DEMO_CUTOFF), 10, quiet)
    if code != 0:
        sys.exit(code)
    click.echo("")
    print_info(store)
    click.echo("")
    click.echo(str(run_derive(store)))
    adam_dir = out_dir / "adam"
    run_export(store, adam_dir)
    click.echo("")
    click.echo(f"Demo output in {out_dir.resolve()}:")
    click.echo(f"  {store.name:<24} DuckDB study store with source and analysis datasets "
               "(open with duckdb or mmevidence.data.open_store)")
    click.echo(f"  {'validation_report.csv':<24} validation report")
    click.echo(f"  {'adam/':<24} CDISC ADaM datasets (adsl, adtte, adrs, adae, adex) as XPT and CSV")
