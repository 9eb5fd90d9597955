"""Year-on-year growth against the plan's target, and the median working days to certify."""
from datetime import date
from decimal import Decimal

import pytest
from stats_helpers import moment

from marketplace import settings, workdays
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.stats import services
from marketplace.stats.periods import Period, same_span_last_year
from tests.factories import make_user

MILLION = Decimal("1000000.00")


def contracts(stats, *pairs):
    """(local certification time, contract amount) of each contract."""
    for when, amount in pairs:
        stats.contract(when, total_amount=amount, technology_amount=amount)


def growth(app, period, filters=None):
    with app.app_context():
        return services.growth(period, filters)


def test_growth_across_years_with_a_year_without_contracts(app, stats, clock):
    clock.set("2027-02-01T10:00:00+08:00")  # 2024 to 2026 are over
    contracts(stats, ("2025-03-01T10:00:00+08:00", MILLION),
              ("2025-11-30T10:00:00+08:00", MILLION),
              ("2026-01-15T10:00:00+08:00", Decimal("100000.00")),
              ("2026-05-01T10:00:00+08:00", Decimal("2200000.00")))
    g2024, g2025, g2026 = (growth(app, Period(y)) for y in (2024, 2025, 2026))
    # 2024: nothing this year nor the year before; 2025: the year before had nothing
    assert (g2024.rate, g2024.on_track, g2024.previous) == (None, None, Decimal("0.00"))
    assert (g2025.rate, g2025.on_track, g2025.current) == (None, None, 2 * MILLION)
    assert (g2026.rate, g2026.target, g2026.on_track) == (Decimal("15.00"), Decimal("10"), True)
    assert g2026.compared_until is None  # a whole year against a whole year
    # 2027 is running: compared with 2026 up to 1 February, it has nothing yet
    g2027 = growth(app, Period(2027))
    assert (g2027.compared_until, g2027.previous) == (date(2026, 2, 2), Decimal("100000.00"))
    assert (g2027.rate, g2027.on_track) == (Decimal("-100.00"), False)


def test_the_target_is_the_setting(app, stats, clock):
    clock.set("2027-02-01T10:00:00+08:00")
    contracts(stats, ("2025-03-01T10:00:00+08:00", MILLION),
              ("2026-05-01T10:00:00+08:00", Decimal("1150000.00")))
    with app.app_context():
        admin = make_user("admin")
        settings.update({"plan_growth_target": "15"}, db.session.get(User, admin.id))
    change = growth(app, Period(2026))
    assert (change.rate, change.target, change.on_track) == (Decimal("15.00"), 15, True)
    with app.app_context():
        settings.update({"plan_growth_target": "15.01"}, db.session.get(User, admin.id))
    change = growth(app, Period(2026))
    assert (change.rate, change.on_track) == (Decimal("15.00"), False)


def test_a_running_year_is_compared_with_the_same_days_of_the_year_before(app, stats, clock):
    # 30 June 2026: the first half of 2026 against the first half of 2025 (up to 30 June)
    contracts(stats, ("2025-03-01T10:00:00+08:00", MILLION),
              ("2025-06-30T23:30:00+08:00", MILLION),
              ("2025-07-01T00:30:00+08:00", 5 * MILLION),  # later in 2025: not compared
              ("2026-02-01T10:00:00+08:00", Decimal("2500000.00")))
    change = growth(app, Period(2026))
    assert change.compared_until == date(2025, 7, 1)
    assert (change.previous, change.rate, change.on_track) == (
        2 * MILLION, Decimal("25.00"), True)
    # a quarter that is over is compared whole
    quarter = growth(app, Period(2026, 1))
    assert (quarter.compared_until, quarter.previous, quarter.rate) == (
        None, MILLION, Decimal("150.00"))


def test_same_span_last_year_on_29_february():
    previous, cut = same_span_last_year(Period(2028), today=date(2028, 2, 29))
    assert (previous, cut) == (Period(2027), date(2027, 3, 1))
    previous, cut = same_span_last_year(Period(2028, None, 2), today=date(2028, 2, 10))
    assert (previous, cut) == (Period(2027, None, 2), date(2027, 2, 11))
    assert same_span_last_year(Period(2025), today=date(2028, 2, 10)) == (Period(2024), None)


def test_growth_within_a_group(app, stats, clock):
    clock.set("2027-02-01T10:00:00+08:00")
    stats.contract("2025-03-01T10:00:00+08:00", contract_type="transfer",
                   total_amount=MILLION, technology_amount=MILLION)
    stats.contract("2026-03-01T10:00:00+08:00", contract_type="transfer",
                   total_amount=3 * MILLION, technology_amount=MILLION)
    stats.contract("2026-03-01T10:00:00+08:00", contract_type="service",
                   total_amount=MILLION, technology_amount=MILLION)
    assert growth(app, Period(2026), {"type": "transfer"}).rate == Decimal("200.00")
    assert growth(app, Period(2026), {"type": "service"}).rate is None


@pytest.mark.parametrize(("counts", "median"), [
    ({15: 1}, Decimal("15")),
    ({0: 1, 1: 1, 15: 1}, Decimal("1")),
    ({0: 1, 1: 1, 15: 2}, Decimal("8.0")),
    ({3: 2, 4: 1}, Decimal("3")),
    ({2: 1, 5: 1}, Decimal("3.5")),
])
def test_weighted_median(counts, median):
    assert services.weighted_median(counts) == median


def certify(stats, submitted, certified):
    stats.contract(certified, submitted_at=moment(submitted))


def test_median_working_days_to_certify(app, stats):
    # SPEC.md: submitted on Tuesday 2026-06-30, due 15 working days later on 2026-07-21
    certify(stats, "2026-06-30T16:00:00+08:00", "2026-07-21T09:00:00+08:00")
    certify(stats, "2026-07-01T09:00:00+08:00", "2026-07-02T17:00:00+08:00")  # one day
    certify(stats, "2026-07-03T09:00:00+08:00", "2026-07-03T18:00:00+08:00")  # the same day
    # submitted on Friday evening (UTC: still Friday), certified Monday: one working day
    certify(stats, "2026-07-10T23:30:00+08:00", "2026-07-13T08:30:00+08:00")
    with app.app_context():
        assert services.median_days_to_certify(Period(2026)) == Decimal("1.0")
        assert services.median_days_to_certify(Period(2026, None, 8)) is None
    # the working-day calendar counts (National Day holidays from 1 October), with the admin's
    # overrides
    certify(stats, "2026-09-30T10:00:00+08:00", "2026-10-09T10:00:00+08:00")
    certify(stats, "2026-09-30T10:00:00+08:00", "2026-10-09T11:00:00+08:00")
    with app.app_context():
        period = Period(2026, 4)
        national = workdays.working_days_between(date(2026, 9, 30), date(2026, 10, 9))
        assert services.median_days_to_certify(period) == Decimal(national)
        admin = db.session.get(User, make_user("admin").id)
        workdays.set_override(date(2026, 10, 9), False, "本地假日", admin)
    with app.app_context():
        assert services.median_days_to_certify(Period(2026, 4)) == Decimal(national - 1)
