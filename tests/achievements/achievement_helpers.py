"""Achievement test helpers: complete records in any state, the people around them, tokens.

`Market` (the `market` fixture) opens its own app context for each call and returns ids or
detached snapshots, so tests can mix it freely with requests through the test client.
"""
import io
import itertools
import secrets
from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from marketplace import audit, clock
from marketplace.accounts.models import ApiToken
from marketplace.achievements import services
from marketplace.achievements.models import Achievement
from marketplace.api.achievement_schemas import AchievementInSchema
from marketplace.api.achievements import to_data
from marketplace.api.core import token_digest
from marketplace.extensions import db
from marketplace.inbox.models import Notification
from marketplace.ip_numbers import check_character
from marketplace.search.outbox import SearchOutbox
from tests.conftest import AuthActions
from tests.factories import PDF, make_member, make_user

_numbers = itertools.count(1)

# The evidence that completes each category (the first alternative of EVIDENCE_RULES).
EVIDENCE = {"applied": ("evaluation_proof", "development_report"),
            "basic": ("paper", "academic_evaluation"),
            "soft": ("evaluation_proof", "research_report")}
# The roles of the workflow tables: the owner organisation's institute member, a member of
# another institute, an enterprise member, a broker, an officer, the admin and a visitor.
ROLES = ("owner", "institute", "enterprise", "broker", "bureau", "admin", "visitor")


def patent(prefix="2019"):
    """A unique, valid invention patent number: ZL + 12 digits + dot + check character."""
    digits = f"{prefix}{next(_numbers):08d}"
    return f"ZL{digits}.{check_character(digits)}"


def api_body(category="applied", **changes):
    """A complete API body (POST /api/v1/achievements) with a unique title and patent."""
    n = next(_numbers)
    body = {
        "title": f"低渗透煤层气水平井分段压裂增产技术{n}",
        "title_en": f"Staged fracturing of coal-bed methane wells {n}",
        "category": category, "field": "coal", "keywords": ["煤层气", "压裂"],
        "summary": "针对低渗透煤层气储层，形成水平井分段压裂工艺，单井日产气量提高 40%。",
        "details": "保密：压裂液配方与分段间距的工艺参数。",
        "attribute": "original", "level": "domestic_leading", "maturity": 7,
        "research_start": "2021-03", "research_end": "2023-12", "source": "provincial_plan",
        "secrecy": "none",
        "evaluation": {"method": "appraisal", "certificate_number": f"晋科鉴字〔2024〕第 {n} 号",
                       "date": "2024-06-10"},
        "completers": [{"name": "李明", "organization": "吕梁市煤炭科学研究所"}],
        "ip": [{"type": "invention_patent", "number": patent(), "status": "granted"}],
    }
    body.update(changes)
    return body


def form_data(**changes):
    """What a browser posts from the new-achievement form: every row, the unused ones empty."""
    data = {f"{row}-{i}-{name}": "" for i in range(5) for row, names in (
        ("completers", ("name", "organization")), ("ip", ("type", "number", "status")))
        for name in names}
    data |= {
        "title": "煤矸石制备陶粒及建材综合利用技术", "title_en": "", "category": "applied",
        "field": "environment", "keywords": "煤矸石，陶粒, 固废利用",
        "summary": "以煤矸石为主要原料烧制轻质陶粒。", "details": "保密：烧成温度曲线。",
        "confidentiality_terms": "", "attribute": "original", "level": "domestic_leading",
        "maturity": "7", "research_start": "2021-03", "research_end": "2023-12",
        "source": "provincial_plan", "secrecy": "none", "evaluation_method": "appraisal",
        "evaluation_certificate": "晋科鉴字〔2024〕第 7 号", "evaluation_date": "2024-06-10",
        "completers-0-name": "李明", "completers-0-organization": "吕梁学院",
        "ip-0-type": "invention_patent", "ip-0-number": patent(), "ip-0-status": "granted",
    }
    data.update(changes)
    return data


def achievement_data(category="applied", **changes):
    """The same complete record as services.AchievementData."""
    return to_data(AchievementInSchema().load(api_body(category, **changes)))


def pdf(name="evidence.pdf"):
    return FileStorage(stream=io.BytesIO(PDF), filename=name, content_type="application/pdf")


