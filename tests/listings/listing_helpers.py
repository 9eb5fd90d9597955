"""Listing test helpers: listings of registered achievements in any state, the people around
them, and the market clock.

`Market` (the `market` fixture) opens its own app context for each call and returns ids or
detached snapshots, so tests can mix it freely with requests through the test client. Moving
a listing into a timed state moves the market clock (the `clock` fixture) forward past the
period's end, as the real market would; `market.tick()` runs the timed moves.

The people of a listing (ROLES): the seller organisation's institute member ("seller"), two
enterprises ("buyer", "rival"), an unrelated institute member ("institute"), a broker, a
bureau officer, the admin and a visitor (None).
"""
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from achievement_helpers import Market as AchievementMarket
from sqlalchemy import select

from marketplace import audit
from marketplace import market as market_jobs
from marketplace.accounts.models import User
from marketplace.brokers import engagements
from marketplace.extensions import db
from marketplace.listings import services, trading
from marketplace.listings.models import Bid, Deal, Intent, Listing
from marketplace.search.outbox import SearchOutbox
from tests.factories import make_broker_profile

# Wednesday 2026-07-01, 10:00 in Lüliang: every listing test starts here.
DEFAULT_MOMENT = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
ROLES = ("seller", "buyer", "rival", "institute", "broker", "bureau", "admin", "visitor")
_serial = itertools.count(1)


def api_body(achievement_id, **changes):
    """A complete POST /api/v1/listings body."""
    body = {"achievement_id": achievement_id, "transfer_mode": "assignment",
            "asking_price": "1500000.00", "reserve_price": "1000000.00",
            "bid_increment": "50000.00", "announcement_days": 15, "listing_days": 30,
            "bidding_days": 5,
            "buyer_conditions": "具备煤层气开发资质的企业；注册资本不低于 1000 万元。"}
    body.update(changes)
    return body


def listing_data(achievement_id, **changes):
    data = services.ListingData()
    for name, value in api_body(achievement_id, **changes).items():
        setattr(data, name, value)
    return data


def form_data(achievement_id, **changes):
    """What a browser posts from the listing form."""
    data = {"achievement_id": str(achievement_id), "transfer_mode": "assignment",
            "licence_term_years": "", "licence_territory": "", "negotiable": "",
            "asking_price": "1500000.00", "reserve_price": "1000000.00",
            "bid_increment": "50000.00", "announcement_days": "15", "listing_days": "30",
            "bidding_days": "5", "buyer_conditions": "具备煤层气开发资质的企业。",
            "seller_broker_id": "", "seller_broker_commission": ""}
    data.update(changes)
    return data


