"""Credit scores (SPEC.md §6): documented, weighted events → a 0–100 score and a grade A–D for
every organisation and broker, recomputed whenever one of its events is recorded.

The formula, shown on the site (/credit):
    score = clamp(BASE + min(sum of positive points, POSITIVE_CAP) + sum of negative points,
                  0, 100)
counting the events of the last WINDOW_DAYS days; grade A ≥ 85, B ≥ 70, C ≥ 60, D below.
A participant with no events stands at BASE (grade B). When a rating is changed, its earlier
event is reversed by a "rating_withdrawn" event of the opposite points, which counts on the
side (positive or negative) of the event it reverses."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from .. import audit, clock, market
from ..extensions import db
from .models import CreditEvent, CreditScore

BASE = 70
POSITIVE_CAP = 30
WINDOW_DAYS = 3 * 365
GRADES = (("A", 85), ("B", 70), ("C", 60), ("D", 0))
GRADE_LABELS = {"A": _l("A: trustworthy"), "B": _l("B: good standing"),
                "C": _l("C: needs attention"), "D": _l("D: untrustworthy")}

# kind → (points, label). Each kind names the record that causes it (see where it is
# recorded: contracts, deals, ratings, complaints, the blacklist, reviews, trading).
KINDS = {
    "contract_certified": (3, _l("A technology contract naming it was certified")),
    "deal_completed": (3, _l("A deal it took part in was completed")),
    "rating_good": (1, _l("Rated 4 or 5 by a party to a deal")),
    "rating_poor": (-3, _l("Rated 1 or 2 by a party to a deal")),
    "rating_withdrawn": (0, _l("A rating was changed (its earlier effect reversed)")),
    "complaint_warning": (-5, _l("Complaint upheld: warning")),
    "complaint_restriction": (-10, _l("Complaint upheld: restriction")),
    "complaint_takedown": (-15, _l("Complaint upheld: listing taken down")),
    "complaint_closure": (-30, _l("Complaint upheld: account closed")),
    "submission_false": (-10, _l("A submission was rejected as false")),
    "certificate_revoked": (-10, _l("A certificate naming it was revoked")),
    "winner_declined": (-8, _l("A winning bidder declined the deal")),
    "winner_lapsed": (-5, _l("A winning bidder did not confirm the deal in time")),
    "blacklisted": (-20, _l("Put on the blacklist")),
}


def weight(kind):
    return KINDS[kind][0]


def label(kind):
    return KINDS[kind][1]


def grade_of(score):
    return next(grade for grade, floor in GRADES if score >= floor)


def subject_key(org_id=None, broker_id=None):
    if (org_id is None) == (broker_id is None):
        raise ValueError("exactly one of org_id and broker_id")
    return f"org:{org_id}" if org_id is not None else f"broker:{broker_id}"


def record_event(kind, *, org_id=None, broker_id=None, entity, entity_id, actor=None,
                 comment=None, points=None):
    """Append a credit event (and its audit entry) in the caller's transaction, and recompute
    its subject's score. `points` overrides the weight only for "rating_withdrawn", which
    reverses an earlier rating event's points."""
    if kind not in KINDS:
        raise ValueError(kind)
    subject_key(org_id, broker_id)
    if points is None or kind != "rating_withdrawn":
        points = weight(kind)
    event = CreditEvent(kind=kind, org_id=org_id, broker_id=broker_id, entity=entity,
                        entity_id=entity_id, points=points, comment=comment,
                        actor_id=getattr(actor, "id", None), occurred_at=clock.now())
    db.session.add(event)
    db.session.flush()
    audit.record("credit_event", event.id, kind, actor, org_id=org_id, broker_id=broker_id,
                 source=f"{entity}:{entity_id}", points=points)
    recompute(org_id=org_id, broker_id=broker_id)
    return event


def _events_query(org_id=None, broker_id=None):
    column = CreditEvent.org_id if org_id is not None else CreditEvent.broker_id
    return column == (org_id if org_id is not None else broker_id)


def compute(org_id=None, broker_id=None, now=None):
    """(score, grade, number of events counted) from the events in the window."""
    now = now or clock.now()
    since = now - timedelta(days=WINDOW_DAYS)
    # A withdrawal nets against the side it reverses, so that changing a rating undoes its
    # effect exactly even when the positive points are over the cap.
    withdrawal = CreditEvent.kind == "rating_withdrawn"
    gain = ((CreditEvent.points > 0) & ~withdrawal) | ((CreditEvent.points < 0) & withdrawal)
    positive, negative, count = db.session.execute(
        select(func.coalesce(func.sum(case((gain, CreditEvent.points), else_=0)), 0),
               func.coalesce(func.sum(case((gain, 0), else_=CreditEvent.points)), 0),
               func.count(CreditEvent.id))
        .where(_events_query(org_id, broker_id), CreditEvent.occurred_at >= since)).one()
    positive = max(0, min(int(positive), POSITIVE_CAP))
    score = max(0, min(100, BASE + positive + min(0, int(negative))))
    return score, grade_of(score), count


def recompute(org_id=None, broker_id=None):
    """Store the subject's score as computed now; returns the CreditScore row."""
    key = subject_key(org_id, broker_id)
    score, grade, count = compute(org_id, broker_id)
    row = db.session.get(CreditScore, key)
    if row is None:
        row = CreditScore(subject_key=key, org_id=org_id, broker_id=broker_id)
        db.session.add(row)
    row.score, row.grade, row.event_count, row.computed_at = score, grade, count, clock.now()
    db.session.flush()
    return row


def score_of(org_id=None, broker_id=None):
    """The stored score, or the base score for a participant with no events yet (not stored,
    so reading never writes)."""
    row = db.session.get(CreditScore, subject_key(org_id, broker_id))
    if row is not None:
        return row.score, row.grade
    return BASE, grade_of(BASE)


def recompute_all():
    """Market job: events leave the window as time passes, so every stored score is
    recomputed once a tick; returns how many changed."""
    changed = 0
    for row in db.session.scalars(select(CreditScore)).all():
        before = (row.score, row.grade)
        recompute(org_id=row.org_id, broker_id=row.broker_id)
        changed += (row.score, row.grade) != before
    db.session.commit()
    return changed


market.register_job("credit scores", recompute_all)
