"""Best overall response as tidy records (ICARIA-MM Table 3, Attal et al., Lancet 2019).

Per arm: the number and percentage of patients in each best confirmed response category
(adrs ``param`` "BOR"; a patient of the population without a BOR row counts as "NE", not
evaluable / not assessed), and the rates of overall response (sCR + CR + VGPR + PR, "ORR"),
VGPR or better ("VGPR_or_better") and CR or better ("CR_or_better") with Clopper–Pearson
exact CIs (R ``binom.test``; SAS FREQ BINOMIAL exact), as Table 3's footnote †.

Between arms (randomised study; experimental vs control, group ""): the sample odds ratio
``(a d)/(b c)`` with its exact conditional (Cornfield) CI -- statistic ``or``, SAS FREQ
``EXACT OR``, which reproduces Table 3 (ORR 2.795 (1.75-4.56); VGPR 5.026 (2.514-10.586)) --
and with the Wald (Woolf) CI (``or_wald``); the Cochran–Mantel–Haenszel test stratified by
the study's stratification factors (R ``mantelhaen.test(correct = FALSE)``, SAS FREQ CMH),
two-sided ``p_cmh`` and one-sided ``p_cmh_one_sided`` (H1: higher response on the
experimental arm; Table 3 footnote ‡ "One-sided significance level was 0.025"), and the
Mantel–Haenszel common odds ratio ``or_mh``.

Records: analysis_id "response.bor" (endpoint = category, statistics ``n`` and ``pct`` with
``n`` = the arm's denominator), "response.<rate>" (endpoint "ORR"/"VGPR_or_better"/
"CR_or_better": ``n``, ``pct``, ``rate`` = proportion with CI; comparisons ``or``,
``or_wald``, ``or_mh``, ``p_cmh``, ``p_cmh_one_sided``).
"""

from __future__ import annotations

import math

import pandas as pd

from mmevidence.analysis.efficacy import study_arms_only
from mmevidence.analysis.plan import AnalysisPlan, group_label, population_mask
from mmevidence.analysis.results import as_frame, record
from mmevidence.derive.adrs import RANK
from mmevidence.stats import clopper_pearson, cmh_test, odds_ratio

#: Response rates: endpoint id -> the categories counted as response.
RATES: dict[str, tuple[str, ...]] = {
    "ORR": ("sCR", "CR", "VGPR", "PR"),
    "VGPR_or_better": ("sCR", "CR", "VGPR"),
    "CR_or_better": ("sCR", "CR"),
}


def best_response_frame(adsl: pd.DataFrame, adrs: pd.DataFrame, plan: AnalysisPlan,
                        population: str | None = None) -> pd.DataFrame:
    """One row a patient of the population in the plan's arms: patient_id, arm, bor (RANK category; "NE"
    without a BOR row) and the stratification columns."""
    population = population or plan.efficacy_population
    pop = adsl.loc[population_mask(adsl, plan.populations[population])]
    cols = list(dict.fromkeys(["patient_id", plan.arm_variable] + [s for s in plan.stratification
                                                                   if s in pop.columns]))
    bor = adrs.loc[adrs["param"] == "BOR"].drop_duplicates("patient_id").set_index("patient_id")["response"]
    frame = pop[cols].rename(columns={plan.arm_variable: "arm"})
    frame = study_arms_only(frame, plan, f"best response: population {population!r}")
    frame["bor"] = frame["patient_id"].map(bor).fillna("NE").astype(str)
    unknown = sorted(set(frame["bor"]) - set(RANK))
    if unknown:
        raise ValueError(f"adrs: best response value(s) {unknown} are not IMWG categories {', '.join(RANK)}")
    return frame


def _rate_records(frame: pd.DataFrame, plan: AnalysisPlan, population: str) -> list[dict]:
    out = []
    for arm in plan.arm_labels:
        sub = frame.loc[frame["arm"] == arm]
        n = len(sub)
        g = group_label(arm=arm)
        for cat in RANK:
            k = int((sub["bor"] == cat).sum())
            base = dict(analysis_id="response.bor", population=population, endpoint=cat, group=g, n=n)
            out += [record(statistic="n", value=k, method="patients", **base),
                    record(statistic="pct", value=100.0 * k / n if n else math.nan, method="percent of arm", **base)]
        for rate, cats in RATES.items():
            k = int(sub["bor"].isin(cats).sum())
            base = dict(analysis_id=f"response.{rate.lower()}", population=population, endpoint=rate, group=g, n=n)
            out += [record(statistic="n", value=k, method="patients", **base),
                    record(statistic="pct", value=100.0 * k / n if n else math.nan, method="percent of arm", **base)]
            if n:
                cp = clopper_pearson(k, n, plan.conf_level)
                out.append(record(statistic="rate", value=cp.estimate, lower=cp.lower, upper=cp.upper,
                                  method=f"proportion, Clopper-Pearson exact {plan.conf_level:.0%} CI", **base))
    return out


