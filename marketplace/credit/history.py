"""A credit record as the site shows it (SPEC.md §6): whose it is and who may read it, its
events with the records they came from, and how the market's grades are distributed."""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit, clock
from ..accounts.models import Organization, OrgStatus, Role, User
from ..accounts.services import may_view_organization
from ..brokers.models import BrokerProfile
from ..brokers.states import BrokerStatus
from ..errors import NotFound
from ..extensions import db
from .models import CreditEvent, CreditScore
from .services import BASE, GRADES, KINDS, WINDOW_DAYS, grade_of, score_of

# An event's audit entry (credit.services.record_event) is named by its kind's label.
audit.register_labels({kind: label for kind, (_, label) in KINDS.items()}, "credit_event")


@dataclass
class Subject:
    """An organisation or a broker (its user, and its profile when it has one)."""

    kind: str  # "org" | "broker"
    org: Organization | None = None
    user: User | None = None
    profile: BrokerProfile | None = None

    @property
    def id(self):
        return self.org.id if self.kind == "org" else self.user.id

    @property
    def name(self):
        if self.kind == "org":
            return self.org.name
        return self.profile.real_name if self.profile is not None else self.user.username

    @property
    def columns(self):
        """The keyword the credit services take: org_id= or broker_id= (a user id)."""
        return {"org_id": self.id} if self.kind == "org" else {"broker_id": self.id}

    @property
    def score(self):
        return score_of(**self.columns)


def _officer(viewer):
    return bool(getattr(viewer, "is_officer", False))


def is_own(subject, viewer):
    """The subject's own members (an organisation), or the broker itself."""
    if viewer is None:
        return False
    if subject.kind == "org":
        return getattr(viewer, "organization_id", None) == subject.org.id
    return viewer.id == subject.user.id


def may_read_comments(subject, viewer):
    """Event comments (the bureau's reasons) are for the subject and officers only."""
    return is_own(subject, viewer) or _officer(viewer)


def organization(org_id, viewer) -> Subject:
    """Public once verified; otherwise 404 but for its members and officers."""
    org = db.session.get(Organization, org_id)
    if org is None or not may_view_organization(viewer, org):
        raise NotFound()
    return Subject("org", org=org)


def broker(user_id, viewer) -> Subject:
    """A broker (by user id): public while its profile is verified; otherwise 404 but for
    the broker itself and officers."""
    user = db.session.get(User, user_id)
    if user is None or user.role != Role.BROKER:
        raise NotFound()
    profile = db.session.scalar(select(BrokerProfile).where(BrokerProfile.user_id == user.id))
    subject = Subject("broker", user=user, profile=profile)
    if not ((profile is not None and profile.is_verified) or is_own(subject, viewer)
            or _officer(viewer)):
        raise NotFound()
    return subject


def broker_by_profile(profile_id, viewer) -> Subject:
    """A broker by its public id, the BrokerProfile id (as in /api/v1/brokers/<id>)."""
    profile = db.session.get(BrokerProfile, profile_id)
    if profile is None:
        raise NotFound()
    return broker(profile.user_id, viewer)


def window_start(now=None):
    """Events before this moment no longer count."""
    return (now or clock.now()) - timedelta(days=WINDOW_DAYS)


def events(subject):
    """SELECT of the subject's events, the newest first."""
    column = CreditEvent.org_id if subject.kind == "org" else CreditEvent.broker_id
    return select(CreditEvent).where(column == subject.id).order_by(
        CreditEvent.occurred_at.desc(), CreditEvent.id.desc())


def distribution():
    """{"org": {grade: n}, "broker": {grade: n}} over verified organisations and brokers; one
    without a stored score stands at BASE's grade."""
    base_grade = grade_of(BASE)
    org_rows = db.session.execute(
        select(CreditScore.grade, func.count(Organization.id)).select_from(Organization)
        .outerjoin(CreditScore, CreditScore.org_id == Organization.id)
        .where(Organization.status == OrgStatus.VERIFIED).group_by(CreditScore.grade)).all()
    broker_rows = db.session.execute(
        select(CreditScore.grade, func.count(BrokerProfile.id)).select_from(BrokerProfile)
        .outerjoin(CreditScore, CreditScore.broker_id == BrokerProfile.user_id)
        .where(BrokerProfile.status == BrokerStatus.VERIFIED)
        .group_by(CreditScore.grade)).all()
    result = {}
    for kind, rows in (("org", org_rows), ("broker", broker_rows)):
        counts = dict.fromkeys((grade for grade, _ in GRADES), 0)
        for grade, count in rows:
            counts[grade or base_grade] += count
        result[kind] = counts
    return result


# --- where an event came from --------------------------------------------------------------

def _contract(entity_id, viewer):
    from ..contracts import services as contracts
    from ..contracts.models import Contract

    record = db.session.get(Contract, entity_id)
    return f"/contracts/{entity_id}" if record and contracts.may_view(viewer, record) else None


def _deal(entity_id, viewer):
    from ..listings import deals
    from ..listings.models import Deal

    record = db.session.get(Deal, entity_id)
    return f"/deals/{entity_id}" if record and deals.may_view(viewer, record) else None


def _listing(entity_id, viewer):
    from ..listings import services as listings
    from ..listings.models import Listing

    record = db.session.get(Listing, entity_id)
    return f"/listings/{entity_id}" if record and listings.may_view(viewer, record) else None


def _rating(entity_id, viewer):
    from ..brokers.models import Rating

    record = db.session.get(Rating, entity_id)
    link = _deal(record.deal_id, viewer) if record is not None else None
    return f"{link}#ratings" if link else None


def _complaint(entity_id, viewer):
    from . import complaints
    from .models import Complaint

    record = db.session.get(Complaint, entity_id)
    return (f"/complaints/{entity_id}" if record and complaints.may_view(viewer, record)
            else None)


# entity → (what it is, the link for a viewer allowed to see it, or None)
SOURCES = {
    "contract": (_l("Technology contract"), _contract),
    "deal": (_l("Deal"), _deal),
    "listing": (_l("Listing"), _listing),
    "rating": (_l("Rating"), _rating),
    "complaint": (_l("Complaint"), _complaint),
    "blacklist": (_l("Blacklist entry"), None),
}


def _source_models():
    from ..brokers.models import Rating
    from ..contracts.models import Contract
    from ..listings.models import Deal, Listing
    from .models import Complaint

    return {"contract": Contract, "deal": Deal, "listing": Listing, "rating": Rating,
            "complaint": Complaint}


def preload_sources(events):
    """Read the records `events` came from, a query per kind (then the deals their ratings
    are of), so that source() finds each in the session instead of asking for it alone."""
    models = _source_models()
    wanted = {}
    for event in events:
        if event.entity in models and event.entity_id is not None:
            wanted.setdefault(event.entity, set()).add(event.entity_id)
    loaded = {entity: db.session.scalars(select(models[entity]).where(
        models[entity].id.in_(sorted(ids)))).all() for entity, ids in wanted.items()}
    deal_ids = {r.deal_id for r in loaded.get("rating", ())} - wanted.get("deal", set())
    if deal_ids:
        db.session.scalars(select(models["deal"]).where(
            models["deal"].id.in_(sorted(deal_ids)))).all()
    return loaded


def source(event, viewer):
    """(label, link or None) of the record an event came from."""
    label, link = SOURCES.get(event.entity, (event.entity, None))
    return label, (link(event.entity_id, viewer) if link else None)
