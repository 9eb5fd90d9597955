"""Broker test helpers: brokers with a profile in any state, and the records a track record is
computed from (deals, ratings, engagements; contracts come from contract_helpers).

Every helper takes the app, opens its own app context and returns ids or detached snapshots,
so tests can mix them freely with requests through the test client. Other broker test files
(engagements, ratings) import these too: keep the signatures stable.
"""
import io
import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from marketplace import audit, clock
from marketplace.accounts.models import Role, User
from marketplace.brokers import services
from marketplace.brokers.models import BrokerProfile, Engagement, Rating
from marketplace.extensions import db
from marketplace.inbox.models import Notification
from marketplace.listings.models import Deal
from tests.factories import PASSWORD, make_member, make_org, make_user
from tests.pages import input_value

# Wednesday 2026-07-01, 10:00 in Lüliang: every broker test starts here.
DEFAULT_MOMENT = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
_serial = itertools.count(1)


def filing_number():
    """A filing number no other profile of the test has."""
    return f"JJR-1411-{next(_serial):05d}"


def api_body(**changes):
    """A complete PUT /api/v1/brokers/me body: an intermediate broker."""
    body = {"real_name": "张建国", "level": "intermediate", "filing_number": filing_number(),
            "certificate_number": "JSJJ-2024-0318", "certificate_issuer": "山西省科学技术厅",
            "certificate_date": "2024-06-10", "professional_title": "高级工程师",
            "fields": ["coal", "environment"], "regions": ["141102", "141181", "140000"],
            "services": ["matching", "contract"], "years_of_practice": 8,
            "bio": "十年煤层气与煤矸石综合利用项目的技术转移经验，促成技术合同二十余项。",
            "contact_phone": "0358-8221234", "contact_email": "zhang@example.cn"}
    body.update(changes)
    return body


def profile_data(**changes):
    """api_body() as services.ProfileData."""
    data = services.ProfileData()
    for name, value in api_body(**changes).items():
        if name == "certificate_date" and isinstance(value, str):
            value = date.fromisoformat(value)
        setattr(data, name, value)
    return data


def form_data(**changes):
    """What a browser posts from the profile form (lists as lists of checked values)."""
    body = api_body()
    body["years_of_practice"] = str(body["years_of_practice"])
    body.update(changes)
    return body


def image(content, name="photo.png"):
    return FileStorage(stream=io.BytesIO(content), filename=name)


@dataclass(frozen=True)
class Broker:
    user: User  # a detached snapshot
    profile_id: int

    @property
    def user_id(self):
        return self.user.id


def officer(app):
    """A bureau officer (the first one of the test, made when there is none)."""
    with app.app_context():
        found = db.session.scalar(select(User).where(User.role == Role.BUREAU,
                                                     User.active.is_(True)).order_by(User.id))
        if found is not None:
            db.session.expunge(found)
            return found
        return make_user("bureau")


COMMENT = "资格材料与全国备案信息不一致。"


def make_broker(app, level="junior", status="verified", employer=True, user=None, photo=None,
                **fields):
    """A broker user (with an intermediary employer unless `employer=False`, or `user`) and
    its profile of `level`, moved into `status` through the services; `fields` change the
    profile's data (api_body names). Intermediate and senior brokers get a unique filing
    number, junior ones none unless given."""
    fields.setdefault("filing_number", filing_number() if level != "junior" else None)
    bureau = officer(app) if status != "pending" else None
    with app.app_context():
        if user is None:
            user = make_member("broker") if employer else make_user("broker")
        actor = db.session.get(User, user.id)
        profile, _ = services.save_profile(actor, profile_data(level=level, **fields),
                                           photo=image(*photo) if photo else None)
        profile_id = profile.id
        officer_user = db.session.get(User, bureau.id) if bureau else None
        steps = {"pending": (), "verified": ("verify",), "rejected": ("reject",),
                 "suspended": ("verify", "suspend"), "cancelled": ("cancel",)}[status]
        for step in steps:
            services.decide(profile_id, step, officer_user,
                            "" if step == "verify" else COMMENT)
    return Broker(user, profile_id)


def get_profile(app, profile_id):
    """A detached snapshot of the profile."""
    with app.app_context():
        profile = db.session.get(BrokerProfile, profile_id)
        if profile is not None:
            db.session.expunge(profile)
        return profile


def status_of(app, profile_id):
    return str(get_profile(app, profile_id).status)


def history(app, profile_id):
    """(action, from_state, to_state, actor_id, comment) of every audit entry."""
    with app.app_context():
        return [(e.action, e.from_state, e.to_state, e.actor_id, e.comment)
                for e in audit.history("broker", profile_id)]


def notifications(app, user):
    """(message, params, link) of every notification of `user`, oldest first."""
    with app.app_context():
        return [(n.message, n.params, n.link) for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.id))]


def run(app, function, *args, **kwargs):
    """`function(*args, **kwargs)` in an app context; User snapshots are loaded again."""
    def fresh(value):
        return db.session.get(User, value.id) if isinstance(value, User) else value

    with app.app_context():
        return function(*[fresh(a) for a in args], **{k: fresh(v) for k, v in kwargs.items()})


