"""Contract test helpers: complete contracts in any state, the people around them, tokens.

`Market` (the `market` fixture) opens its own app context for each call and returns ids or
detached snapshots, so tests can mix it freely with requests through the test client.

The people of a contract (ROLES): the filing organisation's member ("filer"), a member of the
organisation whose credit code is the buyer's ("buyer"), a member of an unrelated organisation
("stranger"), a broker, a bureau officer, the admin and a visitor (no account).
"""
import io
import itertools

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from marketplace import audit
from marketplace.accounts.models import Organization, User
from marketplace.achievements import services as achievement_services
from marketplace.achievements.models import Achievement
from marketplace.api.achievement_schemas import AchievementInSchema
from marketplace.api.achievements import to_data as achievement_to_data
from marketplace.api.contract_schemas import ContractInSchema
from marketplace.api.contracts import to_data
from marketplace.contracts import services
from marketplace.contracts.models import Contract
from marketplace.extensions import db
from marketplace.inbox.models import Notification
from marketplace.ip_numbers import check_character
from marketplace.search.outbox import SearchOutbox
from tests import factories
from tests.conftest import AuthActions
from tests.factories import (
    PDF,
    make_broker_profile,
    make_member,
    make_org,
    make_user,
    valid_credit_code,
)

_numbers = itertools.count(1)

ROLES = ("filer", "buyer", "stranger", "broker", "bureau", "admin", "visitor")
# The market's default time in these tests: Tuesday 2026-06-30, SPEC.md's deadline example.
DEFAULT_MOMENT = "2026-06-30T10:00:00+08:00"
STATES = ("draft", "submitted", "returned", "certified", "rejected", "revoked", "cancelled")
COMMENTS = {"certify": None, "return": "请补充合同双方盖章页。",
            "reject": "合同标的不明确，不属于技术合同。", "revoke": "经查该合同系虚假合同。",
            "cancel": "双方协商一致解除合同。", "submit": None}


def party(org, **changes):
    """An organisation as a contract party (API shape)."""
    return {"name": org.name, "credit_code": org.credit_code, "entity_type": org.entity_type,
            "region": org.county, **changes}


def outside_party(**changes):
    """A buyer that is not on the platform (a Shanxi state enterprise)."""
    return {"name": f"山西焦煤集团第{next(_numbers)}分公司", "credit_code": valid_credit_code(),
            "entity_type": "state_enterprise", "region": "140000", **changes}


def api_body(seller, buyer=None, **changes):
    """A complete POST /api/v1/contracts body: a commissioned development contract that
    `seller` (an Organization snapshot, or a party dict) files. Every call has a different
    amount, so that no two contracts are "the same contract"."""
    n = next(_numbers)
    body = {
        "contract_type": "development", "subtype": "commissioned",
        "title": f"低渗透煤层气水平井抽采工艺委托开发合同{n}",
        "seller": seller if isinstance(seller, dict) else party(seller),
        "buyer": (buyer if isinstance(buyer, dict) else party(buyer)) if buyer is not None
        else outside_party(),
        "broker_name": "吕梁市技术转移服务中心",
        "signed_on": "2026-06-15", "valid_from": "2026-06-15", "valid_to": "2027-06-30",
        "tech_domain": "new_energy", "field": "coal", "ip_kind": "none",
        "plan_category": "none", "payment_method": "instalments",
        "total_amount": f"{1200000 + n * 100}.00",
        "non_technical_items": [{"name": "配套检测仪器", "amount": "200000.00"}],
        "technology_amount": f"{1000000 + n * 100}.00",
    }
    body.update(changes)
    return body


def contract_data(body):
    """The API body as services.ContractData (through the API's own schema)."""
    return to_data(ContractInSchema().load(body))


def pdf(name="签字盖章合同.pdf", content=PDF):
    return FileStorage(stream=io.BytesIO(content), filename=name)


