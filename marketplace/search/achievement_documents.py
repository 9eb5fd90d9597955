"""Achievements in the index: registered records only, with the owner organisation's county."""
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import defer, joinedload, noload

from ..achievements.models import Achievement
from ..achievements.states import AchievementStatus
from .documents import SearchType, document, register

PUBLIC = Achievement.status == AchievementStatus.REGISTERED


def _public(session, ids):
    # The status test goes through coalesce() so that the planner looks the ids up by key:
    # SQLite otherwise scans the (status, …) index, every registered record of it. The
    # confidential details and the completer and IP lists are not indexed: not loaded.
    registered = func.coalesce(Achievement.status, "") == AchievementStatus.REGISTERED
    return session.scalars(
        select(Achievement).where(Achievement.id.in_(ids), registered)
        .options(joinedload(Achievement.owner), defer(Achievement.details),
                 noload(Achievement.completers), noload(Achievement.ip_items))).unique()


def build(session, ids):
    for record in _public(session, ids):
        yield document(
            "achievement", record.id, title="\n".join(filter(None, (record.title,
                                                                    record.title_en))),
            summary=record.summary or "", keywords=record.keywords or (), field=record.field,
            county=record.owner.county if record.owner else None, maturity=record.maturity,
            status=record.status, updated=record.updated_at)


def public_stamps(session):
    return select(Achievement.id, Achievement.updated_at).where(PUBLIC)


def load(session, ids):
    return {record.id: record for record in _public(session, ids)}


def text(record):
    return "\n".join(filter(None, (record.title, record.title_en, " ".join(
        record.keywords or ()), record.summary)))


def url(record):
    return url_for("achievements.detail", achievement_id=record.id)


register(SearchType(
    entity="achievement", model=Achievement, label=_l("Achievements"), build=build,
    public_stamps=public_stamps, load=load, url=url, text=text, order=20))
