"""The statistics cache (marketplace/stats/cache.py) is per process; a certification made
through another process (another gunicorn worker: here another app on the same database, with
a cache of its own) must renew what this one shows."""
from marketplace.extensions import db
from marketplace.stats import cache


def test_a_certification_through_another_worker_renews_the_cached_figures(make_app, api,
                                                                          stats):
    stats.contract("2026-03-10T10:00:00+08:00")
    first = api.get("/stats/contracts?year=2026").get_json()
    assert api.get("/stats/contracts?year=2026").get_json() == first  # served from the cache
    with stats.app.app_context():
        assert stats.app.extensions["stats_cache"].entries  # there is something cached
    other = make_app()  # the other worker
    with other.app_context():
        version = cache.data_version()
        stats.app, app = other, stats.app
        try:
            stats.contract("2026-03-11T10:00:00+08:00")  # certified through the other worker
        finally:
            stats.app = app
        assert cache.data_version() != version
        db.session.remove()
    second = api.get("/stats/contracts?year=2026").get_json()
    assert second["count"] == first["count"] + 1
