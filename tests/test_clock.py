"""The market clock: MARKET_CLOCK_FILE moves now(); today() is the date in Lüliang."""
from datetime import UTC, date, datetime, timedelta

from marketplace import clock as market_clock


def test_empty_clock_file_means_real_time(app, clock):
    clock.reset()
    with app.app_context():
        moment = market_clock.now()
    assert abs(moment - datetime.now(UTC)) < timedelta(seconds=5)
    assert moment.tzinfo is not None


def test_clock_file_with_offset(app, clock):
    clock.set("2026-10-01T09:00:00+08:00")
    with app.app_context():
        assert market_clock.now() == datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
        assert market_clock.now().utcoffset() == timedelta(0)


def test_naive_time_in_clock_file_is_utc(app, clock):
    clock.path.write_text("2026-10-01T09:00:00")
    with app.app_context():
        assert market_clock.now() == datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def test_advance_moves_the_market(app, clock):
    clock.set("2026-10-01T09:00:00+08:00")
    clock.advance(days=1, minutes=30)
    with app.app_context():
        assert market_clock.now() == datetime(2026, 10, 2, 1, 30, tzinfo=UTC)


def test_today_is_the_date_in_shanghai(app, clock):
    clock.set("2026-10-01T20:00:00+00:00")
    with app.app_context():
        assert market_clock.today() == date(2026, 10, 2)
    clock.set("2026-10-01T15:59:59+00:00")
    with app.app_context():
        assert market_clock.today() == date(2026, 10, 1)


def test_outside_an_app_the_clock_is_real():
    assert abs(market_clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
