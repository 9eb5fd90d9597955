"""Need test helpers: needs in any state, responses, and the people around them.

`Market` (the `market` fixture) extends the listing helpers' Market (people, achievements,
listings, tokens, the clock) with needs. The people of a need (ROLES): the enterprise that
posted it ("owner"), another enterprise ("enterprise"), an institute member ("institute"),
a broker, a bureau officer, the admin and a visitor (None).
"""
from datetime import date, timedelta

from listing_helpers import DEFAULT_MOMENT
from listing_helpers import Market as ListingMarket
from sqlalchemy import select

from marketplace import audit
from marketplace.extensions import db
from marketplace.needs import services
from marketplace.needs.models import Need, Response

__all__ = ["DEFAULT_MOMENT", "Market", "api_body", "need_data"]
ROLES = ("owner", "enterprise", "institute", "broker", "bureau", "admin", "visitor")
DEADLINE = date(2026, 9, 30)


def api_body(**changes):
    """A complete POST /api/v1/needs body."""
    body = {"title": "低浓度瓦斯安全输送与利用技术",
            "description": "我矿抽采瓦斯浓度在 8%–15% 之间，需要安全输送并用于发电的成套技术。",
            "field": "coal", "keywords": ["瓦斯", "煤层气", "发电"],
            "indicators": "瓦斯利用率不低于 80%；输送系统满足 AQ 1076 要求。",
            "budget_min": "500000.00", "budget_max": "2000000.00",
            "cooperation_modes": ["commissioned_development", "licence_ordinary"],
            "deadline": DEADLINE.isoformat()}
    body.update(changes)
    return body


def need_data(**changes):
    data = services.NeedData()
    for name, value in api_body(**changes).items():
        setattr(data, name, date.fromisoformat(value) if name == "deadline" and value
                else value)
    return data


class Market(ListingMarket):
    def need(self, owner, state="published", **changes):
        """A need of `owner`'s organisation moved into `state` through the services
        (closure states: "withdrawn", "resolved", "expired"); returns its id."""
        need_id = self.run(lambda u: services.create(need_data(**changes), u).id, owner)
        if state == "draft":
            return need_id
        if state == "withdrawn":
            self.run(services.withdraw, need_id, owner)
            return need_id
        self.run(services.submit, need_id, owner)
        if state == "pending_review":
            return need_id
        officer = self.bureau()
        if state == "returned":
            self.run(services.review, need_id, "return", officer, "请补充技术指标。")
            return need_id
        self.run(services.review, need_id, "publish", officer, "")
        if state == "resolved":
            self.run(services.resolve, need_id, owner)
        elif state == "expired":
            self.clock.set(self.clock.now().replace(year=2026, month=10, day=2))
            with self.app.app_context():
                services.expire_due()
        elif state == "closed_withdrawn":
            self.run(services.withdraw, need_id, owner)
        return need_id

    def respond(self, need_id, responder, message="我所有成熟的低浓度瓦斯提纯与发电技术。",
                listing_id=None, achievement_id=None):
        return self.run(lambda u: services.respond(need_id, u, message, listing_id,
                                                   achievement_id).id, responder)

    def get_need(self, need_id):
        with self.app.app_context():
            record = db.session.get(Need, need_id)
            if record is not None:
                db.session.expunge(record)
            return record

    def need_status(self, need_id):
        record = self.get_need(need_id)
        return str(record.status) if record.closure is None else f"closed:{record.closure}"

    def get_response(self, response_id):
        with self.app.app_context():
            record = db.session.get(Response, response_id)
            if record is not None:
                db.session.expunge(record)
            return record

    def need_history(self, need_id):
        with self.app.app_context():
            return [(e.action, e.from_state, e.to_state, e.actor_id, e.comment)
                    for e in audit.history("need", need_id)]

    def responses(self, need_id):
        with self.app.app_context():
            rows = db.session.scalars(select(Response).where(Response.need_id == need_id)
                                      .order_by(Response.id)).all()
            for row in rows:
                db.session.expunge(row)
            return rows

    def later(self, **delta):
        return self.clock.set(self.clock.now() + timedelta(**delta))


# --- workflow, validation and API tests (test_need_workflow, _validation, _api) -------------

def need_people(market, owner=None):
    """One user per role of ROLES (the visitor is None); the officer is `market.bureau()`."""
    return {"owner": owner or market.user("enterprise"), "enterprise": market.user("enterprise"),
            "institute": market.user("institute"), "broker": market.user("broker"),
            "bureau": market.bureau(), "admin": market.user("admin"), "visitor": None}


def need_outbox(market, need_id):
    """The search outbox ops queued for the need, oldest first."""
    from marketplace.search.outbox import SearchOutbox

    with market.app.app_context():
        return db.session.scalars(select(SearchOutbox.op).where(
            SearchOutbox.entity == "need", SearchOutbox.entity_id == need_id)
            .order_by(SearchOutbox.id)).all()


def deal_of_need(market, need_id):
    """(deal, contract): detached snapshots of the deal a need's response made (None, None)."""
    from marketplace.listings.models import Deal

    with market.app.app_context():
        deal = db.session.scalar(select(Deal).where(Deal.need_id == need_id))
        if deal is None:
            return None, None
        contract = deal.contract
        db.session.expunge(deal)
        if contract is not None:
            db.session.expunge(contract)
        return deal, contract


class NeedApi:
    """JSON calls to /api/v1 as a user of the market (None: a visitor), in `lang` (None sends
    no Accept-Language). Tokens are made again when the market clock has moved on."""

    def __init__(self, market, lang="en"):
        self.market, self.lang = market, lang
        self.tokens = {}

    def headers(self, user, lang=...):
        lang = self.lang if lang is ... else lang
        headers = {"Accept-Language": lang} if lang else {}
        if user is not None:
            now = self.market.clock.now()
            token, made = self.tokens.get(user.id, (None, None))
            if token is None or not made <= now < made + timedelta(days=6):
                token, made = self.market.token(user), now
                self.tokens[user.id] = (token, made)
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def get(self, path, user=None, lang=...):
        return self.market.client.get("/api/v1" + path, headers=self.headers(user, lang))

    def post(self, path, user=None, json=None, lang=...):
        return self.market.client.post("/api/v1" + path, headers=self.headers(user, lang),
                                       json={} if json is None else json)

    def patch(self, path, user=None, json=None, lang=...):
        return self.market.client.patch("/api/v1" + path, headers=self.headers(user, lang),
                                        json={} if json is None else json)
