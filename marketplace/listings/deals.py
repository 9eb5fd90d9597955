"""Deals (成交): the record, its confirmation (成交确认书) and certificate (交易凭证) numbers with
public verification, the deal announcement (成交公告), and the draft contract it pre-fills."""
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from .. import audit, clock, sequences, settings, workdays
from ..brokers import engagements
from ..contracts import services as contracts
from ..credit.services import record_event
from ..errors import Conflict, NotFound
from ..extensions import db
from .models import Deal

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CONFIRMATION_DIGITS = 10  # year + 6-digit serial
CERTIFICATE_DIGITS = 14  # year + 6-digit area code + 4-digit serial (/verify by length)


def _numbers(moment):
    year = moment.astimezone(clock.LOCAL_TZ).year
    confirmation = sequences.next_value("deal_confirmation", year)
    certificate = sequences.next_value("deal_certificate", year)
    if certificate > 9999 or confirmation > 999999:
        raise Conflict(_l("This year's certificate numbers are used up."))
    return (f"{year}{confirmation:06d}",
            f"{year}{settings.get('contract_area_code')}{certificate:04d}")


def _new_deal(actor, moment, **fields):
    """A deal with its numbers, announced publicly from today for the set working days."""
    confirmation, certificate = _numbers(moment)
    today = moment.astimezone(clock.LOCAL_TZ).date()
    deal = Deal(
        **fields, dealt_at=moment, dealt_on=today, confirmation_number=confirmation,
        certificate_number=certificate,
        verification_code="".join(secrets.choice(CODE_ALPHABET) for _ in range(8)),
        announcement_until=workdays.add_working_days(
            today, settings.get("deal_announcement_days")),
        created_at=moment)
    db.session.add(deal)
    db.session.flush()
    audit.record("deal", deal.id, "create", actor, listing_id=deal.listing_id,
                 need_id=deal.need_id, price=str(deal.price), certificate_number=certificate)
    _record_credit(deal, actor)
    return deal


def _record_credit(deal, actor):
    """A completed deal counts in the credit of the seller, the buyer and each broker on it."""
    for org_id in (deal.seller_org_id, deal.buyer_org_id):
        record_event("deal_completed", org_id=org_id, entity="deal", entity_id=deal.id,
                     actor=actor)
    for broker_id in dict.fromkeys((deal.seller_broker_id, deal.buyer_broker_id)):
        if broker_id is not None:
            record_event("deal_completed", broker_id=broker_id, entity="deal",
                         entity_id=deal.id, actor=actor)


def make_deal(record, actor):
    """The deal of a listing both sides confirmed, and the draft contract for the seller.
    The brokers on it are those whose engagement by the seller or by the winning buyer is
    accepted; the engagements of the buyers who did not win end."""
    deal = _new_deal(
        actor, clock.now(), listing_id=record.id, achievement_id=record.achievement_id,
        seller_org_id=record.seller_org_id, buyer_org_id=record.buyer_org_id,
        transfer_mode=record.transfer_mode, price=record.agreed_price,
        **engagements.deal_brokers(listing=record, buyer_org_id=record.buyer_org_id),
        seller_confirmed_at=record.seller_confirmed_at,
        buyer_confirmed_at=record.buyer_confirmed_at)
    engagements.close_open("listing", record.id, actor, side="buyer",
                           except_principal=record.buyer_org_id)
    seller_user = actor if actor.organization_id == record.seller_org_id else \
        record.created_by
    contracts.draft_from_deal(deal, seller_user)
    return deal


def make_deal_from_response(need, response, actor):
    """The deal of a need's response whose terms the seller side confirmed (`actor`)."""
    moment = clock.now()
    listing = response.listing
    deal = _new_deal(
        actor, moment, need_id=need.id, response_id=response.id,
        achievement_id=response.achievement_id or (listing.achievement_id if listing else None),
        seller_org_id=response.seller_org_id, buyer_org_id=need.org_id,
        transfer_mode=response.agreed_mode, price=response.agreed_price,
        **engagements.deal_brokers(need=need, response=response),
        seller_confirmed_at=moment, buyer_confirmed_at=response.accepted_at)
    contracts.draft_from_deal(deal, actor)
    return deal


# --- access ----------------------------------------------------------------------------------

def is_party(actor, deal):
    org_id = getattr(actor, "organization_id", None)
    return org_id is not None and org_id in (deal.seller_org_id, deal.buyer_org_id)


def may_view(actor, deal):
    """The parties, their brokers and the bureau see the deal's papers."""
    if actor is None:
        return False
    return (is_party(actor, deal) or getattr(actor, "is_officer", False)
            or actor.id in (deal.seller_broker_id, deal.buyer_broker_id))


def get_visible(deal_id, actor):
    deal = db.session.get(Deal, deal_id)
    if deal is None or not may_view(actor, deal):
        raise NotFound()
    return deal


def is_announced(deal, today=None):
    return deal.announcement_until >= (today or clock.today())


def get_announcement(deal_id):
    """成交公告: public while the announcement lasts."""
    deal = db.session.get(Deal, deal_id)
    if deal is None or not is_announced(deal):
        raise NotFound()
    return deal


def announcements():
    """The deals being announced now, the newest first."""
    return select(Deal).where(Deal.announcement_until >= clock.today()).order_by(
        Deal.dealt_at.desc())


def deals_of(actor):
    """The deals of the actor's organisation, or that the actor brokered."""
    conditions = [Deal.seller_broker_id == actor.id, Deal.buyer_broker_id == actor.id]
    if actor.organization_id is not None:
        conditions += [Deal.seller_org_id == actor.organization_id,
                       Deal.buyer_org_id == actor.organization_id]
    return select(Deal).where(or_(*conditions)).order_by(Deal.dealt_at.desc())


# --- verification ----------------------------------------------------------------------------

def _by_number(column, number, code):
    deal = db.session.scalar(select(Deal).where(column == number))
    if deal is None or not code or not secrets.compare_digest(
            deal.verification_code, code.strip().upper()):
        raise NotFound()
    return deal


def by_confirmation_number(number, code):
    return _by_number(Deal.confirmation_number, number, code)


def by_certificate_number(number, code):
    return _by_number(Deal.certificate_number, number, code)
