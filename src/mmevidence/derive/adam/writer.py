"""``mmevidence export STORE --adam DIR``: write the ADaM datasets as SAS XPT v5 and CSV.

XPT v5 (SAS transport, the FDA submission format) via ``pyreadstat.write_xport(...,
file_format_version=5)``: dataset and variable names <= 8 characters, labels <= 40, text
<= 200 bytes, dates as SAS dates with format DATE9. The CSV holds the same columns with
ISO 8601 dates and empty cells for missing values.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyreadstat

from .mapping import SPECS, to_adam

#: Dataset labels written into the XPT files.
DATASET_LABELS: dict[str, str] = {
    "ADSL": "Subject-Level Analysis Dataset", "ADTTE": "Time-to-Event Analysis Dataset",
    "ADRS": "Response Analysis Dataset", "ADAE": "Adverse Events Analysis Dataset",
    "ADEX": "Exposure Analysis Dataset",
}


def run_export(store_path: str | Path, out_dir: str | Path, studyid: str | None = None) -> dict[str, Path]:
    """Write ``<name>.xpt`` and ``<name>.csv`` (lower-case file names, as in submissions) for
    every ADaM dataset whose source table the store holds (run ``derive`` first).

    ``studyid`` (STUDYID) defaults to the store's file name without suffix, upper-cased.
    Returns {dataset name: xpt path}. Raises ``FileNotFoundError`` without a store and
    ``ValueError`` when the store has no derived tables.
    """
    store, out = Path(store_path), Path(out_dir)
    if not store.is_file():
        raise FileNotFoundError(f"no study store at {store}")
    studyid = studyid or store.stem.upper()
    con = duckdb.connect(str(store), read_only=True)
    try:
        present = {r[0] for r in con.sql("SELECT table_name FROM information_schema.tables").fetchall()}
        if "adsl" not in present:
            raise ValueError(f"{store} has no analysis datasets: run `mmevidence derive {store}` first")
        frames = {name: con.sql(f'SELECT * FROM "{table}"').df() for name, (table, _) in SPECS.items()
                  if table in present}
    finally:
        con.close()
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, df in frames.items():
        adam, labels = to_adam(name, df, studyid)
        xpt = out / f"{name.lower()}.xpt"
        pyreadstat.write_xport(adam, str(xpt), file_label=DATASET_LABELS[name], column_labels=labels,
                               table_name=name, file_format_version=5)
        adam.to_csv(out / f"{name.lower()}.csv", index=False)
        written[name] = xpt
    return written