def _tables(frame: pd.DataFrame, responders: pd.Series, plan: AnalysisPlan, strata: list[str]) -> list[list[int]]:
    """2 x 2 tables (a, b, c, d) = (exp responders, exp non-responders, control responders, control non-) per stratum."""
    exp = (frame["arm"] == plan.experimental).to_numpy()
    r = responders.to_numpy()
    keys = frame[strata].astype(str).agg("|".join, axis=1) if strata else pd.Series("", index=frame.index)
    out = []
    for key in sorted(keys.unique()):
        m = (keys == key).to_numpy()
        out.append([int((m & exp & r).sum()), int((m & exp & ~r).sum()), int((m & ~exp & r).sum()),
                    int((m & ~exp & ~r).sum())])
    return out


def _comparison_records(frame: pd.DataFrame, plan: AnalysisPlan, population: str) -> list[dict]:
    frame = frame.loc[frame["arm"].isin([plan.experimental, plan.control])]
    strata = [s for s in plan.stratification if s in frame.columns]
    ok = frame[strata].notna().all(axis=1) if strata else pd.Series(True, index=frame.index)
    note = f"; {int((~ok).sum())} patient(s) with a missing stratification factor excluded" if not ok.all() else ""
    vs = f"{plan.experimental} vs {plan.control}"
    out = []
    for rate, cats in RATES.items():
        resp = frame["bor"].isin(cats)
        (a, b, c, d), = _tables(frame, resp, plan, [])
        base = dict(analysis_id=f"response.{rate.lower()}", population=population, endpoint=rate, group="",
                    n=len(frame))
        if a + b == 0 or c + d == 0:
            continue
        ex = odds_ratio(a, b, c, d, method="exact", conf_level=plan.conf_level)
        wa = odds_ratio(a, b, c, d, method="wald", conf_level=plan.conf_level)
        out += [record(statistic="or", value=ex.estimate, lower=ex.lower, upper=ex.upper,
                       method=f"sample odds ratio {vs}, exact conditional {plan.conf_level:.0%} CI (SAS EXACT OR)"
                              + (f"; {ex.reason}" if ex.reason else ""), **base),
                record(statistic="or_wald", value=wa.estimate, lower=wa.lower, upper=wa.upper,
                       method=f"sample odds ratio {vs}, Wald (Woolf) {plan.conf_level:.0%} CI"
                              + (f"; {wa.reason}" if wa.reason else ""), **base)]
        tables = _tables(frame.loc[ok], resp.loc[ok], plan, strata)
        strat_txt = f"stratified by {', '.join(strata)}" if strata else "unstratified"
        sbase = {**base, "n": int(ok.sum())}
        try:
            two = cmh_test(tables, alternative="two-sided", conf_level=plan.conf_level)
            one = cmh_test(tables, alternative="greater", conf_level=plan.conf_level)
        except ValueError as exc:
            out += [record(statistic=s, value=math.nan, method=f"not estimable: {exc}", **sbase)
                    for s in ("or_mh", "p_cmh", "p_cmh_one_sided")]
            continue
        m = f"Cochran-Mantel-Haenszel {strat_txt} ({two.n_strata} strata), {vs}, no continuity correction{note}"
        out += [record(statistic="or_mh", value=two.odds_ratio.estimate, lower=two.odds_ratio.lower,
                       upper=two.odds_ratio.upper, method=f"Mantel-Haenszel common odds ratio {strat_txt}, "
                                                          f"Robins-Breslow-Greenland CI{note}", **sbase),
                record(statistic="p_cmh", value=two.p_value, method=m + ", two-sided", **sbase),
                record(statistic="p_cmh_one_sided", value=one.p_value,
                       method=m + f", one-sided (H1: higher response on {plan.experimental})", **sbase)]
    return out


def analyse_response(adsl: pd.DataFrame, adrs: pd.DataFrame, plan: AnalysisPlan,
                     population: str | None = None) -> pd.DataFrame:
    """Best-response categories, response rates with CIs and between-arm comparisons (module docstring)."""
    population = population or plan.efficacy_population
    frame = best_response_frame(adsl, adrs, plan, population)
    recs = _rate_records(frame, plan, population)
    if plan.randomised:
        recs += _comparison_records(frame, plan, population)
    return as_frame(recs)

