"""Complaint and blacklist test helpers: deals to complain about, complaints in any state, the
people around them, blacklist entries, and what the credit scores and inboxes hold.

`Market` (the `market` fixture of conftest.py) extends the need and listing helpers' Market.
"""
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask_babel import force_locale, gettext
from need_helpers import DEFAULT_MOMENT
from need_helpers import Market as NeedMarket
from sqlalchemy import select

from marketplace import audit, clock
from marketplace.brokers.models import BrokerProfile
from marketplace.credit import blacklist, complaints
from marketplace.credit.models import BlacklistEntry, Complaint, CreditEvent
from marketplace.credit.services import score_of
from marketplace.extensions import db
from marketplace.inbox.models import Notification
from marketplace.listings.deals import _new_deal

__all__ = ["DEFAULT_MOMENT", "TODAY", "Market", "translated"]
TODAY = DEFAULT_MOMENT.date()  # 2026-07-01, the same day in Lüliang


@dataclass
class DealPeople:
    """A deal and its people: the seller's and the buyer's members, the two brokers."""

    deal_id: int
    seller: object
    buyer: object
    seller_broker: object
    buyer_broker: object


def translated(app, lang, msgid, **params):
    """`msgid` as the catalogue of `lang` words it (the lead translates; until then, English)."""
    with app.test_request_context(), force_locale(lang):
        return gettext(msgid, **params)


class Market(NeedMarket):
    def user(self, role, **fields):
        """As the listing helpers' users; a broker has a verified profile (its public name)."""
        user = super().user(role, **fields)
        if role == "broker":
            with self.app.app_context():
                if blacklist.broker_profile(user.id) is None:
                    moment = clock.now()
                    db.session.add(BrokerProfile(
                        user_id=user.id, real_name=f"经纪人{user.id}", level="junior",
                        fields=["coal"], regions=["141102"], services=["matching"], bio="",
                        status="verified", submitted_at=moment, verified_at=moment,
                        created_at=moment, updated_at=moment))
                    db.session.commit()
        return user

    # --- deals and complaints ------------------------------------------------------------
    def deal(self, brokers=True):
        """A deal between a new institute (seller) and a new enterprise (buyer), with a broker
        on each side unless `brokers` is false. Made as the listings' deal service makes one
        (numbers, announcement), without walking a listing through its periods."""
        seller, buyer = self.user("institute"), self.user("enterprise")
        seller_broker = self.user("broker") if brokers else None
        buyer_broker = self.user("broker") if brokers else None

        def make(actor):
            moment = clock.now()
            deal = _new_deal(actor, moment, seller_org_id=seller.organization_id,
                             buyer_org_id=buyer.organization_id, transfer_mode="assignment",
                             price=Decimal("800000.00"),
                             seller_broker_id=seller_broker.id if brokers else None,
                             buyer_broker_id=buyer_broker.id if brokers else None,
                             seller_confirmed_at=moment, buyer_confirmed_at=moment)
            db.session.commit()
            return deal.id
        return DealPeople(self.run(make, seller), seller, buyer, seller_broker, buyer_broker)

    def complaint(self, deal, complainant=None, state="submitted", against="party",
                  category="false_information", sanction="warning", until=None):
        """A complaint by `complainant` (the buyer) moved into `state`; returns its id."""
        complainant = complainant or deal.buyer
        data = complaints.ComplaintData(against, category, "成果技术指标与实际不符",
                                        "交付的样机瓦斯利用率仅 60%，与挂牌描述的 85% 不符。")
        complaint_id = self.run(lambda u: complaints.file_complaint(deal.deal_id, u, data).id,
                                complainant)
        officer = self.bureau()
        if state == "withdrawn":
            self.run(complaints.withdraw, complaint_id, complainant)
        if state in ("investigating", "upheld", "dismissed"):
            self.run(complaints.decide, complaint_id, "investigate", officer)
        if state in ("upheld", "dismissed"):
            decision = "uphold" if state == "upheld" else "dismiss"
            self.run(complaints.decide, complaint_id, decision, officer, "经调查，情况属实。",
                     sanction if state == "upheld" else None, until)
        assert self.complaint_status(complaint_id) == state
        return complaint_id

    def get_complaint(self, complaint_id):
        with self.app.app_context():
            record = db.session.get(Complaint, complaint_id)
            db.session.expunge(record)
            return record

    def complaint_status(self, complaint_id):
        return str(self.get_complaint(complaint_id).status)

    def complaint_history(self, complaint_id):
        """(action, from_state, to_state, actor_id, comment) of every audit entry."""
        with self.app.app_context():
            return [(e.action, e.from_state, e.to_state, e.actor_id, e.comment)
                    for e in audit.history("complaint", complaint_id)]

    # --- the blacklist --------------------------------------------------------------------
    def blacklist(self, until=TODAY + timedelta(days=30), reason="虚假挂牌，扰乱市场秩序。",
                  **subject):
        """Put `org_id=` or `broker_id=` (a user id) on the blacklist; returns the entry id."""
        return self.run(lambda u: blacklist.add(u, until=until, reason=reason, **subject).id,
                        self.bureau())

    def entry(self, entry_id):
        with self.app.app_context():
            record = db.session.get(BlacklistEntry, entry_id)
            db.session.expunge(record)
            return record

    def entry_history(self, entry_id):
        with self.app.app_context():
            return [(e.action, e.actor_id, e.comment, e.data)
                    for e in audit.history("blacklist", entry_id)]

    # --- credit and inboxes -----------------------------------------------------------------
    def score(self, **subject):
        with self.app.app_context():
            return score_of(**subject)[0]

    def credit_events(self, **subject):
        """(kind, points, entity, entity_id) of the subject's events, oldest first."""
        column, value = next(iter(subject.items()))
        with self.app.app_context():
            return [(e.kind, e.points, e.entity, e.entity_id) for e in db.session.scalars(
                select(CreditEvent).where(getattr(CreditEvent, column) == value)
                .order_by(CreditEvent.id))]

    def inbox(self, user):
        """(message, params, link) of every notification of `user`, oldest first."""
        with self.app.app_context():
            return [(n.message, n.params, n.link) for n in db.session.scalars(
                select(Notification).where(Notification.user_id == user.id)
                .order_by(Notification.id))]

    def messages_of(self, user):
        return [message for message, _, _ in self.inbox(user)]
