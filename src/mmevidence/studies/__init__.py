"""Study definitions as data: design, eligibility, endpoints, subgroups and every published
number of the seed papers (ICARIA-MM, IMAGE, German CUP, Italian daratumumab-refractory
cohort), loaded from YAML (``studies/definitions/<id>.yaml`` or a user's file).

>>> from mmevidence.studies import load_study
>>> study = load_study("icaria-mm")
>>> study.figure("pfs.median.isa_pd").value
11.5
"""

from .loader import StudyError, list_studies, load_study, parse_study, verify_figures
from .model import AeGroup, Arm, Criterion, Endpoint, Figure, Population, Study, Subgroup
from .rules import evaluate_rule, rule_columns

__all__ = ["AeGroup", "Arm", "Criterion", "Endpoint", "Figure", "Population", "Study", "StudyError", "Subgroup", "evaluate_rule",
           "list_studies", "load_study", "parse_study", "rule_columns", "verify_figures"]
