"""Hold a cohort against a published study: curve reconstruction (Guyot), MAIC, eligibility, benchmarks."""

from mmevidence.compare.benchmark import (baseline_differences, compare_endpoints, mean_sd_from_quartiles,
                                          mean_sd_from_range)
from mmevidence.compare.eligibility import EligibilityResult, apply_eligibility, outcomes_by_status
from mmevidence.compare.maic import (BootstrapResult, HazardRatioStatistic, MaicFit, anchored_comparison,
                                     bootstrap_maic, bucher, hazard_ratio_statistic, maic_weights,
                                     unanchored_hazard_ratio, weighted_hazard_ratio, weighted_proportion)
from mmevidence.compare.reconstruct import ReconstructionAccuracy, accuracy_report, reconstruct_ipd

__all__ = [
    "baseline_differences", "compare_endpoints", "mean_sd_from_quartiles", "mean_sd_from_range",
    "EligibilityResult", "apply_eligibility", "outcomes_by_status",
    "ReconstructionAccuracy", "accuracy_report", "reconstruct_ipd",
    "BootstrapResult", "HazardRatioStatistic", "MaicFit", "anchored_comparison", "bootstrap_maic", "bucher",
    "hazard_ratio_statistic", "maic_weights",
    "unanchored_hazard_ratio", "weighted_hazard_ratio", "weighted_proportion",
]
