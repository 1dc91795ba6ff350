"""Shared pieces of the command line: progress display, option callbacks, common options."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import click

from ..data.report import ValidationReport

@contextmanager
def progress_status(enabled: bool):
    """A rich status line on stderr showing the current stage (nothing when disabled)."""
    if not enabled:
        yield lambda _msg: None
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("starting") as status:
        yield lambda msg: status.update(f"[bold]{msg}[/bold]")


def parse_date(_ctx, _param, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def echo_report(report: ValidationReport, max_per_rule: int) -> None:
    click.echo(report.render(max_per_rule=max_per_rule))


COMMON_OPTIONS = [
    click.option("--date-format", default=None, metavar="FMT",
                 help="strftime format of dates in the source, e.g. %d/%m/%Y (default ISO YYYY-MM-DD)."),
    click.option("--data-cutoff", default=None, callback=parse_date, metavar="YYYY-MM-DD",
                 help="Data cut-off: later dates are errors (default: the run date)."),
    click.option("--max-shown", default=10, show_default=True, type=click.IntRange(min=0),
                 help="Issues shown on screen per table and rule (the CSV report has all)."),
    click.option("--quiet", is_flag=True, help="No progress display."),
]


def with_common(f):
    for opt in reversed(COMMON_OPTIONS):
        f = opt(f)
    return f


