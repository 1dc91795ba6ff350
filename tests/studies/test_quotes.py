"""Every published figure is anchored in its seed paper.

(a) the figure's ``quote`` is an exact substring of the seed text (runs of whitespace collapsed to
one space); the printed value -- and the lower/upper limits when given -- occur as numbers in the
quote ("." or "·" as decimal point, so 0·596 and 0.596 both match 0.596); a figure with a
``qualifier`` prints it directly before the value ("<0·0001", "(<1%)", "≥1 year", "Greater than 8"),
and a value printed only behind "<"/">"/"≥"/"≤" must carry that qualifier (cut-off values excepted).
Reference: the seed texts themselves (verbatim copies of /work/shared/seeds in tests/studies/seeds).
"""

from __future__ import annotations

import re

import pytest

from mmevidence.studies import list_studies, load_study
from mmevidence.studies.loader import collapse_ws, printed_numbers

from .conftest import SEEDS

_TEXT: dict[str, str] = {}


def _seed_text(name: str) -> str:
    if name not in _TEXT:
        _TEXT[name] = collapse_ws((SEEDS / name).read_text(encoding="utf-8"))
    return _TEXT[name]


def _all_figures():
    for sid in list_studies():
        study = load_study(sid)
        seeds = {s.id: s.seed for s in study.sources}
        for f in study.published:
            yield pytest.param(f, seeds[f.source.doc], id=f"{sid}:{f.id}")


FIGURES = list(_all_figures())


def test_bundled_studies_and_seed_copies():
    assert list_studies() == ["cup", "icaria-mm", "image", "italian-dara-refractory"]
    assert sorted(p.name for p in SEEDS.glob("*.txt")) == [
        "000_598961f18d44bb6b.txt", "001_fad7d298a32062f2.txt", "002_9c2d9b244e1a8500.txt",
        "003_102aaaefc8c4e906.txt", "004_d52c6ba6cd6185c2.txt"]


@pytest.mark.parametrize(("figure", "seed"), FIGURES)
def test_quote_in_seed_and_numbers_printed(figure, seed):
    quote = collapse_ws(figure.quote)
    assert quote in _seed_text(seed), f"quote not in {seed}: {quote!r}"
    numbers = printed_numbers(quote)
    for field in ("value", "lower", "upper"):
        v = getattr(figure, field)
        if v is not None:
            assert float(v) in numbers, f"{field} {v!r} not printed in {quote!r}"


_QUAL_CHARS = {"<": ("<", "less than"), ">": (">", "greater than"), "<=": ("≤", "<="), ">=": ("≥", ">=")}
_NUM = re.compile(r"(<=|>=|≤|≥|<|>|less than|greater than)?\s*(\d+(?:[.·]\d+)?)", re.IGNORECASE)


@pytest.mark.parametrize(("figure", "seed"), FIGURES)
def test_qualifier_matches_print(figure, seed):
    if figure.value is None or figure.statistic == "cutoff":  # a cut-off is printed as "Hb < 11.8" by nature
        return
    hits = [(m.group(1) and m.group(1).lower(), float(m.group(2).replace("·", ".")))
            for m in _NUM.finditer(collapse_ws(figure.quote))]
    prefixes = {p for p, v in hits if v == float(figure.value)}
    if figure.qualifier is not None:
        assert prefixes & set(_QUAL_CHARS[figure.qualifier]), f"qualifier {figure.qualifier!r} not printed"
    else:
        assert None in prefixes, f"value {figure.value} printed only as {prefixes}: set qualifier"


def test_eligibility_text_is_verbatim():
    for sid in list_studies():
        study = load_study(sid)
        seed = study.sources[0].seed
        for c in study.eligibility:
            assert collapse_ws(c.text) in _seed_text(seed), f"{sid} {c.id}: text not verbatim"
