"""Listings in the index: those open to the market (announced, listed, negotiating, bidding,
awarded), with the achievement's text and facets and the seller's county."""
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, defer, noload

from ..achievements.models import Achievement
from ..listings.models import Listing
from ..listings.states import OPEN
from .documents import SearchType, document, register


def _public(session, ids):
    # coalesce() keeps the planner on the primary key, as for achievements.
    open_ = func.coalesce(Listing.status, "").in_([s.value for s in OPEN])
    return session.scalars(
        select(Listing).join(Listing.achievement).where(Listing.id.in_(ids), open_)
        .options(contains_eager(Listing.achievement).options(
            defer(Achievement.details), noload(Achievement.completers),
            noload(Achievement.ip_items)))).unique()


def build(session, ids):
    for record in _public(session, ids):
        achievement = record.achievement
        yield document(
            "listing", record.id, title="\n".join(filter(None, (achievement.title,
                                                                achievement.title_en))),
            summary="\n".join(filter(None, (achievement.summary, record.buyer_conditions))),
            keywords=achievement.keywords or (), field=achievement.field,
            county=record.seller.county if record.seller else None,
            maturity=achievement.maturity, transfer_mode=record.transfer_mode,
            price=record.asking_price, status=record.status, updated=record.updated_at)


def public_stamps(session):
    return select(Listing.id, Listing.updated_at).where(Listing.status.in_(OPEN))


def load(session, ids):
    return {record.id: record for record in _public(session, ids)}


def text(record):
    achievement = record.achievement
    return "\n".join(filter(None, (achievement.title, achievement.title_en, " ".join(
        achievement.keywords or ()), achievement.summary)))


def url(record):
    return url_for("listings.detail", listing_id=record.id)


register(SearchType(
    entity="listing", model=Listing, label=_l("Listings"), build=build,
    public_stamps=public_stamps, load=load, url=url, text=text, order=10))
