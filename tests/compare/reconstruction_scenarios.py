"""Acceptance scenarios for the Guyot reconstruction: simulate, digitise, reconstruct, compare.

Each scenario simulates two arms (250 patients each, proportional hazards with a true HR
of 0.7 on the control curve) under one event-time distribution and one censoring pattern,
computes the KM curve of each arm (mmevidence.stats.kaplan_meier), reads it as a digitiser
would (a point at the top and at the foot of every step, a point at every at-risk time and
at the end of follow-up; uniform reading noise of +-0.005 on survival, clipped to [0, 1]),
takes the at-risk table every 3 months, reconstructs both arms with
mmevidence.compare.reconstruct_ipd and compares the KM medians and the Cox HR of the
reconstructed data with those of the simulated data.

The digitiser reads every step at its top and foot, the input ``events="steps"`` is made for:
that is the default configuration (:data:`CONFIGURATIONS`); the appendix code's rounding with
either preparation of the readings is run on the same trials for comparison.

Run ``python tests/compare/reconstruction_scenarios.py [n_seeds]`` to print the markdown tables of
docs/compare.md: the fixed-seed table, the pass rates over seeds 1..n_seeds (default 30) for each
configuration of reconstruct_ipd, and their summary (two worker processes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from mmevidence import compare
from mmevidence.stats import cox_ph, kaplan_meier

N_PER_ARM = 250
HR = 0.7
NOISE = 0.005
AT_RISK_EVERY = 3.0  # months
SEED = 20260122

# control-arm inverse survival functions S^-1(u), time in months (median about 12 months)
_LAM = math.log(2) / 12


def _exponential(u: np.ndarray) -> np.ndarray:
    return -np.log(u) / _LAM


def _weibull(shape: float) -> Callable[[np.ndarray], np.ndarray]:
    scale = 12 / math.log(2) ** (1 / shape)
    return lambda u: scale * (-np.log(u)) ** (1 / shape)


def _cured(cure: float) -> Callable[[np.ndarray], np.ndarray]:
    lam = math.log(2) / 8  # uncured median 8 months: overall median about 12 months for cure = 0.2
    def inverse(u: np.ndarray) -> np.ndarray:
        out = np.full(u.shape, np.inf)
        uncured = u > cure
        out[uncured] = -np.log((u[uncured] - cure) / (1 - cure)) / lam
        return out
    return inverse


DISTRIBUTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "exponential": _exponential,
    "Weibull increasing hazard (shape 1.5)": _weibull(1.5),
    "Weibull decreasing hazard (shape 0.7)": _weibull(0.7),
    "cured fraction 20% (control)": _cured(0.2),
}

# censoring: (dropout rate per month, accrual months, data cut-off months after first entry)
CENSORING: dict[str, tuple[float, float, float]] = {
    "light": (0.005, 12.0, 60.0),
    "heavy": (0.05, 12.0, 36.0),
    "administrative": (0.0, 24.0, 30.0),
}


def simulate_arm(rng: np.random.Generator, inverse: Callable[[np.ndarray], np.ndarray], hr: float,
                 censoring: tuple[float, float, float]) -> pd.DataFrame:
    """Event times T = S_c^-1(U^(1/hr)) (S_trt = S_c^hr), censored by dropout and the data cut-off."""
    dropout, accrual, cutoff = censoring
    t_event = inverse(rng.uniform(size=N_PER_ARM) ** (1 / hr))
    t_drop = rng.exponential(1 / dropout, N_PER_ARM) if dropout > 0 else np.full(N_PER_ARM, np.inf)
    t_admin = cutoff - rng.uniform(0, accrual, N_PER_ARM)
    time = np.minimum.reduce([t_event, t_drop, t_admin])
    return pd.DataFrame({"time": time, "event": (t_event <= np.minimum(t_drop, t_admin)).astype(int)})


def digitise(rng: np.random.Generator, arm: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Digitised points and the at-risk table of an arm's KM curve (see the module docstring)."""
    km = kaplan_meier(arm["time"], arm["event"])
    steps = km.time[km.n_event > 0]
    s_at = lambda t: np.concatenate(([1.0], km.survival))[np.searchsorted(km.time, t, side="right")]  # noqa: E731
    t_end = float(arm["time"].max())
    t_risk = np.arange(0.0, t_end, AT_RISK_EVERY)
    top = np.concatenate(([1.0], km.survival))[np.searchsorted(km.time, steps, side="left")]
    points = pd.DataFrame({
        "time": np.concatenate([steps, steps, t_risk, [t_end]]),
        "survival": np.concatenate([top, s_at(steps), s_at(t_risk), s_at(np.array([t_end]))]),
        "order": np.concatenate([np.zeros(len(steps)), np.ones(len(steps)), np.full(len(t_risk) + 1, 2)]),
    }).sort_values(["time", "order"], kind="stable")
    noisy = np.clip(points["survival"].to_numpy() + rng.uniform(-NOISE, NOISE, len(points)), 0, 1)
    curve = pd.DataFrame({"time": points["time"].to_numpy(), "survival": noisy})
    t_sorted = np.sort(arm["time"].to_numpy())
    at_risk = pd.DataFrame({"time": t_risk, "n_risk": len(t_sorted) - np.searchsorted(t_sorted, t_risk, "left")})
    return curve, at_risk


