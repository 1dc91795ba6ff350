"""``ingest``, ``validate`` and ``info``: source files into a validated study store."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..data.ingest import ingest as run_ingest
from ..data.ingest import validate_source
from ..data.report import ValidationError
from ..data.store import store_info
from ._common import echo_report, progress_status, with_common


@click.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--store", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="DuckDB study store to write (replaced atomically).")
@click.option("--report", "report_csv", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV validation report (default: STORE with suffix .validation.csv).")
@with_common
def ingest(source: Path, store: Path, report_csv: Path | None, date_format: str | None,
           data_cutoff: dt.date | None, max_shown: int, quiet: bool) -> None:
    """Validate SOURCE (folder of per-table files, or an XLSX workbook) and write it to a study store."""
    sys.exit(ingest_source(source, store, report_csv, date_format, data_cutoff, max_shown, quiet))


def ingest_source(source: Path, store: Path, report_csv: Path | None, date_format: str | None,
            data_cutoff: dt.date | None, max_shown: int, quiet: bool) -> int:
    report_csv = report_csv or store.with_suffix(".validation.csv")
    try:
        with progress_status(not quiet) as progress:
            result = run_ingest(source, store, data_cutoff=data_cutoff, date_format=date_format,
                                report_csv=report_csv, progress=progress)
    except ValidationError as exc:
        echo_report(exc.report, max_shown)
        click.echo(f"Full report: {report_csv}")
        click.echo(f"Not written: {exc.report.n_errors} error(s). {store} was not created or changed.", err=True)
        return 1
    echo_report(result.report, max_shown)
    click.echo(f"Full report: {report_csv}")
    click.echo(f"Wrote {store} in {result.seconds:.1f} s")
    return 0


@click.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--report", "report_csv", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the complete report as CSV here.")
@with_common
def validate(source: Path, report_csv: Path | None, date_format: str | None, data_cutoff: dt.date | None,
             max_shown: int, quiet: bool) -> None:
    """Run every check on SOURCE without writing a store."""
    with progress_status(not quiet) as progress:
        report = validate_source(source, data_cutoff=data_cutoff, date_format=date_format, progress=progress)
    echo_report(report, max_shown)
    if report_csv is not None:
        report.to_csv(report_csv)
        click.echo(f"Full report: {report_csv}")
    sys.exit(0 if report.ok else 1)


@click.command()
@click.argument("store", type=click.Path(dir_okay=False, path_type=Path))
def info(store: Path) -> None:
    """Tables, row counts and provenance of a study STORE."""
    try:
        print_info(store)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None


def print_info(store: Path) -> None:
    inf = store_info(store)
    click.echo(f"Study store {store}")
    click.echo("Tables (rows):")
    for name, n in inf["tables"].items():
        click.echo(f"  {name:<22} {n:>10,}")
    issues = inf["issues"]
    click.echo(f"Validation: {issues.get('error', 0)} error(s), {issues.get('warning', 0)} warning(s) "
               "(table _validation_report)")
    conv = inf["conversions"]
    if len(conv):
        click.echo("Unit conversions (table _unit_conversions):")
        for r in conv.itertuples(index=False):
            click.echo(f"  {r.conversion:<45} {r.rows:>8,} row(s)")
    prov = inf["provenance"]
    if len(prov):
        first = prov.iloc[0]
        click.echo(f"Provenance: ingested {first['ingested_at_utc']} UTC by mmevidence {first['tool_version']} "
                   f"from {first['source']}; {first['date_rule']}")
        for r in prov.itertuples(index=False):
            click.echo(f"  {r.file:<28} {r.table_name:<22} {r.rows:>9,} rows {r.bytes:>12,} bytes "
                       f"sha256 {r.sha256[:16]}...")
