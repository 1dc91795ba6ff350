"""Tests of mmevidence.analysis (a package so its test modules can share _records)."""