class Market:
    def __init__(self, app, client):
        self.app = app
        self.client = client
        self._bureau = None

    # --- people -------------------------------------------------------------------------
    def institute(self, status="verified", **user_fields):
        """A member of a new research institute (verified unless told otherwise)."""
        with self.app.app_context():
            return make_member("institute", status=status, **user_fields)

    def member_of(self, org_id, role="institute"):
        with self.app.app_context():
            return make_user(role, org=org_id)

    def user(self, role, **fields):
        """A user of `role`: institute, enterprise and broker with a verified organisation of
        their own; bureau and admin without one."""
        with self.app.app_context():
            if role in ("institute", "enterprise", "broker"):
                return make_member(role, **fields)
            return make_user(role, **fields)

    def bureau(self):
        """The officer the fixtures use to move records along (made once per test)."""
        if self._bureau is None:
            self._bureau = self.user("bureau")
        return self._bureau

    def actors(self, owner):
        """One user per role of ROLES (the visitor is None)."""
        return {"owner": owner, "institute": self.user("institute"),
                "enterprise": self.user("enterprise"), "broker": self.user("broker"),
                "bureau": self.bureau(), "admin": self.user("admin"), "visitor": None}

    def token(self, user):
        """A bearer token for `user`, stored as POST /api/v1/tokens stores one (that endpoint,
        with its login throttling, is tested with the accounts; it costs a login each time)."""
        token = secrets.token_urlsafe(32)
        with self.app.app_context():
            moment = clock.now()
            db.session.add(ApiToken(user_id=user.id, token_hash=token_digest(token),
                                    created_at=moment, expires_at=moment + timedelta(days=7)))
            db.session.commit()
        return token

    def page_client(self, user):
        """A fresh test client logged in as `user` through the login page (None: visitor)."""
        client = self.app.test_client()
        if user is not None:
            response = AuthActions(client).login(user)
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
            flashes(client)  # the welcome message
        return client

    # --- records -----------------------------------------------------------------------
    def achievement(self, owner, state="draft", category="applied", evidence=None,
                    comment="请补充用户证明。", **changes):
        """A complete record of `owner`'s organisation, moved into `state` by the services;
        returns its id. `evidence` lists the file kinds to attach (default: complete)."""
        with self.app.app_context():
            actor = db.session.get(type(owner), owner.id)
            record = services.create(achievement_data(category, **changes), actor)
            for kind in EVIDENCE[category] if evidence is None else evidence:
                services.attach_evidence(record.id, pdf(f"{kind}.pdf"), kind, actor)
            record_id = record.id
        if state == "draft":
            return record_id
        bureau = self.bureau()
        with self.app.app_context():
            actor = db.session.get(type(owner), owner.id)
            officer = db.session.get(type(bureau), bureau.id)
            services.submit(record_id, actor)
            if state in ("registered", "revoked"):
                services.review(record_id, "register", officer, "准予登记。")
            elif state == "returned":
                services.review(record_id, "return", officer, comment)
            elif state == "rejected":
                services.review(record_id, "reject", officer, comment)
            if state == "revoked":
                services.revoke(record_id, officer, "成果权属存在争议。")
        assert self.status(record_id) == state
        return record_id

    def get(self, record_id):
        """A detached snapshot of the record (columns, completers and IP items loaded)."""
        with self.app.app_context():
            record = db.session.get(Achievement, record_id)
            if record is not None:
                record.completers, record.ip_items  # noqa: B018  (load them)
                db.session.expunge(record)
            return record

    def status(self, record_id):
        return str(self.get(record_id).status)

    def history(self, record_id):
        """(action, from_state, to_state, actor_id, comment) of every audit entry."""
        with self.app.app_context():
            return [(e.action, e.from_state, e.to_state, e.actor_id, e.comment)
                    for e in audit.history("achievement", record_id)]

    def notifications(self):
        """(user_id, message, params, link) of every notification, oldest first."""
        with self.app.app_context():
            return [(n.user_id, n.message, n.params, n.link) for n in db.session.scalars(
                select(Notification).order_by(Notification.id))]

    def outbox(self, record_id):
        with self.app.app_context():
            return db.session.scalars(select(SearchOutbox.op).where(
                SearchOutbox.entity == "achievement", SearchOutbox.entity_id == record_id)
                .order_by(SearchOutbox.id)).all()

    def run(self, function, *args, **kwargs):
        """Call `function(*args, **kwargs)` inside an app context (for service calls); user
        snapshots among the arguments are loaded again in that context."""
        from marketplace.accounts.models import User

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
