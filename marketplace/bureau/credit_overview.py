"""The bureau's credit overview: how organisations and brokers spread over the grades, the
lowest scores, complaints by state and the blacklist in force.

The subjects are the market's participants: verified organisations, and brokers whose profile
is verified or suspended. One without a stored score stands at the base score (credit
services' BASE, grade B), as `score_of` says."""
from dataclasses import dataclass

from sqlalchemy import func, select

from .. import clock
from ..accounts.models import Organization, OrgStatus
from ..brokers.models import BrokerProfile
from ..brokers.states import BrokerStatus
from ..credit import services as credit
from ..credit.models import BlacklistEntry, Complaint, CreditScore
from ..credit.states import ComplaintStatus
from ..extensions import db
from .supervision import OPEN_COMPLAINTS

GRADES = tuple(grade for grade, _ in credit.GRADES)
BASE_GRADE = credit.grade_of(credit.BASE)
COMPLAINT_STATUSES = tuple(ComplaintStatus)
LOWEST = 10


def _subjects(kind):
    """(the subjects of `kind` — id and name, their score row outer-joined —, the name
    column)."""
    if kind == "org":
        return (select(Organization.id, Organization.name).select_from(Organization)
                .outerjoin(CreditScore, CreditScore.org_id == Organization.id)
                .where(Organization.status == OrgStatus.VERIFIED), Organization.name)
    return (select(BrokerProfile.user_id, BrokerProfile.real_name).select_from(BrokerProfile)
            .outerjoin(CreditScore, CreditScore.broker_id == BrokerProfile.user_id)
            .where(BrokerProfile.status.in_((BrokerStatus.VERIFIED, BrokerStatus.SUSPENDED))),
            BrokerProfile.real_name)


def grade_distribution(kind):
    """{grade: number of subjects} for "org" or "broker", every grade present."""
    stmt, _ = _subjects(kind)
    grade = func.coalesce(CreditScore.grade, BASE_GRADE)
    counts = dict(db.session.execute(
        stmt.with_only_columns(grade, func.count()).group_by(grade)).all())
    return {g: counts.get(g, 0) for g in GRADES}


@dataclass
class Scored:
    kind: str        # "org" | "broker"
    id: int          # the organisation's id, or the broker's user id (as the credit pages)
    name: str
    score: int
    grade: str

    @property
    def endpoint(self):
        """The page of this subject's credit record."""
        return "credit.organization" if self.kind == "org" else "credit.broker"


def lowest_scored(limit=LOWEST):
    """The `limit` lowest scores of organisations and brokers together, lowest first."""
    score = func.coalesce(CreditScore.score, credit.BASE)
    found = []
    for kind in ("org", "broker"):
        stmt, name = _subjects(kind)
        rows = db.session.execute(stmt.add_columns(score, func.coalesce(
            CreditScore.grade, BASE_GRADE)).order_by(score, name).limit(limit))
        found.extend(Scored(kind, *row) for row in rows)
    found.sort(key=lambda s: (s.score, s.name, s.kind))
    return found[:limit]


def complaint_counts():
    """({status: count}, number of open complaints past their due date)."""
    counts = dict(db.session.execute(
        select(Complaint.status, func.count()).group_by(Complaint.status)).all())
    overdue = db.session.scalar(select(func.count()).select_from(Complaint).where(
        Complaint.status.in_(OPEN_COMPLAINTS), Complaint.due_on < clock.today()))
    statuses = COMPLAINT_STATUSES + tuple(s for s in counts if s not in COMPLAINT_STATUSES)
    return {s: counts.get(s, 0) for s in statuses}, overdue


def blacklist_in_force():
    """(number of entries in force, the entry that lapses first or None)."""
    in_force = (BlacklistEntry.lifted_at.is_(None), BlacklistEntry.until >= clock.today())
    count = db.session.scalar(select(func.count()).select_from(BlacklistEntry)
                              .where(*in_force))
    first = db.session.scalars(select(BlacklistEntry).where(*in_force).order_by(
        BlacklistEntry.until, BlacklistEntry.id).limit(1)).first()
    return count, first
