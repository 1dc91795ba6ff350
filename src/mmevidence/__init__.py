"""mmevidence: multiple-myeloma clinical evidence from patient-level data.

Data flow (one direction): sources -> ``data`` (ingest, validate, store) ->
``derive`` (analysis datasets) -> analyse (``stats``) -> present.
``mmevidence.stats`` is pure numerics and imports nothing else of the project.
"""

__version__ = "0.1.0"
