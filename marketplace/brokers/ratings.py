"""Ratings after a deal (SPEC.md §5): each party rates the other party and the deal's brokers,
1–5 with a comment, once per deal, rating organisation and target (the schema's unique key),
and may change its rating for RATING_EDIT_DAYS days after giving it. A rating of 4–5 or 1–2
is a credit event of its target; changing it first reverses the earlier event."""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from .. import audit, clock
from ..accounts.models import Role, User
from ..credit.models import CreditEvent
from ..credit.services import record_event
from ..errors import Conflict, FieldErrors, PermissionDenied, ValidationFailed
from ..extensions import db
from ..inbox.services import N_, notify
from ..listings import deals
from ..listings.services import members
from .engagement_queries import display_name
from .models import Rating
from .states import ENGAGEMENT_SIDES, RATING_EDIT_DAYS

SCORES = {5: _l("5 – excellent"), 4: _l("4 – good"), 3: _l("3 – acceptable"),
          2: _l("2 – poor"), 1: _l("1 – very poor")}
COMMENT_MAX = 1000
RATER_ROLES = (Role.INSTITUTE, Role.ENTERPRISE)
audit.register_labels({"create": _l("rated"), "edit": _l("changed the rating")}, "rating")


@dataclass(frozen=True)
class Target:
    """Someone a party of a deal may rate: the other party or one of the deal's brokers."""

    key: str  # Rating.target_key: "org:<id>" | "broker:<user id>"
    kind: str  # "org" | "broker"
    id: int  # the organisation's id, or the broker's user id
    name: str
    role: object  # what it was on the deal, a label

    @property
    def column(self):
        return {"org_id": self.id} if self.kind == "org" else {"broker_id": self.id}


def event_kind(score):
    """The credit event a score makes: good (4–5), poor (1–2), none for 3."""
    return "rating_good" if score >= 4 else "rating_poor" if score <= 2 else None


def editable_until(rating):
    return rating.created_at + timedelta(days=RATING_EDIT_DAYS)


def is_editable(rating, now=None):
    return (now or clock.now()) <= editable_until(rating)


def is_rater(actor, deal):
    """A member (institute or enterprise) of the deal's seller or buyer organisation."""
    return (getattr(actor, "role", None) in RATER_ROLES
            and deals.is_party(actor, deal))


def targets(deal, rater_org_id):
    """Whom `rater_org_id` (a party of the deal) may rate, in page order: the other party,
    then the seller's and the buyer's broker. Never itself, nor a broker it employs."""
    other = deal.buyer if rater_org_id == deal.seller_org_id else deal.seller
    found = [Target(f"org:{other.id}", "org", other.id, other.name,
                    _l("Buyer") if other.id == deal.buyer_org_id else _l("Seller"))]
    for side in ("seller", "buyer"):
        broker = getattr(deal, f"{side}_broker")
        if broker is None or broker.organization_id == rater_org_id \
                or any(t.key == f"broker:{broker.id}" for t in found):
            continue
        found.append(Target(f"broker:{broker.id}", "broker", broker.id, display_name(broker),
                            ENGAGEMENT_SIDES[side]))
    return found


def _target(deal, rater_org_id, key):
    """The target named by `key`, or a refusal on the `target` field saying why."""
    for target in targets(deal, rater_org_id):
        if target.key == key:
            return target
    kind, _, number = str(key or "").partition(":")
    own = (kind == "org" and number == str(rater_org_id)) or (
        kind == "broker" and number.isdigit() and int(number) < 2**31 and db.session.scalar(
            select(User.organization_id).where(User.id == int(number))) == rater_org_id)
    raise ValidationFailed(fields={"target": [
        _l("You cannot rate your own organisation or its staff.") if own else
        _l("Only the other party and the brokers of this deal can be rated.")]})


def _score(errors, value):
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = None
    if score not in SCORES:
        errors.add("score", _l("Choose a score from 1 to 5."))
    return score


def existing(deal_id, rater_org_id, key):
    return db.session.scalar(select(Rating).where(
        Rating.deal_id == deal_id, Rating.rater_org_id == rater_org_id,
        Rating.target_key == key))


def _net_points(rating):
    """The points the rating's events currently give its target."""
    return db.session.scalar(select(func.coalesce(func.sum(CreditEvent.points), 0)).where(
        CreditEvent.entity == "rating", CreditEvent.entity_id == rating.id)) or 0


def _credit(rating, target, actor, earlier_kind):
    """Record the rating's credit event; when a change moves it to another kind, first
    reverse what the earlier one gave (a "rating_withdrawn" of the opposite points)."""
    kind = event_kind(rating.score)
    if kind == earlier_kind:
        return
    if earlier_kind is not None:
        record_event("rating_withdrawn", entity="rating", entity_id=rating.id, actor=actor,
                     points=-_net_points(rating), **target.column)
    if kind is not None:
        record_event(kind, entity="rating", entity_id=rating.id, actor=actor, **target.column)