class Market(AchievementMarket):
    def __init__(self, app, client, clock):
        super().__init__(app, client)
        self.clock = clock

    def user(self, role, **fields):
        """As the achievement helpers' users; a broker has a verified profile (only verified
        brokers can be engaged)."""
        user = super().user(role, **fields)
        if role == "broker":
            with self.app.app_context():
                make_broker_profile(user)
        return user

    def broker_name(self, user):
        """The real name a broker is shown by (its profile's)."""
        with self.app.app_context():
            return engagements.display_name(db.session.get(User, user.id))

    def accept_engagement(self, broker_id, subject, subject_id):
        """The broker (a user id) accepts its open invitation on the record; the engagement
        id."""
        with self.app.app_context():
            found = db.session.scalar(select(engagements.Engagement.id).where(
                engagements.Engagement.broker_id == broker_id,
                engagements.Engagement.subject == subject,
                engagements.Engagement.subject_id == subject_id,
                engagements.Engagement.status == "invited"))
            engagements.accept(found, db.session.get(User, broker_id))
            return found

    def people(self, seller=None):
        """One user per role of ROLES (the visitor is None)."""
        seller = seller or self.user("institute")
        return {"seller": seller, "buyer": self.user("enterprise"),
                "rival": self.user("enterprise"), "institute": self.user("institute"),
                "broker": self.user("broker"), "bureau": self.bureau(),
                "admin": self.user("admin"), "visitor": None}

    def registered(self, seller, **changes):
        return self.achievement(seller, "registered", **changes)

    # --- listings ------------------------------------------------------------------------
    def listing(self, seller, state="draft", buyers=(), bids=(), achievement_id=None,
                broker_accepts=True, **changes):
        """A listing of a new registered achievement of `seller`'s organisation, moved into
        `state` through the services; returns its id.

        `buyers`: enterprise users who register intents while it is announced (default: none
        for listed, one new enterprise for negotiating, two for bidding and after). `bids`:
        (user, amount) placed once bidding opens (default for awarded and dealt: the first
        buyer bids the reserve price). A broker named (`seller_broker_id`) accepts the
        invitation at once unless `broker_accepts` is false."""
        achievement_id = achievement_id or self.registered(seller)
        record_id = self.run(lambda u: services.create(listing_data(achievement_id, **changes),
                                                       u).id, seller)
        if changes.get("seller_broker_id") and broker_accepts:
            self.accept_engagement(changes["seller_broker_id"], "listing", record_id)
        if state == "draft":
            return record_id
        self.run(services.submit, record_id, seller)
        if state == "pending_review":
            return record_id
        if state == "withdrawn":
            self.run(services.withdraw, record_id, seller)
            return record_id
        officer = self.bureau()
        if state in ("returned", "rejected"):
            decision = "return" if state == "returned" else "reject"
            self.run(services.review, record_id, decision, officer, "请补充受让方条件。")
            return record_id
        self.run(services.review, record_id, "approve", officer, "")
        if state == "announced":
            return record_id
        if state in ("paused", "terminated"):
            action = services.pause if state == "paused" else services.terminate
            self.run(action, record_id, officer, "权属存在争议，待核查。")
            return record_id
        if not buyers and state in ("negotiating",):
            buyers = (self.user("enterprise"),)
        elif not buyers and state in ("bidding", "awarded", "dealt", "failed"):
            buyers = (self.user("enterprise"), self.user("enterprise"))
        for buyer in buyers:
            self.intent(record_id, buyer)
        self.end_announcement(record_id)
        if state == "expired":
            self.clock.set(self.get_listing(record_id).listing_ends_at + timedelta(seconds=1))
            self.tick()
        if state in ("awarded", "dealt"):
            bids = bids or ((buyers[0], self.get_listing(record_id).reserve_price),)
        for user, amount in bids:
            self.run(trading.place_bid, record_id, amount, user)
        if state in ("awarded", "dealt", "failed") and len(buyers) > 1:
            self.clock.set(self.get_listing(record_id).bidding_ends_at + timedelta(seconds=1))
            self.tick()
        if state == "dealt":
            winner = self.get_listing(record_id).buyer_org_id
            buyer = next(b for b in buyers if b.organization_id == winner)
            self.run(trading.confirm, record_id, seller)
            self.run(trading.confirm, record_id, buyer)
        assert self.listing_status(record_id) == state, (self.listing_status(record_id), state)
        return record_id

    def intent(self, listing_id, buyer, statement="我公司具备煤层气开发资质，注册资本 5000 万元。",
               offered_price=None):
        return self.run(lambda u: services.register_intent(listing_id, u, statement,
                                                           offered_price).id, buyer)

    def end_announcement(self, listing_id):
        """Move the clock a second past the announcement's end and run the tick."""
        self.clock.set(self.get_listing(listing_id).announcement_ends_at + timedelta(seconds=1))
        self.tick()

    def tick(self):
        with self.app.app_context():
            return market_jobs.tick()

    # --- reading -------------------------------------------------------------------------
    def get_listing(self, listing_id):
        """A detached snapshot of the listing."""
        with self.app.app_context():
            record = db.session.get(Listing, listing_id)
            if record is not None:
                db.session.expunge(record)
            return record

    def listing_status(self, listing_id):
        return str(self.get_listing(listing_id).status)

    def intents(self, listing_id):
        with self.app.app_context():
            rows = db.session.scalars(select(Intent).where(Intent.listing_id == listing_id)
                                      .order_by(Intent.id)).all()
            for row in rows:
                db.session.expunge(row)
            return rows

    def bids(self, listing_id):
        """(sequence, amount, org_id) of every accepted bid, in sequence order."""
        with self.app.app_context():
            return [(b.sequence, b.amount, b.org_id) for b in db.session.scalars(
                select(Bid).where(Bid.listing_id == listing_id).order_by(Bid.sequence))]

    def deal(self, listing_id):
        with self.app.app_context():
            deal = db.session.scalar(select(Deal).where(Deal.listing_id == listing_id))
            if deal is not None:
                contract = deal.contract
                db.session.expunge(deal)
                deal.contract_id = contract.id if contract else None
            return deal

    def listing_history(self, listing_id):
        """(action, from_state, to_state, actor_id, comment) of every audit entry."""
        with self.app.app_context():
            return [(e.action, e.from_state, e.to_state, e.actor_id, e.comment)
                    for e in audit.history("listing", listing_id)]

    def listing_outbox(self, listing_id):
        with self.app.app_context():
            return db.session.scalars(select(SearchOutbox.op).where(
                SearchOutbox.entity == "listing", SearchOutbox.entity_id == listing_id)
                .order_by(SearchOutbox.id)).all()


