"""Credit and rating test helpers: the people and records whose real actions make credit
events (contracts, deals, ratings, trading), and what the scores and events hold.

`Market` extends the need and listing helpers' (with the contract helpers' as
`market.contracts`); a test module makes it its `market` fixture (the folder's conftest.py
has the complaint helpers' under that name, and starts the clock on Wednesday 2026-07-01
10:00 in Lüliang). Everything opens its own app context and returns ids or detached
snapshots.
"""
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

for _folder in ("achievements", "listings", "needs", "contracts"):
    _path = str(Path(__file__).parent.parent / _folder)
    if _path not in sys.path:
        sys.path.insert(0, _path)

from contract_helpers import Market as ContractMarket  # noqa: E402
from contract_helpers import contract_data, pdf  # noqa: E402
from flask_babel import force_locale, gettext  # noqa: E402
from need_helpers import DEFAULT_MOMENT  # noqa: E402
from need_helpers import Market as NeedMarket  # noqa: E402
from sqlalchemy import select  # noqa: E402

from marketplace import clock  # noqa: E402
from marketplace.accounts.models import User  # noqa: E402
from marketplace.brokers import ratings  # noqa: E402
from marketplace.brokers.models import BrokerProfile, Rating  # noqa: E402
from marketplace.contracts import services as contracts  # noqa: E402
from marketplace.credit import services as credit  # noqa: E402
from marketplace.credit.models import CreditEvent  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.inbox.models import Notification  # noqa: E402
from marketplace.listings.deals import _new_deal  # noqa: E402
from tests import factories  # noqa: E402

__all__ = ["DEFAULT_MOMENT", "Api", "Market", "error", "words"]


def words(app, lang, message, **params):
    """A msgid (with its params) or a lazy string as a page in `lang` shows it: the lead
    merges the Chinese of new msgids into the catalogue, so tests ask the catalogue."""
    with app.test_request_context(), force_locale(lang):
        return gettext(message, **params) if isinstance(message, str) else str(message)


class Market(NeedMarket):
    def __init__(self, app, client, clock):
        super().__init__(app, client, clock)
        self.contracts = ContractMarket(app, client)

    # --- scores and events ---------------------------------------------------------------
    def score(self, user=None, *, org_id=None, broker=None):
        """The stored (score, grade) of `user`'s organisation, of `org_id`, or of `broker` (a
        broker user)."""
        subject = ({"broker_id": broker.id} if broker is not None else
                   {"org_id": org_id if org_id is not None else user.organization_id})
        with self.app.app_context():
            return credit.score_of(**subject)

    def points(self, user=None, **subject):
        return self.score(user, **subject)[0]

    def events(self, **subject):
        """(kind, points, entity, entity_id, comment) of the events of `org_id=` or
        `broker_id=`, oldest first."""
        column, value = next(iter(subject.items()))
        with self.app.app_context():
            return [(e.kind, e.points, e.entity, e.entity_id, e.comment)
                    for e in db.session.scalars(
                        select(CreditEvent).where(getattr(CreditEvent, column) == value)
                        .order_by(CreditEvent.id))]

    def record(self, kind, times=1, **subject):
        """`kind` recorded `times` for a subject directly (the formula's tests)."""
        with self.app.app_context():
            for _ in range(times):
                credit.record_event(kind, entity="test", entity_id=0, **subject)
            db.session.commit()

    # --- people ----------------------------------------------------------------------------
    def broker(self, status="verified"):
        """A broker user (with an intermediary employer) and its profile in `status`."""
        with self.app.app_context():
            broker = factories.make_member("broker")
            factories.make_broker_profile(broker, status=status)
        return broker

    def profile_id(self, broker):
        with self.app.app_context():
            return db.session.scalar(select(BrokerProfile.id).where(
                BrokerProfile.user_id == broker.id))

    # --- records ---------------------------------------------------------------------------
    def new_deal(self, seller, buyer, seller_broker=None, buyer_broker=None):
        """A deal of `seller`'s and `buyer`'s organisations (with these brokers), made by the
        deal service both deal paths call; returns its id."""
        def make(actor):
            moment = clock.now()
            deal = _new_deal(actor, moment, seller_org_id=seller.organization_id,
                             buyer_org_id=buyer.organization_id, transfer_mode="licence_sole",
                             price=Decimal("650000.00"),
                             seller_broker_id=getattr(seller_broker, "id", None),
                             buyer_broker_id=getattr(buyer_broker, "id", None),
                             seller_confirmed_at=moment, buyer_confirmed_at=moment)
            db.session.commit()
            return deal.id
        return self.run(make, seller)

    def contract(self, filer, state, buyer_org=None, broker=None):
        """A contract `filer` files (the buyer: an Organization snapshot or an outside party),
        naming `broker`, moved into `state` ("submitted" or "certified"); returns its id."""
        data = contract_data(self.contracts.body(filer, buyer_org))
        data.broker_id = getattr(broker, "id", None)
        with self.app.app_context():
            actor = db.session.get(User, filer.id)
            record_id = contracts.create(data, actor).id
            contracts.attach_signed_copy(record_id, pdf(), actor)
        self.contracts.move(record_id, filer, state)
        return record_id

    def rate(self, deal_id, user, target, score, comment="交付及时，沟通顺畅。"):
        """`user` rates `target` ("org:<id>" | "broker:<user id>"); (rating id, created)."""
        def call(actor):
            rating, created = ratings.rate(deal_id, actor, target, score, comment)
            return rating.id, created
        return self.run(call, user)

    def rating(self, rating_id):
        with self.app.app_context():
            row = db.session.get(Rating, rating_id)
            db.session.expunge(row)
            return row

    def notifications_of(self, user):
        """(message, params, link) of every notification of `user`, oldest first."""
        with self.app.app_context():
            return [(n.message, n.params, n.link) for n in db.session.scalars(
                select(Notification).where(Notification.user_id == user.id)
                .order_by(Notification.id))]

    def days_later(self, days, **more):
        return self.clock.set(self.clock.now() + timedelta(days=days, **more))


class Api:
    """JSON calls to /api/v1 as a user of the market (None: a visitor) in `lang`, each with a
    fresh token (the market clock moves past a token's life in these tests)."""

    def __init__(self, market, lang="en"):
        self.market, self.lang = market, lang

    def call(self, method, path, user=None, json=None, lang=None):
        headers = {"Accept-Language": lang or self.lang}
        if user is not None:
            headers["Authorization"] = f"Bearer {self.market.token(user)}"
        return self.market.client.open("/api/v1" + path, method=method, headers=headers,
                                       json=json)

    def get(self, path, user=None, **kwargs):
        return self.call("GET", path, user, **kwargs)

    def put(self, path, user=None, json=None, **kwargs):
        return self.call("PUT", path, user, json, **kwargs)


def error(response):
    """(code, message, fields) of an API error body."""
    body = response.get_json()["error"]
    return body["code"], body["message"], body.get("fields", {})
