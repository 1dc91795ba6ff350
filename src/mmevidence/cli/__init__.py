"""The ``mmevidence`` command line, one module per stage of the data flow.

Exit codes: 0 success (warnings allowed), 1 validation errors (nothing written),
2 usage errors (bad option, missing store). The validation report goes to standard
output; progress goes to standard error. Patient identifiers are printed only in the
``value`` field of an issue about that row.
"""

from __future__ import annotations

import click

from .. import __version__
from .data import info, ingest, validate
from .demo import demo
from .derive import derive, export
from .report import analyse, report
from .simulate import simulate


@click.group()
@click.version_option(__version__, prog_name="mmevidence")
def main() -> None:
    """mmevidence: multiple-myeloma evidence from patient-level data."""


for _command in (ingest, validate, info, derive, export, simulate, analyse, report, demo):
    main.add_command(_command)
from .compare import compare_group; main.add_command(compare_group)  # noqa: E402,E702

__all__ = ["main"]