def save(app, user, data=None, **kwargs):
    """services.save_profile(user, data or profile_data(), **kwargs) → (profile id, created)."""
    def call(actor):
        profile, created = services.save_profile(actor, data or profile_data(), **kwargs)
        return profile.id, created

    return run(app, call, user)


# --- the records a track record is computed from ----------------------------------------------

def make_deal(app, price, dealt_on=date(2026, 5, 20), seller_broker_id=None,
              buyer_broker_id=None, seller_org=None, buyer_org=None):
    """A deal row as the listings capability writes it (the parties are new verified
    organisations unless given); returns its id."""
    n = next(_serial)
    with app.app_context():
        seller_org = seller_org or make_org(kind="research_institute")
        buyer_org = buyer_org or make_org()
        moment = datetime.combine(dealt_on, datetime.min.time(), UTC)
        deal = Deal(seller_org_id=seller_org.id, buyer_org_id=buyer_org.id,
                    transfer_mode="assignment", price=Decimal(str(price)),
                    seller_broker_id=seller_broker_id, buyer_broker_id=buyer_broker_id,
                    dealt_at=moment, dealt_on=dealt_on, seller_confirmed_at=moment,
                    buyer_confirmed_at=moment, confirmation_number=f"CJ{n:08d}",
                    certificate_number=f"JYPZ{n:010d}", verification_code=f"V{n:011d}",
                    announcement_until=dealt_on, created_at=moment)
        db.session.add(deal)
        db.session.commit()
        return deal.id


def make_rating(app, deal_id, broker_user_id, score, comment="响应及时，材料专业。"):
    """A party's rating of the broker after `deal_id` (the deal's buyer rates)."""
    with app.app_context():
        deal = db.session.get(Deal, deal_id)
        rater = make_user("enterprise", org=deal.buyer_org_id)
        moment = clock.now()
        rating = Rating(deal_id=deal_id, rater_org_id=deal.buyer_org_id, rater_user_id=rater.id,
                        target_kind="broker", target_broker_id=broker_user_id,
                        target_key=f"broker:{broker_user_id}", score=score, comment=comment,
                        created_at=moment, updated_at=moment)
        db.session.add(rating)
        db.session.commit()
        return rating.id


def make_engagement(app, broker_user_id, invited_at, responded_at=None, status=None,
                    deal_id=None):
    """An invitation of the broker (on a deal), answered at `responded_at` if given."""
    with app.app_context():
        principal = make_member("enterprise")
        engagement = Engagement(
            broker_id=broker_user_id, subject="deal", subject_id=deal_id or 0, side="buyer",
            principal_org_id=principal.organization_id, invited_by_id=principal.id,
            message="请协助我方谈判。",
            status=status or ("accepted" if responded_at else "invited"),
            invited_at=invited_at, responded_at=responded_at)
        db.session.add(engagement)
        db.session.commit()
        return engagement.id


def name_broker_on_contract(app, contract_id, broker_user_id):
    """The contract names the broker (contracts.broker_id), as the contract form records it."""
    from marketplace.contracts.models import Contract

    with app.app_context():
        contract = db.session.get(Contract, contract_id)
        contract.broker_id = broker_user_id
        db.session.commit()


# --- the API -------------------------------------------------------------------------------------

class BrokerApi:
    """JSON calls to /api/v1 as a user (None: a visitor), with a token per user, in the
    language asked (English unless told; lang=None sends no Accept-Language)."""

    def __init__(self, client):
        self.client = client
        self.tokens = {}

    def headers(self, user, lang):
        headers = {"Accept-Language": lang} if lang else {}
        if user is not None:
            if user.id not in self.tokens:
                response = self.client.post("/api/v1/tokens", json={
                    "username": user.username, "password": PASSWORD})
                assert response.status_code == 201, response.get_json()
                self.tokens[user.id] = response.get_json()["token"]
            headers["Authorization"] = f"Bearer {self.tokens[user.id]}"
        return headers

    def call(self, method, path, user=None, json=None, lang="en", **kwargs):
        return self.client.open("/api/v1" + path, method=method,
                                headers=self.headers(user, lang), json=json, **kwargs)

    def get(self, path, user=None, **kwargs):
        return self.call("GET", path, user, **kwargs)

    def put_profile(self, user, body=None, **kwargs):
        return self.call("PUT", "/brokers/me", user, api_body() if body is None else body,
                         **kwargs)

    def decide(self, profile_id, user, decision, comment="", **kwargs):
        return self.call("POST", f"/brokers/{profile_id}/verify", user,
                         {"decision": decision, "comment": comment}, **kwargs)


def error_fields(response):
    return ((response.get_json() or {}).get("error") or {}).get("fields") or {}


# --- pages ------------------------------------------------------------------------------------

def page_client(app, user):
    """A fresh test client logged in as `user` through the login page (None: a visitor)."""
    client = app.test_client()
    if user is not None:
        data = {"username": user.username, "password": PASSWORD}
        if app.config.get("WTF_CSRF_ENABLED"):
            data["csrf_token"] = input_value(client.get("/login").get_data(as_text=True),
                                             "csrf_token")
        response = client.post("/login", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        flashes(client)  # the welcome message
    return client


def flashes(client):
    """The flashed (category, message) pairs waiting in the client's session (taken out)."""
    with client.session_transaction() as session:
        return [(category, str(message)) for category, message in session.pop("_flashes", [])]
