"""``compare``: hold a cohort against a published trial (side by side, eligibility, MAIC, curve reconstruction).

Subcommands (exit 2 with a message naming the file, row, column or value for bad input):

* ``compare benchmark STORE --study image --against icaria-mm --arm isa_pd --out DIR`` -- every
  comparison (:func:`mmevidence.report.comparison.compare_cohort`) as comparison.html/.docx/.xlsx,
  the cohort's result records (results.csv) and each comparison frame as CSV;
* ``compare eligibility STORE --against icaria-mm --out DIR`` -- the eligibility cascade, each
  patient's status and the outcomes of eligible vs ineligible patients;
* ``compare reconstruct --curve CSV --at-risk CSV [--total-events N] --out DIR`` -- patient data
  reconstructed from a digitised KM curve (Guyot 2012): ipd.csv and the accuracy report;
* ``compare maic STORE --against icaria-mm --arm isa_pd --covariates age,iss --out DIR`` -- MAIC
  weights, balance, ESS and weighted estimates with bootstrap intervals.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd

_CURVE_COLUMNS = {"time": ("time", "T", "t"), "survival": ("survival", "S", "s", "surv")}
_RISK_COLUMNS = {"time": ("time", "trisk"), "n_risk": ("n_risk", "nrisk", "n.risk")}


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


def _read_csv(path: Path, columns: dict[str, tuple[str, ...]], what: str) -> pd.DataFrame:
    """``path`` as a frame with the canonical ``columns`` (accepting the usual aliases, e.g. kmdata's T/S)."""
    try:
        raw = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        _fail(f"{path}: cannot read the {what} CSV ({exc})")
    out = {}
    for name, aliases in columns.items():
        found = next((a for a in aliases if a in raw.columns), None)
        if found is None:
            _fail(f"{path}: the {what} CSV has no column {name!r} (accepted: {', '.join(aliases)}; "
                  f"found: {', '.join(map(str, raw.columns))})")
        values = pd.to_numeric(raw[found], errors="coerce")
        bad = values.isna()
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            _fail(f"{path}: row {i} (line {i + 2} of the file), column {found!r}: value {raw[found].iloc[i]!r} "
                  "is not a number")
        out[name] = values.to_numpy(dtype=float)
    return pd.DataFrame(out)


def _read_store(store: Path) -> dict[str, pd.DataFrame]:
    from ..analysis.run import read_store

    try:
        return read_store(store)[0]
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    except Exception as exc:  # duckdb refuses a file that is not a store
        _fail(f"{store}: not a readable study store ({type(exc).__name__}: {exc})")
    raise AssertionError  # unreachable


def _load(study: str, option: str):
    from ..studies import load_study

    try:
        return load_study(study)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        raise click.BadParameter(f"{study!r}: {exc}", param_hint=option) from None


def _covariates(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _digitised(curve: Path | None, at_risk: Path | None, total_events: int | None, events: str):
    from ..report.comparison import Digitised

    if curve is None and at_risk is None:
        if total_events is not None:
            raise click.UsageError("--total-events needs --curve and --at-risk")
        return None
    if curve is None or at_risk is None:
        raise click.UsageError("--curve and --at-risk go together")
    return Digitised(_read_csv(curve, _CURVE_COLUMNS, "digitised curve"),
                     _read_csv(at_risk, _RISK_COLUMNS, "number-at-risk"), total_events, events)


def _write_frames(out_dir: Path, frames: dict[str, pd.DataFrame]) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in frames.items():
        path = out_dir / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths


def _documents(sections, title: str, subtitle: str, out_dir: Path, formats: tuple[str, ...]) -> list[Path]:
    from .. import __version__
    from ..report.build import FORMATS, write_documents
    from ..report.model import Report

    report = Report(title=title, sections=tuple(sections), subtitle=(subtitle, f"mmevidence {__version__}"))
    return list(write_documents(report, out_dir, formats or FORMATS, stem="comparison").values())


_against = click.option("--against", "against", default="icaria-mm", show_default=True, metavar="ID|YAML",
                        help="The published study to compare with (bundled id or YAML).")
_arm = click.option("--arm", "arm", default="isa_pd", show_default=True, help="Arm id of the published study.")
_out = click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
                    help="Output folder.")
_bootstrap = click.option("--bootstrap", default=1000, show_default=True, type=click.IntRange(min=2),
                          help="MAIC bootstrap resamples.")
_seed = click.option("--seed", default=1, show_default=True, type=int, help="Bootstrap seed.")
_population = click.option("--maic-population", "maic_population", default="eligible", show_default=True,
                           type=click.Choice(["eligible", "all"]),
                           help="Weight the patients eligible for the trial (TSD 18) or all patients.")
_formats = click.option("--format", "formats", multiple=True, type=click.Choice(["html", "docx", "xlsx"]),
                        help="Document formats (repeatable; default: all three).")
_store = click.argument("store", type=click.Path(dir_okay=False, path_type=Path))
_events = click.option("--events", type=click.Choice(["guyot", "steps"]), default="guyot", show_default=True,
                       help="Events per interval: Guyot's rounding point by point, or 'steps' for a curve read at "
                            "the top and the foot of every step (each drawn drop an event, least squares).")


@click.group("compare")
def compare_group() -> None:
    """Hold a cohort against a published trial: side by side, eligibility, MAIC, curve reconstruction."""


@compare_group.command("benchmark")
@_store
@click.option("--study", "study", required=True, metavar="ID|YAML", help="The cohort's study definition.")
@_against
@_arm
@_out
@click.option("--maic", "maic", default=None, metavar="COVARIATES",
              help="MAIC covariates, comma-separated (default age,iss,prior_lines,refractory; '' = no MAIC).")
@_bootstrap
@_seed
@_population
@click.option("--curve", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Digitised KM curve of the published arm's PFS (CSV time,survival).")
@click.option("--at-risk", "at_risk", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Its number-at-risk table (CSV time,n_risk).")
@click.option("--total-events", "total_events", type=click.IntRange(min=0), default=None,
              help="Published total number of events of that curve.")
@_events
@_formats
def benchmark(store: Path, study: str, against: str, arm: str, out_dir: Path, maic: str | None, bootstrap: int,
              seed: int, maic_population: str, curve: Path | None, at_risk: Path | None,
              total_events: int | None, events: str, formats: tuple[str, ...]) -> None:
    """Compare the cohort in STORE with the published arm: tables, figure, records and CSVs in OUT."""
    import warnings

    from ..analysis.run import export_results, run_analysis
    from ..report.comparison import comparison_figure, comparison_tables, compare_cohort, sections_from

    cohort, bench = _load(study, "--study"), _load(against, "--against")
    digitised = _digitised(curve, at_risk, total_events, events)
    datasets = _read_store(store)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            records = run_analysis(datasets, cohort)
        result = compare_cohort(datasets, records, cohort, bench, arm, _covariates(maic), bootstrap, seed,
                                maic_population, digitised)
        tables = comparison_tables(result, bench)
        figure = comparison_figure(result, datasets, out_dir / "figures")
    except (ValueError, KeyError) as exc:
        _fail(f"{store}: {exc}")
    paths = export_results(records, out_dir)
    frames = {"endpoints": result.endpoints, "baseline_smd": result.baseline,
              "attrition": result.eligibility.attrition,
              "eligibility_status": pd.DataFrame({"patient_id": datasets["adsl"]["patient_id"].to_numpy(),
                                                  "status": result.eligibility.status.to_numpy()})}
    for ep, frame in result.outcomes.items():
        frames[f"outcomes_{ep.lower()}"] = frame
    if result.maic is not None:
        frames.update(maic_balance=result.maic.balance, maic_weights=result.maic_data,
                      maic_estimates=result.maic_estimates)
    paths += _write_frames(out_dir, frames)
    paths += _documents(sections_from(result, tables, figure), f"{result.cohort_label} vs {result.benchmark_label}",
                        f"{cohort.title} held against {bench.title}", out_dir, formats)
    for path in paths:
        click.echo(f"  {path}")
    if result.maic is not None:
        click.echo(f"MAIC: {result.maic_note} ESS {result.maic.ess:.1f}")
    else:
        click.echo(result.maic_note)


@compare_group.command("eligibility")
@_store
@_against
@_out
@_formats
def eligibility(store: Path, against: str, out_dir: Path, formats: tuple[str, ...]) -> None:
    """Apply the published study's eligibility criteria to the cohort in STORE (attrition, status, outcomes)."""
    from ..compare import apply_eligibility, outcomes_by_status
    from ..report.model import Section
    from ..report.tables.comparison import attrition_table, eligibility_outcomes_table

    bench = _load(against, "--against")
    datasets = _read_store(store)
    adsl, adtte = datasets["adsl"], datasets.get("adtte")
    try:
        res = apply_eligibility(adsl, bench)
        outcomes = {ep: outcomes_by_status(adtte, res.status, adsl["patient_id"], ep) for ep in ("PFS", "OS")
                    if adtte is not None and (adtte["endpoint"] == ep).any()}
    except ValueError as exc:
        _fail(f"{store}: {exc}")
    population = f"Cohort (N={len(adsl)})"
    items = [attrition_table(res.attrition, bench, population)]
    if outcomes:
        items.append(eligibility_outcomes_table(outcomes, population))
    frames = {"attrition": res.attrition,
              "eligibility_status": pd.DataFrame({"patient_id": adsl["patient_id"].to_numpy(),
                                                  "status": res.status.to_numpy()})}
    frames.update({f"outcomes_{ep.lower()}": f for ep, f in outcomes.items()})
    paths = _write_frames(out_dir, frames)
    paths += _documents([Section("eligibility", f"Eligibility for {bench.id}", tuple(items))],
                        f"Eligibility for {bench.id}", bench.title, out_dir, formats)
    for path in paths:
        click.echo(f"  {path}")
    counts = res.status.value_counts()
    click.echo(", ".join(f"{s}: {int(counts.get(s, 0))}" for s in ("eligible", "ineligible", "unknown")))


@compare_group.command("reconstruct")
@click.option("--curve", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Digitised KM points, CSV with columns time,survival (0-1; kmdata's T,S accepted).")
@click.option("--at-risk", "at_risk", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Published number at risk, CSV time,n_risk (kmdata's trisk,nrisk accepted), from time 0.")
@click.option("--total-events", "total_events", type=click.IntRange(min=0), default=None,
              help="Published total number of events (Guyot's tot.events).")
@click.option("--preprocess", type=click.Choice(["antitonic", "running_min"]), default="antitonic", show_default=True,
              help="Noisy readings: least-squares decreasing fit (default) or the running minimum of the "
                   "Guyot/IPDfromKM code.")
@_events
@_out
def reconstruct(curve: Path, at_risk: Path, total_events: int | None, preprocess: str, events: str,
                out_dir: Path) -> None:
    """Reconstruct patient data from a digitised KM curve (Guyot 2012): ipd.csv and the accuracy report."""
    from ..compare import accuracy_report, reconstruct_ipd

    for path in (curve, at_risk):
        if not path.is_file():
            _fail(f"{path}: no such file")
    points = _read_csv(curve, _CURVE_COLUMNS, "digitised curve")
    risk = _read_csv(at_risk, _RISK_COLUMNS, "number-at-risk")
    try:
        ipd = reconstruct_ipd(points, risk, total_events, preprocess=preprocess, events=events)
        acc = accuracy_report(ipd, points, risk, preprocess=preprocess)
    except ValueError as exc:
        _fail(f"{curve} / {at_risk}: {exc}")
    summary = pd.DataFrame({
        "metric": ["patients", "events", "max_abs_diff", "rms_diff", "median_reconstructed", "median_digitised"],
        "value": [len(ipd), int(ipd["event"].sum()), acc.max_abs_diff, acc.rms_diff, acc.median_reconstructed,
                  acc.median_digitised]})
    paths = _write_frames(out_dir, {"ipd": ipd, "accuracy": summary, "accuracy_at_risk": acc.at_risk})
    for path in paths:
        click.echo(f"  {path}")
    click.echo(f"{len(ipd)} patients, {int(ipd['event'].sum())} events; KM vs digitised points: max |diff| "
               f"{acc.max_abs_diff:.4f}, RMS {acc.rms_diff:.4f}")


@compare_group.command("maic")
@_store
@_against
@_arm
@click.option("--covariates", default="age,iss,prior_lines,refractory", show_default=True,
              help="Comma-separated covariate keys (age, iss, prior_lines, refractory), adsl columns or column=level.")
@_out
@_bootstrap
@_seed
@_population
@_formats
def maic(store: Path, against: str, arm: str, covariates: str, out_dir: Path, bootstrap: int, seed: int,
         maic_population: str, formats: tuple[str, ...]) -> None:
    """MAIC of the cohort in STORE to the published arm: weights, balance, ESS, weighted estimates."""
    from ..report.comparison import run_maic
    from ..report.model import Section
    from ..report.tables.comparison import maic_balance_table, maic_estimates_table

    bench = _load(against, "--against")
    if arm not in {a.id for a in bench.arms}:
        raise click.BadParameter(f"{arm!r} is not an arm of {bench.id} ({', '.join(a.id for a in bench.arms)})",
                                 param_hint="--arm")
    covs = _covariates(covariates)
    if not covs:
        raise click.BadParameter("no covariate given", param_hint="--covariates")
    datasets = _read_store(store)
    if "adtte" not in datasets:
        _fail(f"{store}: no adtte table (run `mmevidence derive` first)")
    try:
        out = run_maic(datasets["adsl"], datasets["adtte"], bench, arm, covs, maic_population, bootstrap, seed)
    except (ValueError, KeyError) as exc:
        _fail(f"{store}: {exc}")
    if "maic" not in out:
        _fail(f"{store}: {out['maic_note']}")
    fit, design = out["maic"], out["maic_design"]
    label = f"{bench.id.upper()} {next(a.label for a in bench.arms if a.id == arm)}"
    population = f"Cohort: {out['maic_note']}"
    tables = (maic_balance_table(fit.balance, design.labels, design.binary, fit.ess, len(out["maic_data"]), label,
                                 population),
              maic_estimates_table(out["maic_estimates"], label, population, bootstrap))
    paths = _write_frames(out_dir, {"maic_balance": fit.balance, "maic_weights": out["maic_data"],
                                    "maic_estimates": out["maic_estimates"],
                                    "maic_targets": pd.DataFrame({"covariate": list(design.targets),
                                                                  "target": list(design.targets.values()),
                                                                  "source": [design.sources[c] for c in design.targets]})})
    paths += _documents([Section("maic", "Matching-adjusted indirect comparison", tables)], f"MAIC to {label}",
                        bench.title, out_dir, formats)
    for path in paths:
        click.echo(f"  {path}")
    click.echo(f"{out['maic_note']} ESS {fit.ess:.1f}")
