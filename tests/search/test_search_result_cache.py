"""Recent searches' ranked pages kept per searcher (search.engine._ranked_cached): a repeat
costs no whoosh work, and a changed index is never answered from the cache."""
import pytest

from marketplace.search import engine, search, sync


@pytest.fixture
def ranking(monkeypatch):
    """The searches that reached whoosh (_ranked), as (query, page)."""
    calls = []
    real = engine._ranked

    def counted(searcher, parsed, filters, sort, results):
        calls.append((results.query, results.page))
        return real(searcher, parsed, filters, sort, results)

    monkeypatch.setattr(engine, "_ranked", counted)
    return calls


def page(app, query, sort="relevance", page_number=1, **filters):
    with app.app_context():
        found = search(query, filters, sort, page_number)
        return found, [(hit.type, hit.id) for hit in found.hits]


def test_a_repeat_is_answered_from_the_cache_with_the_same_results(app, indexed, records,
                                                                      ranking):
    for n in range(3):
        records.achievement(f"储能电站第{n}号", "储能。", field="power" if n else "coal")
    with app.app_context():
        sync()
    first, first_hits = page(app, "储能")
    again, again_hits = page(app, "储能")
    assert ranking == [("储能", 1)]
    assert again_hits == first_hits and len(first_hits) == 3
    assert (again.total, again.facets, again.suggestion) == (
        first.total, first.facets, first.suggestion)
    again.facets["field"]["power"] = 99  # a caller's change does not reach the cache
    assert page(app, "储能")[0].facets["field"]["power"] == 2


def test_each_filter_sort_and_page_is_its_own_search(app, indexed, records, ranking):
    records.achievement("储能电站", "储能。", field="power")
    with app.app_context():
        sync()
    page(app, "储能")
    page(app, "储能", field="power")
    page(app, "储能", sort="newest")
    page(app, "储能", page_number=2)
    page(app, "储能电站")
    assert len(ranking) == 5


def test_a_changed_index_is_searched_again(app, indexed, records, ranking):
    records.achievement("储能电站", "储能。")
    with app.app_context():
        sync()
    assert len(page(app, "储能")[1]) == 1
    records.achievement("储能电池", "储能。")
    with app.app_context():
        sync()  # a new index generation: a new searcher, with an empty cache
    assert len(page(app, "储能")[1]) == 2
    assert len(ranking) == 2


def test_a_record_no_longer_public_is_left_out_even_from_a_cached_page(app, indexed, records):
    """The cache keeps the index's answer; the records come from SQL, where the public rule
    is applied again, even before the index has applied the change."""
    kept = records.achievement("储能电站", "储能。")
    hidden = records.achievement("储能电池", "储能。")
    with app.app_context():
        sync()
    assert len(page(app, "储能")[1]) == 2
    records.change(hidden, status="revoked")  # not yet synced
    assert page(app, "储能")[1] == [("achievement", kept)]


def test_the_cache_is_bounded(app, indexed, records, ranking):
    app.config["SEARCH_RESULT_CACHE"] = 2
    records.achievement("储能电站", "储能。")
    with app.app_context():
        sync()
    for query in ("储能", "电站", "储能电站", "储能"):
        page(app, query)
    assert [query for query, _ in ranking] == ["储能", "电站", "储能电站", "储能"]
    page(app, "储能电站")  # the most recent two are kept
    assert len(ranking) == 4


def test_off_with_zero(app, indexed, records, ranking):
    app.config["SEARCH_RESULT_CACHE"] = 0
    records.achievement("储能电站", "储能。")
    with app.app_context():
        sync()
    page(app, "储能")
    page(app, "储能")
    assert len(ranking) == 2
