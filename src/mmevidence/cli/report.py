"""``analyse`` and ``report``: a derived study store analysed with a study's plan."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._common import progress_status

_study_option = click.option(
    "--study", "study", required=True, metavar="ID|YAML",
    help="Study definition: a bundled id (icaria-mm, image, cup, italian-dara-refractory) or a YAML file.")


@click.command()
@click.argument("store", type=click.Path(dir_okay=False, path_type=Path))
@_study_option
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for results.csv and results.json.")
def analyse(store: Path, study: str, out_dir: Path) -> None:
    """Run the study's analysis plan on STORE and write every statistic as tidy records."""
    from ..analysis.run import export_results, run_analysis

    try:
        records = run_analysis(store, study)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    for path in export_results(records, out_dir):
        click.echo(f"  {path}")
    click.echo(f"{len(records):,} result records")


@click.command()
@click.argument("store", type=click.Path(dir_okay=False, path_type=Path))
@_study_option
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the report (report.html, report.docx, report.xlsx, figures/, results.*).")
@click.option("--suppress-below", default=None, type=click.IntRange(min=2), metavar="K",
              help="Show patient counts 1..K-1 as '<K' in the documents (records are never altered).")
@click.option("--format", "formats", multiple=True, type=click.Choice(["html", "docx", "xlsx"]),
              help="Document formats (default: all three).")
@click.option("--quiet", is_flag=True, help="No progress display.")
def report(store: Path, study: str, out_dir: Path, suppress_below: int | None, formats: tuple[str, ...],
           quiet: bool) -> None:
    """Analyse STORE with the study's plan and write the publication tables, figures and documents."""
    from ..report.build import FORMATS, run_report

    try:
        with progress_status(not quiet) as progress:
            out = run_report(store, study, out_dir, suppress_below, formats or FORMATS, progress=progress)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    for path in (out.html, out.docx, out.xlsx, out.results_csv, out.results_json):
        if path is not None:
            click.echo(f"  {path}")