def patent():
    digits = f"2020{next(_numbers):08d}"
    return f"ZL{digits}.{check_character(digits)}"


def achievement_body(**changes):
    n = next(_numbers)
    body = {
        "title": f"煤矸石制备轻质陶粒技术{n}", "category": "applied", "field": "environment",
        "keywords": ["煤矸石"], "summary": "以煤矸石为原料烧制轻质陶粒。",
        "details": "保密：烧成温度曲线。", "attribute": "original", "level": "domestic_leading",
        "maturity": 7, "research_start": "2021-03", "research_end": "2023-12",
        "source": "provincial_plan", "secrecy": "none",
        "evaluation": {"method": "appraisal", "certificate_number": f"晋科鉴字〔2024〕第{n}号",
                       "date": "2024-06-10"},
        "completers": [{"name": "李明", "organization": "吕梁学院"}],
        "ip": [{"type": "invention_patent", "number": patent(), "status": "granted"}],
    }
    body.update(changes)
    return body


class Market:
    def __init__(self, app, client):
        self.app = app
        self.client = client
        self._bureau = None

    # --- people ---------------------------------------------------------------------------
    def user(self, role, **fields):
        """institute, enterprise and broker with a verified organisation of their own; bureau
        and admin without one."""
        with self.app.app_context():
            if role == "broker":  # with a verified profile, as the market's brokers have
                broker = make_member(role, **fields)
                make_broker_profile(broker)
                return broker
            if role in ("institute", "enterprise"):
                return make_member(role, **fields)
            return make_user(role, **fields)

    def filer(self, status="verified"):
        """A member of a new research institute: the seller side that files."""
        return self.user("institute", status=status)

    def org(self, **fields):
        with self.app.app_context():
            return make_org(**fields)

    def member_of(self, org, role="enterprise"):
        with self.app.app_context():
            return make_user(role, org=org)

    def org_of(self, user):
        with self.app.app_context():
            org = db.session.get(Organization, user.organization_id)
            db.session.expunge(org)
            return org

    def buyer_org(self, **fields):
        """An enterprise on the platform that buys (its credit code is the buyer's)."""
        return self.org(kind="enterprise", county=fields.pop("county", "141181"), **fields)

    def bureau(self):
        """The officer the fixtures use to move contracts along (made once per test)."""
        if self._bureau is None:
            self._bureau = self.user("bureau")
        return self._bureau

    def actors(self, filer, buyer_org):
        """One user per role of ROLES (the visitor is None)."""
        return {"filer": filer, "buyer": self.member_of(buyer_org),
                "stranger": self.user("enterprise"), "broker": self.user("broker"),
                "bureau": self.bureau(), "admin": self.user("admin"), "visitor": None}

    def token(self, user):
        """A bearer token from POST /api/v1/tokens."""
        response = self.client.post("/api/v1/tokens", json={
            "username": user.username, "password": factories.PASSWORD})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["token"]

    def page_client(self, user):
        """A fresh test client logged in as `user` through the login page (None: visitor)."""
        client = self.app.test_client()
        if user is not None:
            response = AuthActions(client).login(user)
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
            flashes(client)  # the welcome message
        return client

    # --- records --------------------------------------------------------------------------
    def body(self, filer, buyer=None, **changes):
        """api_body() with `filer`'s organisation as the seller."""
        return api_body(self.org_of(filer), buyer, **changes)

    def contract(self, filer, state="draft", buyer=None, signed=True, body=None, **changes):
        """A complete contract of `filer`'s organisation (buyer: an Organization snapshot, a
        party dict or None for an outside buyer), moved into `state` by the services, with
        the signed PDF attached unless `signed=False`; returns its id."""
        body = body or self.body(filer, buyer, **changes)
        with self.app.app_context():
            actor = db.session.get(User, filer.id)
            record = services.create(contract_data(body), actor)
            if signed:
                services.attach_signed_copy(record.id, pdf(), actor)
            record_id = record.id
        if state != "draft":
            self.move(record_id, filer, state)
        assert self.status(record_id) == state
        return record_id

    def move(self, record_id, filer, state):
        """Take a draft contract into `state` through the services."""
        officer = self.bureau()
        with self.app.app_context():
            actor = db.session.get(User, filer.id)
            bureau = db.session.get(User, officer.id)
            services.submit(record_id, actor)
            if state in ("certified", "revoked", "cancelled"):
                services.review(record_id, "certify", bureau, "符合技术合同认定规则。")
            elif state == "returned":
                services.review(record_id, "return", bureau, COMMENTS["return"])
            elif state == "rejected":
                services.review(record_id, "reject", bureau, COMMENTS["reject"],
                                ground="unclear")
            if state == "revoked":
                services.revoke(record_id, bureau, "false", COMMENTS["revoke"])
            elif state == "cancelled":
                services.cancel(record_id, actor, COMMENTS["cancel"])

    def get(self, record_id):
        """A detached snapshot of the contract (columns and items loaded)."""
        with self.app.app_context():
            record = db.session.get(Contract, record_id)
            if record is not None:
                record.items  # noqa: B018  (load them)
                db.session.expunge(record)
            return record

    def status(self, record_id):
        return str(self.get(record_id).status)

    def history(self, record_id, entity="contract"):
        """(action, from_state, to_state, actor_id, comment) of every audit entry."""
        with self.app.app_context():
            return [(e.action, e.from_state, e.to_state, e.actor_id, e.comment)
                    for e in audit.history(entity, record_id)]

    def audit_data(self, record_id):
        with self.app.app_context():
            return [e.data for e in audit.history("contract", record_id)]

    def notifications(self):
        """(user_id, message, params, link) of every notification, oldest first."""
        with self.app.app_context():
            return [(n.user_id, n.message, n.params, n.link) for n in db.session.scalars(
                select(Notification).order_by(Notification.id))]

    def outbox(self, entity, record_id):
        with self.app.app_context():
            return db.session.scalars(select(SearchOutbox.op).where(
                SearchOutbox.entity == entity, SearchOutbox.entity_id == record_id)
                .order_by(SearchOutbox.id)).all()

    def achievement(self, owner, register=True, **changes):
        """A registered (or draft) achievement of `owner`'s organisation; returns its id."""
        with self.app.app_context():
            actor = db.session.get(User, owner.id)
            data = achievement_to_data(AchievementInSchema().load(achievement_body(**changes)))
            record = achievement_services.create(data, actor)
            for kind in ("evaluation_proof", "development_report"):
                achievement_services.attach_evidence(record.id, pdf(f"{kind}.pdf"), kind, actor)
            record_id = record.id
            if register:
                achievement_services.submit(record_id, actor)
                officer = db.session.get(User, self.bureau().id)
                achievement_services.review(record_id, "register", officer, "准予登记。")
        return record_id

    def get_achievement(self, record_id):
        with self.app.app_context():
            record = db.session.get(Achievement, record_id)
            db.session.expunge(record)
            return record

    def run(self, function, *args, **kwargs):
        """Call `function(*args, **kwargs)` inside an app context (for service calls); user
        snapshots among the arguments are loaded again in that context."""
        def fresh(value):
            return db.session.get(User, value.id) if isinstance(value, User) else value

        with self.app.app_context():
            return function(*[fresh(a) for a in args],
                            **{k: fresh(v) for k, v in kwargs.items()})


def flashes(client):
    """The flashed (category, message) pairs waiting in the client's session (taken out)."""
    with client.session_transaction() as session:
        return [(category, str(message)) for category, message in session.pop("_flashes", [])]


def error_fields(response):
    """The `fields` of an API error body ({} when there are none)."""
    return (response.get_json() or {}).get("error", {}).get("fields", {})


def bearer(token, lang="en"):
    headers = {"Accept-Language": lang} if lang else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers
