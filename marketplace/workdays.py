"""The working-day calendar: weekends, PRC public holidays and make-up working days (调休).

The State Council's calendar comes from the `chinesecalendar` package; the admin can
override any day (a local holiday, a year the package does not know yet).
"""
from datetime import date, timedelta

import chinese_calendar
from sqlalchemy import Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db


class WorkdayOverride(db.Model):
    __tablename__ = "workday_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(200))


def _national_is_workday(day):
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the package does not cover: weekends only
        return day.weekday() < 5


def is_workday(day: date, overrides=None) -> bool:
    if overrides is None:
        override = db.session.get(WorkdayOverride, day)
        if override is not None:
            return override.is_workday
    elif day in overrides:
        return overrides[day]
    return _national_is_workday(day)


def _overrides_between(start, end):
    rows = db.session.scalars(
        db.select(WorkdayOverride).where(WorkdayOverride.day.between(start, end))
    )
    return {row.day: row.is_workday for row in rows}


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start`; `start` itself is not counted (Civil Code art. 201)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    # Overrides for a generous window, loaded once; holidays never stretch n days past 3n+30.
    overrides = _overrides_between(start, start + timedelta(days=3 * n + 30))
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if is_workday(day, overrides):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    overrides = _overrides_between(start, end)
    return sum(1 for i in range(1, (end - start).days + 1)
               if is_workday(start + timedelta(days=i), overrides))


def set_override(day, is_workday_, note, actor):
    """The admin marks `day` as a working day or a holiday, whatever the national calendar says."""
    from . import audit

    row = db.session.get(WorkdayOverride, day) or WorkdayOverride(day=day)
    row.is_workday, row.note = bool(is_workday_), (note or "").strip()[:200] or None
    db.session.add(row)
    audit.record("calendar", 0, "set_day", actor, comment=day.isoformat(),
                 is_workday=bool(is_workday_), note=row.note)
    db.session.commit()


def remove_override(day, actor):
    from . import audit

    row = db.session.get(WorkdayOverride, day)
    if row is not None:
        db.session.delete(row)
        audit.record("calendar", 0, "clear_day", actor, comment=day.isoformat())
        db.session.commit()


def overrides():
    return db.session.scalars(db.select(WorkdayOverride).order_by(WorkdayOverride.day)).all()