@dataclass(frozen=True)
class ScenarioResult:
    distribution: str
    censoring: str
    censored_pct: float
    median_true: tuple[float, float]
    median_reconstructed: tuple[float, float]
    hr_true: float
    hr_reconstructed: float

    @property
    def median_rel_error(self) -> float:
        return max(abs(r / t - 1) for r, t in zip(self.median_reconstructed, self.median_true))

    @property
    def hr_abs_error(self) -> float:
        return abs(self.hr_reconstructed - self.hr_true)


def _median(arm: pd.DataFrame) -> float:
    return kaplan_meier(arm["time"], arm["event"]).quantile(0.5).estimate


def _hr(control: pd.DataFrame, treated: pd.DataFrame) -> float:
    data = pd.concat([control.assign(trt=0), treated.assign(trt=1)], ignore_index=True)
    return cox_ph(data, "time", "event", ["trt"]).hazard_ratio("trt").estimate


#: reconstruct_ipd options compared: name -> (preprocess, events). The first is the default.
CONFIGURATIONS: dict[str, tuple[str, str]] = {
    "steps": ("antitonic", "steps"),
    "guyot": ("antitonic", "guyot"),
    "guyot, running_min": ("running_min", "guyot"),
}


def run_scenario(distribution: str, censoring: str, seed: int = SEED,
                 configuration: str = "steps") -> ScenarioResult:
    """One simulated trial reconstructed with one of :data:`CONFIGURATIONS` (the same data for each)."""
    preprocess, events = CONFIGURATIONS[configuration]
    rng = np.random.default_rng([seed, list(DISTRIBUTIONS).index(distribution), list(CENSORING).index(censoring)])
    inverse = DISTRIBUTIONS[distribution]
    arms = [simulate_arm(rng, inverse, 1.0, CENSORING[censoring]), simulate_arm(rng, inverse, HR, CENSORING[censoring])]
    rebuilt = [compare.reconstruct_ipd(*digitise(rng, arm), preprocess=preprocess, events=events) for arm in arms]
    censored = 100 * float(np.mean(np.concatenate([1 - a["event"].to_numpy() for a in arms])))
    return ScenarioResult(distribution, censoring, censored, tuple(_median(a) for a in arms),
                          tuple(_median(a) for a in rebuilt), _hr(*arms), _hr(*rebuilt))


def all_scenarios() -> list[ScenarioResult]:
    return [run_scenario(d, c) for d in DISTRIBUTIONS for c in CENSORING]


def markdown(results: list[ScenarioResult]) -> str:
    lines = ["| distribution | censoring | censored % | median control: true / rebuilt | median experimental: "
             "true / rebuilt | max median error % | HR true | HR rebuilt | HR error |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r.distribution} | {r.censoring} | {r.censored_pct:.0f} | "
                     f"{r.median_true[0]:.2f} / {r.median_reconstructed[0]:.2f} | "
                     f"{r.median_true[1]:.2f} / {r.median_reconstructed[1]:.2f} | {100 * r.median_rel_error:.2f} | "
                     f"{r.hr_true:.3f} | {r.hr_reconstructed:.3f} | {r.hr_abs_error:.3f} |")
    return "\n".join(lines)


Runs = dict[tuple[str, str], list[ScenarioResult | None]]  # per scenario, per seed 1..n; None = refused


def _run_or_none(job: tuple[str, str, int, str]) -> ScenarioResult | None:
    try:
        return run_scenario(*job)
    except ValueError:
        return None