def _notify(rating, target, deal, changed):
    users = (members(target.id) if target.kind == "org"
             else [u for u in [db.session.get(User, target.id)] if u is not None and u.active])
    message = (N_("%(rater)s changed its rating of you for the deal %(title)s to %(score)s "
                  "of 5.") if changed else
               N_("%(rater)s rated you %(score)s of 5 for the deal %(title)s."))
    notify(users, message, link=f"/deals/{deal.id}#ratings", rater=rating.rater_org.name,
           title=deal.title or deal.confirmation_number, score=rating.score)


def rate(deal_id, actor, target_key, score, comment=""):
    """Give or change the rating of `target_key` by the actor's organisation on a deal;
    returns (rating, created). 404 for who may not see the deal, 403 for who is not a party,
    409 once the rating may no longer be changed."""
    deal = deals.get_visible(deal_id, actor)
    if not is_rater(actor, deal):
        raise PermissionDenied(_l("Only the seller and the buyer of a deal rate it."))
    org_id = actor.organization_id
    target = _target(deal, org_id, target_key)
    errors = FieldErrors()
    score = _score(errors, score)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors.add("comment", _l("At most %(n)d characters.", n=COMMENT_MAX))
    errors.raise_if_any()
    moment = clock.now()
    rating = existing(deal.id, org_id, target.key)
    created = rating is None
    if not created:
        if not is_editable(rating, moment):
            raise Conflict(_l(
                "A rating can be changed for %(days)d days after it is given; this one was "
                "given on %(date)s and can no longer be changed.", days=RATING_EDIT_DAYS,
                date=rating.created_at.astimezone(clock.LOCAL_TZ).date().isoformat()))
        earlier_kind, old = event_kind(rating.score), (rating.score, rating.comment)
        rating.score, rating.comment = score, comment
        rating.rater_user_id, rating.updated_at = actor.id, moment
        audit.record("rating", rating.id, "edit", actor, deal_id=deal.id, target=target.key,
                     old_score=old[0], new_score=score,
                     **({"old_comment": old[1]} if old[1] != comment else {}))
    else:
        earlier_kind = None
        rating = Rating(deal_id=deal.id, rater_org_id=org_id, rater_user_id=actor.id,
                        target_kind=target.kind, target_key=target.key,
                        target_org_id=target.id if target.kind == "org" else None,
                        target_broker_id=target.id if target.kind == "broker" else None,
                        score=score, comment=comment, created_at=moment, updated_at=moment)
        db.session.add(rating)
        try:
            db.session.flush()
        except IntegrityError:  # a colleague rated the same target at the same moment
            db.session.rollback()
            raise Conflict(_l("Your organisation has just rated them; reload the page to "
                              "see the rating.")) from None
        audit.record("rating", rating.id, "create", actor, deal_id=deal.id,
                     target=target.key, score=score)
    _credit(rating, target, actor, earlier_kind)
    _notify(rating, target, deal, changed=not created)
    db.session.commit()
    return rating, created


# --- reading ---------------------------------------------------------------------------------

def on_deal(deal):
    """Every rating given on a deal, oldest first."""
    return db.session.scalars(select(Rating).where(Rating.deal_id == deal.id)
                              .order_by(Rating.created_at, Rating.id)).all()


def received(org_id=None, broker_id=None):
    """SELECT of the ratings an organisation or a broker (user id) received, newest first."""
    column = Rating.target_org_id if org_id is not None else Rating.target_broker_id
    return select(Rating).where(column == (org_id if org_id is not None else broker_id)) \
        .order_by(Rating.created_at.desc(), Rating.id.desc())


def summary(org_id=None, broker_id=None):
    """(average score or None, count) of the ratings received."""
    column = Rating.target_org_id if org_id is not None else Rating.target_broker_id
    average, count = db.session.execute(select(func.avg(Rating.score), func.count(Rating.id))
                                        .where(column == (org_id if org_id is not None
                                                          else broker_id))).one()
    return (round(float(average), 1) if average is not None else None), count


def target_name(rating):
    return (rating.target_org.name if rating.target_kind == "org"
            else display_name(rating.target_broker))


def given_to(actor, deal):
    """The ratings on `deal` received by the actor's organisation, or by the actor as a
    broker."""
    conditions = [Rating.target_broker_id == actor.id]
    if actor.organization_id is not None:
        conditions.append(Rating.target_org_id == actor.organization_id)
    return db.session.scalars(select(Rating).where(Rating.deal_id == deal.id, or_(*conditions))
                              .order_by(Rating.created_at, Rating.id)).all()


def for_deal_page(deal, actor):
    """What a viewer of the deal sees of its ratings: the targets its organisation may rate
    with its rating of each (a party), the ratings it received, and for officers every
    rating."""
    rows = []
    if is_rater(actor, deal):
        for target in targets(deal, actor.organization_id):
            rating = existing(deal.id, actor.organization_id, target.key)
            rows.append({"target": target, "rating": rating,
                         "editable": rating is None or is_editable(rating),
                         "until": editable_until(rating) if rating else None})
    return {"rows": rows, "received": given_to(actor, deal),
            "all": on_deal(deal) if getattr(actor, "is_officer", False) else []}
