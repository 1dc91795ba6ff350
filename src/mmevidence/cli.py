"""The ``mmevidence`` command line: ingest, validate, info, demo.

Exit codes: 0 success (warnings allowed), 1 validation errors (nothing written),
2 usage errors (bad option, missing store). The validation report goes to standard
output; progress goes to standard error. Patient identifiers are printed only in the
``value`` field of an issue about that row.
"""

from __future__ import annotations

import datetime as dt
import sys
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import click

from . import __version__
from .data.ingest import ingest as run_ingest
from .data.ingest import validate_source
from .data.report import ValidationError, ValidationReport
from .data.store import store_info
from .derive.adam.writer import run_export
from .derive.pipeline import run_derive

DEMO_CUTOFF = "2021-03-31"


@contextmanager
def _progress(enabled: bool):
    """A rich status line on stderr showing the current stage (nothing when disabled)."""
    if not enabled:
        yield lambda _msg: None
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("starting") as status:
        yield lambda msg: status.update(f"[bold]{msg}[/bold]")


def _date(_ctx, _param, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def _echo_report(report: ValidationReport, max_per_rule: int) -> None:
    click.echo(report.render(max_per_rule=max_per_rule))


_common = [
    click.option("--date-format", default=None, metavar="FMT",
                 help="strftime format of dates in the source, e.g. %d/%m/%Y (default ISO YYYY-MM-DD)."),
    click.option("--data-cutoff", default=None, callback=_date, metavar="YYYY-MM-DD",
                 help="Data cut-off: later dates are errors (default: the run date)."),
    click.option("--max-shown", default=10, show_default=True, type=click.IntRange(min=0),
                 help="Issues shown on screen per table and rule (the CSV report has all)."),
    click.option("--quiet", is_flag=True, help="No progress display."),
]


def _with_common(f):
    for opt in reversed(_common):
        f = opt(f)
    return f


@click.group()
@click.version_option(__version__, prog_name="mmevidence")
def main() -> None:
    """mmevidence: multiple-myeloma evidence from patient-level data."""


@main.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--store", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="DuckDB study store to write (replaced atomically).")
@click.option("--report", "report_csv", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV validation report (default: STORE with suffix .validation.csv).")
@_with_common
def ingest(source: Path, store: Path, report_csv: Path | None, date_format: str | None,
           data_cutoff: dt.date | None, max_shown: int, quiet: bool) -> None:
    """Validate SOURCE (folder of per-table files, or an XLSX workbook) and write it to a study store."""
    sys.exit(_ingest(source, store, report_csv, date_format, data_cutoff, max_shown, quiet))


def _ingest(source: Path, store: Path, report_csv: Path | None, date_format: str | None,
            data_cutoff: dt.date | None, max_shown: int, quiet: bool) -> int:
    report_csv = report_csv or store.with_suffix(".validation.csv")
    try:
        with _progress(not quiet) as progress:
            result = run_ingest(source, store, data_cutoff=data_cutoff, date_format=date_format,
                                report_csv=report_csv, progress=progress)
    except ValidationError as exc:
        _echo_report(exc.report, max_shown)
        click.echo(f"Full report: {report_csv}")
        click.echo(f"Not written: {exc.report.n_errors} error(s). {store} was not created or changed.", err=True)
        return 1
    _echo_report(result.report, max_shown)
    click.echo(f"Full report: {report_csv}")
    click.echo(f"Wrote {store} in {result.seconds:.1f} s")
    return 0


@main.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--report", "report_csv", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the complete report as CSV here.")
@_with_common
def validate(source: Path, report_csv: Path | None, date_format: str | None, data_cutoff: dt.date | None,
             max_shown: int, quiet: bool) -> None:
    """Run every check on SOURCE without writing a store."""
    with _progress(not quiet) as progress:
        report = validate_source(source, data_cutoff=data_cutoff, date_format=date_format, progress=progress)
    _echo_report(report, max_shown)
    if report_csv is not None:
        report.to_csv(report_csv)
        click.echo(f"Full report: {report_csv}")
    sys.exit(0 if report.ok else 1)


@main.command()
@click.argument("store", type=click.Path(dir_okay=False, path_type=Path))
def info(store: Path) -> None:
    """Tables, row counts and provenance of a study STORE."""
    try:
        _print_info(store)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None


def _print_info(store: Path) -> None:
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


@main.command()
@click.argument("store", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--config", "config_path", default=None, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML with derivation settings (windows, thresholds, PFS censoring rule, regimens).")
def derive(store: Path, config_path: Path | None) -> None:
    """Derive the analysis datasets (adsl, adtte, adrs, adae, adex) into a study STORE."""
    try:
        click.echo(str(run_derive(store, config_path)))
    except (FileNotFoundError, ValueError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


@main.command()
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


@main.command()
@click.option("--out", "out_dir", default=Path("out/demo"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--quiet", is_flag=True, help="No progress display.")
def demo(out_dir: Path, quiet: bool) -> None:
    """Ingest the bundled example Isa-Pd cohort into OUT/study.duckdb, derive its analysis datasets and export them as ADaM."""
    example = resources.files("mmevidence.data").joinpath("example")
    store = out_dir / "study.duckdb"
    with resources.as_file(example) as src:
        click.echo(f"Example cohort: {src}")
        code = _ingest(Path(src), store, out_dir / "validation_report.csv", None,
                       dt.date.fromisoformat(DEMO_CUTOFF), 10, quiet)
    if code != 0:
        sys.exit(code)
    click.echo("")
    _print_info(store)
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


if __name__ == "__main__":  # pragma: no cover
    main()
