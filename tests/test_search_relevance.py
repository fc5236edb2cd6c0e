"""The judged queries of tests/relevance/queries.yaml against the samples: precision at 5 holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from lod.search import SearchIndex, sync
from lod.search.relevance import evaluate, fits, load
from tests.test_search import samples_store

QUERIES = Path(__file__).parent / "relevance" / "queries.yaml"
FLOOR = 0.9  # precision at 5 over all judged queries


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> SearchIndex:
    folder = tmp_path_factory.mktemp("relevance") / "store"
    store = samples_store(folder)
    index = SearchIndex(folder / "search")
    sync(store, index)
    return index


def test_the_judged_set_is_what_it_says():
    judged = load(QUERIES)
    assert len(judged) >= 30
    assert sum(1 for j in judged if j.query.isascii()) >= 10  # typed without diacritics
    assert sum(1 for j in judged if not j.query.isascii()) >= 10  # typed with them
    assert all(j.relevant for j in judged)


def test_every_judgement_names_something_indexed(index):
    report = evaluate(index, load(QUERIES))
    assert not [o.query for o in report.outcomes if o.relevant == 0]


def test_precision_at_5(index):
    report = evaluate(index, load(QUERIES))
    failures = "\n".join(f"{o.query!r}: {o.precision:.2f} {[label for _, label, _ in o.top]}" for o in report.failures)
    assert report.precision >= FLOOR, f"P@5 {report.precision:.3f}\n{failures}"


def test_fits_rejects_unknown_conditions():
    with pytest.raises(ValueError):
        fits({"kind": ["work"], "label": ["x"]}, {"titel": "x"})
