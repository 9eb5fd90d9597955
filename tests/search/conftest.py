"""Search fixtures: public records made the way a service makes them (the change and its
outbox row in one transaction), and helpers to sync and ask the index."""
import pytest
from search_helpers import Records

from marketplace.search import search, sync


@pytest.fixture
def indexed(app):
    """An index exists (empty until records are synced): a sync applies outbox rows instead
    of building the missing index from the database."""
    with app.app_context():
        sync()


@pytest.fixture
def records(app):
    return Records(app)


@pytest.fixture
def find(app):
    """find("储能", field="power") -> ids of the first page, after a sync."""

    def run(query="", sort="relevance", **filters):
        with app.app_context():
            sync()
            return [hit.id for hit in search(query, filters, sort).hits]

    return run


@pytest.fixture
def results(app):
    """results("储能") -> the SearchResults, after a sync."""

    def run(query="", sort="relevance", page=1, **filters):
        with app.app_context():
            sync()
            return search(query, filters, sort, page)

    return run