def collect(n_seeds: int, configuration: str = "steps", workers: int = 2) -> Runs:
    """Every scenario for seeds 1..n_seeds; a run refused with a ValueError (the curve read as 0, or
    reconstructed as 0, while the at-risk table still has patients) is None."""
    from concurrent.futures import ProcessPoolExecutor

    jobs = [(d, c, seed, configuration) for d in DISTRIBUTIONS for c in CENSORING for seed in range(1, n_seeds + 1)]
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(_run_or_none, jobs, chunksize=8))
    out: Runs = {}
    for (d, c, _, _), result in zip(jobs, results):
        out.setdefault((d, c), []).append(result)
    return out


def pass_rates(by_configuration: dict[str, Runs]) -> str:
    """Markdown table: per scenario, runs refused, and among the others the share meeting each criterion and
    the worst errors; each cell gives the figures of every configuration, in order, separated by " / "."""
    names = " / ".join(by_configuration)
    lines = [f"| distribution | censoring | refused ({names}) | medians within 5% | HR within 0.05 | "
             "worst median error % | worst HR error |", "|---|---|---:|---:|---:|---:|---:|"]
    for d, c in next(iter(by_configuration.values())):
        cells: list[list[str]] = [[] for _ in range(5)]
        for runs in by_configuration.values():
            results = runs[d, c]
            done = [r for r in results if r is not None]
            med = [r.median_rel_error for r in done]
            hr = [r.hr_abs_error for r in done]
            for cell, text in zip(cells, (f"{len(results) - len(done)}/{len(results)}",
                                          f"{sum(m < 0.05 for m in med)}/{len(done)}",
                                          f"{sum(h < 0.05 for h in hr)}/{len(done)}",
                                          f"{100 * max(med):.1f}", f"{max(hr):.3f}")):
                cell.append(text)
        lines.append(f"| {d} | {c} | " + " | ".join(" / ".join(cell) for cell in cells) + " |")
    return "\n".join(lines)


def configuration_summary(by_configuration: dict[str, Runs]) -> str:
    """Markdown table, one row per configuration, over all scenarios and seeds: runs refused; medians and HR
    within the criterion, the runs where only this configuration meets the median criterion, mean and worst
    errors, and the mean signed median error (bias), over the runs that no configuration refused (the same
    simulated trials for every row); and the seeds at which every scenario is reconstructed and meets both
    criteria (the acceptance test's condition at one seed)."""
    keys = [(sc, i) for sc, results in next(iter(by_configuration.values())).items() for i in range(len(results))]
    common = [k for k in keys if all(runs[k[0]][k[1]] is not None for runs in by_configuration.values())]
    lines = [f"| configuration | refused (of {len(keys)}) | medians within 5% (of {len(common)}) | only this one "
             "| mean median error % | mean signed median error % | worst median error % | HR within 0.05 "
             "| worst HR error | seeds with every scenario within both |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    n_seeds = len(next(iter(next(iter(by_configuration.values())).values())))
    passed = {name: np.array([runs[sc][i].median_rel_error < 0.05 for sc, i in common])
              for name, runs in by_configuration.items()}
    for name, runs in by_configuration.items():
        only = passed[name] & ~np.any([p for other, p in passed.items() if other != name], axis=0)
        refused = sum(runs[sc][i] is None for sc, i in keys)
        done = [runs[sc][i] for sc, i in common]
        med = np.array([r.median_rel_error for r in done])
        signed = np.array([np.mean([m / t - 1 for m, t in zip(r.median_reconstructed, r.median_true)]) for r in done])
        hr = np.array([r.hr_abs_error for r in done])
        every = sum(all(r is not None and r.median_rel_error < 0.05 and r.hr_abs_error < 0.05
                        for r in (results[i] for results in runs.values())) for i in range(n_seeds))
        lines.append(f"| {name} | {refused} | {int((med < 0.05).sum())} ({100 * np.mean(med < 0.05):.1f}%) | "
                     f"{int(only.sum())} | {100 * med.mean():.2f} | {100 * np.nanmean(signed):+.2f} | "
                     f"{100 * med.max():.1f} | {int((hr < 0.05).sum())} | {hr.max():.3f} | "
                     f"{every}/{n_seeds} ({100 * every / n_seeds:.0f}%) |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    print(markdown(all_scenarios()))
    by_configuration = {name: collect(n, name) for name in CONFIGURATIONS}
    print(f"\nseeds 1..{n}:\n")
    print(pass_rates(by_configuration))
    print()
    print(configuration_summary(by_configuration))
