"""Engagement test helpers: brokers in any profile state, invitations through the services,
blacklist entries, and snapshots of engagements.

`Market` (the `market` fixture of the engagement tests) extends the need helpers' Market
(people, achievements, listings in any state, needs, tokens, the clock), so a test makes the
record an engagement is on the way the other capabilities' tests do.
"""
import re
import sys
from datetime import timedelta
from pathlib import Path

for _folder in ("achievements", "listings", "needs"):
    _path = str(Path(__file__).parent.parent / _folder)
    if _path not in sys.path:
        sys.path.insert(0, _path)

from listing_helpers import Api, notifications_of  # noqa: E402
from need_helpers import Market as NeedMarket  # noqa: E402
from sqlalchemy import select  # noqa: E402

from marketplace import audit, clock  # noqa: E402
from marketplace.brokers import engagements  # noqa: E402
from marketplace.brokers.models import Engagement  # noqa: E402
from marketplace.credit.models import BlacklistEntry  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.listings.models import Deal  # noqa: E402
from tests.factories import make_broker_profile, make_member, make_user  # noqa: E402

__all__ = ["Api", "Market", "notifications_of", "select_options"]
COMMISSION = "30000.00"


class Market(NeedMarket):
    # --- people ------------------------------------------------------------------------
    def broker(self, status="verified", employer=None):
        """A broker user with a profile in `status` (own intermediary employer unless
        `employer`, an organisation id, is given)."""
        with self.app.app_context():
            user = make_member("broker") if employer is None else \
                make_user("broker", org=employer)
            make_broker_profile(user, status=status)
            return user

    def profile_id(self, broker):
        with self.app.app_context():
            return engagements.profile_of(broker.id).id

    def blacklist(self, broker=None, org_id=None, days=30):
        """An entry in force for `days` more days, written directly (the bureau's pages that
        write one are tested with the credit capability)."""
        with self.app.app_context():
            officer = self.bureau()
            entry = BlacklistEntry(org_id=org_id, broker_id=broker.id if broker else None,
                                   reason="虚构交易业绩", until=clock.today()
                                   + timedelta(days=days), created_by_id=officer.id,
                                   created_at=clock.now())
            db.session.add(entry)
            db.session.commit()
            return entry.until

    # --- engagements -------------------------------------------------------------------
    def invite(self, subject, subject_id, principal, broker, commission=COMMISSION,
               message="请协助我方对接。"):
        """The principal invites the broker through the service; the engagement id."""
        return self.run(lambda u: engagements.invite(subject, subject_id, u, broker.id,
                                                     commission=commission,
                                                     message=message).id, principal)

    def answer(self, action, engagement_id, actor, comment=None):
        """accept / decline / withdraw / end through the service."""
        return self.run(lambda u: getattr(engagements, action)(engagement_id, u, comment).id,
                        actor)

    def engaged_on(self, subject, subject_id, principal, broker):
        """An accepted engagement of the broker by the principal; its id."""
        engagement_id = self.invite(subject, subject_id, principal, broker)
        self.answer("accept", engagement_id, broker)
        return engagement_id

    def engagement(self, engagement_id):
        with self.app.app_context():
            row = db.session.get(Engagement, engagement_id)
            db.session.expunge(row)
            return row

    def engagements_on(self, subject, subject_id):
        """(broker id, side, status, commission) of every engagement on the record."""
        with self.app.app_context():
            return [(e.broker_id, e.side, e.status, e.commission) for e in db.session.scalars(
                select(Engagement).where(Engagement.subject == subject,
                                         Engagement.subject_id == subject_id)
                .order_by(Engagement.id))]

    def engagement_history(self, engagement_id):
        with self.app.app_context():
            return [(e.action, e.from_state, e.to_state, e.actor_id, e.comment)
                    for e in audit.history("engagement", engagement_id)]

    def audit_of(self, entity, entity_id, action):
        """The `data` of the record's audit entries of `action`."""
        with self.app.app_context():
            return [e.data for e in audit.history(entity, entity_id) if e.action == action]

    def deal_by_id(self, deal_id):
        with self.app.app_context():
            deal = db.session.get(Deal, deal_id)
            contract = deal.contract
            db.session.expunge(deal)
            deal.contract_snapshot = None
            if contract is not None:
                db.session.expunge(contract)
                deal.contract_snapshot = contract
            return deal


def select_options(html, name):
    """{value: label} of the options of the select named `name`."""
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    return dict(re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select))
