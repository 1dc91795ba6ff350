"""Table builders: tidy result records -> :class:`mmevidence.report.model.ReportTable` (layout only).

Each builder takes the records of :func:`mmevidence.analysis.run.run_analysis` and the study
definition, and formats every cell with :mod:`mmevidence.report.format`; none computes a statistic.

* :func:`~mmevidence.report.tables.baseline.baseline_table` -- baseline characteristics (Table 1)
* :func:`~mmevidence.report.tables.efficacy.efficacy_table` -- time-to-event summary, follow-up,
  censoring sensitivity analyses
* :func:`~mmevidence.report.tables.response.response_table` -- best response (ICARIA-MM Table 3)
* :func:`~mmevidence.report.tables.subgroups.subgroup_table` and
  :func:`~mmevidence.report.tables.subgroups.subgroup_forest_frame` -- subgroup HRs (Figure 3;
  the frame the forest plot draws)
* exposure, safety and prognostic tables in the modules of those names.
"""
