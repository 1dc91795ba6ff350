"""Presentation: tables, figures and documents built from result records and analysis datasets."""
