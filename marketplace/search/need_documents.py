"""Needs in the index: published ones, with the enterprise's county and the top of the
budget as the price."""
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..needs.models import Need
from ..needs.states import NeedStatus
from .documents import SearchType, document, register

PUBLIC = Need.status == NeedStatus.PUBLISHED


def _public(session, ids):
    published = func.coalesce(Need.status, "") == NeedStatus.PUBLISHED
    return session.scalars(select(Need).where(Need.id.in_(ids), published)).unique()


def build(session, ids):
    for record in _public(session, ids):
        yield document(
            "need", record.id, title=record.title,
            summary="\n".join(filter(None, (record.description, record.indicators))),
            keywords=record.keywords or (), field=record.field,
            county=record.organization.county if record.organization else None,
            price=record.budget_max, status=record.status, updated=record.updated_at)


def public_stamps(session):
    return select(Need.id, Need.updated_at).where(PUBLIC)


def load(session, ids):
    return {record.id: record for record in _public(session, ids)}


def text(record):
    return "\n".join(filter(None, (record.title, " ".join(record.keywords or ()),
                                   record.description, record.indicators)))


def url(record):
    return url_for("needs.detail", need_id=record.id)


register(SearchType(
    entity="need", model=Need, label=_l("Needs"), build=build, public_stamps=public_stamps,
    load=load, url=url, text=text, order=30))
