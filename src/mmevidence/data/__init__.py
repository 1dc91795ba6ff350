"""Data foundation: canonical source tables, validated ingest into a DuckDB study store.

Public API (pandas at the edges):

* :func:`read_source` -- read a folder of CSV/Parquet/SAS/SPSS/Stata files or an XLSX workbook as text tables;
* :func:`validate` -- check text tables against the data model, returning a :class:`ValidationReport`;
* :func:`ingest` -- read, validate and write a store atomically (raises :class:`ValidationError`);
* :func:`validate_source` -- read and validate without writing;
* :func:`open_store`, :func:`read_table`, :func:`store_info` -- read a store.

The data model itself is :data:`mmevidence.data.schema.TABLES`; units and conversions
are in :mod:`mmevidence.data.units`.
"""

from .ingest import IngestResult, ingest, validate_source
from .readers import read_source
from .report import ValidationError, ValidationReport
from .schema import TABLES
from .store import open_store, read_table, store_info
from .validate import validate

__all__ = ["TABLES", "IngestResult", "ValidationError", "ValidationReport", "ingest", "open_store",
           "read_source", "read_table", "store_info", "validate", "validate_source"]
