"""Derivations from the study store to analysis datasets (baseline covariates, therapy lines,
IMWG response, endpoints, safety, exposure, eligibility)."""
