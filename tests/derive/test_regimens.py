"""Regimen definitions as data: planned doses checked against the protocol text by hand."""

from __future__ import annotations

import pytest
import yaml

from mmevidence.derive.regimens import available_regimens, load_regimen, parse_regimen


def _cycle_totals(name: str, n: int) -> dict[tuple[str, int], tuple[int, float, float]]:
    p = load_regimen(name).planned_doses(n)
    g = p.groupby(["drug", "cycle"]).agg(n=("dose", "size"), dose=("dose", "sum"), older=("dose_older", "sum"))
    return {k: (int(v.n), float(v.dose), float(v.older)) for k, v in g.iterrows()}


def test_bundled_regimens_are_listed():
    assert set(available_regimens()) >= {"isa_pd", "pd", "isa_kd", "dara_pd"}


def test_isa_pd_matches_icaria_methods():
    # ICARIA-MM Methods: isatuximab 10 mg/kg d1,8,15,22 of cycle 1 (4 x 10 = 40 mg/kg), d1,15 later (20);
    # pomalidomide 4 mg d1-21 (21 doses, 84 mg); dexamethasone 40 mg d1,8,15,22 (160 mg), 20 mg at >= 75 (80 mg).
    r = load_regimen("isa_pd")
    assert r.cycle_length_days == 28 and r.drug_names == ("isatuximab", "pomalidomide", "dexamethasone")
    t = _cycle_totals("isa_pd", 3)
    assert t["isatuximab", 1] == (4, 40.0, 40.0)
    assert t["isatuximab", 2] == t["isatuximab", 3] == (2, 20.0, 20.0)
    assert t["pomalidomide", 2] == (21, 84.0, 84.0)
    assert t["dexamethasone", 3] == (4, 160.0, 80.0)
    assert r.drug("pomalidomide").record == "per_cycle" and r.drug("dexamethasone").older_age == 75


def test_pd_isa_kd_dara_pd():
    t = _cycle_totals("pd", 1)
    assert set(d for d, _ in t) == {"pomalidomide", "dexamethasone"}
    # IKEMA carfilzomib: cycle 1 = 2 x 20 + 4 x 56 = 264 mg/m2; later 6 x 56 = 336; dex 8 x 20 = 160.
    t = _cycle_totals("isa_kd", 2)
    assert t["carfilzomib", 1] == (6, 264.0, 264.0) and t["carfilzomib", 2] == (6, 336.0, 336.0)
    assert t["dexamethasone", 2] == (8, 160.0, 160.0)
    # APOLLO daratumumab 1800 mg: weekly C1-2 (4), q2w C3-6 (2), q4w from C7 (1).
    t = _cycle_totals("dara_pd", 8)
    assert [t["daratumumab", c][0] for c in (1, 2, 3, 6, 7, 8)] == [4, 4, 2, 2, 1, 1]
    assert t["daratumumab", 7][1] == 1800.0


def _raw(**over):
    raw = yaml.safe_load("""
name: X
cycle_length_days: 21
drugs:
  - drug: bortezomib
    unit: mg/m2
    schedule:
      - {cycles: "1-8", days: [1, 4, 8, 11], dose: 1.3}
""")
    raw.update(over)
    return raw


def test_parse_and_closed_range():
    r = parse_regimen(_raw())
    p = r.planned_doses(9)
    assert p["cycle"].max() == 8 and len(p) == 32  # 8 cycles x 4 days, nothing planned in cycle 9


@pytest.mark.parametrize("change, message", [
    ({"colour": "red"}, "unknown keys"),
    ({"cycle_length_days": 0}, "cycle_length_days"),
    ({"drugs": [{"drug": "b", "unit": "g", "schedule": [{"cycles": "1", "days": [1], "dose": 1}]}]}, "unit"),
    ({"drugs": [{"drug": "b", "unit": "mg", "schedule": [{"cycles": "1", "days": [22], "dose": 1}]}]}, "days"),
    ({"drugs": [{"drug": "b", "unit": "mg", "schedule": [{"cycles": "1", "days": [1], "dose": 0}]}]}, "dose"),
    ({"drugs": [{"drug": "b", "unit": "mg", "schedule": [{"cycles": "1-", "days": [1, 2], "dose": 1},
                                                         {"cycles": "2", "days": [2], "dose": 1}]}]}, "same cycle day"),
    ({"drugs": [{"drug": "b", "unit": "mg", "schedule": [{"cycles": "x", "days": [1], "dose": 1}]}]}, "cycles"),
    ({"drugs": [{"drug": "b", "unit": "mg", "record": "daily", "schedule": [{"cycles": "1", "days": [1], "dose": 1}]}]},
     "record"),
])
def test_invalid_regimens_raise(change, message):
    with pytest.raises(ValueError, match=message):
        parse_regimen(_raw(**change))


def test_load_by_path_and_unknown_name(tmp_path):
    path = tmp_path / "vd.yaml"
    path.write_text(yaml.safe_dump(_raw()), encoding="utf-8")
    assert load_regimen(path).name == "X"
    with pytest.raises(ValueError, match="unknown regimen"):
        load_regimen("no_such_regimen")
