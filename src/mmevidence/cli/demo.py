"""``demo``: the whole chain on simulated data, one command.

Simulates an ICARIA-MM cohort (both arms, published size) and an IMAGE cohort (single-arm
real-world Isa-Pd), then for each: writes the source tables, ingests and validates them into a
study store, derives the analysis datasets, analyses them with the study's plan and writes the
report (HTML, DOCX, XLSX, figures, result records). The IMAGE report also holds the cohort
against the ICARIA-MM Isa-Pd arm (side-by-side figures, eligibility attrition, MAIC).
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

import click

#: (study simulated and reported, benchmark study it is held against or None)
DEMO_STUDIES: tuple[tuple[str, str | None], ...] = (("icaria-mm", None), ("image", "icaria-mm"))
STEPS: tuple[str, ...] = ("simulate", "ingest", "derive", "report")


def _run_study(study_id: str, benchmark: str | None, out_dir: Path, seed: int, bootstrap: int, advance) -> Path:
    """Simulate -> ingest -> derive -> report one study into ``out_dir/<study_id>``; returns the HTML path."""
    from ..analysis.plan import study_derive_config
    from ..data.ingest import ingest
    from ..derive.pipeline import run_derive
    from ..report.build import run_report
    from ..report.comparison import comparison_sections
    from ..simulate import simulate_study, write_tables
    from ..studies import load_study

    folder = out_dir / study_id
    advance(f"{study_id}: simulating the cohort")
    tables = simulate_study(study_id, None, seed)
    cutoff = tables["_latent"]["data_cutoff"].max().date()
    write_tables(tables, folder / "source")
    advance(f"{study_id}: ingesting and validating")
    store = folder / "study.duckdb"
    ingest(folder / "source", store, data_cutoff=cutoff, report_csv=folder / "validation_report.csv")
    advance(f"{study_id}: deriving the analysis datasets")
    run_derive(store, config=study_derive_config(load_study(study_id)))
    advance(f"{study_id}: analysing and writing the report")
    extra = None
    if benchmark is not None:
        extra = functools.partial(comparison_sections, cohort_study=study_id, benchmark=benchmark,
                                  bootstrap=bootstrap, seed=seed)
    out = run_report(store, study_id, folder / "report", extra_sections=extra)
    return out.html


@click.command()
@click.option("--out", "out_dir", default=Path("out/demo"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the simulated cohorts.")
@click.option("--bootstrap", default=1000, show_default=True, type=click.IntRange(min=10),
              help="Bootstrap resamples of the MAIC confidence intervals.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def demo(out_dir: Path, seed: int, bootstrap: int, quiet: bool) -> None:
    """Simulate ICARIA-MM and IMAGE cohorts, then ingest, derive, analyse and report each (HTML, DOCX, XLSX)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    start = time.perf_counter()
    html: list[Path] = []
    console = Console(stderr=True, quiet=quiet)
    with Progress(TextColumn("{task.description:<52}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task("starting", total=len(DEMO_STUDIES) * len(STEPS))
        state = {"first": True}

        def advance(message: str) -> None:
            if not state["first"]:
                bar.advance(task)
            state["first"] = False
            bar.update(task, description=message)

        for study_id, benchmark in DEMO_STUDIES:
            html.append(_run_study(study_id, benchmark, out_dir, seed, bootstrap, advance))
        bar.advance(task)
        bar.update(task, description=f"done in {time.perf_counter() - start:.0f} s")
    click.echo(f"Demo output in {out_dir.resolve()} (simulated cohorts; seed {seed}):")
    for study_id, path in zip((s for s, _ in DEMO_STUDIES), html):
        click.echo(f"  {study_id:<10} {path.resolve()}")
    click.echo(f"Open the HTML report: {html[0].resolve()}")
