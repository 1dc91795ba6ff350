"""Statistics core: pure numerics on arrays, agreeing with R ``survival``/``stats``/``cmprsk``/``maxstat``.

This package imports nothing else of mmevidence. Every estimator documents its
formula, its reference and the R/SAS convention it follows; every interval
estimate is an :class:`Estimate`.
"""

from mmevidence.stats.estimate import ChiSquareTest, Estimate
from mmevidence.stats.agreement import cohen_kappa
from mmevidence.stats.kaplan_meier import KaplanMeier, kaplan_meier, median_follow_up, rmst_difference
from mmevidence.stats.logrank import LogrankResult, logrank_test
from mmevidence.stats.cox import CoxResult, cox_ph, weighted_log_hazard_ratio
from mmevidence.stats.proportions import CMHResult, clopper_pearson, cmh_test, odds_ratio
from mmevidence.stats.competing_risks import CumulativeIncidence, cumulative_incidence
from mmevidence.stats.cutpoints import CutpointResult, maxstat_cutpoint
from mmevidence.stats.design import events_required
from mmevidence.stats.ph_test import ph_test
from mmevidence.stats.fisher import FisherTest, fisher_exact
from mmevidence.stats.logistic import LogisticResult, logistic_regression
from mmevidence.stats.splines import SplineCox, log_hr_curve, rcs_basis, rcs_cox, rcs_knots, rcs_names
from mmevidence.stats.time_roc import time_dependent_auc
from mmevidence.stats.cutpoint_bootstrap import BootstrapCutpoint, cutpoint_bootstrap
from mmevidence.stats.roc import DeLongTest, YoudenCutpoint, roc_auc, roc_curve, roc_direction, roc_test_delong, youden_cutpoint

__all__ = [
    "ChiSquareTest", "Estimate",
    "cohen_kappa",
    "KaplanMeier", "kaplan_meier", "median_follow_up", "rmst_difference",
    "LogrankResult", "logrank_test",
    "CoxResult", "cox_ph", "weighted_log_hazard_ratio",
    "CMHResult", "clopper_pearson", "cmh_test", "odds_ratio",
    "CumulativeIncidence", "cumulative_incidence",
    "CutpointResult", "maxstat_cutpoint",
    "events_required",
    "ph_test",
    "FisherTest", "fisher_exact",
    "LogisticResult", "logistic_regression",
    "DeLongTest", "YoudenCutpoint", "roc_auc", "roc_curve", "roc_direction", "roc_test_delong", "youden_cutpoint",
    "SplineCox", "log_hr_curve", "rcs_basis", "rcs_cox", "rcs_knots", "rcs_names",
    "time_dependent_auc",
    "BootstrapCutpoint", "cutpoint_bootstrap",
]
