"""Result records keep their columns and full precision through CSV and JSON."""

import math

import pandas as pd

from mmevidence.analysis.results import COLUMNS, as_frame, record, write_results


def test_records_round_trip(tmp_path):
    rows = [record("efficacy.pfs.km", "itt", "PFS", "arm=Isa-Pd", "median", 11.527720739219713, 8.936344969199178,
                   13.897330595482547, 154, "KM log-log"),
            record("response.orr", "itt", "ORR", "", "pct", 1 / 3)]
    frame = as_frame(rows)
    assert tuple(frame.columns) == COLUMNS
    assert math.isnan(frame.loc[1, "lower"])
    csv = pd.read_csv(write_results(frame, tmp_path / "r.csv"), keep_default_na=False, na_values=[""],
                      float_precision="round_trip")
    assert csv.loc[0, "value"] == 11.527720739219713 and csv.loc[1, "value"] == 1 / 3
    js = pd.read_json(write_results(frame, tmp_path / "r.json"), orient="records")
    assert js.loc[0, "upper"] == 13.897330595482547


def test_empty_frame_keeps_columns():
    assert tuple(as_frame([]).columns) == COLUMNS