def money(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


# --- timed moves, bidding and concurrency (test_listing_timed, _bidding, _concurrency) -------

def audit_entries(market, listing_id, action=None):
    """The listing's audit entries (detached, with `data`), oldest first; only `action`'s if
    given."""
    with market.app.app_context():
        entries = [e for e in audit.history("listing", listing_id)
                   if action is None or e.action == action]
        for entry in entries:
            db.session.expunge(entry)
        return entries


def credit_events(market):
    """(kind, org_id, entity, entity_id, actor_id) of every credit event, oldest first."""
    from marketplace.credit.models import CreditEvent

    with market.app.app_context():
        return [(e.kind, e.org_id, e.entity, e.entity_id, e.actor_id) for e in
                db.session.scalars(select(CreditEvent).order_by(CreditEvent.id))]


def notifications_of(market, user):
    """(message, params, link) of every notification of `user`, oldest first."""
    from marketplace.inbox.models import Notification

    with market.app.app_context():
        return [(n.message, n.params, n.link) for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.id))]


def bidding_listing(market, seller, bidders, **changes):
    """A listing in `bidding` whose qualified buyers are `bidders` (enterprise users); the
    clock is left a second after the announcement's end."""
    listing_id = market.listing(seller, "announced", **changes)
    for bidder in bidders:
        market.intent(listing_id, bidder)
    market.end_announcement(listing_id)
    assert market.listing_status(listing_id) == "bidding"
    return listing_id


class Api:
    """JSON calls to /api/v1 as a user of the market (None: a visitor), in English."""

    def __init__(self, market):
        self.market = market
        self.tokens = {}

    def headers(self, user):
        headers = {"Accept-Language": "en"}
        if user is not None:
            if user.id not in self.tokens:
                self.tokens[user.id] = self.market.token(user)
            headers["Authorization"] = f"Bearer {self.tokens[user.id]}"
        return headers

    def get(self, path, user=None):
        return self.market.client.get("/api/v1" + path, headers=self.headers(user))

    def post(self, path, user=None, json=None):
        return self.market.client.post("/api/v1" + path, headers=self.headers(user),
                                       json={} if json is None else json)

    def bid(self, listing_id, user, amount):
        return self.post(f"/listings/{listing_id}/bids", user, {"amount": str(amount)})


# --- workflow, validation and API tests ------------------------------------------------------

def bearer(token, lang=None):
    """API request headers: the token (none for a visitor) and Accept-Language if given."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if lang:
        headers["Accept-Language"] = lang
    return headers


def buyers_for(people, state):
    """The people's enterprises with an intent on a listing in `state`: the buyer negotiates
    alone; the buyer and the rival bid, and the buyer wins (it bids first)."""
    if state == "negotiating":
        return (people["buyer"],)
    if state in ("bidding", "awarded", "dealt", "failed"):
        return (people["buyer"], people["rival"])
    return ()


def listing_in(market, people, state, **changes):
    """A listing of `people["seller"]` in `state`, its intents from `buyers_for`."""
    return market.listing(people["seller"], state, buyers=buyers_for(people, state),
                          **changes)


def org_name(market, user):
    """The name of `user`'s organisation."""
    from marketplace.accounts.models import Organization

    with market.app.app_context():
        return db.session.get(Organization, user.organization_id).name
