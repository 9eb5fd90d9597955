"""The working-day calendar: weekends, PRC holidays, make-up days, and the admin's overrides."""
from datetime import date

import pytest

from marketplace import workdays
from marketplace.audit import AuditEntry
from marketplace.extensions import db

from .factories import make_user


@pytest.mark.parametrize(("day", "expected"), [
    *[(date(2026, 10, d), False) for d in range(1, 8)],  # National Day holidays
    (date(2026, 10, 8), True),
    (date(2026, 10, 9), True),
    (date(2026, 10, 10), True),   # a Saturday make-up working day (调休)
    (date(2026, 10, 11), False),  # Sunday
    (date(2026, 9, 30), True),
    (date(2026, 7, 4), False),    # an ordinary Saturday
])
def test_is_workday(app, day, expected):
    with app.app_context():
        assert workdays.is_workday(day) is expected


@pytest.mark.parametrize(("start", "n", "due"), [
    (date(2026, 9, 30), 1, date(2026, 10, 8)),    # across the National Day week
    (date(2026, 6, 30), 15, date(2026, 7, 21)),   # SPEC.md: submitted Tuesday 30 June
    (date(2026, 7, 3), 1, date(2026, 7, 6)),      # Friday -> Monday
    (date(2026, 10, 9), 1, date(2026, 10, 10)),   # the make-up Saturday counts
])
def test_add_working_days(app, start, n, due):
    with app.app_context():
        assert workdays.add_working_days(start, n) == due


@pytest.mark.parametrize("n", [0, -1])
def test_add_working_days_needs_at_least_one(app, n):
    with app.app_context(), pytest.raises(ValueError):
        workdays.add_working_days(date(2026, 6, 30), n)


@pytest.mark.parametrize(("start", "end", "count"), [
    (date(2026, 9, 30), date(2026, 10, 8), 1),
    (date(2026, 6, 30), date(2026, 7, 21), 15),
    (date(2026, 7, 6), date(2026, 7, 6), 0),
    (date(2026, 7, 10), date(2026, 7, 6), 0),
    (date(2026, 7, 3), date(2026, 7, 5), 0),      # a weekend only
])
def test_working_days_between(app, start, end, count):
    with app.app_context():
        assert workdays.working_days_between(start, end) == count


def test_an_override_shifts_a_due_date(app):
    with app.app_context():
        admin = make_user("admin")
        assert workdays.add_working_days(date(2026, 6, 30), 15) == date(2026, 7, 21)
        workdays.set_override(date(2026, 7, 8), False, "城市防汛", admin)  # a local holiday
        assert workdays.is_workday(date(2026, 7, 8)) is False
        assert workdays.add_working_days(date(2026, 6, 30), 15) == date(2026, 7, 22)
        assert workdays.working_days_between(date(2026, 6, 30), date(2026, 7, 21)) == 14

        workdays.set_override(date(2026, 7, 11), True, "补班", admin)  # a Saturday made a workday
        assert workdays.add_working_days(date(2026, 6, 30), 15) == date(2026, 7, 21)

        workdays.remove_override(date(2026, 7, 8), admin)
        workdays.remove_override(date(2026, 7, 11), admin)
        assert workdays.add_working_days(date(2026, 6, 30), 15) == date(2026, 7, 21)
        actions = db.session.scalars(db.select(AuditEntry.action)
                                     .where(AuditEntry.entity == "calendar")).all()
        assert actions == ["set_day", "set_day", "clear_day", "clear_day"]


def test_years_the_national_calendar_does_not_know_use_weekends(app):
    with app.app_context():
        assert workdays.is_workday(date(2099, 1, 5)) is True     # a Monday
        assert workdays.is_workday(date(2099, 1, 3)) is False    # a Saturday
